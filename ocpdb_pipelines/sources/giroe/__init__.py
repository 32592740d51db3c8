"""giro-e (GLS Mobility) custom REST backend: pull of locations and connector statuses."""
