"""Codemod: flat settings keys -> the nested configuration tree (issue 15).

    uv run python scripts/codemods/nested_settings.py [--check] [--no-format] [PATH ...]

PATHS default to the project's code, tests, benchmarks, scripts, docs and deploy files. The mapping is
the alias table of the configuration itself (`ocpdb_pipelines.config.aliases.FLAT_KEYS`), so code and
config.yaml cannot disagree. What it rewrites, by AST positions (Python) or whole words (other text):

- `<settings>.HTTP_RETRIES` -> `<settings>.http.retries`; a secret gets `.get_secret_value()`
  (`settings.DATABASE_URL` -> `settings.database.url.get_secret_value()`); `getattr(<settings>, 'KEY')`
  the same. `<settings>` is an expression that holds Settings: a name containing "settings", a name
  assigned from or annotated as one, `get_settings()`/`current_settings()`/`load_settings(...)`,
  `x.settings`/`x.settings()`, `<settings>.with_values(...)`/`.model_copy(...)`.
- `<settings>.model_copy(update={'HTTP_RETRIES': 0, 'SOURCES': s})` ->
  `<settings>.with_values(http={'retries': 0}, sources=s)`; a non-literal `update=u` -> `with_values(**u)`
  (its flat keys still work through the alias table).
- in files that import `SourceConfig` from `ocpdb_pipelines.config`: `SourceConfig(...)` -> `dict(...)`
  (config carries source entries as mappings; `ocpdb_pipelines.sources.options.options_for` types
  them) and the import moves to `ocpdb_pipelines.sources.options` or goes.
- in other text (docs, shell), `load_settings().LOGGING`-style access the same way (by a regex).
- environment names: `'OCPDB_HTTP_RETRIES'` -> `'OCPDB_HTTP__RETRIES'`, in Python strings and other text;
  in Markdown a key in backticks: `` `HTTP_RETRIES` `` -> `` `http.retries` ``. Plain `DATABASE_URL`/`REDIS_URL`
  stay (they remain supported). Flat keys in YAML (config files, examples in the docs) are left: they work
  through the alias table, with a warning.

It is idempotent (nothing it writes matches again) and path-agnostic (it finds files by content, not
by module names). A file containing the marker `nested-settings-codemod: skip` is left alone (the alias
table, its docs and tests). At the end it lists what it could not decide: flat keys on receivers it
does not know as settings, flat keys in other string literals, optional secrets to unwrap by hand,
and assignments to settings attributes. Changed Python files are formatted with ruff.
"""

from __future__ import annotations

import argparse
import ast
import re
import subprocess
import sys
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pydantic import BaseModel, SecretStr  # noqa: E402

from ocpdb_pipelines.config import Settings  # noqa: E402
from ocpdb_pipelines.config.aliases import FLAT_KEYS, env_name  # noqa: E402

SKIP_MARKER = 'nested-settings-codemod: skip'
DEFAULT_PATHS = ('ocpdb_pipelines', 'ocpdb_api', 'tests', 'bench', 'scripts', 'tools', 'docs', 'deploy', 'docker')
DEFAULT_FILES = ('README.md', 'docker-compose.yml', 'Dockerfile', 'Makefile')
TEXT_SUFFIXES = {'.md', '.yaml', '.yml', '.sh', '.toml', '.cfg', '.ini', '.txt', '.env', '.json', '.tpl'}
SKIP_DIRS = {'.venv', 'node_modules', '.git', '__pycache__', 'data', '.ocpdb', 'site'}
SETTINGS_FUNCTIONS = {'get_settings', 'current_settings', 'load_settings'}
SETTINGS_METHODS = {'settings', 'with_values', 'model_copy'}
PLAIN_NAMES = {'DATABASE_URL', 'REDIS_URL'}


def _secret_kind(annotation: object) -> str | None:
    if annotation is SecretStr:
        return 'required'
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and SecretStr in typing.get_args(annotation):
        return 'optional'
    return None


def _secret_paths() -> dict[str, str]:
    kinds: dict[str, str] = {}
    for name, info in Settings.model_fields.items():
        model = info.annotation
        if isinstance(model, type) and issubclass(model, BaseModel):
            for inner, inner_info in model.model_fields.items():
                kind = _secret_kind(inner_info.annotation)
                if kind:
                    kinds[f'{name}.{inner}'] = kind
    return kinds


