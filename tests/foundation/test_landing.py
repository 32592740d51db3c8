"""The landing area keeps pushed payloads durable and in arrival order until they are applied."""

from __future__ import annotations

from ocpdb_pipelines.landing import LandingArea


def test_pending_in_arrival_order_and_done(tmp_path):
    landing = LandingArea(tmp_path)
    for n in range(3):
        landing.write('giroe', 'realtime', f'body {n}'.encode(), {'n': n})
    pending = landing.pending('giroe', 'realtime')
    assert [p.body for p in pending] == [b'body 0', b'body 1', b'body 2']
    assert [p.meta['n'] for p in pending] == [0, 1, 2]
    landing.done(pending[0])
    assert [p.body for p in landing.pending('giroe', 'realtime')] == [b'body 1', b'body 2']
    assert not list((tmp_path / 'giroe' / 'realtime').glob('.*tmp'))
