// The dashboard's views, one row each: what it asks the API for a state of the filters
// (the published product answers it for everyone when it can; main.js) and how the answer
// becomes a chart's shape (figure.js); `token: true` marks a view only a token can ask.
// Adding a view is a row here and its words in i18n.js.
import { has, local, num, pct, t, tn, year } from './i18n.js';
import { filterParams } from './state.js';
// The regions' tile grid (config/region_tiles.json, bundled at build time), and their
// boundaries when a deployment supplies them (web/build.mjs: null otherwise).
import regionTiles from '../../config/region_tiles.json';
import boundaries from 'wiqaya:boundaries';

const CHILD_BANDS = ['0-4', '5-9', '10-12', '13-15', '16-17'];
const PROACTIVE = ['proactive_detection', 'financial_intelligence', 'police_investigation'];
const TOP_OFFENCES = 5;

// The period of a token's query, and its last year (the views of one year).
const period = (s) => [['from', s.from], ['to', s.to]];
const lastYear = (s, years) => s.to ?? String(years.at(-1) ?? '');
// A dimension restricted to a filter's item when the reader chose one, otherwise to ITEMS.
const dim = (s, name, items) => (s[name] ? `${name}:${s[name]}` : items ? `${name}:${items.join(';')}` : name);

function columns(ans) {
  const c = {};
  ans.headers.forEach((h, i) => (c[h.name] = i));
  return c;
}
// The two-period view's periods, [from, to] each: the compared one (cfrom..cto, by default
// the data's first year) and the page's (from..to; without either, the last year).
function twoPeriods(s, years) {
  const first = String(years[0] ?? '');
  const compared = [s.cfrom ?? first, s.cto ?? s.cfrom ?? first].sort();
  const page = s.from || s.to ? [s.from ?? first, s.to ?? String(years.at(-1) ?? '')] : [lastYear(s, years), lastYear(s, years)];
  return [compared, page];
}

// A code's name in the reader's digits; a code without a name stays as the API wrote it.
const label = (ans, d, code) => {
  const name = ans.metaData?.items?.[d]?.[code]?.name;
  // A boolean dimension (financial) has no item names: yes or no in the reader's words.
  if (!name && typeof code === 'boolean') return t(code ? 'yes' : 'no');
  return local(name ?? String(code));
};
const statusText = (st, threshold) =>
  st === 'suppressed' ? t('suppressed', { n: threshold }) : st === 'unreliable' ? t('unreliable') : st === 'no_denominator' ? t('no_denominator') : st === 'partial' ? '+' : '';

// The cells of one number: the value (or "fewer than 10"), its interval, its status.
function numberCells(v, lo, hi, st, threshold, f = num, col = 'value') {
  const gone = st === 'suppressed' || v === null;
  return [
    { col, value: gone ? null : v, text: st === 'suppressed' ? t('suppressed', { n: threshold }) : f(v), status: st },
    { col: 'lower', value: gone ? null : lo, text: gone ? '' : f(lo) },
    { col: 'upper', value: gone ? null : hi, text: gone ? '' : f(hi) },
    { text: statusText(st, threshold) },
  ];
}

