"""Open-data products built from the database: full dumps and availability statistics."""
