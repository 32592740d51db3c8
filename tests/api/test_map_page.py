"""The map page in headless Chromium, checked by pixels: geography drawn offline, honest colours, filters, credits.

Pixels are read from the map's WebGL canvas (preserveDrawingBuffer) and classified by the nearest colour of
the page's own palette (window.OcpdbStyle: the same definitions that build the MapLibre expressions and the
legend). Screenshots go to OCPDB_MAP_SCREENSHOTS (a directory) when set, else under tmp_path.
"""

from __future__ import annotations

import dataclasses
import http.server
import json
import os
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import ClassVar

import pytest

from ocpdb_api.routes.docs import VENDOR
from ocpdb_pipelines.regions.vg25 import load_vg25
from ocpdb_pipelines.samples.vg25 import write_vg25_geopackage
from tests.api import builder as build
from tests.api.browser import CHROMIUM, Page, open_page
from tests.api.live import serve

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason='chromium is not installed'),
    pytest.mark.skipif(not all(path.is_dir() for path in VENDOR.values()), reason='run `npm ci` in ocpdb_api/frontend'),
]

NOW = datetime.now(UTC)
# name, source uid, (name, contributor, licence), lat, lon, EVSE statuses, connector, seen
CITIES = {
    'Berlin': ('berlin-live', ('Berlin Live', 'Land Berlin', 'CC-BY 4.0'), 52.52, 13.405, ['CHARGING', 'BLOCKED']),
    'München': ('register', ('Ladesäulenregister', 'Bundesnetzagentur', 'CC-BY 4.0'), 48.137, 11.575,
                ['STATIC', 'STATIC']),
    'Hamburg': ('hamburg-feed', ('Hamburg Feed', 'Stadt Hamburg', 'dl-de/by-2-0'), 53.551, 9.994,
                ['AVAILABLE', 'AVAILABLE']),
    'Köln': ('koeln-open', ('Köln Open', 'Stadt Köln', 'CC0-1.0'), 50.938, 6.96, ['AVAILABLE', 'AVAILABLE']),
    'Frankfurt am Main': ('rhein-main', ('Rhein-Main Live', 'Mainova', 'CC-BY-SA 4.0'), 50.11, 8.682,
                          ['AVAILABLE', 'CHARGING']),
}  # fmt: skip
EXPECTED = {'Berlin': 'none', 'München': 'static', 'Hamburg': 'stale', 'Köln': 'available',
            'Frankfurt am Main': 'partly'}  # fmt: skip

READY = """(() => {
  const o = window.ocpdb, el = document.getElementById('status');
  if (!el) return null;
  const s = el.dataset;
  if (!o || !s.basemap || s.pending) return null;
  if (!o.map.loaded() || !o.map.areTilesLoaded() || !o.map.isStyleLoaded()) return null;
  return {rendered: o.renderedCount(), tiles: Number(s.tiles), error: s.error, sources: s.sources,
          attribution: document.getElementById('attribution').textContent, url: location.search};
})()"""
PIXELS = """(() => {
  const S = window.OcpdbStyle, map = window.ocpdb.map, canvas = map.getCanvas();
  const copy = document.createElement('canvas');
  copy.width = canvas.width; copy.height = canvas.height;
  const g = copy.getContext('2d');
  g.drawImage(canvas, 0, 0);
  const data = g.getImageData(0, 0, copy.width, copy.height).data;
  const palette = {};
  for (const [k, v] of Object.entries(S.BASE)) palette[k] = v;
  for (const s of S.STATUS) palette['status:' + s.id] = s.color;
  const rgb = Object.fromEntries(Object.entries(palette).map(([k, v]) =>
    [k, [1, 3, 5].map(i => parseInt(v.slice(i, i + 2), 16))]));
  const nearest = (r, gg, b) => {
    let best = null, bestD = 1e9;
    for (const [k, [pr, pg, pb]] of Object.entries(rgb)) {
      const d = (r - pr) ** 2 + (gg - pg) ** 2 + (b - pb) ** 2;
      if (d < bestD) { bestD = d; best = k; }
    }
    return bestD <= 40 * 40 ? best : 'other';
  };
  const counts = {};
  for (let i = 0; i < data.length; i += 4) {
    const k = nearest(data[i], data[i + 1], data[i + 2]);
    counts[k] = (counts[k] || 0) + 1;
  }
  const at = (lon, lat) => {
    const p = map.project([lon, lat]);
    const x = Math.round(p.x), y = Math.round(p.y);
    const i = (y * copy.width + x) * 4;
    if (x < 0 || y < 0 || x >= copy.width || y >= copy.height) return 'outside';
    return nearest(data[i], data[i + 1], data[i + 2]);
  };
  const points = %s;
  return {total: data.length / 4, counts, at: Object.fromEntries(Object.entries(points).map(([k, [lat, lon]]) =>
    [k, at(lon, lat)]))};
})()"""


