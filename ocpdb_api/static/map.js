/* OCPDB map page: vector tiles from /tiles, coloured by availability, clusters below zoom 8. */
(function () {
  'use strict';
  var params = new URLSearchParams(window.location.search);
  var center = [parseFloat(params.get('lon') || '10.4541194'), parseFloat(params.get('lat') || '51.1642292')];
  var zoom = parseFloat(params.get('zoom') || '6');
  var status = document.getElementById('status');

  var pointColor = [
    'case',
    ['==', ['get', 'c'], ['get', 'cs']], '#8c8c8c',
    ['==', ['get', 'ca'], 0], '#d7301f',
    ['!=', ['get', 'c'], ['get', 'ca']], '#a6c932',
    '#2e9e44'
  ];
  var clusterColor = [
    'case',
    ['==', ['get', 'available'], 0], '#8c8c8c',
    ['<', ['get', 'available'], ['/', ['get', 'count'], 2]], '#a6c932',
    '#2e9e44'
  ];

  var map = new maplibregl.Map({
    container: 'map',
    center: center,
    zoom: zoom,
    style: {
      version: 8,
      sources: {
        ocpdb: {
          type: 'vector',
          tiles: [window.location.origin + '/tiles/{z}/{x}/{y}.mvt'],
          minzoom: 0,
          maxzoom: 22,
          promoteId: { chargepoints: 'id' }
        }
      },
      layers: [
        { id: 'background', type: 'background', paint: { 'background-color': '#eef1f4' } },
        {
          id: 'clusters', type: 'circle', source: 'ocpdb', 'source-layer': 'clusters', maxzoom: 8,
          paint: {
            'circle-color': clusterColor,
            'circle-opacity': 0.8,
            'circle-radius': ['interpolate', ['linear'], ['sqrt', ['get', 'count']], 1, 4, 30, 24],
            'circle-stroke-color': '#fff',
            'circle-stroke-width': 1
          }
        },
        {
          id: 'chargepoints', type: 'circle', source: 'ocpdb', 'source-layer': 'chargepoints', minzoom: 8,
          paint: {
            'circle-color': pointColor,
            'circle-radius': ['interpolate', ['linear'], ['zoom'], 8, 3, 14, 7, 18, 10],
            'circle-stroke-color': '#fff',
            'circle-stroke-width': 1
          }
        }
      ]
    }
  });
  map.addControl(new maplibregl.NavigationControl(), 'top-right');

  function renderedCount() {
    return map.queryRenderedFeatures({ layers: ['clusters', 'chargepoints'] }).length;
  }
  // hook for tests and debugging
  window.ocpdb = { map: map, renderedCount: renderedCount };

  var tiles = 0;
  map.on('data', function (e) {
    if (e.dataType === 'source' && e.tile) { tiles += 1; status.dataset.tiles = String(tiles); }
  });
  function publish() { status.dataset.rendered = String(renderedCount()); }
  map.on('idle', publish);
  map.on('render', function () { if (map.isSourceLoaded('ocpdb')) { publish(); } });
  map.on('error', function (e) { status.dataset.error = String((e.error && e.error.message) || e); });

  function escapeHtml(text) {
    return String(text == null ? '' : text).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }

  function popupHtml(location) {
    var evses = [];
    (location.charging_pool || []).forEach(function (station) {
      (station.evses || []).forEach(function (evse) { evses.push(evse); });
    });
    var items = evses.map(function (evse) {
      var power = (evse.connectors || []).map(function (c) {
        return c.max_electric_power ? Math.round(c.max_electric_power / 1000) + ' kW' : '';
      }).join(', ');
      return '<li>' + escapeHtml(evse.evse_id || evse.uid) + ': ' + escapeHtml(evse.status) +
        (power ? ' (' + escapeHtml(power) + ')' : '') + '</li>';
    }).join('');
    var operator = location.operator ? '<div>' + escapeHtml(location.operator.name) + '</div>' : '';
    return '<div class="ocpdb-popup"><h3>' + escapeHtml(location.name || location.address) + '</h3>' +
      '<div>' + escapeHtml([location.address, location.postal_code, location.city].filter(Boolean).join(', ')) +
      '</div>' + operator + '<ul>' + items + '</ul></div>';
  }

  map.on('click', 'chargepoints', function (e) {
    var feature = e.features[0];
    var lngLat = feature.geometry.coordinates.slice();
    fetch('/api/ocpi/3.0/locations/' + encodeURIComponent(feature.properties.id))
      .then(function (r) { return r.json(); })
      .then(function (location) {
        new maplibregl.Popup().setLngLat(lngLat).setHTML(popupHtml(location)).addTo(map);
      });
  });
  map.on('click', 'clusters', function (e) {
    map.easeTo({ center: e.features[0].geometry.coordinates, zoom: Math.min(map.getZoom() + 2, 8) });
  });
  ['chargepoints', 'clusters'].forEach(function (layer) {
    map.on('mouseenter', layer, function () { map.getCanvas().style.cursor = 'pointer'; });
    map.on('mouseleave', layer, function () { map.getCanvas().style.cursor = ''; });
  });
})();
