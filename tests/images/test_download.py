"""Image downloads: due images only, once per URL, politely, failures counted and retried next time."""

from __future__ import annotations

import httpx
import pytest

from ocpdb_pipelines.images.download import NotAnImage, download_images, image_extension
from tests.images.helpers import GIF, JPEG, PNG, image, image_rows, location, store

BASE = 'https://img.example.org'


class Server:
    """A MockTransport handler serving routes by path, recording every request."""

    def __init__(self, routes: dict[str, object]):
        self.routes = routes
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        route = self.routes.get(request.url.path)
        if route is None:
            return httpx.Response(404, text='not found')
        if isinstance(route, Exception):
            raise route
        if callable(route):
            return route(request)
        return route  # type: ignore[return-value]

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)

    def paths(self) -> list[str]:
        return [r.url.path for r in self.requests]


def png(body: bytes = PNG) -> httpx.Response:
    return httpx.Response(200, content=body, headers={'Content-Type': 'image/png'})


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def test_downloads_due_images_to_id_and_type_and_stamps_last_download(settings, db):
    store(
        db,
        'chargecloud_stuttgart',
        [
            location(
                'L1', images=[image(f'{BASE}/a.png'), image(f'{BASE}/b.jpg', 'jpg')], evse_images=[image(f'{BASE}/c')]
            )
        ],
    )
    server = Server(
        {
            '/a.png': png(),
            '/b.jpg': httpx.Response(200, content=JPEG, headers={'Content-Type': 'image/jpeg'}),
            '/c': httpx.Response(200, content=GIF, headers={'Content-Type': 'image/gif; charset=binary'}),
        }
    )
    sleeps = Sleeps()
    report = download_images(settings, transport=server.transport, sleep=sleeps)

    assert (report.due, report.downloaded, report.failed) == (3, 3, 0)
    assert report.bytes_written == len(PNG) + len(JPEG) + len(GIF)
    rows = image_rows(db)
    directory = settings.path(settings.images.dir)
    assert (directory / f'{rows[f"{BASE}/a.png"]["id"]}.png').read_bytes() == PNG
    assert (directory / f'{rows[f"{BASE}/b.jpg"]["id"]}.jpg').read_bytes() == JPEG
    # the EVSE image had type png in the feed: the stored type names the file (it is the public URL's)
    assert (directory / f'{rows[f"{BASE}/c"]["id"]}.png').read_bytes() == GIF
    assert len(rows) == 3
    assert all(row['last_download'] is not None for row in rows.values())
    assert not list(directory.glob('.*.part'))
    # politely: one pause between each two requests, of the configured length
    assert sleeps == [settings.images.request_delay_seconds] * 2
    assert len(server.requests) == 3
    assert all(r.headers['Accept'] == 'image/*' for r in server.requests)


def test_second_run_downloads_only_new_or_changed_images(settings, db):
    store(db, 'chargecloud_stuttgart', [location('L1', images=[image(f'{BASE}/a.png'), image(f'{BASE}/b.png')])])
    server = Server({'/a.png': png(), '/b.png': png(), '/c.png': png()})
    download_images(settings, transport=server.transport, sleep=Sleeps())
    assert sorted(server.paths()) == ['/a.png', '/b.png']

    server.requests.clear()
    assert download_images(settings, transport=server.transport, sleep=Sleeps()).due == 0
    assert server.requests == []

    # a changed image (modified after its download) and a new one are due again, the rest is not
    db.execute("UPDATE image SET modified = now() + interval '1 second' WHERE external_url = %s", (f'{BASE}/a.png',))
    store(
        db,
        'chargecloud_stuttgart',
        [location('L1', images=[image(f'{BASE}/a.png'), image(f'{BASE}/b.png'), image(f'{BASE}/c.png')])],
    )
    report = download_images(settings, transport=server.transport, sleep=Sleeps())
    assert sorted(server.paths()) == ['/a.png', '/c.png']
    assert (report.due, report.downloaded) == (2, 2)


