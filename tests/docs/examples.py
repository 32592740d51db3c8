"""The runnable examples of the docs: how they are marked, parsed and compared.

A fenced block preceded by an HTML comment is an example (the comment does not show on the site):

- `<!-- doctest: shell -->` before a console block: lines starting with `$ ` are commands (a trailing
  backslash continues one; a here-document `<<'EOF'` ... `EOF` belongs to its command), the lines up
  to the next command are its expected output, compared line by line with runs of whitespace as one
  space: `...` inside a line matches any text of that line, a line of only `...` any number of
  lines (also none). A command must
  exit 0, or N with `<!-- doctest: shell exit=N -->`.
- `<!-- doctest: http -->` before an http block: a request (request line, headers, blank line, body),
  then the response from the line `HTTP/1.1 <status>` on: every header shown must be in the answer,
  and a JSON body shown must be contained in the answer's (objects: the keys shown; lists: the first
  elements; the string "..." matches anything). Responses in the docs are shortened this way.
- `<!-- doctest: config -->` before a YAML block: merged into the configuration the page's later
  examples run with (and validated by `load_settings`).
- `<!-- doctest: skip REASON -->`: shown, not run; REASON says why (only for what cannot run in the
  suite, such as `make demo` itself or `docker compose`).

Every console/sh/bash/http block in docs/ must carry one of these marks (tests/docs/test_examples.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

DOCS = Path(__file__).resolve().parents[2] / 'docs'
COMMAND_LANGUAGES = {'console', 'sh', 'bash', 'shell', 'http'}
KINDS = {'shell', 'http', 'config', 'skip'}

_FENCE = re.compile(r'^(?P<indent>[ \t]*)```(?P<lang>[\w-]*)[^\n]*\n(?P<body>.*?)^(?P=indent)```[ \t]*$', re.M | re.S)
_MARK = re.compile(r'<!--\s*doctest:\s*(?P<kind>\w+)(?P<arg>[^>]*?)\s*-->\s*$')


@dataclass
class Block:
    page: str
    line: int
    language: str
    body: str
    kind: str | None  # shell | http | config | skip | None (not marked)
    argument: str = ''

    @property
    def where(self) -> str:
        return f'docs/{self.page}:{self.line}'


def blocks(path: Path) -> list[Block]:
    text = path.read_text(encoding='utf-8')
    found = []
    for match in _FENCE.finditer(text):
        before = text[: match.start()].rstrip().rsplit('\n', 1)[-1]
        mark = _MARK.search(before)
        indent = match['indent']
        body = '\n'.join(line[len(indent) :] for line in match['body'].rstrip('\n').split('\n'))
        found.append(
            Block(
                page=path.relative_to(DOCS).as_posix(),
                line=text.count('\n', 0, match.start()) + 1,
                language=match['lang'],
                body=body,
                kind=mark['kind'] if mark else None,
                argument=mark['arg'].strip() if mark else '',
            )
        )
    return found


def all_pages() -> list[Path]:
    return sorted(DOCS.rglob('*.md'))


# --- shell ------------------------------------------------------------------------------------------


@dataclass
class Command:
    command: str
    expected: str


_HEREDOC = re.compile(r"<<-?\s*'?(?P<end>\w+)'?")


def commands(block: Block) -> list[Command]:
    result: list[Command] = []
    lines = block.body.split('\n')
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.startswith('$ '):
            if line.strip() and not result:
                raise ValueError(f'{block.where}: output before the first `$ ` command: {line!r}')
            if result:
                result[-1].expected += line + '\n'
            i += 1
            continue
        command = line[2:]
        while command.endswith('\\') and i + 1 < len(lines):
            i += 1
            command = command[:-1] + ' ' + lines[i].strip()
        if heredoc := _HEREDOC.search(command):
            # the here-document's lines up to its delimiter belong to the command
            while i + 1 < len(lines):
                i += 1
                command += '\n' + lines[i]
                if lines[i].strip() == heredoc['end']:
                    break
        result.append(Command(command, ''))
        i += 1
    return result


def _normalized(text: str) -> list[str]:
    return [' '.join(line.split()) for line in text.strip().splitlines()]


def output_matches(expected: str, actual: str) -> bool:
    """Line by line, whitespace runs as one space; `...` in a line matches any text in that line, a
    line of only `...` any number of lines (also none)."""
    pattern = ''
    for line in _normalized(expected):
        if line == '...':
            pattern += r'(?:[^\n]*\n)*?'
        else:
            pattern += '[^\n]*?'.join(re.escape(part) for part in line.split('...')) + r'\n'
    text = ''.join(line + '\n' for line in _normalized(actual))
    return re.fullmatch(pattern, text) is not None


# --- http -------------------------------------------------------------------------------------------


@dataclass
class HttpExample:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    status: int
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: str = ''


def _head_and_body(lines: list[str]) -> tuple[list[str], str]:
    if '' in lines:
        cut = lines.index('')
        return lines[:cut], '\n'.join(lines[cut + 1 :]).strip()
    return lines, ''


def _headers(lines: list[str], where: str) -> dict[str, str]:
    headers = {}
    for line in lines:
        name, sep, value = line.partition(':')
        if not sep:
            raise ValueError(f'{where}: not a header line: {line!r}')
        headers[name.strip().lower()] = value.strip()
    return headers


def http_example(block: Block) -> HttpExample:
    lines = block.body.split('\n')
    starts = [i for i, line in enumerate(lines) if line.startswith('HTTP/1.1 ')]
    if not starts:
        raise ValueError(f'{block.where}: an http example needs a response line `HTTP/1.1 <status>`')
    request, response = lines[: starts[0]], lines[starts[0] :]
    while request and not request[-1].strip():
        request.pop()
    head, body = _head_and_body(request)
    method, path, *_ = head[0].split()
    status_line, *rest = response
    response_head, response_body = _head_and_body(rest)
    return HttpExample(
        method=method,
        path=path,
        headers=_headers(head[1:], block.where),
        body=body.encode(),
        status=int(status_line.split()[1]),
        response_headers=_headers(response_head, block.where),
        response_body=response_body,
    )


def contained(expected: Any, actual: Any, path: str = '$') -> str | None:
    """None when `expected` is contained in `actual`; else where it is not."""
    if expected == '...':
        return None
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return f'{path}: expected an object, got {actual!r:.200}'
        for key, value in expected.items():
            if key not in actual:
                return f'{path}: key {key!r} missing (keys: {sorted(actual)})'
            problem = contained(value, actual[key], f'{path}.{key}')
            if problem:
                return problem
        return None
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return f'{path}: expected a list, got {actual!r:.200}'
        if len(actual) < len(expected):
            return f'{path}: expected at least {len(expected)} items, got {len(actual)}'
        for i, value in enumerate(expected):
            problem = contained(value, actual[i], f'{path}[{i}]')
            if problem:
                return problem
        return None
    if expected != actual:
        return f'{path}: expected {expected!r}, got {actual!r:.200}'
    return None


def body_problem(expected: str, actual: bytes) -> str | None:
    if not expected:
        return None
    if expected[:1] in '{[':
        try:
            document = orjson.loads(actual)
        except orjson.JSONDecodeError:
            return f'the answer is not JSON: {actual[:200]!r}'
        return contained(orjson.loads(expected), document)
    text = actual.decode('utf-8', 'replace')
    return None if output_matches(expected, text) else f'expected body {expected!r}, got {text[:500]!r}'
