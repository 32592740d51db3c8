"""Bundesnetzagentur Ladesäulenregister: JSON API (bnetza_api) and Excel register (bnetza_excel)."""
