"""DATEX II 3.5 / 3.7 (AFIR energy infrastructure) sources pulled from the Mobilithek."""
