"""The Dagster layer: assets, checks, schedules, sensors and resources wiring the plain-Python domain."""
