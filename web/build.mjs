// Bundles the dashboard (web/src) into OUT (make: build/web): assets/app-HASH.js and
// assets/style-HASH.css, minified by esbuild, index.html naming them, and gzip twins. The names carry a
// hash of the content, so the server lets browsers keep them (server/web.c).
import { build } from 'esbuild';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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