def screenshot_dir(tmp_path: Path) -> Path:
    return Path(os.environ.get('OCPDB_MAP_SCREENSHOTS') or tmp_path / 'screenshots')


def pixels(page: Page, points: dict[str, tuple[float, float]] | None = None) -> dict:
    return page.evaluate(PIXELS % json.dumps(points or {}))


def share(result: dict, key: str) -> float:
    return result['counts'].get(key, 0) / result['total']


def choose(page: Page, element_id: str, value: str) -> None:
    page.evaluate(
        f"""(() => {{ const el = document.getElementById({json.dumps(element_id)});
        el.value = {json.dumps(value)}; el.dispatchEvent(new Event('change', {{bubbles: true}})); }})()"""
    )


def demo_like(db, tmp_path: Path) -> None:
    """Five cities, one status category each, one source each with its licence; the sample VG25 layer."""
    old = NOW - timedelta(hours=6)
    operator = build.business(db, 'Stadtwerke Demo')
    for city, (uid, (name, contributor, licence), lat, lon, statuses) in CITIES.items():
        stale = city == 'Hamburg'
        build.source(db, uid, name=name, attribution_contributor=contributor, attribution_license=licence,
                     realtime_data_updated_at=old if stale else NOW)  # fmt: skip
        kind = build.DC if city == 'Köln' else build.AC
        for n in range(3):
            loc = build.location(db, f'{uid}-{n}', uid, name=f'{city} {n}', city=city, address=f'Hauptstraße {n + 1}',
                                 lat=lat + n * 0.004, lon=lon + n * 0.004, operator_id=operator)  # fmt: skip
            cs = build.station(db, loc, f'{uid}-{n}-cs')
            for i, evse_status in enumerate(statuses):
                evse = build.evse(db, cs, f'{uid}-{n}-{i}', evse_id=f'DE*DEM*E{uid}{n}{i}', status=evse_status,
                                  status_last_updated=old if stale else NOW - timedelta(minutes=5))  # fmt: skip
                build.connector(db, evse, f'{uid}-{n}-{i}-c', **kind)
    path = tmp_path / 'vg25.gpkg'
    write_vg25_geopackage(path)
    load_vg25(db, path, force=True)
    build.bump_version(db)


CITY_POINTS = {city: (lat + 0.004, lon + 0.004) for city, (_, _, lat, lon, _) in CITIES.items()}


def test_empty_database_still_draws_geography(db, api_settings, tmp_path):
    db.execute('REFRESH MATERIALIZED VIEW region_boundary')
    with serve(api_settings) as base, open_page(f'{base}/#5/51.2/10.4', tmp_path / 'profile') as page:
        state = page.wait_for(READY)
        result = pixels(page)
        page.screenshot(screenshot_dir(tmp_path) / 'map-empty.png')
    assert state['error'] == ''
    assert state['rendered'] == 0
    # Germany at zoom 5: mostly land, the North Sea and the Baltic, country borders
    assert share(result, 'land') > 0.4, result
    assert share(result, 'water') > 0.05, result
    assert result['counts'].get('border', 0) + result['counts'].get('coast', 0) > 500, result
    assert not any(k.startswith('status:') and v > 20 for k, v in result['counts'].items()), result
    assert 'Natural Earth' in state['attribution']
    assert 'GeoBasis-DE' not in state['attribution']  # no VG25 loaded
    assert state['sources'] == ''


