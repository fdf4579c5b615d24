// The dashboard: reads the state from the URL, fills the settings and filters, and draws
// every view (views.js) from the API, again whenever the state changes.
import * as api from './api.js';
import * as builder from './builder.js';
import { card, draw, fail, save } from './figure.js';
import { has, language, local, locale, num, setLanguage, t, tn, translatePage, year } from './i18n.js';
import * as state from './state.js';
import { VIEWS } from './views.js';
import { option } from './dom.js';

const $ = (id) => document.getElementById(id);
let years = [];
let dimensions = null;
let role = 'public';
let charts = [];
let generation = 0;
let pointed = false;

async function whoAmI() {
  if (!api.token.get()) return { role: 'public' };
  // Asked afresh each time: the budget left changes with every new query.
  const r = await api.getJSON('/api/v1/disclosure', { fresh: true });
  if (!r.ok) {
    // Unknown, revoked or expired (401), or a role that reads no analytics (403: a
    // submitter's): forgotten, and said so.
    const refused = r.status === 401 || r.status === 403;
    if (refused) api.token.forget();
    return { role: 'public', refused };
  }
  return r.body.caller ?? { role: 'public' };
}

function showRole(caller) {
  role = caller.role;
  const signedIn = role !== 'public';
  $('token-form').hidden = signedIn;
  $('token-status').hidden = !signedIn;
  if (signedIn) {
    const left = caller.budget_remaining;
    $('role').textContent = `${t(`role_${role}`)}${left !== undefined ? ` \u00b7 ${t('budget', { n: num(left, 1) })}` : ''}`;
  }
  $('filters-note').textContent = t(signedIn ? 'filters_token' : 'filters_public');
  $('token-note').textContent = caller.refused ? t('bad_token') : '';
}

async function loadYears() {
  let r = await api.getJSON(api.url('analytics', [['indicator', 'victims'], ['dimension', 'year']]), { asPublic: true });
  if (!r.ok && role !== 'public') r = await api.getJSON(api.url('trends', [['indicator', 'victims']]));
  years = r.ok ? r.body.rows.map((row) => row[0]).sort((a, b) => a - b) : [];
}

function fillFilters(s) {
  const items = (d) => dimensions?.find((x) => x.id === d)?.items ?? [];
  $('f-from').replaceChildren(...years.map((y) => option(String(y), year(y), String(y) === (s.from ?? String(years[0])))));
  $('f-to').replaceChildren(...years.map((y) => option(String(y), year(y), String(y) === (s.to ?? String(years.at(-1))))));
  // The compared period: by default the first year (views.js).
  $('f-cfrom').replaceChildren(...years.map((y) => option(String(y), year(y), String(y) === (s.cfrom ?? String(years[0])))));
  $('f-cto').replaceChildren(...years.map((y) => option(String(y), year(y), String(y) === (s.cto ?? s.cfrom ?? String(years[0])))));
  for (const d of state.FILTERS) {
    const list = items(d).filter((it) => d !== 'age_band' || it.code !== '18+');
    $(`f-${d}`).replaceChildren(option('', t('all'), !s[d]), ...list.map((it) => option(it.code, language() === 'ar' ? it.name_ar : it.name, s[d] === it.code)));
  }
}

function readFilters(s) {
  // The builder's choice is no filter: it stays.
  const n = { lang: s.lang, digits: s.digits, table: s.table, by: s.by };
  // A period given backwards is the same period (every chart would otherwise be refused).
  const [from, to] = state.inOrder($('f-from').value, $('f-to').value);
  // The whole period is no filter: the URL stays short.
  if (from && from !== String(years[0])) n.from = from;
  if (to && to !== String(years.at(-1))) n.to = to;
  // The compared period: the first year is no choice (the default).
  // A "to" before the "from" is the "from": moving only the start moves the period.
  const cfrom = $('f-cfrom').value;
  const cto = $('f-cto').value < cfrom ? cfrom : $('f-cto').value;
  if (cfrom !== String(years[0]) || cto !== String(years[0])) Object.assign(n, { cfrom, cto });
  for (const d of state.FILTERS) if ($(`f-${d}`).value) n[d] = $(`f-${d}`).value;
  return n;
}

