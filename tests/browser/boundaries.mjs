// A boundary file for the test country, as a deployment would supply one
// (config/region_boundaries.geojson): each region of config/region_tiles.json becomes the
// square of its tile, about 0.8 degrees a side near 33 N, with borders that wander as real
// ones do (every edge 200 vertices, the same wander on both sides of a border); the
// capital a MultiPolygon with an island, the Islands with an islet too small to survive
// simplification, the Desert with a hole (a salt lake). node tests/browser/boundaries.mjs OUT
import { readFileSync, writeFileSync } from 'node:fs';

const tiles = JSON.parse(readFileSync(new URL('../../config/region_tiles.json', import.meta.url), 'utf8')).tiles;
const STEP = 0.8;
const lon = (c) => 35 + c * STEP;
const lat = (r) => 33 - r * STEP;
// The edge from grid corner a to b, without b: a line moved across itself by a wander
// that depends on the edge alone (computed from its lesser corner), so that the two
// regions of a border share it exactly.
function edge(a, b, n = 200) {
  const flip = a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);
  const [[r0, c0], [r1, c1]] = flip ? [b, a] : [a, b];
  const key = r0 * 31 + c0 * 7 + (r0 === r1 ? 0 : 100);
  const pts = [];
  for (let i = 0; i <= n; i++) {
    const t = i / n;
    const w = 0.06 * Math.sin(t * Math.PI) * Math.sin(t * 9 + key) + 0.004 * Math.sin(t * Math.PI) * Math.sin(t * 157 + key);
    const r = r0 + (r1 - r0) * t + (r0 === r1 ? w : 0);
    const c = c0 + (c1 - c0) * t + (c0 === c1 ? w : 0);
    pts.push([+lon(c).toFixed(6), +lat(r).toFixed(6)]);
  }
  if (flip) pts.reverse();
  return pts.slice(0, n);
}
const square = (r, c) => {
  const ring = [...edge([r, c], [r, c + 1]), ...edge([r, c + 1], [r + 1, c + 1]), ...edge([r + 1, c + 1], [r + 1, c]), ...edge([r + 1, c], [r, c])];
  return [...ring, ring[0]];
};
// A small closed ring around (r, c) in tile units, d degrees a side.
const box = (r, c, d) => [[lon(c), lat(r)], [lon(c) + d, lat(r)], [lon(c) + d, lat(r) - d], [lon(c), lat(r) - d], [lon(c), lat(r)]];
const features = Object.entries(tiles).map(([code, [r, c]]) => {
  const main = [square(r, c)];
  if (code === 'DC-09') main.push(box(r + 0.4, c + 0.4, 0.2).reverse());
  const geometry =
    code === 'DC-01'
      ? { type: 'MultiPolygon', coordinates: [main, [[[lon(4.2), lat(2.2)], [lon(4.5), lat(2.1)], [lon(4.6), lat(2.5)], [lon(4.3), lat(2.6)], [lon(4.2), lat(2.2)]]]] }
      : code === 'DC-11'
        ? { type: 'MultiPolygon', coordinates: [main, [box(r + 1.3, c - 0.3, 0.001)]] }
        : { type: 'Polygon', coordinates: main };
  return { type: 'Feature', properties: { code }, geometry };
});
writeFileSync(process.argv[2], JSON.stringify({ type: 'FeatureCollection', features }));
