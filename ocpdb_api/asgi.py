"""ASGI entry point for process managers: `uvicorn ocpdb_api.asgi:app` (settings from config/environment)."""

from ocpdb_api.app import create_app

app = create_app()