async function render() {
  const s = state.read();
  const mine = ++generation;
  // The builder waits for this render: its last choice can no longer be asked.
  builder.reset();
  setLanguage(s.lang, s.digits);
  api.setLanguage(s.lang);
  translatePage();
  $('lang').value = s.lang;
  $('digits').value = s.digits;
  document.body.dataset.ready = 'false';

  // What the page needs before the charts, asked at once: who the reader is, the labels
  // of the filters, the years of the data.
  const [caller, rules, quality] = await Promise.all([
    whoAmI(),
    api.getJSON('/api/v1/disclosure', { asPublic: true }),
    api.getJSON('/api/v1/data-quality', { asPublic: true }),
    !dimensions || dimensions.lang !== s.lang
      ? api.getJSON('/api/v1/dimensions', { asPublic: true }).then((r) => {
          dimensions = r.ok ? r.body.dimensions : [];
          dimensions.lang = s.lang;
        })
      : null,
    years.length ? null : loadYears(),
    catalogueReady,
  ]);
  if (mine !== generation) return;
  showRole(caller);
  release = rules.ok ? rules.body.release : null;
  about(rules.ok ? rules.body : null, quality.ok ? quality.body.summary : null);
  if (!years.length && role !== 'public') await loadYears();
  fillFilters(s);
  $('print-filters').textContent = printedFilters(s);

  charts.forEach((c) => c.destroy());
  charts = [];
  const box = $('views');
  // Embedded: the one chart the fragment names (the national trend when it names none).
  const views = state.embedded() ? [VIEWS.find((v) => v.id === s.view) ?? VIEWS[0]] : VIEWS;
  if (state.embedded()) $('full-link').href = state.link(s, views[0].id, '/');
  const cards = views.map((v) => card(v));
  box.replaceChildren(...cards);
  $('status').textContent = tn('loading', views.length);

  await Promise.all([state.embedded() ? null : headline(mine), ...views.map((v, i) => drawView(v, cards[i], s, mine))]);
  if (mine !== generation) return;
  await builder.render({
    s,
    role,
    maxDims: (rules.ok && rules.body.grammar?.max_dimensions?.[role]) || 1,
    catalogue: catalogue ?? [],
    applicable,
    leftOut,
    sayLeftOut,
    refusal,
    meta: metaOf,
    onChart: (c) => charts.push(c),
    refreshRole: async () => showRole(await whoAmI()),
  });
  if (mine !== generation) return;
  const drawn = cards.filter((c) => c.dataset.state === 'drawn').length;
  $('status').textContent = tn('ready', drawn);
  if (role !== 'public') showRole(await whoAmI());
  // Done: every chart drawn or said why not (a test or a benchmark waits for this render's
  // number; the mark times it from the navigation).
  // A shared link to one chart: that chart, once drawn, in view and focused (on the
  // page's first render only, not at each change of filters after).
  if (s.view && !pointed && document.getElementById(`v-${s.view}`)) {
    pointed = true;
    const fig = document.getElementById(`v-${s.view}`);
    fig.tabIndex = -1;
    fig.scrollIntoView();
    fig.focus({ preventScroll: true });
  }
  document.body.dataset.render = String(mine);
  document.body.dataset.ready = 'true';
  performance.mark(`wiqaya-ready-${mine}`);
}

// The headline: the national child victim rate of the last year with its interval, and its
// annual change since the first, as sentences in the reader's language and digits, from
// the published trend (the national view's own answer, free for everyone). Each number is
// also an attribute, so that a test can hold the sentence to the API.
async function headline(mine) {
  const r = await api.getJSON(api.url('trends', [['indicator', 'victim_rate']]), { asPublic: true });
  if (mine !== generation) return;
  const level = $('h-level');
  const change = $('h-change');
  for (const p of [level, change]) for (const k of Object.keys(p.dataset)) delete p.dataset[k];
  const c = r.ok ? Object.fromEntries(r.body.headers.map((h, i) => [h.name, i])) : {};
  // The years with a published rate (a year without its population, or suppressed, has
  // none): the last is the level, the first where the trend starts.
  const rated = r.ok ? r.body.rows.filter((x) => Number.isFinite(x[c.value]) && !['suppressed', 'no_denominator'].includes(x[c.cell_status])) : [];
  const row = rated.at(-1);
  change.textContent = '';
  if (!row) {
    level.textContent = t('h_none');
    return;
  }
  Object.assign(level.dataset, { year: row[c.year], value: row[c.value], lower: row[c.lower], upper: row[c.upper] });
  level.textContent = t('h_level', { year: year(row[c.year]), rate: num(Math.round(row[c.value])), lower: num(Math.round(row[c.lower])), upper: num(Math.round(row[c.upper])) });
  const tr = r.body.trends?.[0];
  if (!tr || tr.apc === null || tr.apc === undefined) return;
  const first = rated[0][c.year];
  Object.assign(change.dataset, { first, apc: tr.apc, lower: tr.lower, upper: tr.upper });
  // Clear when the whole interval is on one side of zero.
  const key = tr.lower > 0 ? 'h_rise' : tr.upper < 0 ? 'h_fall' : 'h_flat';
  const mag = key === 'h_flat' ? tr.apc : Math.abs(tr.apc);
  const ends = key === 'h_fall' ? [-tr.upper, -tr.lower] : [tr.lower, tr.upper];
  change.textContent = t(key, { first: year(first), apc: num(mag, 1), l: num(ends[0], 1), u: num(ends[1], 1) });
}