def test_demo_colours_filters_and_attribution(db, api_settings, tmp_path):
    demo_like(db, tmp_path)
    shots = screenshot_dir(tmp_path)
    with (
        serve(api_settings) as base,
        open_page(f'{base}/#5.3/51.0/10.4', tmp_path / 'profile', size=(1000, 850)) as page,
    ):
        state = page.wait_for(READY)
        before = pixels(page, CITY_POINTS)
        page.screenshot(shots / 'map-demo-z6.png')
        legend = page.evaluate(
            "[...document.querySelectorAll('#legend li')].map(li => [li.dataset.status, li.dataset.color])"
        )
        palette = page.evaluate('window.OcpdbStyle.STATUS.map(s => [s.id, s.color])')
        labels = page.evaluate("[...document.querySelectorAll('.place-label')].map(e => e.textContent)")

        choose(page, 'f-power', '50')
        fast = page.wait_for(READY)
        after_power = pixels(page, CITY_POINTS)
        page.screenshot(shots / 'map-demo-z6-min-50kw.png')

        choose(page, 'f-power', '')
        choose(page, 'f-source', 'register')
        register = page.wait_for(READY)
        after_source = pixels(page, CITY_POINTS)
    assert state['error'] == '', state
    # every city drawn in its category's colour, clusters included (Berlin: all occupied, not grey)
    assert before['at'] == {city: f'status:{status}' for city, status in EXPECTED.items()}, before
    assert share(before, 'land') > 0.3
    assert before['counts'].get('state', 0) > 50, before  # VG25 state outlines
    assert legend == palette
    assert {'Berlin', 'Hamburg', 'München', 'Köln'} <= set(labels)
    # attribution: every visible source with contributor and licence, and the basemap's
    for _, (name, contributor, licence) in (v[:2] for v in CITIES.values()):
        assert f'{name} ({contributor}, {licence})' in state['attribution']
    assert 'Natural Earth' in state['attribution']
    assert 'GeoBasis-DE / BKG' in state['attribution']
    assert 'dl-de/by-2-0' in state['attribution']
    assert state['sources'] == ','.join(sorted(v[0] for v in CITIES.values()))

    # min 50 kW: only Köln's DC sites remain, the others are gone from the canvas and from the credits
    assert 'min_power_kw=50' in fast['url']
    assert after_power['at']['Köln'] == 'status:available'
    assert all(not v.startswith('status:') for k, v in after_power['at'].items() if k != 'Köln'), after_power
    assert fast['sources'] == 'koeln-open'
    assert 'Berlin Live' not in fast['attribution']
    assert after_power['counts'].get('status:none', 0) == 0

    assert 'source_uids=register' in register['url']
    assert 'min_power_kw' not in register['url']
    assert register['sources'] == 'register'
    assert after_source['at']['München'] == 'status:static'
    assert after_source['at']['Berlin'] not in ('status:none', 'status:static')


class _StyleHandler(http.server.BaseHTTPRequestHandler):
    """A basemap service on loopback: one MapLibre style, a magenta background with its own attribution."""

    STYLE: ClassVar[dict] = {
        'version': 8,
        'sources': {'dummy': {'type': 'geojson', 'data': {'type': 'FeatureCollection', 'features': []},
                              'attribution': 'Test Basemap Service'}},
        'layers': [{'id': 'bg', 'type': 'background', 'paint': {'background-color': '#ff00ff'}},
                   {'id': 'dummy', 'type': 'circle', 'source': 'dummy'}],
    }  # fmt: skip

    def do_GET(self) -> None:
        body = json.dumps(self.STYLE).encode()
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Access-Control-Allow-Origin', '*')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def test_external_style_url(db, api_settings, tmp_path):
    demo_like(db, tmp_path)
    style_server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), _StyleHandler)
    threading.Thread(target=style_server.serve_forever, daemon=True).start()
    style_url = f'http://127.0.0.1:{style_server.server_address[1]}/style.json'
    settings = dataclasses.replace(api_settings, map_style_url=style_url)
    try:
        with (
            serve(settings) as base,
            open_page(f'{base}/#5.3/51.0/10.4', tmp_path / 'profile', size=(1000, 850)) as page,
        ):
            state = page.wait_for(READY)
            result = pixels(page, CITY_POINTS)
            corner = page.evaluate(
                """(() => { const c = window.ocpdb.map.getCanvas(), copy = document.createElement('canvas');
                copy.width = c.width; copy.height = c.height; const g = copy.getContext('2d'); g.drawImage(c, 0, 0);
                return [...g.getImageData(c.width - 40, 40, 1, 1).data].slice(0, 3); })()"""
            )
            credits = page.evaluate("document.querySelector('.maplibregl-ctrl-attrib').textContent")
            page.screenshot(screenshot_dir(tmp_path) / 'map-external-style.png')
    finally:
        style_server.shutdown()
    assert corner == [255, 0, 255]
    assert share(result, 'land') < 0.001  # the offline basemap is not drawn (a few antialiased edges)
    assert result['at']['Berlin'] == 'status:none'  # the charge points are drawn on top of the external style
    assert 'Test Basemap Service' in credits
    assert 'Natural Earth' not in state['attribution']
    assert 'Berlin Live (Land Berlin, CC-BY 4.0)' in state['attribution']


