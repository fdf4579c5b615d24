// The dashboard in Debian's Chromium (playwright-core), against a real wiqaya-server:
// node tests/browser/dashboard.mjs BASE POLICY_TOKEN SCREENSHOT_DIR. Prints TAP lines
// (tests/lib.sh's conventions, "# figure:" for the load times) and exits 0; the runner
// counts the lines.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const [base, policyToken, shots, mode = 'full'] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

let n = 0;
const ok = (cond, desc, ...why) => {
  n++;
  console.log(`${cond ? 'ok' : 'not ok'} ${n} - ${desc}`);
  if (!cond) for (const w of why) console.log(`#   ${typeof w === 'string' ? w : JSON.stringify(w)}`.slice(0, 2000));
  return cond;
};
const figure = (s) => console.log(`# figure: ${s}`);

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
const ALL = ['trend', 'new', 'sex', 'age', 'compare', 'periods', 'regions', 'map', 'offence', 'detection', 'conviction', 'financial', 'proactive', 'pathway_adult', 'pathway_child', 'risk', 'hidden', 'abuse', 'interventions'];
// Every view of the unfiltered dashboard is a post-processing of the published product but
// the estimates (hidden victims, the nowcast), asked with a token: an estimate is no sum.
const ESTIMATES = ['hidden', 'abuse'];
const PUBLIC = ALL.filter((v) => !ESTIMATES.includes(v));

// A page with its console errors and every request it made.
async function open(hash = '') {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  const errors = [];
  const requests = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('request', (r) => requests.push({ url: r.url(), auth: r.headers().authorization ?? null }));
  const t0 = Date.now();
  await page.goto(`${base}/${hash}`);
  await ready(page);
  return { context, page, errors, requests, wall: Date.now() - t0 };
}
// Waits for a render to finish, and returns its time from navigation start.
async function ready(page) {
  await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 120000 });
  return page.evaluate(() => {
    const m = performance.getEntriesByType('mark').filter((x) => x.name.startsWith('wiqaya-ready'));
    return m.length ? m.at(-1).startTime : null;
  });
}
// Does something that renders the page again, and waits for that render to be done.
// Whether any of the browser's storages holds a token (it is written to disk).
const stored = (page) => page.evaluate(() => [sessionStorage, localStorage].some((st) => Object.values(st).some((v) => /wq_/.test(v))));

async function act(page, fn) {
  const before = await page.evaluate(() => Number(document.body.dataset.render ?? 0));
  await fn();
  await page.waitForFunction((b) => document.body.dataset.ready === 'true' && Number(document.body.dataset.render) > b, before, { timeout: 120000 });
  return page.evaluate(() => performance.getEntriesByType('mark').filter((x) => x.name.startsWith('wiqaya-ready')).at(-1).startTime);
}
const states = (page) => page.$$eval('figure.card', (fs) => Object.fromEntries(fs.map((f) => [f.dataset.view, f.dataset.state])));

// What a view shows: its API URL, its table (keys, columns, values, texts, statuses) and
// its chart's data as Chart.js holds it (the band datasets apart).
const shown = (page, view) =>
  page.$eval(`figure[data-view="${view}"]`, (f) => {
    const chart = f.querySelector('canvas')?.wqChart;
    const map = f.querySelector('.tiles, svg.choropleth'); // the map: tiles or paths, their values in the table's order
    return {
      api: f.dataset.api,
      public: f.dataset.public === 'true',
      rows: [...f.querySelectorAll('table.data tbody tr')].map((tr) => ({
        keys: tr.dataset.keys,
        part: tr.dataset.part ?? null,
        cells: [...tr.querySelectorAll('[data-col]')].map((c) => ({ col: c.dataset.col, value: c.dataset.value === 'null' ? null : Number(c.dataset.value), text: c.textContent, status: c.dataset.status ?? null })),
      })),
      datasets: chart ? chart.data.datasets.filter((d) => !d.wqBand).map((d) => d.data) : map ? [map.wqData] : [],
      bands: chart ? chart.data.datasets.filter((d) => d.wqBand).map((d) => d.data) : [],
    };
  });

