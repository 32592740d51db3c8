"""Lichtblick (chargeIT-style `operator.operatorPlaces` JSON)."""