// A month (YYYY-MM) as the reader writes it.
const month = (ym) => new Intl.DateTimeFormat(locale(), { year: 'numeric', month: 'long', timeZone: 'UTC' }).format(new Date(`${ym}-01T00:00:00Z`));
// A date of the release calendar (UTC days) as the reader writes dates.
const day = (iso) => new Intl.DateTimeFormat(locale(), { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${iso}T00:00:00Z`));
let release = null;

// "Sources and methods": the release calendar and the disclosure rules in plain words,
// from GET /api/v1/disclosure (the numbers the server applies), the agencies' data
// quality (GET /api/v1/data-quality), and every indicator's definition from the catalogue.
function about(d, q) {
  // The agencies' data quality over the last twelve months (GET /api/v1/data-quality).
  const qp = $('about-quality');
  qp.textContent = q
    ? t('about_quality', {
        since: month(q.since), until: month(q.until), agencies: num(q.agencies), gaps: num(q.agencies_with_gaps),
        abuse: q.median_months_abuse_to_report === null ? '?' : num(q.median_months_abuse_to_report, 1),
        submit: q.median_months_report_to_submission === null ? '?' : num(q.median_months_report_to_submission, 1),
        rejected: q.rejected_share === null ? '?' : num(q.rejected_share * 100, 1),
      })
    : '';
  Object.assign(qp.dataset, q ? { agencies: q.agencies, gaps: q.agencies_with_gaps, rejected: q.rejected_share ?? '' } : {});
  const r = d?.release;
  $('about-release').textContent = !r
    ? ''
    : r.official // an official release (docs/releases.md): its id and day, the planned ones
      ? [r.release_id ? t('about_official', { id: num(r.release_id), since: day(r.current_since) }) : t('about_official_none'),
         r.next.length ? t('about_official_next', { next: r.next.map(day).join(' \u00b7 ') }) : ''].join(' ').trim()
      : t('about_release', { days: tn('n_days', r.every_days), since: day(r.current_since), next: day(r.next[0]), later: r.next.slice(1).map(day).join(' \u00b7 ') });
  const rules = d
    ? [
        t('rule_noise', { children: tn('n_children', Math.round(Math.sqrt(d.noise.variance))) }),
        t('rule_threshold', { children: tn('n_children', d.suppression.threshold), threshold: d.suppression.threshold, floor: d.suppression.floor, spread: d.suppression.floor_spread }),
        t('rule_release'),
        t('rule_budget', { b: num(d.budget.per_token.researcher), days: tn('n_days', d.budget.window_days) }),
      ]
    : [];
  $('about-rules').replaceChildren(...rules.map((x) => Object.assign(document.createElement('li'), { textContent: x })));
  const list = $('about-indicators');
  list.replaceChildren();
  for (const ind of catalogue ?? []) {
    const dt = Object.assign(document.createElement('dt'), { textContent: local(language() === 'ar' ? ind.name_ar ?? ind.name : ind.name) });
    const dd = Object.assign(document.createElement('dd'), { textContent: local(language() === 'ar' ? ind.definition_ar : ind.definition) });
    // What it serves of the international frameworks, how far, and why (the catalogue's).
    const serves = document.createElement('ul');
    serves.className = 'serves';
    for (const f of ind.frameworks ?? []) {
      const ar = language() === 'ar';
      const li = document.createElement('li');
      li.dataset.framework = f.framework;
      li.dataset.fit = f.fit;
      li.textContent = t('serves', { framework: t(`fw_${f.framework}`), item: local(ar ? f.item_ar : f.item), fit: t(`fit_${f.fit}`), note: local(ar ? f.note_ar : f.note) });
      serves.append(li);
    }
    if (serves.childElementCount) dd.append(serves);
    list.append(dt, dd);
  }
}

// The filters of the page, in words, for print (where the filters' form is not shown).
function printedFilters(s) {
  const parts = [`${t('from')} ${year(s.from ?? years[0] ?? '')} ${t('to')} ${year(s.to ?? years.at(-1) ?? '')}`];
  if (s.cfrom) parts.push(`${t('cfrom')} ${year(s.cfrom)} ${t('to')} ${year(s.cto ?? s.cfrom)}`);
  for (const d of state.FILTERS) {
    if (!s[d]) continue;
    const it = dimensions?.find((x) => x.id === d)?.items?.find((i) => i.code === s[d]);
    parts.push(`${t(d)}: ${it ? (language() === 'ar' ? it.name_ar : it.name) : s[d]}`);
  }
  return `${t('filters')}: ${parts.join(' \u00b7 ')}`;
}

// The filters that apply to a query's indicator (a case has no sex or age band): the
// others are left out rather than refused, and the chart says so (leftOut).
function applicable(q) {
  const p = new Map(q[1].filter(([k]) => k !== 'filter'));
  const id = p.get('indicator') ?? p.get('outcome') ?? (q[0] === 'pathway' ? 'cases' : null) ?? (q[0] === 'interventions' ? 'revictimisation_12m' : null);
  const dims = catalogue?.find((i) => i.id === id)?.dimensions;
  if (!dims) return q;
  return [q[0], q[1].filter(([k, v]) => k !== 'filter' || dims.includes(String(v).split(':')[0]))];
}

// The page's filters that queries QS left out of what was ASKED (a query or a list of
// them, in QS's order), as dimension ids.
function leftOut(asked, qs) {
  const filters = (q) => q[1].filter(([k]) => k === 'filter').map(([, v]) => String(v));
  const gone = (Array.isArray(asked[0]) ? asked : [asked]).flatMap((a, i) => {
    const kept = new Set(filters(qs[i]));
    return filters(a).filter((v) => !kept.has(v));
  });
  return [...new Set(gone.map((v) => v.split(':')[0]))];
}

// A chart's shape with a note of the filters its query left out: a filtered page never
// shows an unfiltered chart as if it were filtered. (Marked on the figure too.)
function sayLeftOut(fig, shape, dims) {
  fig.dataset.leftOut = dims.join(',');
  if (!dims.length) return shape;
  const text = t('left_out', { filters: dims.map((d) => t(d).toLowerCase()).join(language() === 'ar' ? '، ' : ', ') });
  return { ...shape, note: shape.note ? `${shape.note} ${text}` : text };
}

// One view: the published product first, asked without the token (free, the same numbers
// for everyone); what it does not answer, with the token, once its cost is known: free
// queries at once, a costly one only when the reader says so.
async function drawView(v, fig, s, mine) {
  const asked = v.query(s, years);
  if (!asked) return fail(fig, t('no_model'), 'empty');
  if (Array.isArray(asked[0])) return drawMany(v, fig, s, mine, asked.map(applicable), asked);
  const q = applicable(asked);
  const left = leftOut(asked, [q]);
  const u = api.url(...q);
  // (A view of the token's alone, an estimate, is never in the published product.)
  let asPublic = !v.token;
  let r = asPublic ? await api.getJSON(u, { asPublic }) : { ok: false, status: 401 };
  if (!r.ok && r.status === 401 && role !== 'public') {
    asPublic = false;
    const dry = await api.getJSON(api.url(q[0], q[1], [['dry_run', 'true']]), { fresh: true });
    if (mine !== generation) return;
    if (dry.ok && dry.body.epsilon > 0) {
      const cost = num(dry.body.epsilon, 1);
      fail(fig, t(v.token ? 'costs_token' : 'costs', { cost, left: num(dry.body.budget_remaining, 1) }), 'costly');
      const ask = document.createElement('button');
      ask.type = 'button';
      ask.className = 'ask';
      ask.textContent = t('ask', { cost });
      ask.addEventListener('click', async () => {
        const paid = await api.getJSON(u);
        if (mine !== generation) return;
        show(v, fig, s, q, paid, false, left);
        showRole(await whoAmI());
      });
      fig.querySelector('.body').append(ask);
      return;
    }
    r = dry.ok ? await api.getJSON(u) : dry;
  }
  if (mine !== generation) return;
  show(v, fig, s, q, r, asPublic, left);
}

function show(v, fig, s, q, r, asPublic, left) {
  if (!r.ok && r.status === 401) return fail(fig, t(v.token ? 'token_only' : 'needs_token'), 'locked');
  // A model the published cells cannot carry (A10xx: too few cells for this filter) is
  // no refusal: nothing was withheld, there is nothing to fit; said in the API's words.
  if (!r.ok && /^A10/.test(r.problem?.code ?? '')) return refuse(fig, r, 'empty');
  if (!r.ok) return refuse(fig, r, 'refused');
  const ans = r.body;
  const meta = metaOf(ans);
  const csv = async (name) => {
    const c = await api.getText(api.url(q[0], q[1], [['format', 'csv']]), { asPublic });
    if (c.ok) save(name, new Blob([c.text], { type: 'text/csv;charset=utf-8' }));
  };
  const shape = sayLeftOut(fig, v.shape(ans, s, years), left);
  charts.push(draw(fig, shape, meta, api.url(...q), csv, state.link(s, v.id), asPublic ? embedOf(s, v, fig) : null));
  fig.dataset.public = String(asPublic);
}

// The code that embeds a chart drawn from the published product elsewhere (none for one
// asked with a token: an embedded chart never has one), and none inside an embedded one.
const embedOf = (s, v, fig) => (state.embedded() ? null : state.embedCode(s, v.id, fig.querySelector('h2').textContent));

// What a chart states of its answer, under it: definition, unit, data version, method and
// release, in the reader's language.
const metaOf = (ans) => ({
  definition: local(definitionOf(ans)),
  unit: local(ans.indicator?.unit),
  data_version: ans.metaData?.data_version,
  method: local(ans.metaData?.method),
  release: releaseText(ans),
});

// A published answer's release (its first day, as the answer names it) and the next.
const releaseText = (ans) => {
  const since = ans?.metaData?.release;
  if (!since) return null;
  const next = release?.next?.find((d) => d > since);
  return next ? t('release_fact', { since: day(since), next: day(next) }) : t('release_only', { since: day(since) });
};

// A view of several answers (a comparison): each from the published product, free. What
// the product does not cover is not asked with the token here: one chart would be charged
// twice, and its halves could be refused apart.
async function drawMany(v, fig, s, mine, qs, asked) {
  const rs = await Promise.all(qs.map((q) => api.getJSON(api.url(...q), { asPublic: true })));
  if (mine !== generation) return;
  const bad = rs.find((r) => !r.ok);
  if (bad) return bad.status === 401 ? fail(fig, t('compare_unpublished'), 'locked') : refuse(fig, bad, 'refused');
  const answers = rs.map((r) => r.body);
  const meta = metaOf(answers[0]);
  // One CSV of every answer's rows, under the last answer's columns (the first's rows
  // have no value for a column they lack: a national row has no region), and a first
  // column naming each row's answer when the view names them (the periods).
  const csv = async (name) => {
    const texts = await Promise.all(qs.map((q) => api.getText(api.url(q[0], q[1], [['format', 'csv']]), { asPublic: true })));
    if (texts.some((x) => !x.ok)) return;
    save(name, new Blob([joinCSV(texts.map((x) => x.text), v.csvParts?.(s, years))], { type: 'text/csv;charset=utf-8' }));
  };
  const shape = sayLeftOut(fig, v.shape(answers, s, years), leftOut(asked, qs));
  charts.push(draw(fig, shape, meta, qs.map((q) => api.url(...q)).join(' '), csv, state.link(s, v.id), embedOf(s, v, fig)));
  fig.dataset.public = 'true';
}

// CSV texts as one: the last one's header, each row's fields placed under it by name;
// with PARTS, a first column "period" giving each text's own (its rows do not say).
// (These answers' CSV holds codes and numbers only: no field is quoted.)
function joinCSV(texts, parts = null) {
  const split = (line) => line.split(',');
  const rows = (text) => text.split(/\r?\n/).filter((l) => l !== '');
  const head = split(rows(texts.at(-1))[0]);
  const out = [[...(parts ? ['period'] : []), ...head].join(',')];
  texts.forEach((text, i) => {
    const [first, ...lines] = rows(text);
    const cols = split(first);
    for (const l of lines) {
      const f = split(l);
      out.push([...(parts ? [parts[i]] : []), ...head.map((h) => (cols.includes(h) ? f[cols.indexOf(h)] : ''))].join(','));
    }
  });
  return `${out.join('\r\n')}\r\n`;
}

// A chart the API refused: why, in the reader's language, and the API's code on the
// figure (data-problem) for whoever supports the reader.
function refuse(fig, r, kind) {
  fail(fig, refusal(r), kind);
  if (r.problem?.code) fig.dataset.problem = r.problem.code;
}

// Why the API refused a chart, in its words (problem+json: title and detail), and when to
// ask again.
function refusal(r) {
  const p = r.problem ?? {};
  if (language() === 'ar') {
    // In Arabic by its code (the API's texts are English; mixed into right-to-left text
    // they read scrambled); the code stays on the figure for whoever supports the reader.
    const why = has(`refuse_${p.code}`) ? t(`refuse_${p.code}`) : t('refuse_other');
    return r.retry ? `${why} ${t('retry', { when: waitText(r.retry) })}` : why;
  }
  let why = t('problem', { title: p.title ?? r.status }) + (p.code ? ` (${p.code})` : '');
  if (p.detail) why += ` ${p.detail}`;
  if (p.hint) why += ` ${p.hint}`;
  if (r.retry) why += ` ${t('retry', { when: waitText(r.retry) })}`;
  return why;
}
function waitText(sec) {
  const unit = sec >= 86400 ? ['day', 86400] : sec >= 3600 ? ['hour', 3600] : sec >= 60 ? ['minute', 60] : ['second', 1];
  return new Intl.NumberFormat(locale(), { style: 'unit', unit: unit[0], unitDisplay: 'long' }).format(Math.ceil(sec / unit[1]));
}

// The indicator's definition, from the catalogue the answer's indicator names.
let catalogue = null;
let catalogueReady = null;
function definitionOf(ans) {
  const ind = catalogue?.find((i) => i.id === ans.indicator?.id);
  if (!ind) return null;
  return language() === 'ar' ? ind.definition_ar : ind.definition;
}

async function boot() {
  // Embedded: no jump to the chart (the page is the chart, and scrolling would move the
  // other site's page).
  if (state.embedded()) pointed = true;
  builder.setup();
  // The definitions the charts state, asked along with the first render's other needs.
  catalogueReady = api.getJSON('/api/v1/indicators', { asPublic: true }).then((r) => (catalogue = r.ok ? r.body.indicators : []));
  $('lang').addEventListener('change', () => {
    const s = state.read();
    s.lang = $('lang').value;
    s.digits = s.lang === 'ar' ? 'arab' : 'latn';
    state.write(s);
    render();
  });
  $('digits').addEventListener('change', () => {
    const s = state.read();
    s.digits = $('digits').value;
    state.write(s);
    render();
  });
  // Filters apply on Apply (or Enter), not at each change: a reader choosing three filters
  // asks one set of queries, not three.
  $('filters').addEventListener('submit', (e) => {
    e.preventDefault();
    state.write(readFilters(state.read()));
    render();
  });
  $('reset').addEventListener('click', () => {
    const s = state.read();
    state.write({ lang: s.lang, digits: s.digits });
    render();
  });
  $('token-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const v = $('token').value.trim();
    $('token').value = '';
    if (!v) return;
    api.token.set(v);
    api.forgetAnswers();
    years = [];
    render();
  });
  $('forget').addEventListener('click', () => {
    api.token.forget();
    api.forgetAnswers();
    const s = state.read();
    state.write({ lang: s.lang, digits: s.digits });
    render();
  });
  // Back, forward, or a fragment typed in the address bar (popstate comes with each).
  window.addEventListener('popstate', render);
  await render();
}

boot();
