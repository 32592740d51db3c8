"""JSON shapes of the API (dicts ready for orjson)."""