def test_an_image_shared_by_many_objects_is_fetched_once(settings, db):
    shared = image(f'{BASE}/logo.png')
    store(
        db,
        'chargecloud_stuttgart',
        [
            location('L1', images=[shared], evse_images=[shared], logo=shared),
            location('L2', images=[shared], evse_images=[shared]),
        ],
    )
    server = Server({'/logo.png': png()})
    report = download_images(settings, transport=server.transport, sleep=Sleeps())
    assert server.paths() == ['/logo.png']
    assert (report.due, report.downloaded) == (1, 1)


def test_failures_are_counted_not_fatal_and_stay_due(settings, db):
    urls = ['ok.png', 'missing.png', 'slow.png', 'refused.png', 'html.png', 'empty.png', 'broken.png', 'later.png']
    store(db, 'chargecloud_stuttgart', [location('L1', images=[image(f'{BASE}/{name}') for name in urls])])
    server = Server(
        {
            '/ok.png': png(),
            '/slow.png': httpx.ReadTimeout('timed out'),
            '/refused.png': httpx.ConnectError('connection refused'),
            '/html.png': httpx.Response(200, text='<html>login</html>', headers={'Content-Type': 'text/html'}),
            '/empty.png': httpx.Response(200, content=b'', headers={'Content-Type': 'image/png'}),
            '/broken.png': httpx.Response(500, text='oops'),
            '/later.png': png(),
        }
    )
    report = download_images(settings, transport=server.transport, sleep=Sleeps())

    assert (report.due, report.downloaded, report.failed) == (8, 2, 6)
    reasons = {f.url.rsplit('/', 1)[1]: f.reason for f in report.failures}
    assert reasons['missing.png'] == 'HTTP 404'
    assert reasons['broken.png'] == 'HTTP 500'
    assert reasons['slow.png'].startswith('timeout')
    assert reasons['refused.png'].startswith('connection error')
    assert reasons['html.png'] == 'not an image: content type text/html'
    assert reasons['empty.png'] == 'empty body'
    assert report.as_metadata()['failure_reasons']['HTTP 404'] == 1
    # no retries within a run: each URL asked once, then the next one
    assert sorted(server.paths()) == sorted(f'/{name}' for name in urls)

    rows = image_rows(db)
    assert {url.rsplit('/', 1)[1] for url, row in rows.items() if row['last_download'] is not None} == {
        'ok.png',
        'later.png',
    }
    files = sorted(p.name for p in settings.path(settings.images.dir).iterdir())
    assert files == sorted(f'{rows[f"{BASE}/{name}"]["id"]}.png' for name in ('ok.png', 'later.png'))

    # the next run tries the failed ones again (and only those)
    server.requests.clear()
    again = download_images(settings, transport=server.transport, sleep=Sleeps())
    assert again.due == 6
    assert '/ok.png' not in server.paths()


def test_missing_or_unsafe_type_is_taken_from_the_answer_and_stored(settings, db):
    store(
        db,
        'chargecloud_stuttgart',
        [location('L1', images=[image(f'{BASE}/x', None), image(f'{BASE}/y', '.jpg'), image(f'{BASE}/z', None)])],
    )
    server = Server(
        {
            '/x': httpx.Response(200, content=JPEG, headers={'Content-Type': 'image/jpeg'}),
            # octet-stream: the bytes decide
            '/y': httpx.Response(200, content=PNG, headers={'Content-Type': 'application/octet-stream'}),
            '/z': httpx.Response(200, content=b'plain text', headers={'Content-Type': 'application/octet-stream'}),
        }
    )
    report = download_images(settings, transport=server.transport, sleep=Sleeps())
    assert (report.downloaded, report.failed, report.types_filled) == (2, 1, 2)
    rows = image_rows(db)
    assert rows[f'{BASE}/x']['type'] == 'jpg'
    assert rows[f'{BASE}/y']['type'] == 'png'
    assert rows[f'{BASE}/z']['type'] is None
    directory = settings.path(settings.images.dir)
    assert (directory / f'{rows[f"{BASE}/x"]["id"]}.jpg').exists()
    assert (directory / f'{rows[f"{BASE}/y"]["id"]}.png').exists()
    assert report.failures[0].reason.startswith('not an image')


