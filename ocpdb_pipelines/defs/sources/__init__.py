"""One static asset (and a realtime asset where the source has live data), a schedule and a sensor
per registered source."""
