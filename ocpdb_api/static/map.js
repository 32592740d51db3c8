/* OCPDB map page: one config fetch on load, then only tiles while panning; one location fetch per click. */
(function () {
  'use strict';
  var S = window.OcpdbStyle;
  var origin = window.location.origin;
  var query = new URLSearchParams(window.location.search);
  var status = document.getElementById('status');
  var reloading = false; // the tile source is loading a filter change's tiles
  var wantedTiles = null; // a filter change made meanwhile: the tile URL to load next
  var form = document.getElementById('filters');
  var attribution = document.getElementById('attribution');
  var summary = document.getElementById('summary');
  var FILTER_KEYS = ['connector_standards', 'min_power_kw', 'operator_ids', 'source_uids'];
  var STANDARD_NAMES = {
    IEC_62196_T2: 'Type 2', IEC_62196_T2_COMBO: 'CCS (Combo 2)', CHADEMO: 'CHAdeMO', IEC_62196_T1: 'Type 1',
    IEC_62196_T1_COMBO: 'CCS (Combo 1)', DOMESTIC_F: 'Schuko (CEE 7/4)', TESLA_S: 'Tesla', TESLA_R: 'Tesla Roadster',
    SAE_J3400: 'NACS (SAE J3400)', MCS: 'MCS (trucks)', IEC_62196_T3C: 'Type 3C', IEC_60309_2_single_16: 'CEE blue 16 A',
    IEC_60309_2_three_16: 'CEE red 16 A', IEC_60309_2_three_32: 'CEE red 32 A', IEC_60309_2_three_64: 'CEE red 64 A'
  };
  var config = { sources: [], operators: [], connector_standards: [], basemap_attribution: [], style_url: null };
  var sourcesByUid = {};
  var map = null;
  var tiles = 0;

  function escapeHtml(text) {
    return String(text == null ? '' : text).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }

  // ---- filters: form <-> URL query string <-> tile query parameters ----
  function readFilters() {
    var out = {};
    FILTER_KEYS.forEach(function (key) {
      var el = form.elements[key];
      if (el && el.value) { out[key] = el.value; }
    });
    if (form.elements.live.checked) { out['static'] = 'false'; }
    return out;
  }
  function writeForm(params) {
    FILTER_KEYS.forEach(function (key) {
      var el = form.elements[key];
      var value = params.get(key) || '';
      if (value && !Array.prototype.some.call(el.options, function (o) { return o.value === value; })) {
        el.appendChild(new Option(value, value)); // a value from a shared link that this database lacks
      }
      el.value = value;
    });
    form.elements.live.checked = params.get('static') === 'false';
  }
  function tileQuery(filters) {
    var keys = Object.keys(filters).sort();
    return keys.length ? '?' + keys.map(function (k) {
      return encodeURIComponent(k) + '=' + encodeURIComponent(filters[k]);
    }).join('&') : '';
  }
  function tileUrl(filters) { return origin + '/tiles/{z}/{x}/{y}.mvt' + tileQuery(filters); }
  function applyFilters() {
    var filters = readFilters();
    var url = new URL(window.location.href);
    ['lat', 'lon', 'zoom', 'static'].concat(FILTER_KEYS).forEach(function (k) { url.searchParams.delete(k); });
    Object.keys(filters).sort().forEach(function (k) { url.searchParams.set(k, filters[k]); });
    window.history.replaceState(null, '', url.pathname + url.search + window.location.hash);
    if (map && map.getSource('ocpdb')) {
      // until the map is idle on the new filter's tiles, what it draws (and credits) is an older filter's:
      // `data-pending` says so, for scripts and tests that read the status element
      status.dataset.pending = 'filters';
      wantedTiles = tileUrl(filters);
      if (!reloading) { reloadTiles(); }
    }
  }
  // One reload at a time: a second setTiles while the first one's tiles are still loading can leave a tile of
  // the first filter on the map for good (MapLibre 5.24, seen with two filter changes in a row), so a change
  // made meanwhile waits for the next idle and only the latest one is sent.
  function reloadTiles() {
    reloading = true;
    var tiles = wantedTiles;
    wantedTiles = null;
    map.getSource('ocpdb').setTiles([tiles]);
  }
  function settleFilters() {
    if (!reloading) { return; }
    reloading = false;
    if (wantedTiles) { reloadTiles(); } else { delete status.dataset.pending; }
  }
  function fillSelect(id, items) {
    var el = document.getElementById(id);
    items.forEach(function (item) { el.appendChild(new Option(item[1], item[0])); });
  }
  function fillFilters() {
    fillSelect('f-connector', config.connector_standards.map(function (s) {
      return [s.standard, (STANDARD_NAMES[s.standard] || s.standard) + ' (' + s.evses + ')'];
    }));
    fillSelect('f-operator', config.operators.map(function (o) {
      return [String(o.id), o.name + ' (' + o.locations + ')'];
    }));
    fillSelect('f-source', config.sources.filter(function (s) { return s.locations > 0; }).map(function (s) {
      return [s.uid, (s.name || s.uid) + ' (' + s.locations + ')'];
    }));
    writeForm(query);
    form.addEventListener('change', applyFilters);
    form.addEventListener('reset', function () { window.setTimeout(applyFilters, 0); });
  }

  // ---- legend: generated from the same STATUS list as the colour expressions ----
  function renderLegend() {
    var legend = document.getElementById('legend');
    legend.innerHTML = S.STATUS.map(function (s) {
      return '<li data-status="' + s.id + '" data-color="' + s.color + '"><i style="background:' + s.color +
        '" aria-hidden="true"></i>' + escapeHtml(s.label) + '</li>';
    }).join('');
  }

  // ---- attribution: the sources of the features in view, their licence and contributor, and the basemap ----
  function visibleSources() {
    var seen = {};
    map.queryRenderedFeatures({ layers: ['clusters', 'chargepoints'] }).forEach(function (f) {
      var p = f.properties;
      if (p.src) { seen[p.src] = true; }
      if (p.srcs) { String(p.srcs).split(',').forEach(function (uid) { seen[uid] = true; }); }
    });
    return Object.keys(seen).sort();
  }
  function credit(item) {
    var name = escapeHtml(item.name || item.uid);
    var link = item.url || item.public_url;
    var head = link ? '<a href="' + escapeHtml(link) + '" rel="noopener">' + name + '</a>' : name;
    var extra = [item.contributor, item.license].filter(Boolean).map(escapeHtml).join(', ');
    return head + (extra ? ' (' + extra + ')' : '');
  }
  function renderAttribution() {
    var uids = visibleSources();
    status.dataset.sources = uids.join(',');
    var data = uids.map(function (uid) { return credit(sourcesByUid[uid] || { uid: uid }); });
    var base = config.basemap_attribution.map(credit);
    var parts = [];
    if (data.length) { parts.push('Data: ' + data.join(' · ')); }
    if (base.length) { parts.push('Basemap: ' + base.join(' · ')); }
    parts.push('<a href="https://maplibre.org/" rel="noopener">MapLibre</a> · OCPDB');
    var html = parts.join(' | ');
    if (attribution.innerHTML !== html) { attribution.innerHTML = html; }
  }

  // ---- place labels: HTML markers (browser fonts, no glyph server), from the boundary tiles' places layer ----
  var placeMarkers = {};
  var MAX_LABELS = 150;
  function overlaps(box, boxes) {
    return boxes.some(function (b) { return box[0] < b[2] && b[0] < box[2] && box[1] < b[3] && b[1] < box[3]; });
  }
  function renderPlaces() {
    if (!map.getLayer('places')) { return; }
    var wanted = {};
    var boxes = [];
    var features = map.queryRenderedFeatures({ layers: ['places'] }).sort(function (a, b) {
      return a.properties.rank - b.properties.rank;
    });
    features.forEach(function (f) {
      var key = f.properties.name + '|' + f.geometry.coordinates.join(',');
      if (wanted[key] || boxes.length >= MAX_LABELS) { return; }
      // skip a label that would cover a more important one (a rough box: 7 px per character)
      var p = map.project(f.geometry.coordinates);
      var box = [p.x + 6, p.y - 8, p.x + 10 + 7 * f.properties.name.length, p.y + 8];
      if (overlaps(box, boxes)) { return; }
      boxes.push(box);
      wanted[key] = true;
      if (!placeMarkers[key]) {
        var el = document.createElement('div');
        el.className = 'place-label rank-' + f.properties.rank;
        el.textContent = f.properties.name;
        el.setAttribute('aria-hidden', 'true');
        placeMarkers[key] = new maplibregl.Marker({ element: el, anchor: 'left', offset: [8, 0] })
          .setLngLat(f.geometry.coordinates).addTo(map);
        el.removeAttribute('tabindex'); // a label, not a control: keep it out of the keyboard order
        el.removeAttribute('role');
      }
    });
    Object.keys(placeMarkers).forEach(function (key) {
      if (!wanted[key]) { placeMarkers[key].remove(); delete placeMarkers[key]; }
    });
  }

  // ---- offline basemap data: Natural Earth TopoJSON from world-atlas, converted here ----
  function loadWorld() {
    fetch('/static/vendor/world-atlas/countries-50m.json').then(function (r) { return r.json(); }).then(function (topo) {
      var land = window.topojson.merge(topo, topo.objects.countries.geometries);
      var borders = window.topojson.mesh(topo, topo.objects.countries, function (a, b) { return a !== b; });
      map.getSource('land').setData({ type: 'Feature', properties: {}, geometry: land });
      map.getSource('borders').setData({ type: 'Feature', properties: {}, geometry: borders });
      status.dataset.basemap = 'loaded';
    }).catch(function (e) { status.dataset.error = 'basemap: ' + e; });
  }

  // ---- popups: one fetch of the location's JSON per click ----
  function when(ts) {
    if (!ts) { return 'never reported'; }
    var d = new Date(ts);
    return isNaN(d) ? ts : d.toLocaleString();
  }
  function power(c) {
    var w = c.max_electric_power;
    if (!w && c.max_voltage && c.max_amperage) {
      w = c.max_voltage * c.max_amperage * (c.power_type === 'AC_3_PHASE' ? 3 : 1);
    }
    return w ? (Math.round(w / 100) / 10) + ' kW' : '? kW';
  }
  function popupHtml(location, id) {
    var rows = (location.evses || []).map(function (evse) {
      var connectors = (evse.connectors || []).map(function (c) {
        return escapeHtml((STANDARD_NAMES[c.standard] || c.standard || '?') + ' ' + power(c));
      }).join('<br>');
      return '<tr><td>' + escapeHtml(evse.evse_id || evse.uid) + '</td><td>' + escapeHtml(evse.status) +
        '<br><span class="meta">' + escapeHtml(evse.status === 'STATIC' ? 'no live status'
          : 'since ' + when(evse.status_last_updated)) + '</span></td><td>' + connectors + '</td></tr>';
    }).join('');
    var src = sourcesByUid[location.source];
    var confirmed = src && src.confirmed_at ? new Date(src.confirmed_at) : null;
    var stale = confirmed && config.status_stale_seconds &&
      Date.now() - confirmed.getTime() > config.status_stale_seconds * 1000;
    var address = [location.address, [location.postal_code, location.city].filter(Boolean).join(' ')]
      .filter(Boolean).join(', ');
    return '<div class="ocpdb-popup"><h3>' + escapeHtml(location.name || location.address) + '</h3>' +
      '<div>' + escapeHtml(address) + '</div>' +
      (location.operator ? '<div>Operator: ' + escapeHtml(location.operator.name) + '</div>' : '') +
      '<table><thead><tr><th>EVSE</th><th>status</th><th>connectors</th></tr></thead><tbody>' + rows +
      '</tbody></table><div class="meta">Source: ' + escapeHtml(src ? (src.name || src.uid) : location.source) +
      (confirmed ? ', last seen ' + escapeHtml(confirmed.toLocaleString()) + (stale ? ' (stale)' : '') : '') +
      '</div>' +
      '<div><a href="/api/public/v1/locations/' + encodeURIComponent(id) + '">location JSON</a> · ' +
      '<a href="/api/public/ocpi/3.0/locations/' + encodeURIComponent(id) + '">OCPI 3.0</a></div></div>';
  }
  function openPopup(feature) {
    var id = feature.properties.id;
    var lngLat = feature.geometry.coordinates.slice();
    fetch('/api/public/v1/locations/' + encodeURIComponent(id))
      .then(function (r) { if (!r.ok) { throw new Error('HTTP ' + r.status); } return r.json(); })
      .then(function (location) {
        new maplibregl.Popup({ maxWidth: '360px' }).setLngLat(lngLat).setHTML(popupHtml(location, id)).addTo(map);
      })
      .catch(function (e) { status.dataset.error = 'popup: ' + e; });
  }

  // ---- the map ----
  function addChargepoints() {
    map.addSource('ocpdb', {
      type: 'vector', tiles: [tileUrl(readFilters())], minzoom: 0, maxzoom: 22, promoteId: { chargepoints: 'id' }
    });
    S.chargepointLayers().forEach(function (layer) { map.addLayer(layer); });
  }
  function offlineStyle() {
    return { version: 8, sources: S.basemapSources(origin), layers: S.basemapLayers() };
  }
  function initialView() {
    var hash = window.location.hash.replace('#', '').split('/').map(parseFloat);
    if (hash.length === 3 && hash.every(isFinite)) { return { zoom: hash[0], center: [hash[2], hash[1]] }; }
    return {
      center: [parseFloat(query.get('lon') || '10.4541194'), parseFloat(query.get('lat') || '51.1642292')],
      zoom: parseFloat(query.get('zoom') || '5.5')
    };
  }
  function publish() {
    var features = map.queryRenderedFeatures({ layers: ['clusters', 'chargepoints'] });
    status.dataset.rendered = String(features.length);
    var points = 0;
    features.forEach(function (f) { points += f.layer.id === 'clusters' ? f.properties.count : 1; });
    var text = points + ' charge point' + (points === 1 ? '' : 's') + ' in view';
    if (summary.textContent !== text) { summary.textContent = text; }
  }
  // keyboard: Enter on the focused map opens the charge point (or zooms into the cluster) nearest the centre
  function openNearestToCentre() {
    var c = map.project(map.getCenter());
    var box = [[c.x - 40, c.y - 40], [c.x + 40, c.y + 40]];
    var best = null;
    var bestD = Infinity;
    map.queryRenderedFeatures(box, { layers: ['clusters', 'chargepoints'] }).forEach(function (f) {
      var p = map.project(f.geometry.coordinates);
      var d = (p.x - c.x) * (p.x - c.x) + (p.y - c.y) * (p.y - c.y);
      if (d < bestD) { bestD = d; best = f; }
    });
    if (!best) { return; }
    if (best.layer.id === 'chargepoints') { openPopup(best); } else {
      map.easeTo({ center: best.geometry.coordinates, zoom: Math.min(map.getZoom() + 2, 8) });
    }
  }
  function start() {
    var view = initialView();
    map = new maplibregl.Map({
      container: 'map', center: view.center, zoom: view.zoom, hash: true,
      // an external style brings its own credits: MapLibre's control shows them; ours lists the data sources
      attributionControl: config.style_url ? { compact: true } : false,
      style: config.style_url || offlineStyle(), maxZoom: 20, canvasContextAttributes: { preserveDrawingBuffer: true }
    });
    map.addControl(new maplibregl.NavigationControl(), 'top-right');
    map.on('load', function () {
      addChargepoints();
      if (config.style_url) { status.dataset.basemap = 'external'; } else { loadWorld(); }
      map.getCanvas().setAttribute('aria-label', 'Map of public charge points. Arrow keys pan, plus and minus ' +
        'zoom, Enter opens the charge point nearest the centre.');
      map.getCanvas().addEventListener('keydown', function (e) {
        if (e.key === 'Enter') { e.preventDefault(); openNearestToCentre(); }
      });
    });
    map.on('data', function (e) {
      if (e.dataType === 'source' && e.tile) { tiles += 1; status.dataset.tiles = String(tiles); }
    });
    map.on('idle', function () { publish(); renderAttribution(); renderPlaces(); settleFilters(); });
    map.on('error', function (e) { status.dataset.error = String((e.error && e.error.message) || e); });
    map.on('click', 'chargepoints', function (e) { openPopup(e.features[0]); });
    map.on('click', 'clusters', function (e) {
      map.easeTo({ center: e.features[0].geometry.coordinates, zoom: Math.min(map.getZoom() + 2, 8) });
    });
    ['chargepoints', 'clusters'].forEach(function (layer) {
      map.on('mouseenter', layer, function () { map.getCanvas().style.cursor = 'pointer'; });
      map.on('mouseleave', layer, function () { map.getCanvas().style.cursor = ''; });
    });
    window.ocpdb = {
      map: map,
      renderedCount: function () { return map.queryRenderedFeatures({ layers: ['clusters', 'chargepoints'] }).length; },
      statusOf: S.statusIdExpression
    };
  }

  // the panel folds away (small screens start folded); the button says what it does
  function setPanel(open) {
    var toggle = document.getElementById('panel-toggle');
    document.getElementById('panel-body').hidden = !open;
    toggle.setAttribute('aria-expanded', String(open));
    toggle.textContent = open ? 'Hide' : 'Filters and legend';
  }
  document.getElementById('panel-toggle').addEventListener('click', function () {
    setPanel(document.getElementById('panel-body').hidden);
  });
  setPanel(window.matchMedia('(min-width: 601px)').matches);

  renderLegend();
  fetch('/map/config.json').then(function (r) { return r.json(); }).then(function (doc) {
    config = doc;
  }).catch(function (e) {
    status.dataset.error = 'config: ' + e;
  }).then(function () {
    config.sources.forEach(function (s) { sourcesByUid[s.uid] = s; });
    fillFilters();
    start();
  });
})();