def test_source_filter_takes_only_images_linked_to_that_source(settings, db):
    store(
        db,
        'chargecloud_stuttgart',
        [location('S1', images=[image(f'{BASE}/s-loc.png')], logo=image(f'{BASE}/s-logo.png'))],
    )
    store(db, 'chargecloud_tuebingen', [location('T1', evse_images=[image(f'{BASE}/t-evse.png')])])
    db.execute(
        "INSERT INTO image (external_url, type) VALUES (%s, 'png')", (f'{BASE}/orphan.png',)
    )  # linked to nothing
    server = Server({f'/{n}.png': png() for n in ('s-loc', 's-logo', 't-evse', 'orphan')})

    stuttgart = download_images(
        settings, source_uid='chargecloud_stuttgart', transport=server.transport, sleep=Sleeps()
    )
    assert sorted(server.paths()) == ['/s-loc.png', '/s-logo.png']
    assert stuttgart.downloaded == 2

    server.requests.clear()
    download_images(settings, source_uid='chargecloud_tuebingen', transport=server.transport, sleep=Sleeps())
    assert server.paths() == ['/t-evse.png']

    server.requests.clear()
    download_images(settings, transport=server.transport, sleep=Sleeps())
    assert server.paths() == ['/orphan.png']


def test_unknown_source_uid_is_an_error(settings):
    with pytest.raises(KeyError, match='unknown source uid'):
        download_images(settings, source_uid='nope', transport=Server({}).transport)


def test_nothing_due_makes_no_request(settings, db):
    server = Server({})
    report = download_images(settings, transport=server.transport, sleep=Sleeps())
    assert (report.due, report.downloaded, report.failed) == (0, 0, 0)
    assert server.requests == []
    assert settings.path(settings.images.dir).is_dir()


@pytest.mark.parametrize(
    ('stored', 'content_type', 'body', 'expected'),
    [
        ('jpg', 'image/jpeg', JPEG, 'jpg'),
        ('JPG', 'image/jpeg', JPEG, 'JPG'),
        (None, 'image/svg+xml', b'<svg xmlns="http://www.w3.org/2000/svg"/>', 'svg'),
        (None, '', b'<?xml version="1.0"?><svg/>', 'svg'),
        (None, 'application/octet-stream', b'RIFF\x00\x00\x00\x00WEBPVP8 ', 'webp'),
        ('../x', 'image/png', PNG, 'png'),
        (None, 'image/x-unknown', GIF, 'gif'),
    ],
)
def test_image_extension(stored, content_type, body, expected):
    assert image_extension(stored, content_type, body) == expected


@pytest.mark.parametrize(
    ('content_type', 'body'),
    [('text/html; charset=utf-8', PNG), ('application/json', b'{}'), ('', b'hello'), ('image/x-unknown', b'??')],
)
def test_image_extension_rejects_non_images(content_type, body):
    with pytest.raises(NotAnImage):
        image_extension(None, content_type, body)


def test_station_images_count_for_their_source_and_blank_urls_are_never_due(settings, db):
    store(db, 'chargecloud_stuttgart', [location('S1')])
    db.execute(
        """
        WITH i AS (INSERT INTO image (external_url, type) VALUES (%s, 'png'), ('  ', 'png') RETURNING id)
        INSERT INTO charging_station_image (charging_station_id, image_id)
        SELECT cs.id, i.id FROM charging_station cs, i
        """,
        (f'{BASE}/s-station.png',),
    )
    server = Server({'/s-station.png': png()})
    report = download_images(settings, source_uid='chargecloud_stuttgart', transport=server.transport, sleep=Sleeps())
    assert server.paths() == ['/s-station.png']
    assert (report.due, report.downloaded) == (1, 1)
    assert download_images(settings, transport=server.transport, sleep=Sleeps()).due == 0
