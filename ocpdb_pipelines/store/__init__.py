"""Persisting the common model in PostGIS: set-based, one transaction per source run."""
