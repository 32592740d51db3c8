"""mkdocs hooks (mkdocs.yml `hooks:`): add the generated pages of scripts/gen_docs.py to every build.

The pages exist only in the build (nothing generated is committed), so they always match the registry,
the settings models and bench/RESULTS-*.md of the checkout being built.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

_GENERATOR = Path(__file__).with_name('gen_docs.py')


def _load_generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location('ocpdb_gen_docs', _GENERATOR)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def on_files(files: Files, config: MkDocsConfig) -> Files:
    for name, text in _load_generator().generated_pages().items():
        existing = files.get_file_from_path(name)
        if existing is not None:
            raise ValueError(f'docs/{name} is generated at build time: remove the committed file')
        files.append(File.generated(config, name, content=text))
    return files
