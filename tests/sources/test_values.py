"""The shared value readers: one home for load_json and the lenient / strict readers of every family."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from ocpdb_pipelines.sources.base import PayloadError
from ocpdb_pipelines.sources.common import values
from ocpdb_pipelines.sources.datex2 import values as datex_values


def test_load_json_reads_gzip_and_plain_bodies_alike():
    body = b'{"a": [1, 2]}'
    assert values.load_json(gzip.compress(body)) == values.load_json(body) == {'a': [1, 2]}


@pytest.mark.parametrize(
    ('body', 'reason'),
    [(b'', 'empty body'), (b'  \n', 'empty body'), (b'{', 'invalid JSON'), (b'\x1f\x8b broken', 'broken gzip')],
)
def test_load_json_names_what_is_wrong(body, reason):
    with pytest.raises(PayloadError, match=f'static feed: {reason}'):
        values.load_json(body, 'static feed')


def test_lenient_readers_never_raise():
    assert values.dict_or_empty([1]) == {}
    assert values.dict_or_empty({'a': 1}) == {'a': 1}
    assert values.list_or_empty({'a': 1}) == []
    assert values.list_or_empty([1]) == [1]
    assert values.datetime_or_none('not a date') is None
    assert values.datetime_or_none(12) is None
    assert values.datetime_or_none('2024-05-01T10:00:00') == datetime(2024, 5, 1, 10, tzinfo=UTC)
    plus_two = values.datetime_or_none('2024-05-01T12:00:00+02:00')
    assert plus_two == datetime(2024, 5, 1, 12, tzinfo=timezone(timedelta(hours=2)))


def test_the_datex_readers_reuse_the_shared_basics():
    """The four readers that used to exist twice with different signatures exist once."""
    for name in ('load_json', 'as_dict', 'as_list', 'parse_datetime'):
        assert not hasattr(datex_values, name), name


def test_skip_reason_names_the_first_invalid_field_or_the_message():
    from ocpdb_pipelines.model.updates import EvseUpdate

    with pytest.raises(ValidationError) as invalid:
        EvseUpdate(uid='x', status='NOT-A-STATUS', connectors=[])
    assert values.skip_reason(invalid.value).startswith('invalid status: ')
    assert values.skip_reason(values.RecordError('lat: missing')) == 'lat: missing'
    assert values.skip_reason(KeyError()) == 'KeyError'


def test_items_page_reads_the_items_and_the_link_member_of_either_protocol():
    from ocpdb_pipelines.sources.common.pull import items_page

    assert items_page(b'{"items": [1], "next": "c2"}', 'afir', 'next') == ([1], 'c2')
    assert items_page(b'{"items": [], "next_path": null}', 'giroe', 'next_path') == ([], None)
    with pytest.raises(PayloadError, match='giroe: `next_path` must be a string or null'):
        items_page(b'{"items": [], "next_path": 3}', 'giroe', 'next_path')
    with pytest.raises(PayloadError, match='afir: expected an object with an `items` list'):
        items_page(b'[1]', 'afir', 'next')
