"""Full open-data dumps (GeoParquet, CSV, newline-delimited GeoJSON) written as atomic generations."""