async function apiJSON(u, token) {
  const r = await fetch(base + u, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  return r.json();
}
async function apiCSV(u, token) {
  const r = await fetch(`${base}${u}${u.includes('?') ? '&' : '?'}format=csv`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  return r.text();
}

// The chart and its table against the API's answer to the same URL: every table row is
// an API row (by its codes), every number the API's, a suppressed cell null (never 0)
// and said as "fewer than"; the chart's data are the table's first numbers, in order.
function compare(view, s, ans, subset = null) {
  const col = Object.fromEntries(ans.headers.map((h, i) => [h.name, i]));
  const problems = [];
  const keyCount = s.rows[0]?.keys.split('|').length ?? 0;
  // (A null key, the whole of an estimate's groups, is empty in the page's keys.)
  const apiRows = new Map(ans.rows.map((r) => [r.slice(0, keyCount).map((x) => (x === null ? '' : String(x))).join('|'), r]));
  const gone = (r) => r[col.cell_status] === 'suppressed' || (col.suppressed_cells !== undefined && r[col.cases] === 0 && r[col.suppressed_cells] > 0);
  for (const row of s.rows) {
    const r = apiRows.get(row.keys);
    if (!r) { problems.push(`no API row ${row.keys}`); continue; }
    for (const c of row.cells) {
      const want = gone(r) ? null : r[col[c.col]];
      if (c.value !== want) problems.push(`${row.keys} ${c.col}: table ${c.value}, API ${want}`);
      if (gone(r) && c.col === row.cells[0].col && !/fewer than|أقل من/.test(c.text)) problems.push(`${row.keys}: suppressed shown as "${c.text}"`);
      if (c === row.cells[0] && col.cell_status !== undefined && c.status !== r[col.cell_status]) problems.push(`${row.keys}: status ${c.status}, API ${r[col.cell_status]}`);
    }
  }
  const expected = subset ? ans.rows.filter(subset).length : ans.rows.length;
  if (s.rows.length !== expected) problems.push(`${s.rows.length} table rows, ${expected} API rows`);
  const drawn = s.datasets.flat();
  const listed = s.rows.map((r) => r.cells[0].value);
  if (JSON.stringify(drawn) !== JSON.stringify(listed)) problems.push(`chart ${JSON.stringify(drawn).slice(0, 200)} != table ${JSON.stringify(listed).slice(0, 200)}`);
  return problems;
}

// The map's tiles against the API, by region code: each tile's value attribute the API's
// (null where the API has none), its text that value in the page's words, and a tile in
// its place in the grid (config/region_tiles.json).
async function checkMap(page, label) {
  const s = await shown(page, 'map');
  const ans = await apiJSON(s.api, s.public ? null : undefined);
  const col = Object.fromEntries(ans.headers.map((h, i) => [h.name, i]));
  const tiles = await page.$$eval('figure[data-view="map"] .tile', (ts) => ts.map((x) => ({ code: x.dataset.code, value: x.dataset.value, text: x.querySelector('.tile-value').textContent, row: getComputedStyle(x).gridRowStart, col: getComputedStyle(x).gridColumnStart })));
  const tableText = Object.fromEntries(s.rows.map((r) => [r.keys, r.cells[0].text]));
  const problems = [];
  for (const r of ans.rows) {
    const code = r[col.region];
    const tile = tiles.find((x) => x.code === code);
    const want = r[col.cell_status] === 'suppressed' ? null : r[col.value];
    if (!tile) problems.push(`no tile for ${code}`);
    else if ((tile.value === 'null' ? null : Number(tile.value)) !== want) problems.push(`${code}: tile ${tile.value}, API ${want}`);
    else if (want !== null && tile.text !== tableText[code]) problems.push(`${code}: tile says ${tile.text}, table ${tableText[code]}`);
  }
  const capital = tiles.find((x) => x.code === 'DC-01');
  ok(problems.length === 0 && tiles.length === ans.rows.length && capital?.row === '2' && capital?.col === '3',
    `${label}: the map's ${tiles.length} tiles are the API's values, each in its place`, ...problems.slice(0, 5), capital);
}

async function checkNumbers(page, views, token, label) {
  const answers = {};
  for (const v of views) {
    const s = await shown(page, v);
    if (s.api.includes(' ')) {
      // A view of several answers (a comparison): each answer's rows, and the datasets of
      // its series, against that answer.
      const p = [];
      let d = 0;
      for (const [i, u] of s.api.split(' ').entries()) {
        const rows = s.rows.filter((r) => r.part === String(i));
        const series = new Set(rows.map((r) => r.keys.split('|').slice(0, -1).join('|'))).size;
        p.push(...compare(v, { ...s, rows, datasets: s.datasets.slice(d, d + series) }, await apiJSON(u, null)));
        d += series;
      }
      ok(p.length === 0 && s.rows.length > 0 && d === s.datasets.length, `${label}: ${v} draws the API's numbers (${s.rows.length} rows of ${s.api.split(' ').length} answers)`, ...p.slice(0, 5));
      continue;
    }
    // Asked as the page asked it: a published table without the token.
    const ans = (answers[s.api] ??= await apiJSON(s.api, s.public ? null : token));
    const groups = { pathway_adult: ['adult', 'mixed', 'unidentified'], pathway_child: ['child'] }[v];
    const p = compare(v, s, ans, groups ? (r) => groups.includes(r[0]) : null);
    ok(p.length === 0 && s.rows.length > 0, `${label}: ${v} draws the API's numbers (${s.rows.length} rows of ${s.api})`, ...p.slice(0, 5));
  }
}

async function axe(page, label) {
  await page.evaluate(axeSource);
  const res = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = res.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  ok(bad.length === 0, `${label}: axe-core finds no serious or critical violation (${res.violations.length} of any impact)`, ...bad.map((v) => `${v.impact} ${v.id}: ${v.nodes.slice(0, 3).map((x) => x.target.join(' ')).join(', ')}`));
}

// Whether the texts occur in s in this order (each after the one before it).
const inOrder = (s, parts) => parts.reduce((at, p) => (at < 0 ? -1 : s.indexOf(p, at) < 0 ? -1 : s.indexOf(p, at) + p.length), 0) >= 0;

// The headline against the API's published national trend: the same numbers in its
// attributes, and those numbers, as the reader's locale writes them, in its sentences.
async function checkHeadline(page, label, localeTag) {
  const ans = await apiJSON('/api/v1/trends?indicator=victim_rate', null);
  const col = Object.fromEntries(ans.headers.map((h, i) => [h.name, i]));
  // The years the API published a rate for (not suppressed, with a population).
  const rated = ans.rows.filter((r) => r[col.value] !== null && ['ok', 'unreliable'].includes(r[col.cell_status]));
  const last = rated.at(-1);
  const tr = ans.trends[0];
  const h = await page.evaluate(() => ({
    level: { ...document.querySelector('#h-level').dataset, text: document.querySelector('#h-level').textContent },
    change: { ...document.querySelector('#h-change').dataset, text: document.querySelector('#h-change').textContent },
  }));
  const fmt = (v, d) => new Intl.NumberFormat(localeTag, { maximumFractionDigits: d, minimumFractionDigits: d }).format(v);
  const yr = (y) => new Intl.NumberFormat(localeTag, { useGrouping: false }).format(y);
  const want = [yr(last[col.year]), fmt(Math.round(last[col.value]), 0), fmt(Math.round(last[col.lower]), 0), fmt(Math.round(last[col.upper]), 0)];
  const ends = tr.upper < 0 ? [-tr.upper, -tr.lower] : [tr.lower, tr.upper]; /* a fall: its magnitudes */
  const wantChange = [yr(rated[0][col.year]), fmt(tr.lower > 0 || tr.upper < 0 ? Math.abs(tr.apc) : tr.apc, 1), fmt(ends[0], 1), fmt(ends[1], 1)];
  ok(Number(h.level.year) === last[col.year] && Number(h.level.value) === last[col.value] && Number(h.level.lower) === last[col.lower] && Number(h.level.upper) === last[col.upper] &&
     want.every((w) => h.level.text.includes(w)) && inOrder(h.level.text, want),
    `${label}: the headline's level is the API's (${h.level.text})`, want, h.level);
  ok(Number(h.change.apc) === tr.apc && Number(h.change.lower) === tr.lower && Number(h.change.upper) === tr.upper && wantChange.every((w) => h.change.text.includes(w)) &&
     inOrder(h.change.text, wantChange) && (tr.lower > 0 ? /risen|ارتفع/ : tr.upper < 0 ? /fallen|انخفض/ : /not changed|لم يتغير/).test(h.change.text),
    `${label}: the headline's annual change is the API's, in the right direction (${h.change.text})`, wantChange, h.change);
  return h;
}

// Every text of the page a reader sees (form controls' options aside), for the checks of
// the Arabic view: no Western digit, no English word. A file's path (docs/methods.md) and
// R's glm are names, not words.
const pageTexts = (page) =>
  page.evaluate(() => {
    const out = [];
    const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n; (n = walk.nextNode()); ) if (!n.parentElement.closest('select, script, style') && n.textContent.trim()) out.push(n.textContent.trim());
    return out;
  });
const NAMES = /\S+\.md\b|\bglm\b/g;

const offLoopback = (reqs) => reqs.filter((r) => !/^(data|blob):/.test(r.url) && new URL(r.url).hostname !== '127.0.0.1');

if (mode === 'budget') await budget();
else if (mode === 'sweep') await sweep(100);
else if (mode === 'builder') await tableBuilder();
else if (mode === 'choropleth') await choropleth();
else await full();
await browser.close();

// A token with a small budget (1, its own), on a filter the published product does not
// answer for every chart (an offence): those charts say what they would cost and wait;
// asked one after another, they are drawn until the budget runs out, and then say so in
// the API's words. Nothing is spent without the reader asking.
async function budget() {
  const { context, page } = await open('#offence=sextortion');
  await page.fill('#token', policyToken);
  await act(page, () => page.click('#token-form button[type="submit"]'));
  const cards = () => page.$$eval('figure.card', (fs) => fs.map((f) => ({ view: f.dataset.view, state: f.dataset.state, public: f.dataset.public, text: f.querySelector('.message')?.textContent ?? '' })));
  let cs = await cards();
  const costly = cs.filter((c) => c.state === 'costly');
  ok(cs.every((c) => c.state === 'drawn' || c.state === 'costly'), 'budget: every chart is drawn from the published product or says what it would cost', cs);
  ok(costly.length > 0 && costly.every((c) => /costs epsilon [0-9.]+; [0-9.]+ of your privacy budget is left/.test(c.text)), `budget: ${costly.length} charts say what they would cost before asking`, costly);
  ok(cs.filter((c) => c.state === 'drawn').every((c) => c.public === 'true'), 'budget: the drawn ones cost nothing (the published product)');
  const left0 = await page.textContent('#role');
  for (const c of costly) {
    await page.click(`figure[data-view="${c.view}"] button.ask`);
    await page.waitForFunction((v) => ['drawn', 'refused'].includes(document.querySelector(`figure[data-view="${v}"]`).dataset.state), c.view);
  }
  cs = await cards();
  const refused = cs.filter((c) => c.state === 'refused');
  const spent = refused.filter((c) => /D1001/.test(c.text));
  ok(cs.filter((c) => costly.some((x) => x.view === c.view)).some((c) => c.state === 'drawn'), 'budget: a chart asked for is drawn');
  ok(spent.length > 0 && spent.every((c) => /remain/.test(c.text) && /renews in \d+ days/.test(c.text)), `budget: ${spent.length} charts asked after the budget ran out say so, what remains and when it renews`, refused);
  ok(refused.every((c) => /D1001|D1002/.test(c.text)), 'budget: every refusal is the budget\'s', refused);
  const left = await page.textContent('#role');
  ok(left !== left0 && /privacy budget left: [01](\.\d)?$/.test(left), `budget: the page shows the budget left ("${left0}" then "${left}")`);
  await page.screenshot({ path: join(shots, 'dashboard-budget.png'), fullPage: true });
  // In Arabic, a refusal is said in Arabic (the API's English texts and Latin codes mixed
  // into right-to-left text read scrambled); its code stays on the figure.
  await act(page, () => page.selectOption('#lang', 'ar'));
  const ask = (await cards()).find((c) => c.state === 'costly');
  await page.click(`figure[data-view="${ask.view}"] button.ask`);
  await page.waitForFunction((v) => document.querySelector(`figure[data-view="${v}"]`).dataset.state === 'refused', ask.view);
  const ar = await page.$eval(`figure[data-view="${ask.view}"]`, (f) => ({ text: f.querySelector('.message').textContent, code: f.dataset.problem }));
  ok(/ميزانية الخصوصية/.test(ar.text) && !/[A-Za-z0-9]/.test(ar.text) && /^D100[12]$/.test(ar.code),
    `budget: in Arabic the refusal is Arabic, without a Latin letter or digit ("${ar.text}"), its code ${ar.code} on the figure`);
  await context.close();
}

// The goal of issue 24: a policy-maker's token at the shipped budget sweeping random
// filter states of the dashboard: no chart refused. A chart the published product does
// not answer says its cost and waits for the reader (not asked here).
async function sweep(n) {
  const { context, page } = await open();
  await page.fill('#token', policyToken);
  await act(page, () => page.click('#token-form button[type="submit"]'));
  const regions = await page.$$eval('#f-region option', (o) => o.map((x) => x.value).filter(Boolean));
  const pick = (s, xs) => xs[Math.floor(s() * xs.length)];
  let seed = 24;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const offences = await page.$$eval('#f-offence option', (o) => o.map((x) => x.value).filter(Boolean));
  const totals = { drawn: 0, costly: 0, refused: 0, locked: 0, empty: 0 };
  const bad = [];
  for (let i = 0; i < n; i++) {
    const s = new URLSearchParams();
    const y0 = 2015 + Math.floor(rnd() * 11);
    if (rnd() < 0.5) s.set('from', String(y0));
    if (rnd() < 0.5) s.set('to', String(Math.min(2025, y0 + Math.floor(rnd() * 6))));
    if (rnd() < 0.6) s.set('region', pick(rnd, regions));
    if (rnd() < 0.4) s.set('sex', pick(rnd, ['female', 'male']));
    if (rnd() < 0.4) s.set('age_band', pick(rnd, ['0-4', '5-9', '10-12', '13-15', '16-17']));
    if (rnd() < 0.3) s.set('offence', pick(rnd, offences));
    await act(page, () => page.evaluate((h) => { location.hash = h; }, `#${s}`));
    const st = await states(page);
    for (const [v, x] of Object.entries(st)) {
      totals[x] = (totals[x] ?? 0) + 1;
      if (x === 'refused') bad.push(`${s}: ${v}`);
    }
  }
  const left = await page.textContent('#role');
  figure(`sweep: ${n} random filter states x ${ALL.length} charts with a policy token of the shipped budget: ${totals.drawn} drawn from the published product, ${totals.costly} waiting with their cost, ${totals.empty} with no model to fit (fewer than two factors, or too few cells), ${totals.refused} refused (${left})`);
  ok(totals.refused === 0, `sweep: no chart refused over ${n} filter states`, ...bad.slice(0, 5));
  await context.close();
}

// The table builder, with a researcher's token (policyToken here): a table the published
// product does not answer says its cost (the API's dry run) and is asked only on "Get the
// table"; the charge is that cost; the table, its chart and its CSV are the API's; the
// choice is in the URL, and the link shows the same table (free: its cells are paid for).
async function tableBuilder() {
  const hash = '#table=victims&by=disability.year';
  const { context, page, errors } = await open(hash);
  ok(await page.$eval('#builder', (e) => e.hidden), 'builder: not shown without a token');
  await page.fill('#token', policyToken);
  await act(page, () => page.click('#token-form button[type="submit"]'));
  const form = () => page.evaluate(() => ({ ind: document.querySelector('#b-indicator').value, dims: [1, 2, 3, 4].map((i) => document.querySelector(`#b-dim${i}`).value), slots: [1, 2, 3, 4].filter((i) => !document.querySelector(`#b-dim${i}`).parentElement.hidden).length, cost: { ...document.querySelector('#b-cost').dataset, text: document.querySelector('#b-cost').textContent }, ask: !document.querySelector('#b-ask').disabled }));
  const f0 = await form();
  const url = '/api/v1/analytics?indicator=victims&dimension=disability&dimension=year';
  const dry = await apiJSON(`${url}&dry_run=true`, policyToken);
  ok(f0.ind === 'victims' && f0.dims.join(',') === 'disability,year,,' && f0.slots === 4, 'builder: the link\'s choice fills the form, with the researcher\'s 4 dimensions', f0);
  ok(dry.epsilon > 0 && Number(f0.cost.epsilon) === dry.epsilon && f0.cost.text.includes(`epsilon ${dry.epsilon.toLocaleString('en', { minimumFractionDigits: 1, maximumFractionDigits: 1 })}`) && f0.ask && !(await page.$('#b-out figure')),
    `builder: before asking, the table says its cost, the API's dry run (epsilon ${dry.epsilon}), and nothing is asked`, f0, dry);
  const caller = (await apiJSON('/api/v1/disclosure', policyToken)).caller;
  const before = caller.budget_remaining;
  ok(before === caller.budget, `builder: opening the link and seeing the cost spent nothing (${before} of ${caller.budget} left)`);
  await page.click('#b-ask');
  await page.waitForFunction(() => ['drawn', 'refused'].includes(document.querySelector('#b-out figure')?.dataset.state));
  const after = (await apiJSON('/api/v1/disclosure', policyToken)).caller.budget_remaining;
  ok(Math.abs(before - after - dry.epsilon) < 1e-9, `builder: the charge is the cost it showed (${before} - ${after} = ${dry.epsilon})`);
  const spent = (await form()).cost.text;
  ok(spent.includes(`cost epsilon ${dry.epsilon.toLocaleString('en', { minimumFractionDigits: 1, maximumFractionDigits: 1 })}`) && spent.includes(after.toLocaleString('en', { minimumFractionDigits: 1, maximumFractionDigits: 1 })),
    `builder: once asked, it says what was charged and what is left ("${spent}")`);
  const s = await shown(page, 'builder');
  const p = compare('builder', s, await apiJSON(s.api, policyToken));
  ok(p.length === 0 && s.rows.length > 0 && s.api === url && !s.public, `builder: the table and its chart are the API's (${s.rows.length} cells of ${s.api})`, ...p.slice(0, 5));
  await axe(page, 'builder');
  await page.locator('#builder').screenshot({ path: join(shots, 'dashboard-builder.png') });
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#b-out button[data-kind="csv"]')]);
  ok(readFileSync(await dl.path(), 'utf8') === (await apiCSV(url, policyToken)), 'builder: its CSV is the API\'s');
  const link = await page.$eval('#b-out button[data-kind="link"]', (b) => b.dataset.link);
  ok(page.url().endsWith(hash) && link.includes('table=victims') && link.includes('by=disability.year'), 'builder: the choice is in the URL and in the table\'s link', page.url(), link);
  // Another indicator and dimensions: the URL follows, the cost is asked again; a table of
  // the published product is drawn at once, free.
  await page.selectOption('#b-indicator', 'victim_rate');
  await page.selectOption('#b-dim1', 'sex');
  await page.selectOption('#b-dim2', 'year');
  await page.waitForFunction(() => document.querySelector('#b-out figure')?.dataset.state === 'drawn' && document.querySelector('#b-out figure').dataset.public === 'true');
  const pub = await shown(page, 'builder');
  ok(/table=victim_rate/.test(page.url()) && /by=sex\.year/.test(page.url()) && compare('builder', pub, await apiJSON(pub.api, null)).length === 0 && (await form()).cost.epsilon === '0',
    'builder: a table of the published product is drawn at once, free, and the URL follows the choice', page.url(), pub.api);
  // A table the grammar refuses says why before anything is asked.
  await page.selectOption('#b-indicator', 'victims');
  for (const [i, d] of ['ethnicity', 'sexual_orientation', 'sex', 'region'].entries()) await page.selectOption(`#b-dim${i + 1}`, d);
  await page.waitForFunction(() => document.querySelector('#b-cost').dataset.problem);
  const refused = await form();
  ok(/^Q1\d{3}$/.test(refused.cost.problem) && !refused.ask && !(await page.$('#b-out figure')), `builder: a table the grammar refuses says so (${refused.cost.problem}: ${refused.cost.text})`);
  ok((await apiJSON('/api/v1/disclosure', policyToken)).caller.budget_remaining === after, 'builder: choosing spent nothing');
  // The browser logs each refused request: the product's 401 for a table it does not
  // cover (asked first, as every view asks it) and the grammar's 409 are answers here.
  const unexpected = errors.filter((e) => !/^Failed to load resource: the server responded with a status of (401|409)\b/.test(e));
  ok(unexpected.length === 0, 'builder: no console error but the refusals it asked for', ...unexpected);
  await context.close();
  // The link, opened by the same reader elsewhere: the same table, at once (paid for).
  const o = await open(hash);
  await o.page.fill('#token', policyToken);
  await act(o.page, () => o.page.click('#token-form button[type="submit"]'));
  await o.page.waitForFunction(() => document.querySelector('#b-out figure')?.dataset.state === 'drawn');
  const again = await shown(o.page, 'builder');
  ok(JSON.stringify(again.rows) === JSON.stringify(s.rows) && again.api === url, 'builder: the link shows the same table, at once (its cells are paid for)');
  ok((await apiJSON('/api/v1/disclosure', policyToken)).caller.budget_remaining === after, 'builder: and showing it again spent nothing');
  await o.context.close();
}

// The map from a boundary file (the server's page built with tests/browser/boundaries.mjs's
// GeoJSON): a path a region, its value the API's, its shade by its class (a larger value
// never lighter), its tooltip the value and interval the table gives; in both languages.
async function choropleth() {
  const shades = ['#deebf7', '#9ecae1', '#6baed6', '#2171b5', '#08306b'];
  const rgb = (hex) => `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(', ')})`;
  for (const hash of ['', '#lang=ar']) {
    const label = hash ? 'choropleth, Arabic' : 'choropleth';
    const { context, page, errors, requests } = await open(hash);
    ok((await states(page)).map === 'drawn' && !(await page.$('figure[data-view="map"] .tiles')), `${label}: the map is drawn from the boundaries, not the tile grid`);
    await checkNumbers(page, ['map'], null, label);
    const s = await shown(page, 'map');
    const ans = await apiJSON(s.api, null);
    const col = Object.fromEntries(ans.headers.map((h, i) => [h.name, i]));
    const paths = await page.$$eval('figure[data-view="map"] svg.choropleth path', (ps) => ps.map((p) => ({ code: p.dataset.code, value: p.dataset.value === 'null' ? null : Number(p.dataset.value), fill: p.style.fill, title: p.querySelector('title').textContent, box: (({ width, height }) => ({ width, height }))(p.getBBox()) })));
    const text = Object.fromEntries(s.rows.map((r) => [r.keys, r.cells[0].text]));
    const problems = [];
    for (const r of ans.rows) {
      const p = paths.find((x) => x.code === r[col.region]);
      const want = r[col.cell_status] === 'suppressed' ? null : r[col.value];
      if (!p) problems.push(`no path for ${r[col.region]}`);
      else if (p.value !== want) problems.push(`${p.code}: path ${p.value}, API ${want}`);
      else if (!p.title.includes(text[p.code])) problems.push(`${p.code}: tooltip "${p.title}" without the table's "${text[p.code]}"`);
      else if (!(p.box.width > 20 && p.box.height > 20)) problems.push(`${p.code}: a path of ${p.box.width} x ${p.box.height}`);
    }
    const known = paths.filter((p) => p.value !== null).sort((a, b) => a.value - b.value).map((p) => shades.map(rgb).indexOf(p.fill));
    ok(problems.length === 0 && paths.length === ans.rows.length, `${label}: ${paths.length} regions drawn from their boundaries, each with the API's value and, in its tooltip, the table's`, ...problems.slice(0, 5));
    ok(known.length > 0 && known.every((k, i) => k >= 0 && (i === 0 || k >= known[i - 1])) && new Set(known).size === 5, `${label}: each region shaded by its class, a larger value never lighter (${known.join(' ')})`);
    if (hash) {
      const titles = paths.map((p) => p.title).filter((x) => /[0-9A-Za-z]/.test(x));
      ok(titles.length === 0, `${label}: the tooltips are in Arabic words and digits`, ...titles.slice(0, 3));
    }
    await axe(page, label);
    if (!hash) await page.locator('figure[data-view="map"]').screenshot({ path: join(shots, 'dashboard-map.png') });
    ok(errors.length === 0 && offLoopback(requests).length === 0, `${label}: no console error, nothing asked off the server`, ...errors);
    await context.close();
  }
}

async function full() {
// ---- The public view, in English ----
{
  const { context, page, errors, requests } = await open();
  const t = await ready(page);
  figure(`public view, all ${PUBLIC.length} published charts drawn ${Math.round(t)} ms after navigation`);
  const st = await states(page);
  ok(PUBLIC.every((v) => st[v] === 'drawn'), 'public: the published charts are drawn', st);
  for (const v of ESTIMATES)
    ok(st[v] === 'locked' && /token only/.test(await page.textContent(`figure[data-view="${v}"]`)), `public: the estimate ${v} says only a token can ask it`, st[v]);
  ok(!(await page.$eval('#f-region', (e) => e.disabled)), 'public: the filters are open (the published product answers them)');
  ok(await page.$eval('#builder', (e) => e.hidden), 'public: no table builder without a token');
  await checkNumbers(page, PUBLIC, null, 'public');
  const dq = (await apiJSON('/api/v1/data-quality', null)).summary;
  const aq = await page.$eval('#about-quality', (p) => ({ ...p.dataset, text: p.textContent }));
  ok(dq && aq.agencies === String(dq.agencies) && aq.gaps === String(dq.agencies_with_gaps) && aq.text.includes(`${dq.agencies} agencies sent cases`),
    'public: the methods page says how complete the data are, in the API\'s figures', aq.text.slice(0, 160));
  await checkMap(page, 'public');
  const off = await page.$eval('figure[data-view="offence"] canvas', (c) => c.wqChart.data.datasets.map((d) => ({ hidden: Boolean(d.hidden), total: d.data.reduce((a, v) => a + (v ?? 0), 0) })));
  const shownOff = off.filter((d) => !d.hidden);
  ok(shownOff.length === 5 && off.length > 5 && Math.min(...shownOff.map((d) => d.total)) >= Math.max(...off.filter((d) => d.hidden).map((d) => d.total)),
    `public: the offence mix draws the 5 offences with the most cases of ${off.length} (the table lists them all)`, off);
  // "Sources and methods": the release calendar and the rules as the API states them, every
  // indicator, and the methods' links (and a chart's) served by the server itself.
  const rules = await apiJSON('/api/v1/disclosure', null);
  const fmt = (iso) => new Intl.DateTimeFormat('en', { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${iso}T00:00:00Z`));
  const rel = await page.textContent('#about-release');
  const ruleText = await page.textContent('#about-rules');
  const indicators = await page.$$eval('#about-indicators dt', (d) => d.length);
  ok(inOrder(rel, [String(rules.release.every_days), fmt(rules.release.current_since), ...rules.release.next.map(fmt)]) &&
    ruleText.includes(`under ${rules.suppression.threshold} children`) && ruleText.includes(`under its floor: ${rules.suppression.floor} and a secret 0 to ${rules.suppression.floor_spread} more of its own)`) &&
    ruleText.includes(`(${rules.budget.per_token.researcher.toLocaleString('en')} every ${rules.budget.window_days} days)`) &&
    indicators === (await apiJSON('/api/v1/indicators', null)).indicators.length,
    `public: "Sources and methods" gives the API's release calendar, thresholds and budget, and all ${indicators} indicators`, rel, ruleText);
  // Each indicator's international frameworks, as the catalogue gives them.
  const cat = await apiJSON('/api/v1/indicators', null);
  const served = await page.$$eval('#about-indicators .serves li', (ls) => ls.map((l) => `${l.dataset.framework}:${l.dataset.fit}`));
  const want = cat.indicators.flatMap((i) => i.frameworks.map((f) => `${f.framework}:${f.fit}`));
  const un = await page.$eval('#about-indicators', (d) => d.textContent);
  ok(JSON.stringify(served) === JSON.stringify(want) && want.length > 0 && un.includes('UN-CTS, Victims of sexual violence and sexual exploitation, children, by sex (in part)'),
    `public: "Sources and methods" says which international framework each indicator serves, and how far (${served.length} mappings, the catalogue's)`, served, want);
  const docLinks = await page.$$eval('#about a, figure[data-view="trend"] dl.facts a', (as) => as.map((a) => a.getAttribute('href')));
  const docs = await Promise.all(docLinks.map(async (h) => { const r = await fetch(base + h); return { h, status: r.status, type: r.headers.get('content-type'), head: (await r.text()).slice(0, 2) }; }));
  ok(docLinks.length === 3 && docs.every((d) => d.status === 200 && /^text\/plain/.test(d.type) && d.head === '# '), 'public: the methods and privacy documents the page links to (and the trend\'s method line) are served by the server', docs);
  // The calendar's own arithmetic: periods of every_days counted from 1970-01-01 UTC.
  const epochDay = (iso) => Date.parse(`${iso}T00:00:00Z`) / 86400000;
  const today = Math.floor(Date.now() / 86400000);
  const days = [rules.release.current_since, ...rules.release.next].map(epochDay);
  ok(days[0] <= today && today < days[1] && days[0] % rules.release.every_days === 0 && days.every((d, i) => i === 0 || d - days[i - 1] === rules.release.every_days) && days.length === 5,
    'public: the release calendar is the current period (from 1970-01-01 UTC) and the next four, every_days apart', rules.release);
  const relFact = await page.$eval('figure[data-view="trend"] dl.facts', (d) => d.textContent);
  const trendAns = await apiJSON((await shown(page, 'trend')).api, null);
  ok(Boolean(trendAns.metaData.release) && relFact.includes(fmt(trendAns.metaData.release)) && relFact.includes(fmt(rules.release.next.find((d) => d > trendAns.metaData.release))),
    `public: a published chart states the release its answer names (${trendAns.metaData.release}) and the next`, relFact);
  const pw = await shown(page, 'pathway_adult');
  ok(pw.rows.every((r) => r.cells[0].col === 'share_of_reported') && pw.datasets.flat().every((v) => v === null || (v >= 0 && v <= 1)),
    'public: the justice pathway draws shares of the reported cases (its counts in the table)');
  await checkHeadline(page, 'public', 'en');
  ok(/not every child harmed/.test(await page.textContent('#h-means')), 'public: the headline says what the figures mean and what they do not');
  const csvBtn = page.locator('figure[data-view="trend"] button[data-kind="csv"]');
  const [dl] = await Promise.all([page.waitForEvent('download'), csvBtn.click()]);
  const got = readFileSync(await dl.path(), 'utf8');
  const api = await shown(page, 'trend');
  ok(got === (await apiCSV(api.api, null)) && got.startsWith('year,value'), `public: the CSV download equals the API's CSV (${got.split('\n').length - 1} lines)`, got.slice(0, 200));
  await axe(page, 'public, English');
  await page.screenshot({ path: join(shots, 'dashboard-public-en.png'), fullPage: true });
  ok(errors.length === 0, 'public: no console error', ...errors);
  ok(offLoopback(requests).length === 0 && requests.every((r) => r.auth === null), `public: ${requests.length} requests, none leaving 127.0.0.1, none with a token`, ...offLoopback(requests).map((r) => r.url));
  await context.close();
}

// ---- An embedded chart (/embed): one published chart, framed by another site; never a
// token; the page itself (/) refuses to be framed ----
{
  const csp = async (path) => (await fetch(base + path, { method: 'HEAD' })).headers.get('content-security-policy') ?? '';
  ok(/frame-ancestors \*$/.test(await csp('/embed')) && /frame-ancestors 'none'$/.test(await csp('/')), 'embed: /embed may be framed by any site ([server] embed_ancestors), / by none');
  // Another spelling of /embed is the one-chart page too: the mode is in the page's bytes,
  // not in how a browser reads the URL.
  const spelled = await fetch(`${base}/%65mbed`);
  const spelledBody = await spelled.text();
  ok(/<body class="embed">/.test(spelledBody) && /frame-ancestors \*$/.test(spelled.headers.get('content-security-policy')) && !/class="embed"/.test(await (await fetch(`${base}/`)).text()),
    'embed: /%65mbed is the one-chart page as well, and / never is');
  const { context, page, errors, requests } = await open();
  const code = await page.$eval('figure[data-view="regions"] button[data-kind="embed"]', (b) => b.dataset.embed);
  ok(/^<iframe src="http:\/\/127\.0\.0\.1:\d+\/embed#(.*&)?view=regions" title="[^"]+"/.test(code), 'embed: each published chart gives the code that embeds it', code);
  // (The embed page never reads a token: none reaches it anyway, the token living in the
  // memory of the page it was entered in.)
  requests.length = 0;
  await page.goto(`${base}/embed#view=regions&region=DC-02`);
  await page.waitForFunction(() => document.body.dataset.ready === 'true');
  const figs = await page.$$eval('figure.card', (fs) => fs.map((f) => `${f.dataset.view}:${f.dataset.state}:${f.dataset.public}`));
  ok(figs.length === 1 && figs[0] === 'regions:drawn:true' && !(await page.isVisible('#token-form')) && !(await page.isVisible('#filters')),
    'embed: the page is the one chart, drawn from the published product, without the settings or the filters', figs);
  await checkNumbers(page, ['regions'], null, 'embed');
  ok(requests.length > 0 && requests.every((r) => r.auth === null), `embed: ${requests.length} requests, none with the token the tab holds`);
  const full = await page.getAttribute('#full-link', 'href');
  ok(full.startsWith(`${base}/#`) && /[#&]region=DC-02&view=regions$/.test(full), 'embed: it links to the whole dashboard in the same state', full);
  // Another site (another origin) frames both: the embedded chart draws, the page does not.
  const other = createServer((q, r) => {
    r.setHeader('Content-Type', 'text/html; charset=utf-8');
    r.end(`<!doctype html><title>another site</title><iframe src="${base}/embed#view=trend" width="640" height="600"></iframe><iframe src="${base}/#view=trend" width="640" height="300"></iframe>`);
  });
  await new Promise((res) => other.listen(0, '127.0.0.1', res));
  const host = await context.newPage();
  await host.goto(`http://127.0.0.1:${other.address().port}/`);
  const framed = host.frames().find((f) => f.url().includes('/embed#'));
  await framed.waitForFunction(() => document.body.dataset.ready === 'true' && document.querySelector('figure.card')?.dataset.state === 'drawn', null, { timeout: 30000 });
  // The other frame: refused by its policy (Chromium shows its error page in its place).
  await host.waitForFunction(() => document.querySelectorAll('iframe').length === 2);
  const urls = host.frames().map((f) => f.url());
  ok(Boolean(framed) && !urls.includes(`${base}/#view=trend`) && urls.some((u) => u.startsWith('chrome-error:')), 'embed: another site frames the embedded chart; the dashboard itself is refused in a frame', urls);
  other.close();
  ok(errors.length === 0, 'embed: no console error', ...errors);
  await context.close();
}

// ---- A filter an indicator has no breakdown by (a case has no sex): left out of the
// chart's query rather than refused, and the chart says so ----
{
  const { context, page, errors } = await open('#sex=female&table=cases&by=year');
  const figs = await page.$$eval('figure.card', (fs) => Object.fromEntries(fs.map((f) => [f.dataset.view,
    { state: f.dataset.state, leftOut: f.dataset.leftOut ?? '', note: [...f.querySelectorAll('.note')].map((n) => n.textContent).join(' ') }])));
  const cases = ['offence', 'detection', 'conviction', 'financial', 'proactive', 'pathway_adult', 'pathway_child'].filter((v) => figs[v]?.state === 'drawn');
  ok(cases.length >= 5 && cases.every((v) => figs[v].leftOut === 'sex' && figs[v].note.includes('Not filtered by sex')),
    `left out: with the page filtered by sex, the ${cases.length} case charts drawn say they are not`, cases.map((v) => [v, figs[v]]));
  ok(figs.trend?.state === 'drawn' && figs.trend.leftOut === '' && !figs.trend.note.includes('Not filtered'),
    'left out: a chart of victims, filtered by sex, says nothing of the kind', figs.trend);
  // (The table builder is a token's.)
  await page.fill('#token', policyToken);
  await act(page, () => page.click('#token-form button[type="submit"]'));
  await page.waitForFunction(() => document.querySelector('#b-out figure')?.dataset.state === 'drawn');
  const built = await page.$eval('#b-out figure', (f) => ({ leftOut: f.dataset.leftOut, note: [...f.querySelectorAll('.note')].map((n) => n.textContent).join(' ') }));
  ok(built.leftOut === 'sex' && built.note.includes('Not filtered by sex'), 'left out: so does the table builder\'s table of cases', built);
  ok(errors.length === 0, 'left out: no console error', ...errors);
  await context.close();
}

// ---- A stacked bar short of a withheld part says so on its top and under the chart:
// the detection channels by year of the first region that has a part under 10 ----
{
  const api = async (q) => (await (await fetch(`${base}/api/v1/analytics?indicator=cases&${q}`)).json());
  const regions = (await api('dimension=region')).rows.map((r) => r[0]);
  let region = null;
  for (const r of regions) {
    const a = await api(`dimension=detection&dimension=year&filter=region:${r}`);
    const st = a.headers.findIndex((h) => h.name === 'cell_status');
    if (a.rows.some((row) => row[st] === 'suppressed')) { region = r; break; }
  }
  ok(region !== null, 'stacked: some region has a detection channel withheld in some year', regions);
  const { context, page, errors } = await open(`#region=${region}`);
  const fig = await page.$eval('figure[data-view="detection"]', (f) => ({
    state: f.dataset.state,
    withheld: f.dataset.withheld,
    suppressed: f.querySelectorAll('td[data-status="suppressed"]').length,
    marks: f.querySelector('p.marks')?.textContent ?? '',
  }));
  ok(fig.state === 'drawn' && Number(fig.withheld) >= 1 && Number(fig.withheld) === fig.suppressed,
    'stacked: the detection bars of a region count their withheld parts, as its data table shows them', fig);
  ok(fig.marks.includes('withheld and not drawn') && !fig.marks.includes('= fewer than'),
    'stacked: and the legend under the chart says what the mark on a bar means', fig.marks);
  ok(errors.length === 0, 'stacked: no console error', ...errors);
  await context.close();
}

// ---- A token the server does not know: refused, forgotten, the public view stays ----
{
  const { context, page, errors } = await open();
  await page.fill('#token', `wq_${'A'.repeat(43)}`);
  await act(page, () => page.click('#token-form button[type="submit"]'));
  const st = await states(page);
  ok(/not accepted/.test(await page.textContent('#token-note')) && !(await stored(page)) && PUBLIC.every((v) => st[v] === 'drawn'),
    'unknown token: the page says it was not accepted, forgets it and keeps the public view');
  ok(errors.every((e) => /status of 401/.test(e)), 'unknown token: no console error but the refused request', ...errors);
  await context.close();
}

// ---- A policy-maker's token, the filters, the languages ----
{
  const { context, page, errors, requests } = await open();
  await page.fill('#token', policyToken);
  const t0 = await page.evaluate(() => performance.now());
  const t1 = await act(page, () => page.click('#token-form button[type="submit"]'));
  figure(`policy token, all ${PUBLIC.length} published charts drawn ${Math.round(t1 - t0)} ms after the token was entered`);
  let st = await states(page);
  ok(PUBLIC.every((v) => st[v] === 'drawn'), 'policy: every published chart is drawn', st);
  // The estimates wait with their cost, and are asked on the reader's word.
  for (const v of ESTIMATES) {
    const cost = await page.textContent(`figure[data-view="${v}"]`);
    ok(st[v] === 'costly' && /never published.*epsilon/.test(cost), `policy: the estimate ${v} says what it costs before asking`, cost.slice(0, 160));
    const th0 = Date.now();
    await page.click(`figure[data-view="${v}"] button.ask`);
    await page.waitForFunction((id) => document.querySelector(`figure[data-view="${id}"]`).dataset.state === 'drawn', v, { timeout: 60000 });
    figure(`policy: the estimate ${v} drawn ${Date.now() - th0} ms after it was asked`);
  }
  st = await states(page);
  ok(ALL.every((v) => st[v] === 'drawn'), 'policy: then every chart is drawn', st);
  const note = await page.textContent('figure[data-view="hidden"]');
  ok(/An estimate, not a count/.test(note) && /linked without error/.test(note), 'policy: the estimate says in words what it is and what it assumes', note.slice(0, 200));
  const abuse = await page.$$eval('figure[data-view="abuse"] tbody tr', (trs) => trs.map((tr) => tr.lastElementChild.textContent));
  ok(/provisional/.test(abuse.at(-1)) && !/provisional/.test(abuse[0]) && /nowcast, not a count/i.test(await page.textContent('figure[data-view="abuse"]')),
    'policy: by the year of the abuse, the last years are marked provisional, the first not, and the nowcast says what it is', abuse.slice(-3));
  ok(!(await stored(page)) && !page.url().includes(policyToken.slice(3, 12)), 'policy: the token is in no storage of the browser (which writes it to disk) and not in the URL');
  ok(/policy-maker/.test(await page.textContent('#role')), 'policy: the page says who is signed in');
  ok(!(await page.$eval('#f-region', (e) => e.disabled)), 'policy: the filters are open');
  const used = await page.$$eval('figure.card', (fs) => Object.fromEntries(fs.map((f) => [f.dataset.view, f.dataset.public])));
  ok(ALL.every((v) => used[v] === String(PUBLIC.includes(v))), 'policy: without a filter the published tables are shown (free), the others asked with the token', used);
  await checkNumbers(page, ALL, policyToken, 'policy');

  // A suppressed cell: null in the API, "fewer than 10" in the table, nothing in the chart.
  const sup = await page.$$eval('table.data td[data-status="suppressed"]', (tds) => tds.map((td) => ({ text: td.textContent, value: td.dataset.value, view: td.closest('figure').dataset.view, keys: td.closest('tr').dataset.keys })));
  ok(sup.length > 0 && sup.every((c) => c.value === 'null' && /fewer than 10/.test(c.text)), `policy: ${sup.length} suppressed cells are shown as "fewer than 10", none as a number`, sup.slice(0, 3));
  const views = [...new Set(sup.map((c) => c.view))];
  let zero = 0;
  for (const v of views) {
    const s = await shown(page, v);
    s.rows.forEach((r, i) => { if (r.cells[0].value === null && s.datasets.flat()[i] !== null) zero++; });
  }
  ok(zero === 0 && views.length > 0, `policy: the charts draw no suppressed cell (in ${views.join(', ')})`);
  const unreliableCells = () => page.$$eval('td[data-status="unreliable"]', (tds) => tds.map((td) => td.closest('tr').lastElementChild.textContent));
  const unreliable = await unreliableCells();
  await page.screenshot({ path: join(shots, 'dashboard-en.png'), fullPage: true });
  await axe(page, 'policy, English');

  // A filter changes the URL and the numbers, which still are the API's.
  const before = await shown(page, 'trend');
  await page.selectOption('#f-region', 'DC-02');
  ok((await page.evaluate(() => location.hash)) === '', 'policy: choosing a filter asks nothing until Apply');
  await act(page, () => page.click('#apply'));
  const after = await shown(page, 'trend');
  ok(/region=DC-02/.test(page.url()) && after.api.includes('filter=region%3ADC-02'), 'policy: the region filter is in the URL and in the query', page.url(), after.api);
  ok(JSON.stringify(after.datasets) !== JSON.stringify(before.datasets), 'policy: the filter changes the numbers');
  ok(await page.$eval('figure[data-view="trend"]', (f) => f.dataset.public === 'true'), 'policy: a filtered trend is still drawn from the published product, free');
  const cmp = await shown(page, 'compare');
  const cmpNames = await page.$eval('figure[data-view="compare"] canvas', (c) => c.wqChart.data.datasets.filter((d) => !d.wqBand).map((d) => d.label));
  ok(cmp.datasets.length === 2 && JSON.stringify(cmp.datasets[0]) === JSON.stringify(before.datasets[0]) && JSON.stringify(cmp.datasets[1]) === JSON.stringify(after.datasets[0]) && cmp.public,
    `policy: the comparison draws the chosen region (${cmpNames[1]}) against the national trend, both as their own views draw them, free`, cmpNames, cmp.api);
  const [cdl] = await Promise.all([page.waitForEvent('download'), page.click('figure[data-view="compare"] button[data-kind="csv"]')]);
  const joined = readFileSync(await cdl.path(), 'utf8').split('\r\n').filter(Boolean);
  const [natCSV, regCSV] = await Promise.all(cmp.api.split(' ').map((u) => apiCSV(u, null)));
  const natLines = natCSV.split('\r\n').filter(Boolean);
  const regLines = regCSV.split('\r\n').filter(Boolean);
  ok(joined[0] === regLines[0] && joined.length === natLines.length + regLines.length - 1 && joined.slice(natLines.length).join('\n') === regLines.slice(1).join('\n') && joined[1].startsWith(','),
    `policy: the comparison's CSV is both answers' rows under the region's header (${joined.length - 1} rows)`, joined.slice(0, 3), regLines[0]);
  // The period given backwards, 2025 to 2019, is 2019 to 2025 (not every chart refused).
  await page.selectOption('#f-from', '2025');
  await page.selectOption('#f-to', '2019');
  await act(page, () => page.click('#apply'));
  const period = await shown(page, 'trend');
  ok(/from=2019/.test(page.url()) && !/[#&]to=/.test(page.url()) && period.rows.length === before.rows.length - 4,
    `policy: the year range, given backwards, is in the URL the right way round and the trend has ${period.rows.length} years`, page.url());
  // (The estimate of hidden victims, with a filter, waits for the reader to ask it again.)
  await checkNumbers(page, PUBLIC, policyToken, 'policy, North from 2019');
  // The compared period: moving only its start moves the period; the two-period view asks
  // both, its CSV says which row is which.
  await page.selectOption('#f-cfrom', '2016');
  await act(page, () => page.click('#apply'));
  const per = await shown(page, 'periods');
  ok(/cfrom=2016&cto=2016/.test(page.url()) && per.api.includes('from=2016&to=2016') && per.api.includes('from=2019&to=2025'),
    'policy: "Compare with" sets the compared period (2016), against the page\'s (2019-2025)', page.url(), per.api);
  const [pdl] = await Promise.all([page.waitForEvent('download'), page.click('figure[data-view="periods"] button[data-kind="csv"]')]);
  const pcsv = readFileSync(await pdl.path(), 'utf8').split('\r\n').filter(Boolean);
  ok(pcsv[0].startsWith('period,region,') && pcsv.slice(1).every((l) => /^(2016|2019-2025),DC-02,/.test(l)) && pcsv.length === 3,
    'policy: the two-period CSV names each row\'s period', pcsv);
  await checkNumbers(page, ['periods'], policyToken, 'policy, 2016 against 2019-2025');
  // Counts under 20 are marked (which cells are depends on the noise, whose key is drawn
  // afresh for each run: one region's offences by year always have some).
  unreliable.push(...(await unreliableCells()));
  ok(unreliable.length > 0 && unreliable.every((x) => x === 'unreliable'), `policy: ${unreliable.length} unreliable cells are marked so`);
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('figure[data-view="interventions"] button[data-kind="csv"]')]);
  const iv = await shown(page, 'interventions');
  const csv = readFileSync(await dl.path(), 'utf8');
  ok(csv === (await apiCSV(iv.api, policyToken)) && csv.startsWith('support,') && iv.api.startsWith('/api/v1/interventions'), 'policy: the CSV download equals the API\'s CSV for the filtered query');
  const [png] = await Promise.all([page.waitForEvent('download'), page.click('figure[data-view="regions"] button[data-kind="png"]')]);
  const bytes = readFileSync(await png.path());
  ok(bytes.subarray(1, 4).toString() === 'PNG' && bytes.length > 5000, `policy: the PNG download is a PNG image (${bytes.length} bytes)`);

  // The URL is the view: reloading it gives the same filters and numbers.
  const url = page.url();
  await page.reload();
  await ready(page);
  const again = await shown(page, 'trend');
  ok(page.url() === url && (await page.$eval('#f-region', (e) => e.value)) === 'DC-02' && JSON.stringify(again.datasets) === JSON.stringify(period.datasets), 'policy: reloading the URL restores the filters and the numbers');
  ok((await page.isVisible('#token-form')) && !(await page.isVisible('#token-status')), 'policy: a reload forgets the token (kept in the page\'s memory only): the page asks for it again');
  await page.fill('#token', policyToken);
  await act(page, () => page.click('#token-form button[type="submit"]'));

  // Arabic: right to left, the API's Arabic labels, Arabic-Indic digits, then Western.
  await act(page, () => page.selectOption('#lang', 'ar'));
  const dir = await page.evaluate(() => [document.documentElement.dir, document.documentElement.lang]);
  ok(dir[0] === 'rtl' && dir[1] === 'ar' && /lang=ar/.test(page.url()), 'arabic: the page turns right to left, and the URL says so', dir);
  const sexLabels = await page.$$eval('figure[data-view="sex"] tbody th', (th) => th.map((x) => x.textContent));
  ok(sexLabels.includes('أنثى') && sexLabels.includes('ذكر'), 'arabic: the labels are the API\'s Arabic names', sexLabels.slice(0, 4));
  const h = await page.textContent('figure[data-view="trend"] h2');
  ok(/[\u0600-\u06FF]/.test(h), `arabic: the titles are Arabic ("${h}")`);
  const cell = await page.textContent('figure[data-view="trend"] td[data-col="value"]');
  ok(/[\u0660-\u0669]/.test(cell) && !/[0-9]/.test(cell), `arabic: numbers in Arabic-Indic digits (${cell})`);
  const chartRtl = await page.$eval('figure[data-view="trend"] canvas', (c) => [c.wqChart.options.scales.x.reverse, c.wqChart.options.plugins.legend.rtl]);
  ok(chartRtl[0] === true && chartRtl[1] === true, 'arabic: the charts run right to left (reversed time axis, RTL legend)');
  await checkNumbers(page, PUBLIC, policyToken, 'arabic');
  await axe(page, 'policy, Arabic');
  await page.selectOption('#f-region', '');
  await page.selectOption('#f-from', '2015');
  await act(page, () => page.click('#apply'));
  await page.screenshot({ path: join(shots, 'dashboard-ar.png'), fullPage: true });
  await act(page, () => page.selectOption('#digits', 'latn'));
  const western = await page.textContent('figure[data-view="trend"] td[data-col="value"]');
  ok(/digits=latn/.test(page.url()) && /[0-9]/.test(western) && !/[\u0660-\u0669]/.test(western), `arabic: Western digits on request (${western})`);

  // Keyboard: the skip link first, then the settings; every chart can take the focus.
  await page.reload(); // the first Tab of a page, not the next after the last click
  await ready(page);
  await page.keyboard.press('Tab');
  ok((await page.evaluate(() => document.activeElement.className)) === 'skip', 'keyboard: the first Tab reaches the skip link');
  const focusable = await page.$$eval('figure.card canvas', (cs) => cs.every((c) => c.tabIndex === 0 && c.getAttribute('role') === 'img' && c.getAttribute('aria-label')));
  ok(focusable, 'keyboard: every chart takes the focus and has a text alternative');
  await page.focus('figure[data-view="sex"] canvas');
  await page.keyboard.press('Home');
  await page.keyboard.press('ArrowLeft'); // forward, right to left
  const tip = await page.$eval('figure[data-view="sex"] canvas', (c) => c.wqChart.tooltip.getActiveElements().map((x) => x.index));
  ok(tip.length === 2 && tip.every((i) => i === 1), `keyboard: the arrows step through a chart's years and show both series (${JSON.stringify(tip)})`);

  ok(errors.length === 0, 'policy: no console error', ...errors);
  const withToken = requests.filter((r) => r.auth);
  ok(offLoopback(requests).length === 0 && requests.every((r) => !r.url.includes(policyToken)) && withToken.every((r) => r.auth === `Bearer ${policyToken}`),
    `policy: ${requests.length} requests (${withToken.length} with the token in Authorization), none leaving 127.0.0.1, no token in a URL`, ...offLoopback(requests).map((r) => r.url));
  await context.close();
}

// ---- The Arabic public view, for the screenshot and axe ----
{
  const { context, page, errors } = await open('#lang=ar');
  await checkHeadline(page, 'public, Arabic', 'ar-u-nu-arab');
  const texts = await pageTexts(page);
  const latinDigits = texts.filter((s) => /[0-9]/.test(s.replace(NAMES, '')));
  const english = texts.filter((s) => /[A-Za-z]{2,}/.test(s.replace(NAMES, '')));
  ok(latinDigits.length === 0, `public, Arabic: no Western digit in any of the page's ${texts.length} texts`, ...latinDigits.slice(0, 5));
  ok(english.length === 0, 'public, Arabic: no English word (the API\'s method lines translated)', ...english.slice(0, 5));
  await axe(page, 'public, Arabic');
  await page.screenshot({ path: join(shots, 'dashboard-public-ar.png'), fullPage: true });
  ok(errors.length === 0, 'public, Arabic: no console error', ...errors);
  await context.close();
}
{
  // A shared link whose period runs backwards is the same period, not every chart refused.
  const { context, page } = await open('#from=2025&to=2019');
  const st = await states(page);
  ok(PUBLIC.every((v) => st[v] === 'drawn'), 'a link whose period runs backwards (2025 to 2019): every published chart is drawn', st);
  await context.close();
}
{
  const { context, page } = await open('#lang=ar&digits=latn');
  await checkHeadline(page, 'public, Arabic with Western digits', 'ar-u-nu-latn');
  await context.close();
}

// ---- Share and print ----
{
  const { context, page, errors } = await open('#region=DC-03');
  const link = await page.getAttribute('figure[data-view="age"] button[data-kind="link"]', 'data-link');
  ok(/#.*region=DC-03/.test(link) && /view=age/.test(link), `share: a chart's link keeps the filters and names the chart (${link})`);
  await page.click('figure[data-view="age"] button[data-kind="link"]');
  await page.waitForSelector('figure[data-view="age"] .said');
  ok(/Link copied/.test(await page.textContent('figure[data-view="age"] .said')), 'share: copying the link says so');
  const other = await context.newPage();
  await other.goto(link);
  await ready(other);
  const at = await other.evaluate(() => {
    const f = document.querySelector('figure[data-view="age"]');
    const b = f.getBoundingClientRect();
    return { focused: document.activeElement === f, top: Math.round(b.top), region: document.querySelector('#f-region').value };
  });
  ok(at.focused && at.top >= 0 && at.top < 900 && at.region === 'DC-03', 'share: the link opens the page at that chart, focused, with the filters', at);
  await page.emulateMedia({ media: 'print' });
  const printed = await page.evaluate(() => {
    const shown = (sel) => [...document.querySelectorAll(sel)].some((e) => e.getClientRects().length > 0);
    return {
      controls: shown('.settings') || shown('.filters') || shown('.tools') || shown('#token'),
      headline: shown('#headline'),
      facts: shown('figure.card .facts'),
      breaks: [...document.querySelectorAll('figure.card')].every((f) => getComputedStyle(f).breakAfter === 'page'),
      filters: shown('#print-filters') ? document.querySelector('#print-filters').textContent : null,
    };
  });
  ok(!printed.controls && printed.headline && printed.facts && printed.breaks, 'print: no controls or token field, the headline, each view on its own page with its definition and data version', printed);
  ok(/Region: South/.test(printed.filters ?? ''), `print: the filters the charts show are printed ("${printed.filters}")`);
  const pdf = (await page.pdf({ format: 'A4', printBackground: false })).toString('latin1');
  const pages = (pdf.match(/\/Type\s*\/Page[^s]/g) ?? []).length;
  ok(pdf.startsWith('%PDF') && pages >= ALL.length, `print: the page prints to ${pages} pages of PDF, at least one a view (${ALL.length})`);
  ok(errors.length === 0, 'share and print: no console error', ...errors);
  await context.close();
}

// ---- A phone: no horizontal scrolling at 360 px, in either language ----
for (const hash of ['', '#lang=ar']) {
  const context = await browser.newContext({ viewport: { width: 360, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${base}/${hash}`);
  await ready(page);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  ok(width <= 360, `phone${hash ? ', Arabic' : ''}: the page is ${width} px wide in a 360 px screen (no horizontal scrolling)`);
  await page.screenshot({ path: join(shots, `dashboard-phone${hash ? '-ar' : '-en'}.png`), fullPage: false });
  await context.close();
}
}
