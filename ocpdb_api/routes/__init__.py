"""Starlette routes, one module per concern."""