MAPPING = {key: path for key, path in FLAT_KEYS.items() if path is not None}
SECRETS = _secret_paths()
ENV_RENAMES = {f'OCPDB_{key}': env_name(path) for key, path in MAPPING.items() if env_name(path) != f'OCPDB_{key}'}
PRODUCERS: set[str] = set()
ENV_PATTERN = re.compile(r'\b(' + '|'.join(sorted(map(re.escape, ENV_RENAMES), key=len, reverse=True)) + r')\b(?!__)')


def _shown(path: Path) -> Path:
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


@dataclass
class Report:
    changed: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # notes about a rewrite made (kept across passes; the others are re-taken on the final pass)
    rewrites: list[str] = field(default_factory=list)

    def note(self, path: Path, line: int, text: str, *, rewrite: bool = False) -> None:
        entry = f'{_shown(path)}:{line}: {text}'
        (self.rewrites if rewrite else self.notes).append(entry)


@dataclass(order=True)
class Edit:
    start: int
    end: int
    text: str = field(compare=False)


class Source:
    """A Python file's bytes with ast positions turned into byte offsets."""

    def __init__(self, text: str) -> None:
        self.data = text.encode()
        self.line_starts = [0]
        for index, byte in enumerate(self.data):
            if byte == 0x0A:
                self.line_starts.append(index + 1)

    def offset(self, line: int, col: int) -> int:
        return self.line_starts[line - 1] + col

    def span(self, node: ast.AST) -> tuple[int, int]:
        return (
            self.offset(node.lineno, node.col_offset),  # type: ignore[attr-defined]
            self.offset(node.end_lineno, node.end_col_offset),  # type: ignore[attr-defined]
        )

    def text(self, node: ast.AST) -> str:
        start, end = self.span(node)
        return self.data[start:end].decode()


def _annotation_names_settings(annotation: ast.AST | None) -> bool:
    if annotation is None:
        return False
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        return re.search(r'\bSettings\b', annotation.value) is not None
    return any(isinstance(n, ast.Name) and n.id == 'Settings' for n in ast.walk(annotation)) or any(
        isinstance(n, ast.Attribute) and n.attr == 'Settings' for n in ast.walk(annotation)
    )


def settings_producers(trees: list[ast.AST]) -> set[str]:
    """Functions that give Settings anywhere: declared `-> Settings`, or returning/yielding a settings expression
    (pytest fixtures among them: a parameter of that name holds one)."""
    for _ in range(3):
        before = set(PRODUCERS)
        for tree in trees:
            names = SettingsNames(tree)
            for node in ast.walk(tree):
                if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    continue
                gives = [n.value for n in ast.walk(node) if isinstance(n, (ast.Return, ast.Yield)) and n.value]
                if _annotation_names_settings(node.returns) or any(names.holds(v) for v in gives):
                    PRODUCERS.add(node.name)
        if before == PRODUCERS:
            break
    return set(PRODUCERS)


class SettingsNames:
    """Which expressions of a module hold Settings."""

    def __init__(self, tree: ast.AST) -> None:
        self.names: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.arg) and (_annotation_names_settings(node.annotation) or node.arg in PRODUCERS):
                self.names.add(node.arg)
            if (
                isinstance(node, ast.AnnAssign)
                and isinstance(node.target, ast.Name)
                and _annotation_names_settings(node.annotation)
            ):
                self.names.add(node.target.id)
        changed = True
        while changed:
            changed = False
            for node in ast.walk(tree):
                targets: list[ast.AST] = []
                value: ast.AST | None = None
                if isinstance(node, ast.Assign):
                    targets, value = node.targets, node.value
                elif isinstance(node, (ast.AnnAssign, ast.NamedExpr)) and node.value is not None:
                    targets, value = [node.target], node.value
                elif isinstance(node, ast.withitem) and node.optional_vars is not None:
                    targets, value = [node.optional_vars], node.context_expr
                if value is None or not self.holds(value):
                    continue
                for target in targets:
                    if isinstance(target, ast.Name) and target.id not in self.names:
                        self.names.add(target.id)
                        changed = True

    def holds(self, node: ast.AST) -> bool:
        if isinstance(node, ast.Name):
            return node.id in self.names or (
                'settings' in node.id.lower() and node.id not in ('Settings', 'ApiSettings')
            )
        if isinstance(node, ast.Attribute):
            return 'settings' in node.attr.lower() and node.attr != 'ApiSettings'
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name):
                return func.id in SETTINGS_FUNCTIONS or func.id == 'Settings' or func.id in PRODUCERS
            if isinstance(func, ast.Attribute):
                if func.attr in SETTINGS_FUNCTIONS or func.attr == 'settings':
                    return True
                if func.attr in ('with_values', 'model_copy'):
                    return self.holds(func.value)
        if isinstance(node, ast.BoolOp):
            return any(self.holds(v) for v in node.values)
        if isinstance(node, ast.IfExp):
            return self.holds(node.body) or self.holds(node.orelse)
        return False


