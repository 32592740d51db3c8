"""Pushed inputs (giro-e PUT/DELETE/PATCH, DATEX II realtime push, BNetzA upload).

The API's server receivers validate a request, land it durably (`ocpdb_pipelines.landing`) and only
then acknowledge it. This package holds what both sides share: request validation, the per-source
apply lock, and the appliers that turn landed payloads into database changes (called by the sources'
sensors, and by the DATEX receiver for small deltas).
"""
