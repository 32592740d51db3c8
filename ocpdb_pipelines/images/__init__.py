"""Downloading the images sources reference into the public image directory."""