// An analytics or trends answer as series: SERIESDIM's items are the series (one series
// when null), CATDIM's items the categories along the axis.
function fromTable(ans, { seriesDim = null, catDim = 'year', order = null, sort = false, f = num, cats: given = null } = {}) {
  const c = columns(ans);
  const threshold = ans.metaData.disclosure?.threshold ?? 10;
  // The categories: GIVEN (another answer's, to draw along one axis), or the answer's own.
  let cats = given ? [...given] : [...new Set(ans.rows.map((r) => r[c[catDim]]))];
  if (catDim === 'year' && !given) cats.sort((a, b) => a - b);
  if (sort) {
    // Largest first; cells without a value last.
    const v = new Map(ans.rows.map((r) => [r[c[catDim]], r[c.value]]));
    cats.sort((a, b) => (v.get(b) ?? -Infinity) - (v.get(a) ?? -Infinity));
  }
  let names = seriesDim ? [...new Set(ans.rows.map((r) => r[c[seriesDim]]))] : [null];
  if (order) names = [...order.filter((n) => names.includes(n)), ...names.filter((n) => !order.includes(n))];
  const byKey = new Map(ans.rows.map((r) => [`${seriesDim ? r[c[seriesDim]] : ''}\u0000${r[c[catDim]]}`, r]));
  const series = names.map((name) => {
    const rows = cats.map((cat) => byKey.get(`${seriesDim ? name : ''}\u0000${cat}`));
    const st = rows.map((r) => (r ? r[c.cell_status] : 'suppressed'));
    const val = (k) => rows.map((r, i) => (r && st[i] !== 'suppressed' ? r[c[k]] : null));
    return { code: name, name: seriesDim ? label(ans, seriesDim, name) : local(ans.indicator.name), values: val('value'), lower: val('lower'), upper: val('upper'), status: st };
  });
  const catLabel = (cat) => (catDim === 'year' ? year(cat) : label(ans, catDim, cat));
  const head = [...(seriesDim ? [t(seriesDim)] : []), catDim === 'year' ? t('year') : t(catDim), t('value'), t('lower'), t('upper'), t('status')];
  const rows = [];
  for (const s of series)
    cats.forEach((cat, i) => {
      const keys = [...(seriesDim ? [s.code] : []), cat];
      rows.push({
        keys,
        cells: [
          ...(seriesDim ? [{ text: s.name }] : []),
          { text: catLabel(cat) },
          ...numberCells(s.values[i], s.lower[i], s.upper[i], s.status[i], threshold, f),
        ],
      });
    });
  // The first cell of a row is its header: with a series, the series name.
  return {
    cats,
    labels: cats.map(catLabel),
    series,
    threshold,
    table: { columns: head, rows },
  };
}

function apcNote(ans) {
  const tr = ans.trends;
  if (!tr?.length) return null;
  const dimName = ans.dimension;
  return tr
    .filter((x) => x.apc !== null && x.apc !== undefined)
    .map((x) => {
      const who = dimName ? `${label(ans, dimName, x[dimName])}: ` : '';
      return who + t('apc', { v: (x.apc >= 0 ? '+' : '') + num(x.apc, 1), l: num(x.lower, 1), u: num(x.upper, 1) });
    })
    .join(' \u00b7 ');
}

