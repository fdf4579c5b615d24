// Bundles the dashboard (web/src) into OUT (make: build/web): assets/app-HASH.js and
// assets/app-HASH.css, minified by esbuild, and index.html naming them. The names carry a
// hash of the content, so the server lets browsers keep them (server/web.c).
import { build } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = process.argv[2];
if (!out) {
  console.error('usage: node web/build.mjs OUT');
  process.exit(2);
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
});
const names = Object.keys(result.metafile.outputs).map((p) => basename(p));
const pick = (re) => {
  const n = names.find((x) => re.test(x));
  if (!n) throw new Error(`no ${re} among ${names.join(', ')}`);
  return n;
};
const html = readFileSync(join(here, 'index.html'), 'utf8')
  .replace('%APP_JS%', pick(/^app-.*\.js$/))
  .replace('%APP_CSS%', pick(/^style-.*\.css$/));
writeFileSync(join(out, 'index.html'), html);