def _access(path: str) -> str:
    return path + ('.get_secret_value()' if SECRETS.get(path) == 'required' else '')


def _with_values_arguments(source: Source, mapping: ast.Dict) -> str | None:
    """`{'HTTP_RETRIES': 0, **x}` as with_values arguments, or None when a key is not a literal."""
    groups: dict[str, list[str]] = {}
    plain: list[str] = []
    for key, value in zip(mapping.keys, mapping.values, strict=True):
        value_text = source.text(value)
        if key is None:
            plain.append(f'**{value_text}')
            continue
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
            return None
        path = MAPPING.get(key.value, key.value)
        head, _, rest = path.partition('.')
        if not head.isidentifier():
            return None
        if rest:
            groups.setdefault(head, []).append(f'{rest!r}: {value_text}')
        else:
            plain.append(f'{head}={value_text}')
    concern_args = [f'{head}={{{", ".join(items)}}}' for head, items in groups.items()]
    return ', '.join(concern_args + plain)


def _python_edits(path: Path, source: Source, tree: ast.AST, report: Report) -> list[Edit]:
    names = SettingsNames(tree)
    edits: list[Edit] = []
    imports_source_config = any(
        isinstance(node, ast.ImportFrom)
        and node.module == 'ocpdb_pipelines.config'
        and any(alias.name == 'SourceConfig' for alias in node.names)
        for node in ast.walk(tree)
    )
    needs_import = False
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in MAPPING:
            if not names.holds(node.value):
                if node.attr not in ('SOURCES',) or 'settings' in source.text(node.value).lower():
                    report.note(path, node.lineno, f'{source.text(node)}: receiver not known as settings, left')
                continue
            if isinstance(node.ctx, ast.Store):
                report.note(path, node.lineno, f'{source.text(node)}: assignment to a settings key, left')
                continue
            target = MAPPING[node.attr]
            start, end = source.span(node)
            edits.append(Edit(end - len(node.attr.encode()), end, _access(target)))
            if SECRETS.get(target) == 'optional':
                report.note(
                    path,
                    node.lineno,
                    f'{node.attr} -> {target}: optional secret (SecretStr | None), unwrap',
                    rewrite=True,
                )
        elif isinstance(node, ast.Call):
            func = node.func
            if (
                isinstance(func, ast.Name)
                and func.id == 'getattr'
                and len(node.args) == 2
                and names.holds(node.args[0])
                and isinstance(node.args[1], ast.Constant)
                and node.args[1].value in MAPPING
            ):
                start, end = source.span(node)
                text = f'{source.text(node.args[0])}.{_access(MAPPING[node.args[1].value])}'
                edits.append(Edit(start, end, text))
            elif isinstance(func, ast.Attribute) and func.attr == 'model_copy' and names.holds(func.value):
                if node.args or any(k.arg not in ('update',) for k in node.keywords):
                    report.note(path, node.lineno, 'model_copy with other arguments than update=, left')
                    continue
                if not node.keywords:
                    continue
                update = node.keywords[0].value
                if isinstance(update, ast.Dict):
                    arguments = _with_values_arguments(source, update)
                    if arguments is None:
                        report.note(path, node.lineno, 'model_copy(update=...) with a non-literal key, left')
                        continue
                else:
                    arguments = f'**{source.text(update)}'
                start, end = source.span(node)
                edits.append(Edit(start, end, f'{source.text(func.value)}.with_values({arguments})'))
            elif (
                isinstance(func, ast.Attribute)
                and func.attr == 'source'
                and names.holds(func.value)
                and len(node.args) == 1
                and not node.keywords
            ):
                start, end = source.span(node)
                edits.append(
                    Edit(start, end, f'source_options({source.text(func.value)}, {source.text(node.args[0])})')
                )
                needs_import = True
            elif imports_source_config and isinstance(func, ast.Name) and func.id == 'SourceConfig':
                start, end = source.span(node)
                edits.append(Edit(start, end, _mapping_literal(source, node)))
                report.note(
                    path,
                    node.lineno,
                    'SourceConfig(...) -> dict(...): type it where a typed one is needed (sources.options.options_for)',
                    rewrite=True,
                )
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if node.value in ENV_RENAMES:
                start, end = source.span(node)
                quote = source.data[start : start + 1].decode()
                if quote in ('"', "'") and source.data[end - 1 : end].decode() == quote:
                    edits.append(Edit(start, end, f'{quote}{ENV_RENAMES[node.value]}{quote}'))
            elif node.value in MAPPING and node.value not in PLAIN_NAMES:
                report.note(path, node.lineno, f'string {node.value!r}: a flat key, works through the alias table')
    if edits:
        # imports change last: a SourceConfig call rewritten in this pass may hide another one inside it
        imports_source_config = False
    if needs_import and not _imports_name(tree, 'source_options'):
        edits.append(_import_edit(source, tree, 'from ocpdb_pipelines.sources.options import source_options'))
    # a SourceConfig name that is not a call (annotation, isinstance) keeps the class, from its new home
    calls = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    if imports_source_config:
        source_config_elsewhere = any(
            isinstance(n, ast.Name) and n.id == 'SourceConfig' and id(n) not in calls for n in ast.walk(tree)
        )
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == 'ocpdb_pipelines.config':
                kept = [a for a in node.names if a.name != 'SourceConfig']
                if len(kept) == len(node.names):
                    continue
                indent = ' ' * node.col_offset
                lines = []
                if kept:
                    listed = ', '.join(a.name + (f' as {a.asname}' if a.asname else '') for a in kept)
                    lines.append(f'from ocpdb_pipelines.config import {listed}')
                if source_config_elsewhere:
                    lines.append('from ocpdb_pipelines.sources.options import SourceConfig')
                start, end = source.span(node)
                # a trailing comment (a noqa for E402, say) holds for every import line written
                line_end = source.data.find(b'\n', end)
                rest = source.data[end : line_end if line_end >= 0 else len(source.data)].decode()
                comment = rest if rest.strip().startswith('#') else ''
                text = f'{comment}\n{indent}'.join(lines) if lines else 'pass' if _only_statement(tree, node) else ''
                if not text:
                    # drop the whole line
                    line_start = source.line_starts[node.lineno - 1]
                    end = source.line_starts[node.end_lineno] if node.end_lineno < len(source.line_starts) else end
                    start = line_start
                edits.append(Edit(start, end, text))
    return edits


