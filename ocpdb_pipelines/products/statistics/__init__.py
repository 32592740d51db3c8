"""Availability statistics from evse_status_history, one local day at a time."""
