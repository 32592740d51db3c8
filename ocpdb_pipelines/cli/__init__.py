"""The `ocpdb` command line. Imports and pushes run as Dagster materializations recorded in the instance."""

from ocpdb_pipelines.cli.main import main

__all__ = ['main']