def _mapping_literal(source: Source, call: ast.Call) -> str:
    """`SourceConfig(a=1, **m)` as `{'a': 1, **m}`; `SourceConfig(**m)` as `dict(m)`."""
    if not call.args and len(call.keywords) == 1 and call.keywords[0].arg is None:
        return f'dict({source.text(call.keywords[0].value)})'
    items = [
        f'{keyword.arg!r}: {source.text(keyword.value)}' if keyword.arg else f'**{source.text(keyword.value)}'
        for keyword in call.keywords
    ]
    return '{' + ', '.join(items) + '}'


def _imports_name(tree: ast.AST, name: str) -> bool:
    return any(
        isinstance(node, ast.ImportFrom) and any((a.asname or a.name) == name for a in node.names)
        for node in ast.walk(tree)
    )


def _import_edit(source: Source, tree: ast.Module, statement: str) -> Edit:
    """Insert an import after the module's last top-level import (ruff's isort puts it in place)."""
    imports = [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
    if imports:
        position = (
            source.line_starts[imports[-1].end_lineno]
            if imports[-1].end_lineno < len(source.line_starts)
            else len(source.data)
        )
        return Edit(position, position, statement + '\n')
    return Edit(0, 0, statement + '\n')


def _only_statement(tree: ast.AST, node: ast.stmt) -> bool:
    for parent in ast.walk(tree):
        for name in ('body', 'orelse', 'finalbody'):
            body = getattr(parent, name, None)
            if isinstance(body, list) and node in body:
                return len(body) == 1
    return False


def _apply(data: bytes, edits: list[Edit]) -> bytes:
    """Apply the outermost of overlapping edits (the inner ones follow on the next pass)."""
    chosen: list[Edit] = []
    for edit in sorted(edits, key=lambda e: (e.start, -e.end)):
        if chosen and edit.start < chosen[-1].end:
            continue
        chosen.append(edit)
    out = bytearray()
    position = 0
    for edit in chosen:
        out += data[position : edit.start] + edit.text.encode()
        position = edit.end
    out += data[position:]
    return bytes(out)


def rewrite_python(path: Path, text: str, report: Report) -> str:
    for _ in range(8):
        source = Source(text)
        tree = ast.parse(text, filename=str(path))
        notes_before = len(report.notes)
        edits = _python_edits(path, source, tree, report)
        if not edits:
            return text
        del report.notes[notes_before:]  # notes are taken from the final pass
        text = _apply(source.data, edits).decode()
    raise RuntimeError(f'{path}: the rewrite does not settle')


MARKDOWN_KEY = re.compile(r'`(' + '|'.join(sorted(map(re.escape, MAPPING), key=len, reverse=True)) + r')`')


TEXT_ACCESS = re.compile(
    r'\b((?:get_settings|current_settings|load_settings)\([^()]*\)|\w*settings)\.('
    + '|'.join(sorted(map(re.escape, MAPPING), key=len, reverse=True))
    + r')\b'
)


def rewrite_text(text: str, *, markdown: bool = False) -> str:
    text = ENV_PATTERN.sub(lambda m: ENV_RENAMES[m.group(1)], text)
    # code in docs (examples, heredocs): `load_settings().LOGGING` -> `load_settings().logging`
    text = TEXT_ACCESS.sub(lambda m: f'{m.group(1)}.{_access(MAPPING[m.group(2)])}', text)
    if markdown:
        # prose names a key in backticks: `HTTP_RETRIES` -> `http.retries` (plain DATABASE_URL/REDIS_URL stay)
        text = MARKDOWN_KEY.sub(lambda m: m.group(0) if m.group(1) in PLAIN_NAMES else f'`{MAPPING[m.group(1)]}`', text)
    return text


def _files(paths: list[Path]) -> list[Path]:
    found = []
    for path in paths:
        if path.is_file():
            found.append(path)
            continue
        for candidate in sorted(path.rglob('*')):
            if any(part in SKIP_DIRS for part in candidate.relative_to(path).parts) or not candidate.is_file():
                continue
            if candidate.suffix == '.py' or candidate.suffix in TEXT_SUFFIXES or candidate.name == 'Dockerfile':
                found.append(candidate)
    return found


def run(paths: list[Path], *, check: bool, format_code: bool) -> Report:
    report = Report()
    this_file = Path(__file__).resolve()
    files = _files(paths)
    trees = []
    for path in files:
        if path.suffix == '.py':
            try:
                trees.append(ast.parse(path.read_text(encoding='utf-8')))
            except (SyntaxError, UnicodeDecodeError):
                continue
    PRODUCERS.clear()
    settings_producers(trees)
    for path in files:
        if path.resolve() == this_file:
            continue
        try:
            text = path.read_text(encoding='utf-8')
        except UnicodeDecodeError:
            continue
        if SKIP_MARKER in text or path.name.startswith('RESULTS-'):
            continue  # marked, or a record of a past measurement (bench/RESULTS-*.md) that stays as written
        new = rewrite_python(path, text, report) if path.suffix == '.py' else text
        new = rewrite_text(new, markdown=path.suffix == '.md') if path.suffix != '.py' else new
        if new != text:
            report.changed.append(path)
            if not check:
                path.write_text(new, encoding='utf-8')
    python = [str(p) for p in report.changed if p.suffix == '.py']
    if python and format_code and not check:
        ruff = [sys.executable, '-m', 'ruff']
        subprocess.run([*ruff, 'check', '--quiet', '--fix', '--select', 'I,F401', *python], check=False, cwd=ROOT)
        subprocess.run([*ruff, 'format', '--quiet', *python], check=False, cwd=ROOT)
    return report


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('paths', nargs='*', type=Path)
    parser.add_argument('--check', action='store_true', help='only list what would change; exit 1 if anything')
    parser.add_argument('--no-format', action='store_true', help='do not run ruff format on changed files')
    args = parser.parse_args(argv)
    paths = args.paths or [ROOT / p for p in DEFAULT_PATHS + DEFAULT_FILES if (ROOT / p).exists()]
    report = run([p.resolve() for p in paths], check=args.check, format_code=not args.no_format)
    for path in report.changed:
        print(f'{"would change" if args.check else "changed"}: {_shown(path)}')
    for title, notes in (('rewrites to check', report.rewrites), ('left as they are', report.notes)):
        if notes:
            print(f'\n{len(notes)} {title}:')
            for note in notes:
                print(f'  {note}')
    return 1 if args.check and report.changed else 0


if __name__ == '__main__':
    raise SystemExit(main(sys.argv[1:]))