export const VIEWS = [
  {
    id: 'trend',
    query: (s) => ['trends', [['indicator', 'victim_rate'], ...period(s), ...filterParams(s)]],
    shape: (ans) => ({ type: 'line', band: true, ...fromTable(ans), note: apcNote(ans), valueTitle: local(ans.indicator.unit) }),
  },
  {
    id: 'new',
    query: (s) => ['trends', [['indicator', 'new_victim_rate'], ...period(s), ...filterParams(s)]],
    shape: (ans) => ({ type: 'line', band: true, ...fromTable(ans), note: apcNote(ans), valueTitle: local(ans.indicator.unit) }),
  },
  {
    id: 'sex',
    query: (s) => ['trends', [['indicator', 'victim_rate'], ['dimension', dim(s, 'sex', ['female', 'male'])], ...period(s), ...filterParams(s, ['sex'])]],
    shape: (ans) => ({ type: 'line', band: true, ...fromTable(ans, { seriesDim: 'sex' }), note: apcNote(ans), valueTitle: local(ans.indicator.unit) }),
  },
  {
    id: 'age',
    query: (s) => ['trends', [['indicator', 'victim_rate'], ['dimension', dim(s, 'age_band', CHILD_BANDS)], ...period(s), ...filterParams(s, ['age_band'])]],
    shape: (ans) => ({ type: 'line', ...fromTable(ans, { seriesDim: 'age_band', order: CHILD_BANDS }), note: apcNote(ans), valueTitle: local(ans.indicator.unit) }),
  },
  {
    id: 'compare',
    // A region against the national rate over time: the region chosen in the filters,
    // with its interval, or every region as a thin grey line behind the national one. Two
    // answers (main.js draws such a view from the published product only).
    query: (s) => [
      ['trends', [['indicator', 'victim_rate'], ...period(s), ...filterParams(s, ['region'])]],
      ['trends', [['indicator', 'victim_rate'], ['dimension', dim(s, 'region')], ...period(s), ...filterParams(s, ['region'])]],
    ],
    shape: ([nat, reg], s) => {
      const n = fromTable(nat);
      // The regions along the national answer's years, whatever years their own answer has.
      const r = fromTable(reg, { seriesDim: 'region', cats: n.cats });
      const one = Boolean(s.region);
      Object.assign(n.series[0], { code: 'national', name: t('national'), color: '#222222', width: 3 });
      // Grey at 3:1 against the white (WCAG 1.4.11), behind the national line.
      if (!one) r.series.forEach((x) => Object.assign(x, { color: '#8a94a1', width: 1, band: false, legend: false }));
      const national = n.table.rows.map((row) => ({ ...row, part: 0, cells: [{ text: t('national') }, ...row.cells] }));
      return {
        type: 'line',
        band: true,
        labels: n.labels,
        threshold: n.threshold,
        series: [...n.series, ...r.series],
        note: [apcNote(nat) && `${t('national')}: ${apcNote(nat)}`, one ? apcNote(reg) : t('compare_all')].filter(Boolean).join(' \u00b7 '),
        valueTitle: local(nat.indicator.unit),
        table: { columns: r.table.columns, rows: [...national, ...r.table.rows.map((row) => ({ ...row, part: 1 }))] },
      };
    },
  },
  {
    id: 'periods',
    // Its CSV: both answers' rows, each with its period (the answers' own rows do not say).
    csvParts: (s, years) => twoPeriods(s, years).map(([from, to]) => (from === to ? from : `${from}-${to}`)),
    // Each region's age-standardised rate in two periods: the compared one (cfrom..cto,
    // by default the data's first year) and the page's (by default its last year). Two
    // answers of the published product, as the comparison's.
    query: (s, years) =>
      twoPeriods(s, years).map(([from, to]) => ['analytics', [['indicator', 'victim_rate'], ['dimension', dim(s, 'region')], ['from', from], ['to', to], ['standardise', 'age'], ...filterParams(s, ['region', 'age_band'])]]),
    shape: (answers, s, years) => {
      // The regions in the order of the page's period, largest first.
      const second = fromTable(answers[1], { catDim: 'region', sort: true });
      const first = fromTable(answers[0], { catDim: 'region', cats: second.cats });
      const spans = twoPeriods(s, years).map(([from, to]) => (from !== to ? t('period_of', { a: year(from), b: year(to) }) : year(from)));
      const parts = [first, second];
      // Both at 3:1 or more against the white (WCAG 1.4.11), told apart by lightness.
      parts.forEach((p, i) => Object.assign(p.series[0], { code: `period${i + 1}`, name: spans[i], color: i ? '#08306b' : '#3b7fc4' }));
      return {
        type: 'bar',
        horizontal: true,
        rows: second.cats.length * 1.2,
        labels: second.labels,
        threshold: second.threshold,
        series: [first.series[0], second.series[0]],
        valueTitle: local(answers[1].indicator.unit),
        table: {
          columns: [t('period'), ...second.table.columns],
          rows: parts.flatMap((p, i) => p.table.rows.map((row) => ({ ...row, part: i, cells: [{ text: p.series[0].name }, ...row.cells] }))),
        },
      };
    },
  },
  {
    id: 'regions',
    query: (s, years) => {
      const y = lastYear(s, years);
      return ['analytics', [['indicator', 'victim_rate'], ['dimension', dim(s, 'region')], ['from', y], ['to', y], ['standardise', 'age'], ...filterParams(s, ['region', 'age_band'])]];
    },
    shape: (ans) => {
      const sh = fromTable(ans, { catDim: 'region', sort: true });
      return { type: 'bar', horizontal: true, rows: sh.labels.length, ...sh, valueTitle: local(ans.indicator.unit) };
    },
  },
  {
    id: 'map',
    descKey: boundaries ? 'v_map_geo_d' : 'v_map_d',
    // The same published table as the regions' bars, on the regions' tiles.
    query: (s, years) => {
      const y = lastYear(s, years);
      return ['analytics', [['indicator', 'victim_rate'], ['dimension', dim(s, 'region')], ['from', y], ['to', y], ['standardise', 'age'], ...filterParams(s, ['region', 'age_band'])]];
    },
    shape: (ans) => ({ ...(boundaries ? { type: 'choropleth', boundaries } : { type: 'tiles', tiles: regionTiles.tiles }), ...fromTable(ans, { catDim: 'region' }), valueTitle: local(ans.indicator.unit) }),
  },
  {
    id: 'offence',
    query: (s) => ['analytics', [['indicator', 'cases'], ['dimension', dim(s, 'offence')], ['dimension', 'year'], ...period(s), ...filterParams(s, ['offence'])]],
    // The five offences with the most cases over the period are drawn, most first (distinct
    // colours, a legend that fits); the data table lists every offence.
    shape: (ans) => {
      const total = (x) => x.values.reduce((a, v) => a + (v ?? 0), 0);
      const c = columns(ans);
      const byTotal = [...new Set(ans.rows.map((r) => r[c.offence]))];
      const sh0 = fromTable(ans, { seriesDim: 'offence' });
      const totals = new Map(sh0.series.map((x) => [x.code, total(x)]));
      byTotal.sort((a, b) => totals.get(b) - totals.get(a));
      const sh = fromTable(ans, { seriesDim: 'offence', order: byTotal });
      sh.series.forEach((x, i) => i >= TOP_OFFENCES && Object.assign(x, { hidden: true, legend: false }));
      const note = sh.series.length > TOP_OFFENCES ? t('top_offences', { k: TOP_OFFENCES, n: sh.series.length }) : null;
      return { type: 'line', ...sh, note, valueTitle: local(ans.indicator.unit) };
    },
  },
  {
    id: 'detection',
    query: (s) => ['analytics', [['indicator', 'cases'], ['dimension', 'detection'], ['dimension', 'year'], ...period(s), ...filterParams(s)]],
    shape: (ans) => {
      const sh = fromTable(ans, { seriesDim: 'detection', order: PROACTIVE });
      // Proactive channels in blues, reports in warm tones: the contrast the view is about.
      const cool = ['#0b3c73', '#1f6fb2', '#56B4E9'];
      const warm = ['#8a3b00', '#D55E00', '#E69F00', '#CC79A7', '#882255', '#8C6D00', '#6F6F6F', '#44AA99', '#999933'];
      let w = 0;
      sh.series.forEach((x) => (x.color = PROACTIVE.includes(x.code) ? cool[PROACTIVE.indexOf(x.code)] : warm[w++ % warm.length]));
      return { type: 'bar', stacked: true, ...sh, valueTitle: local(ans.indicator.unit) };
    },
  },
  shareOfCases('conviction', 'conviction_rate'),
  shareOfCases('financial', 'financial_share'),
  shareOfCases('proactive', 'proactive_detection_share'),
  pathway('pathway_adult', ['adult', 'mixed', 'unidentified']),
  pathway('pathway_child', ['child']),
  {
    id: 'risk',
    query: (s) => {
      const factors = ['sex', 'age_band', 'region'].filter((f) => !s[f]);
      // One factor left is a ratio of two rates, not a model: nothing to ask.
      if (factors.length < 2) return null;
      const ref = [['sex', 'male'], ['age_band', '10-12']].filter(([f]) => !s[f]).map(([f, v]) => `${f}:${v}`);
      return ['risk-factors', [['indicator', 'new_victim_rate'], ['factors', factors.join(',')], ['reference', ref.join(',')], ...period(s), ...filterParams(s)]];
    },
    shape: (ans) => {
      const c = columns(ans);
      // The API lists a factor's levels as R's glm does (by code); age bands read in age
      // order (0-4 before 13-15), each factor's rows kept together in the API's order.
      const rank = (r) => (r[c.factor] === 'age_band' ? CHILD_BANDS.indexOf(r[c.level]) : 0);
      const first = (f) => ans.rows.findIndex((r) => r[c.factor] === f);
      const rows = [...ans.rows].sort((a, b) => first(a[c.factor]) - first(b[c.factor]) || rank(a) - rank(b));
      const factorName = (f) => t(`factor_${f}`);
      const labels = rows.map((r) => `${factorName(r[c.factor])}: ${label(ans, r[c.factor], r[c.level])}`);
      const values = rows.map((r) => r[c.estimate]);
      const status = rows.map(() => 'ok');
      return {
        type: 'line',
        forest: true,
        horizontal: true,
        logValue: true,
        refLine: 1,
        rows: rows.length,
        labels,
        threshold: ans.metaData.disclosure?.threshold ?? 10,
        series: [{ code: 'ratio', name: local(ans.fit?.ratio) ?? t('ratio'), values, lower: rows.map((r) => r[c.lower]), upper: rows.map((r) => r[c.upper]), status }],
        valueTitle: local(ans.fit?.ratio) ?? t('ratio'),
        note: ans.fit ? `${local(ans.fit.model)}; ${t('reference')}: ${[...new Set(rows.map((r) => `${factorName(r[c.factor])} ${label(ans, r[c.factor], r[c.reference])}`))].join(', ')}` : null,
        table: {
          columns: [t('factor_level'), t('ratio'), t('lower'), t('upper'), 'p'],
          rows: rows.map((r, i) => ({
            keys: [r[c.factor], r[c.level]],
            cells: [
              { text: labels[i] },
              { col: 'estimate', value: r[c.estimate], text: num(r[c.estimate], 2) },
              { col: 'lower', value: r[c.lower], text: num(r[c.lower], 2) },
              { col: 'upper', value: r[c.upper], text: num(r[c.upper], 2) },
              { text: r[c.p_value] < 0.001 ? `< ${num(0.001, 3)}` : num(r[c.p_value], 3) },
            ],
          })),
        },
      };
    },
  },
  {
    id: 'hidden',
    token: true, // an estimate, not a sum of the published product's cells
    // One year (the closed population the estimate assumes), by sex: the whole country's
    // estimate first, then each sex's (docs/methods.md, "Hidden victims").
    query: (s, years) => {
      const y = lastYear(s, years);
      return ['estimates/hidden', [['dimension', dim(s, 'sex')], ['from', y], ['to', y], ...filterParams(s, ['sex'])]];
    },
    shape: (ans, s, years) => hiddenShape(ans, lastYear(s, years)),
  },
  {
    id: 'abuse',
    token: true, // an estimate, not a sum of the published product's cells
    // Every year of the data: the nowcast's triangle (docs/methods.md, "Late reports").
    query: (s) => ['estimates/nowcast', [...filterParams(s)]],
    shape: (ans) => nowcastShape(ans),
  },
  {
    id: 'interventions',
    // One year, the last with a full year of follow-up: re-victimisation within 12 months
    // is not yet known for the data's last year, and each year costs a token 4.
    query: (s, years) => {
      const y = String(Math.max(years[0] ?? 0, Math.min(Number(lastYear(s, years)), (years.at(-1) ?? 1) - 1)));
      return ['interventions', [['outcome', 'revictimisation_12m'], ['by', 'type'], ['from', y], ['to', y], ...filterParams(s)]];
    },
    shape: (ans) => {
      const c = columns(ans);
      const col = c.proportion !== undefined ? 'proportion' : 'value';
      const threshold = ans.metaData.disclosure?.threshold ?? 10;
      const rows = ans.rows;
      const st = rows.map((r) => r[c.cell_status]);
      const v = (k) => rows.map((r, i) => (st[i] === 'suppressed' ? null : r[c[k]]));
      const labels = rows.map((r) => label(ans, 'support', r[c.support]));
      return {
        type: 'bar',
        horizontal: true,
        percent: true,
        rows: rows.length,
        labels,
        threshold,
        series: [{ code: col, name: t('proportion'), values: v(col), lower: v('lower'), upper: v('upper'), status: st, color: '#0072B2' }],
        valueTitle: t('proportion'),
        table: {
          columns: [t('support'), t('value'), t('lower'), t('upper'), t('status')],
          rows: rows.map((r, i) => ({
            keys: [r[c.support]],
            cells: [{ text: labels[i] }, ...numberCells(v(col)[i], v('lower')[i], v('upper')[i], st[i], threshold, pct, col)],
          })),
        },
      };
    },
  },
];

