/* OCPDB map style: the status categories (one list drives the MapLibre colour expressions AND the legend),
   the offline basemap (Natural Earth land/borders from world-atlas, VG25 boundaries from /tiles/boundaries)
   and the charge-point layers. Tiles carry, per point and per cluster, counts over the EVSEs passing the
   filters: c (all), cs (STATIC), cx (live, stale), ca / co / cu (fresh AVAILABLE / occupied / UNKNOWN). */
(function () {
  'use strict';
  var num = function (name) { return ['coalesce', ['get', name], 0]; };
  var live = ['-', num('c'), num('cs')];
  // fresh live EVSEs with a known status
  var known = ['-', live, ['+', num('cx'), num('cu')]];

  // First match wins; the same tests hold for a point and for a cluster (sums over its points).
  var STATUS = [
    { id: 'static', label: 'no live status', color: '#8c8c8c', when: ['<=', live, 0] },
    { id: 'stale', label: 'live status stale or unknown', color: '#8e6bbf', when: ['<=', known, 0] },
    { id: 'none', label: 'none available (occupied or out of order)', color: '#d7301f', when: ['<=', num('ca'), 0] },
    { id: 'partly', label: 'partly available', color: '#f39c12', when: ['<', num('ca'), known] },
    { id: 'available', label: 'available', color: '#1e8e3e', when: true }
  ];

  function colorExpression() {
    var expr = ['case'];
    STATUS.forEach(function (s) { if (s.when !== true) { expr.push(s.when, s.color); } });
    expr.push(STATUS[STATUS.length - 1].color);
    return expr;
  }
  function statusIdExpression() {
    var expr = ['case'];
    STATUS.forEach(function (s) { if (s.when !== true) { expr.push(s.when, s.id); } });
    expr.push(STATUS[STATUS.length - 1].id);
    return expr;
  }

  var BASE = {
    water: '#c9dbe8',
    land: '#f5f3ee',
    coast: '#9fb6c8',
    border: '#a19a8e',
    state: '#b3aa9c',
    district: '#cfc8bc',
    municipality: '#dfd9cf'
  };
  var EMPTY = { type: 'FeatureCollection', features: [] };

  function basemapSources(origin) {
    return {
      land: { type: 'geojson', data: EMPTY },
      borders: { type: 'geojson', data: EMPTY },
      regions: {
        type: 'vector', tiles: [origin + '/tiles/boundaries/{z}/{x}/{y}.mvt'], minzoom: 0, maxzoom: 14
      }
    };
  }

  function basemapLayers() {
    return [
      { id: 'water', type: 'background', paint: { 'background-color': BASE.water } },
      { id: 'land', type: 'fill', source: 'land', paint: { 'fill-color': BASE.land } },
      { id: 'coastline', type: 'line', source: 'land', paint: { 'line-color': BASE.coast, 'line-width': 0.8 } },
      {
        id: 'municipalities', type: 'line', source: 'regions', 'source-layer': 'boundaries', minzoom: 10,
        filter: ['==', ['get', 'level'], 3], paint: { 'line-color': BASE.municipality, 'line-width': 0.6 }
      },
      {
        id: 'districts', type: 'line', source: 'regions', 'source-layer': 'boundaries', minzoom: 7,
        filter: ['==', ['get', 'level'], 2],
        paint: { 'line-color': BASE.district, 'line-width': 0.8, 'line-dasharray': [3, 2] }
      },
      {
        id: 'states', type: 'line', source: 'regions', 'source-layer': 'boundaries',
        filter: ['==', ['get', 'level'], 1],
        paint: { 'line-color': BASE.state, 'line-width': ['interpolate', ['linear'], ['zoom'], 4, 0.7, 10, 1.6] }
      },
      {
        id: 'countries', type: 'line', source: 'borders',
        paint: { 'line-color': BASE.border, 'line-width': ['interpolate', ['linear'], ['zoom'], 2, 0.6, 10, 2] }
      },
      {
        id: 'places', type: 'circle', source: 'regions', 'source-layer': 'places',
        // a ring, so that a place is never mistaken for a charge point (filled circles)
        paint: {
          'circle-radius': 2.5, 'circle-color': 'rgba(0, 0, 0, 0)', 'circle-stroke-color': '#6b7077',
          'circle-stroke-width': 1
        }
      }
    ];
  }

  function chargepointLayers() {
    var color = colorExpression();
    return [
      {
        id: 'clusters', type: 'circle', source: 'ocpdb', 'source-layer': 'clusters', maxzoom: 8,
        paint: {
          'circle-color': color,
          'circle-radius': ['interpolate', ['linear'], ['sqrt', ['get', 'count']], 1, 5, 30, 24],
          'circle-stroke-color': '#ffffff',
          'circle-stroke-width': 1
        }
      },
      {
        id: 'chargepoints', type: 'circle', source: 'ocpdb', 'source-layer': 'chargepoints', minzoom: 8,
        paint: {
          'circle-color': color,
          'circle-radius': ['interpolate', ['linear'], ['zoom'], 8, 3.5, 14, 7, 18, 10],
          'circle-stroke-color': '#ffffff',
          'circle-stroke-width': 1
        }
      }
    ];
  }

  window.OcpdbStyle = {
    STATUS: STATUS,
    BASE: BASE,
    colorExpression: colorExpression,
    statusIdExpression: statusIdExpression,
    basemapSources: basemapSources,
    basemapLayers: basemapLayers,
    chargepointLayers: chargepointLayers
  };
})();
