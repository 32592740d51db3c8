"""The project configuration: one typed model per concern (models.py), loaded from config.yaml and the
`OCPDB_` environment by pydantic-settings (layers.py, loading.py), with the flat keys of earlier
layouts read through one alias table (aliases.py). Per-source keys are typed by the source registry
(`ocpdb_pipelines.sources.options`): this package imports nothing of the sources.
"""

from ocpdb_pipelines.config.errors import ConfigError
from ocpdb_pipelines.config.loading import current_settings, get_settings, load_settings
from ocpdb_pipelines.config.models import CONCERNS, PROJECT_ROOT, ServerUser, Settings

__all__ = [
    'CONCERNS',
    'PROJECT_ROOT',
    'ConfigError',
    'ServerUser',
    'Settings',
    'current_settings',
    'get_settings',
    'load_settings',
]
