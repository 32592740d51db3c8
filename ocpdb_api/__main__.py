"""`python -m ocpdb_api [--host H] [--port P]`; the `ocpdb api` CLI calls `serve()`."""

from __future__ import annotations

import argparse

import uvicorn

from ocpdb_api.app import create_app
from ocpdb_pipelines.config import Settings, get_settings


def serve(settings: Settings | None = None, host: str = '127.0.0.1', port: int = 8000, workers: int = 1) -> None:
    """Run the API with uvicorn (one process; use workers > 1 only through an import string)."""
    # proxy headers are the app's job (TRUSTED_PROXIES): it also takes X-Forwarded-Host, which uvicorn ignores
    options = {'host': host, 'port': port, 'access_log': False, 'proxy_headers': False}
    if workers > 1:
        uvicorn.run('ocpdb_api.asgi:app', workers=workers, **options)
        return
    uvicorn.run(create_app(settings or get_settings()), **options)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog='ocpdb-api', description='Serve the OCPDB read API and map.')
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, default=8000)
    parser.add_argument('--workers', type=int, default=1)
    args = parser.parse_args(argv)
    serve(host=args.host, port=args.port, workers=args.workers)


if __name__ == '__main__':
    main()
