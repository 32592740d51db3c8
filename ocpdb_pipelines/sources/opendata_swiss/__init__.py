"""opendata_swiss: the Swiss BFE charging stations in OICP-style JSON (static records, live statuses)."""
