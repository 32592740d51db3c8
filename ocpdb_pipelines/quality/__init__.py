"""Checks on incoming records that decide whether they are stored at all (not the after-the-fact asset checks)."""
