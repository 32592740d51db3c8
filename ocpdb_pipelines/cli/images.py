"""`ocpdb import images [UID]`: the `images/download` asset as a Dagster materialization."""

from __future__ import annotations

import sys

import click

from ocpdb_pipelines.cli.main import _materialize
from ocpdb_pipelines.defs.images import IMAGES_KEY


@click.command('images')
@click.argument('uid', required=False)
def import_images(uid: str | None) -> None:
    """Download new and changed images (only those of source UID, if given)."""
    if uid is not None:
        from ocpdb_pipelines.sources.registry import REGISTRY

        if uid not in REGISTRY:
            raise click.ClickException(f'unknown source uid {uid!r}; `ocpdb source list` shows the known ones')
    run_config = {'ops': {IMAGES_KEY.to_python_identifier(): {'config': {'source_uid': uid}}}}
    if not _materialize([IMAGES_KEY], run_config, tags={'ocpdb/source': uid} if uid else None):
        sys.exit(1)