// The estimate of hidden victims: per group (the whole first) the estimated total with its
// interval, the children reported beside it in the table, and the caveats in words.
function hiddenShape(ans, y) {
  const threshold = ans.metaData.disclosure?.threshold ?? 10;
  const est = ans.estimates;
  const d = ans.dimension;
  const labels = est.map((e) => (d && e[d] !== null ? label(ans, d, e[d]) : t('hidden_all')));
  const st = est.map((e) => (e.status === 'ok' ? 'ok' : 'suppressed'));
  // No estimate (too few children, or no model of them): said so, not as a suppression.
  const none = (i) => (est[i].status === 'no_estimate' ? t('hidden_no_estimate') : t('suppressed', { n: threshold }));
  const v = (k) => est.map((e, i) => (st[i] === 'ok' ? e[k] : null));
  const whole = est[0];
  const words = whole.status === 'ok' && whole.upper !== null
    ? t('hidden_note', { year: year(y), reported: num(whole.observed), total: num(whole.total), lower: num(whole.lower), upper: num(whole.upper), lists: ans.lists.length })
    : t('hidden_none');
  const warned = [...new Set(est.flatMap((e) => e.warnings.map((w) => w.code)))];
  return {
    type: 'bar',
    horizontal: true,
    rows: est.length,
    labels,
    threshold,
    series: [{ code: 'total', name: t('hidden_total'), values: v('total'), lower: v('lower'), upper: v('upper'), status: st, color: '#0072B2' }],
    valueTitle: t('hidden_total'),
    note: warned.length ? `${words} ${t('hidden_warned', { codes: warned.join(', ') })}` : words,
    table: {
      columns: [t(d ?? 'hidden_group'), t('hidden_total'), t('lower'), t('upper'), t('hidden_reported')],
      rows: est.map((e, i) => ({
        keys: [d ? e[d] : null],
        cells: [
          { text: labels[i] },
          { col: 'total', value: v('total')[i], text: st[i] === 'ok' ? num(e.total) : none(i), status: st[i] },
          { col: 'lower', value: v('lower')[i], text: st[i] === 'ok' ? num(e.lower) : '' },
          { col: 'upper', value: v('upper')[i], text: st[i] === 'ok' ? num(e.upper) : '' },
          { col: 'observed', value: v('observed')[i], text: st[i] === 'ok' ? num(e.observed) : '' },
        ],
      })),
    },
  };
}