def test_url_filters_zoomed_in_popup_and_labels(db, api_settings, tmp_path):
    demo_like(db, tmp_path)
    with (
        serve(api_settings) as base,
        open_page(f'{base}/?static=false#13/52.524/13.409', tmp_path / 'profile', size=(1000, 900)) as page,
    ):
        state = page.wait_for(READY)
        checked = page.evaluate("document.getElementById('f-live').checked")
        points = pixels(page, {'Berlin 1': (52.524, 13.409)})
        xy = page.evaluate('(() => { const p = window.ocpdb.map.project([13.409, 52.524]); return [p.x, p.y]; })()')
        for kind in ('mousePressed', 'mouseReleased'):
            page.call('Input.dispatchMouseEvent', type=kind, x=xy[0], y=xy[1], button='left', clickCount=1)
        popup = page.wait_for(
            "document.querySelector('.ocpdb-popup') && document.querySelector('.ocpdb-popup').innerText"
        )
        links = page.evaluate("[...document.querySelectorAll('.ocpdb-popup a')].map(a => a.getAttribute('href'))")
        page.screenshot(screenshot_dir(tmp_path) / 'map-berlin-z13-popup.png')
        unlabeled = page.evaluate(
            """[...document.querySelectorAll('#filters select, #filters input, #filters button')]
               .filter(e => e.type !== 'reset' && !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
               .map(e => e.id)"""
        )
        canvas = page.evaluate(
            "[window.ocpdb.map.getCanvas().tabIndex, window.ocpdb.map.getCanvas().getAttribute('aria-label')]"
        )
        summary = page.evaluate("document.getElementById('summary').textContent")
        folded = page.evaluate(
            """(() => { const b = document.getElementById('panel-toggle'); b.click();
            const out = [b.getAttribute('aria-expanded'), document.getElementById('panel-body').hidden]; b.click();
            return out.concat([b.getAttribute('aria-expanded')]); })()"""
        )
        # keyboard only: focus the map, Enter opens the charge point nearest the centre
        page.evaluate("document.querySelectorAll('.maplibregl-popup').forEach(p => p.remove())")
        page.evaluate('window.ocpdb.map.getCanvas().focus()')
        for kind in ('rawKeyDown', 'keyUp'):
            page.call('Input.dispatchKeyEvent', type=kind, key='Enter', code='Enter', windowsVirtualKeyCode=13)
        keyboard_popup = page.wait_for(
            "document.querySelector('.ocpdb-popup') && document.querySelector('.ocpdb-popup').innerText"
        )
    assert checked is True
    assert points['at']['Berlin 1'] == 'status:none'
    assert state['sources'] == 'berlin-live'
    assert 'Berlin Live (Land Berlin, CC-BY 4.0)' in state['attribution']
    assert 'Ladesäulenregister' not in state['attribution']
    for text in ('Berlin 1', 'Hauptstraße 2', 'Stadtwerke Demo', 'CHARGING', 'BLOCKED', '22 kW', 'since', 'last seen'):
        assert text in popup
    lid = db.execute("SELECT id FROM location WHERE uid = 'berlin-live-1'").fetchone()['id']
    assert f'/api/public/v1/locations/{lid}' in links
    assert unlabeled == []
    assert canvas[0] == 0
    assert summary == '3 charge points in view'
    assert folded == ['false', True, 'true']
    assert 'Berlin 1' in keyboard_popup
    assert canvas[1].startswith('Map of public charge points.')
