"""Goldbeck IPCM charging-stations API (heilbronn_neckarbogen)."""
