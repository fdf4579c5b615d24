// Bundles the dashboard (web/src) into OUT (make: build/web): assets/app-HASH.js and
// assets/style-HASH.css, minified by esbuild, index.html naming them, and gzip twins. The names carry a
// hash of the content, so the server lets browsers keep them (server/web.c).
import { build } from 'esbuild';
import simplify from 'simplify-js';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { constants, gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const out = process.argv[2];
if (!out) {
  console.error('usage: node web/build.mjs OUT');
  process.exit(2);
}
// The regions' boundaries for the map: a deployment's config/region_boundaries.geojson (or
// the file WIQAYA_BOUNDARIES names), projected and simplified here and bundled as SVG
// paths (the page fetches nothing); without one, the map is config/region_tiles.json's grid.
const boundaryFile = process.env.WIQAYA_BOUNDARIES || join(here, '..', 'config', 'region_boundaries.geojson');
if (process.env.WIQAYA_BOUNDARIES && !existsSync(boundaryFile)) throw new Error(`WIQAYA_BOUNDARIES: no file ${boundaryFile}`);
// The regions the map must draw: the code list's.
const regionCodes = readFileSync(join(here, '..', 'config', 'codelists', 'regions.csv'), 'utf8')
  .split(/\r?\n/)
  .slice(1)
  .map((l) => l.split(',')[0])
  .filter(Boolean);
const boundaries = existsSync(boundaryFile) ? mapOf(JSON.parse(readFileSync(boundaryFile, 'utf8')), boundaryFile) : null;

// A GeoJSON FeatureCollection of (Multi)Polygons in longitude and latitude, each with
// properties.code (a region of config/codelists/regions.csv, every one of which must have
// a boundary), as {width, height, regions: {code: SVG path}, vertices: {given, drawn}}: an
// equirectangular projection at the map's mean latitude (a region's shape true at its
// scale), 1,000 units wide, north up, and each ring simplified (Douglas-Peucker,
// simplify-js) to half a unit, which no screen shows; a ring the simplification would
// close up (a small island) is kept as given. Holes are rings of their own (drawn even-odd).
function mapOf(geo, file) {
  const stop = (why) => {
    throw new Error(`${file}: ${why}`);
  };
  if (geo?.type !== 'FeatureCollection' || !Array.isArray(geo.features)) stop('not a GeoJSON FeatureCollection');
  const polys = new Map();
  for (const [i, f] of geo.features.entries()) {
    const code = f?.properties?.code;
    const g = f?.geometry;
    if (typeof code !== 'string' || !code) stop(`feature ${i} has no properties.code (the region's code)`);
    if (polys.has(code)) stop(`region ${code} is given twice`);
    if (g?.type === 'Polygon') polys.set(code, [g.coordinates]);
    else if (g?.type === 'MultiPolygon') polys.set(code, g.coordinates);
    else stop(`region ${code} is a ${g?.type ?? 'missing geometry'}, not a Polygon or MultiPolygon`);
  }
  for (const code of polys.keys()) if (!regionCodes.includes(code)) stop(`region ${code} is not a code of config/codelists/regions.csv`);
  for (const code of regionCodes) if (!polys.has(code)) stop(`region ${code} of config/codelists/regions.csv has no boundary`);
  // The bounds by a loop: a national file has millions of positions, past a spread's limit.
  let [w, e, s, n] = [Infinity, -Infinity, Infinity, -Infinity];
  let positions = 0;
  for (const polygons of polys.values())
    for (const ring of polygons.flat()) {
      if (!Array.isArray(ring) || ring.length < 4) stop('a ring has fewer than four positions');
      for (const p of ring) {
        if (!Array.isArray(p) || !(Math.abs(p[0]) <= 180) || !(Math.abs(p[1]) <= 90)) stop('a position is not [longitude, latitude] in degrees (a projected file? GeoJSON is WGS 84)');
        [w, e, s, n] = [Math.min(w, p[0]), Math.max(e, p[0]), Math.min(s, p[1]), Math.max(n, p[1])];
        positions++;
      }
    }
  if (!positions) stop('no positions');
  if (e - w > 180) stop('the regions span more than 180 degrees of longitude (across the antimeridian?): not supported');
  const k = Math.cos((((s + n) / 2) * Math.PI) / 180);
  const scale = 1000 / ((e - w) * k || 1);
  const xy = ([x, y]) => ({ x: (x - w) * k * scale, y: (n - y) * scale });
  let given = 0;
  let drawn = 0;
  const regions = {};
  for (const [code, polygons] of polys) {
    const rings = polygons.flat().map((ring) => {
      given += ring.length;
      const projected = ring.map(xy);
      let r = simplify(projected, 0.5, true);
      if (r.length < 4) r = projected;
      drawn += r.length;
      return `M${r.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join('L')}Z`;
    });
    regions[code] = rings.join('');
  }
  return { width: 1000, height: Math.ceil((n - s) * scale), regions, vertices: { given, drawn } };
}

rmSync(join(out, 'assets'), { recursive: true, force: true });
mkdirSync(join(out, 'assets'), { recursive: true });
const result = await build({
  entryPoints: { app: join(here, 'src/main.js'), style: join(here, 'src/app.css') },
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['chrome109', 'firefox115', 'safari16'],
  entryNames: '[name]-[hash]',
  outdir: join(out, 'assets'),
  metafile: true,
  legalComments: 'linked',
  logLevel: 'warning',
  // import boundaries from 'wiqaya:boundaries': the map above, or null.
  plugins: [
    {
      name: 'boundaries',
      setup(b) {
        b.onResolve({ filter: /^wiqaya:boundaries$/ }, (a) => ({ path: a.path, namespace: 'wiqaya' }));
        b.onLoad({ filter: /.*/, namespace: 'wiqaya' }, () => ({ contents: JSON.stringify(boundaries), loader: 'json' }));
      },
    },
  ],
});
if (boundaries) console.log(`map: ${Object.keys(boundaries.regions).length} regions from ${boundaryFile}, ${boundaries.vertices.given} vertices simplified to ${boundaries.vertices.drawn}`);
const names = Object.keys(result.metafile.outputs).map((p) => basename(p));
const pick = (re) => {
  const n = names.find((x) => re.test(x));
  if (!n) throw new Error(`no ${re} among ${names.join(', ')}`);
  return n;
};
// The methods and the disclosure rules the page links to, as plain text beside the bundle
// (the dashboard loads nothing from elsewhere): docs/NAME.md as assets/NAME-HASH.txt.
const doc = (name) => {
  const text = readFileSync(join(here, '..', 'docs', `${name}.md`));
  const file = `${name}-${createHash('sha256').update(text).digest('hex').slice(0, 8).toUpperCase()}.txt`;
  writeFileSync(join(out, 'assets', file), text);
  return file;
};
const html = readFileSync(join(here, 'index.html'), 'utf8')
  .replace('%APP_JS%', pick(/^app-.*\.js$/))
  .replace('%APP_CSS%', pick(/^style-.*\.css$/))
  .replace('%METHODS_TXT%', doc('methods'))
  .replace('%PRIVACY_TXT%', doc('privacy'));
writeFileSync(join(out, 'index.html'), html);
// /embed: the same page marked as the one-chart page in its own bytes, so that the mode
// never depends on how the URL was spelled (server/web.c serves it under its own policy).
const embed = html.replace('<body>', '<body class="embed">');
if (embed === html) throw new Error('index.html has no <body> to mark');
writeFileSync(join(out, 'embed.html'), embed);

// A gzip twin of each text file, made once here rather than at every request: the server
// sends it to browsers that accept gzip (a third of the bytes).
const gz = (file) => writeFileSync(`${file}.gz`, gzipSync(readFileSync(file), { level: constants.Z_BEST_COMPRESSION }));
gz(join(out, 'index.html'));
gz(join(out, 'embed.html'));
for (const f of readdirSync(join(out, 'assets'))) if (/\.(js|css|txt)$/.test(f)) gz(join(out, 'assets', f));