// Victims by the year of the abuse: the nowcast of what will have been reported, with its
// band; the years still provisional hollow and marked; what was reported so far in the
// table and the tooltip.
function nowcastShape(ans) {
  const c = columns(ans);
  const threshold = ans.metaData.disclosure?.threshold ?? 10;
  const rows = ans.rows;
  const st = rows.map((r) => (r[c.status] === 'suppressed' ? 'suppressed' : r[c.provisional] ? 'provisional' : 'ok'));
  const v = (k) => rows.map((r, i) => (st[i] === 'suppressed' ? null : r[c[k]]));
  const reported = v('reported');
  const tr = ans.trend;
  const apc = tr?.apc !== null && tr?.apc !== undefined
    ? `${t('apc', { v: (tr.apc >= 0 ? '+' : '') + num(tr.apc, 1), l: num(tr.lower, 1), u: num(tr.upper, 1) })} (${t('apc_complete', { n: tr.years_used })})`
    : null;
  return {
    type: 'line',
    band: true,
    labels: rows.map((r) => year(r[c.year])),
    threshold,
    series: [{ code: 'nowcast', name: t('nowcast'), values: v('nowcast'), lower: v('lower'), upper: v('upper'), status: st,
               extra: reported.map((x) => (x === null ? null : t('reported_now', { n: num(x) }))) }],
    valueTitle: local(ans.indicator.unit),
    note: [t('abuse_note'), apc].filter(Boolean).join(' '),
    table: {
      columns: [t('abuse_year'), t('nowcast'), t('lower'), t('upper'), t('reported_so_far'), t('status')],
      rows: rows.map((r, i) => ({
        keys: [r[c.year]],
        cells: [
          { text: year(r[c.year]) },
          { col: 'nowcast', value: v('nowcast')[i], text: st[i] === 'suppressed' ? t('suppressed', { n: threshold }) : num(r[c.nowcast]), status: st[i] },
          { col: 'lower', value: v('lower')[i], text: st[i] === 'suppressed' ? '' : num(r[c.lower]) },
          { col: 'upper', value: v('upper')[i], text: st[i] === 'suppressed' ? '' : num(r[c.upper]) },
          { col: 'reported', value: reported[i], text: st[i] === 'suppressed' ? '' : num(reported[i]) },
          { text: st[i] === 'provisional' ? t('provisional_pct', { p: num(r[c.completeness] * 100, 0) }) : statusText(st[i], threshold) },
        ],
      })),
    },
  };
}

