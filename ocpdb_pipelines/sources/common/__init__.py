"""Helpers shared by the JSON source families: value readers, pulls with conditional requests."""