// A share of the cases over time (a proportion of INDICATOR: the line with its Wilson
// band, in percent) and its annual change.
function shareOfCases(id, indicator) {
  return {
    id,
    query: (s) => ['trends', [['indicator', indicator], ...period(s), ...filterParams(s)]],
    shape: (ans) => ({ type: 'line', band: true, percent: true, ...fromTable(ans, { f: pct }), note: apcNote(ans), valueTitle: t('proportion') }),
  };
}

// Any analytics answer as a chart (the table builder's, main.js): along the years when year
// is one of its dimensions (a line), otherwise along its last dimension (bars); a series
// for each combination of the other dimensions, the MOST with the largest totals drawn and
// every one in the table. Rows keep the API's codes, in its column order, as their keys.
export function tableShape(ans, most = 8) {
  const c = columns(ans);
  const dims = ans.headers.slice(0, c.value).map((h) => h.name);
  const threshold = ans.metaData.disclosure?.threshold ?? 10;
  const percent = ans.indicator.type === 'proportion';
  const f = percent ? pct : num;
  const catDim = dims.includes('year') ? 'year' : dims.at(-1);
  const others = dims.filter((d) => d !== catDim);
  const seriesOf = (r) => others.map((d) => r[c[d]]).join('|');
  const cats = [...new Set(ans.rows.map((r) => r[c[catDim]]))];
  if (catDim === 'year') cats.sort((a, b) => a - b);
  const byKey = new Map(ans.rows.map((r) => [`${seriesOf(r)}\u0000${r[c[catDim]]}`, r]));
  const total = (rows) => rows.reduce((a, r) => a + (r && r[c.cell_status] !== 'suppressed' ? (r[c.value] ?? 0) : 0), 0);
  const names = [...new Set(ans.rows.map(seriesOf))].map((key) => ({ key, rows: cats.map((cat) => byKey.get(`${key}\u0000${cat}`)) }));
  names.sort((a, b) => total(b.rows) - total(a.rows));
  const catLabel = (cat) => (catDim === 'year' ? year(cat) : label(ans, catDim, cat));
  const series = names.map(({ key, rows }, i) => {
    const st = rows.map((r) => (r ? r[c.cell_status] : 'suppressed'));
    const val = (k) => rows.map((r, j) => (r && st[j] !== 'suppressed' ? r[c[k]] : null));
    const name = others.length ? others.map((d, j) => label(ans, d, key.split('|')[j])).join(' \u00b7 ') : local(ans.indicator.name);
    return { code: key, name, values: val('value'), lower: val('lower'), upper: val('upper'), status: st, rows, ...(i >= most ? { hidden: true, legend: false } : {}) };
  });
  const rows = [];
  for (const x of series)
    x.rows.forEach((r, i) => {
      if (!r) return;
      rows.push({
        keys: dims.map((d) => r[c[d]]),
        cells: [{ text: [...(others.length ? [x.name] : []), catLabel(cats[i])].join(' \u00b7 ') }, ...numberCells(x.values[i], x.lower[i], x.upper[i], x.status[i], threshold, f)],
      });
    });
  const line = catDim === 'year' && cats.length > 1;
  return {
    type: line ? 'line' : 'bar',
    horizontal: !line,
    rows: line ? undefined : cats.length * Math.max(1, Math.min(series.length, most) * 0.6),
    band: line && series.length === 1,
    percent,
    labels: cats.map(catLabel),
    threshold,
    series,
    note: series.length > most ? t('top_series', { k: most, n: series.length }) : null,
    valueTitle: percent ? t('proportion') : local(ans.indicator.unit),
    table: { columns: [dims.map((d) => dimName(d)).join(' \u00b7 '), t('value'), t('lower'), t('upper'), t('status')], rows },
  };
}

// A dimension's name in the reader's language (the page's words: the API lists ids).
export const dimName = (d) => t(has(`dim_${d}`) ? `dim_${d}` : d);

// The justice pathway of GROUPS (offender groups), from one answer for both funnels.
function pathway(id, groups) {
  return {
    id,
    descKey: 'v_pathway_d',
    query: (s) => ['pathway', [...period(s), ...filterParams(s)]],
    shape: (ans) => {
      const c = columns(ans);
      const threshold = ans.metaData.disclosure?.threshold ?? 10;
      const rows = ans.rows.filter((r) => groups.includes(r[c.offender_group]));
      const stages = [...new Set(rows.map((r) => r[c.stage]))];
      const present = groups.filter((g) => rows.some((r) => r[c.offender_group] === g));
      const statusOf = (r) => (!r ? 'suppressed' : r[c.cases] === 0 && r[c.suppressed_cells] > 0 ? 'suppressed' : r[c.suppressed_cells] > 0 ? 'partial' : 'ok');
      // Drawn as shares of the reported cases, with their intervals; the counts are in the
      // tooltip and the table.
      const series = present.map((g) => {
        const rs = stages.map((st) => rows.find((r) => r[c.offender_group] === g && r[c.stage] === st));
        const status = rs.map(statusOf);
        const v = (k) => rs.map((r, i) => (status[i] === 'suppressed' ? null : r[c[k]]));
        const extra = rs.map((r, i) => (status[i] === 'suppressed' ? null : tn('n_cases', r[c.cases])));
        return { code: g, name: label(ans, 'offender_group', g), values: v('share_of_reported'), lower: v('lower'), upper: v('upper'), extra, status };
      });
      const tableRows = [];
      present.forEach((g, k) => {
        stages.forEach((st, i) => {
          const r = rows.find((x) => x[c.offender_group] === g && x[c.stage] === st);
          const status = series[k].status[i];
          const gone = status === 'suppressed';
          tableRows.push({
            keys: [g, st],
            cells: [
              { text: `${series[k].name}: ${label(ans, 'status', st)}` },
              { col: 'share_of_reported', value: gone ? null : r[c.share_of_reported], text: gone ? t('suppressed', { n: threshold }) : pct(r[c.share_of_reported]), status },
              { text: gone ? '' : `${pct(r[c.lower])}\u2013${pct(r[c.upper])}` },
              { col: 'cases', value: gone ? null : r[c.cases], text: gone ? '' : num(r[c.cases]) },
              { text: statusText(status, threshold) },
            ],
          });
        });
      });
      return {
        type: 'bar',
        horizontal: true,
        percent: true,
        rows: stages.length * Math.max(1, present.length * 0.6),
        labels: stages.map((st) => label(ans, 'status', st)),
        threshold,
        series,
        valueTitle: t('share'),
        unit: t('share_unit'),
        table: { columns: [t('stage'), t('share'), t('interval'), t('cases'), t('status')], rows: tableRows },
      };
    },
  };
}
