// One chart of the dashboard: its card (title, description, the chart, its data table as
// the text alternative, definition, unit, data version, downloads) and its Chart.js
// drawing. A view (views.js) gives it a "shape": categories, series with their intervals
// and cell statuses, and the table; this file knows nothing of the API's routes.
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  Tooltip,
} from 'chart.js';

import { el } from './dom.js';
import { locale, num, pct, rtl, t } from './i18n.js';

Chart.register(BarController, BarElement, CategoryScale, Filler, Legend, LinearScale, LineController, LineElement, LogarithmicScale, PointElement, Tooltip);

// Okabe and Ito's palette (distinguishable with the common colour-vision deficiencies),
// then darker tones for the longer series lists (the offences).
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#8C6D00', '#56B4E9', '#000000', '#882255', '#44AA99', '#117733', '#999933', '#6F6F6F'];
const FONT = "system-ui, 'Segoe UI', 'Noto Sans', 'Noto Sans Arabic', 'DejaVu Sans', Tahoma, Arial, sans-serif";
Chart.defaults.font.family = FONT;
Chart.defaults.color = '#1f2933';
Chart.defaults.animation = false; // the charts are read, not watched; and drawn at once

const alpha = (hex, a) => `${hex}${Math.round(a * 255).toString(16).padStart(2, '0')}`;

// Intervals: a whisker per value (bars, forest plots) from dataset.wq.lower/upper.
const whiskers = {
  id: 'wqWhiskers',
  afterDatasetsDraw(chart) {
    const { ctx } = chart;
    const horizontal = chart.options.indexAxis === 'y';
    const vscale = horizontal ? chart.scales.x : chart.scales.y;
    chart.data.datasets.forEach((ds, di) => {
      if (!ds.wq?.whiskers || !ds.wq.lower || !chart.isDatasetVisible(di)) return;
      const meta = chart.getDatasetMeta(di);
      ctx.save();
      ctx.strokeStyle = '#1f2933';
      ctx.lineWidth = 1.25;
      meta.data.forEach((el, i) => {
        const lo = ds.wq.lower[i];
        const hi = ds.wq.upper[i];
        if (lo === null || hi === null || lo === undefined || hi === undefined) return;
        const a = vscale.getPixelForValue(lo);
        const b = vscale.getPixelForValue(hi);
        const c = horizontal ? el.y : el.x;
        if (!Number.isFinite(a) || !Number.isFinite(b) || !Number.isFinite(c)) return;
        ctx.beginPath();
        if (horizontal) {
          ctx.moveTo(a, c); ctx.lineTo(b, c);
          ctx.moveTo(a, c - 4); ctx.lineTo(a, c + 4);
          ctx.moveTo(b, c - 4); ctx.lineTo(b, c + 4);
        } else {
          ctx.moveTo(c, a); ctx.lineTo(c, b);
          ctx.moveTo(c - 4, a); ctx.lineTo(c + 4, a);
          ctx.moveTo(c - 4, b); ctx.lineTo(c + 4, b);
        }
        ctx.stroke();
      });
      ctx.restore();
    });
  },
};

// The parts of each stacked bar that are withheld (suppressed) among the series shown:
// by category, how many.
function withheld(chart) {
  const k = new Array(chart.data.labels.length).fill(0);
  chart.data.datasets.forEach((ds, di) => {
    if (!ds.stack || !ds.wq?.status || !chart.isDatasetVisible(di)) return;
    ds.wq.status.forEach((st, i) => st === 'suppressed' && k[i]++);
  });
  return k;
}

// Suppressed cells are drawn as nothing (null, never zero) and marked where they would
// be, at the baseline: "<10"; unreliable ones get an asterisk, provisional ones a P. A
// stacked bar is marked once, on its top, with the number of its parts withheld ("+2 <10"):
// a bar short of them would otherwise pass for the whole (and a mark a part, at the
// baseline, would overlap the others).
const marks = {
  id: 'wqMarks',
  afterDatasetsDraw(chart) {
    const { ctx, chartArea } = chart;
    const horizontal = chart.options.indexAxis === 'y';
    const iscale = horizontal ? chart.scales.y : chart.scales.x;
    ctx.save();
    ctx.font = `italic 11px ${FONT}`;
    ctx.fillStyle = '#4b5563';
    ctx.direction = rtl() ? 'rtl' : 'ltr';
    withheld(chart).forEach((k, i) => {
      if (!k) return;
      // The stack's top: the furthest end of its parts drawn, or the baseline; and whether
      // that part carries a mark of its own there (unreliable, provisional: below).
      let top = horizontal ? (rtl() ? chartArea.right : chartArea.left) : chartArea.bottom;
      let marked = false;
      chart.data.datasets.forEach((ds, di) => {
        const e = ds.stack && chart.isDatasetVisible(di) ? chart.getDatasetMeta(di).data[i] : null;
        if (!e || ds.data[i] === null || ds.data[i] === undefined) return;
        const end = horizontal ? e.x : e.y;
        if (!Number.isFinite(end)) return;
        const further = horizontal ? (rtl() ? end < top : end > top) : end < top;
        if (further || end === top) {
          top = end;
          marked = ['unreliable', 'provisional', 'partial'].includes(ds.wq?.status?.[i]);
        }
      });
      // Past that mark; and read left to right in both languages, as the legend under
      // the chart spells it.
      const gap = marked ? 18 : 4;
      const label = t('withheld_short', { k, n: chart.data.datasets.find((d) => d.wq)?.wq.threshold });
      const c = iscale.getPixelForValue(i);
      ctx.direction = 'ltr';
      if (horizontal) {
        ctx.textAlign = rtl() ? 'right' : 'left';
        ctx.fillText(label, top + (rtl() ? -gap : gap), c + 4);
      } else {
        ctx.textAlign = 'center';
        ctx.fillText(label, c, top - gap);
      }
      ctx.direction = rtl() ? 'rtl' : 'ltr';
    });
    chart.data.datasets.forEach((ds, di) => {
      if (!ds.wq?.status || !chart.isDatasetVisible(di)) return;
      const meta = chart.getDatasetMeta(di);
      ds.wq.status.forEach((st, i) => {
        if (st !== 'suppressed' && st !== 'unreliable' && st !== 'partial' && st !== 'provisional') return;
        if (st === 'suppressed' && ds.stack) return; /* on the stack's top, above */
        const el = meta.data[i];
        let c = el ? (horizontal ? el.y : el.x) : NaN;
        if (!Number.isFinite(c)) c = iscale.getPixelForValue(i);
        const label = st === 'suppressed' ? t('suppressed_short', { n: ds.wq.threshold }) : st === 'partial' ? '+' : st === 'provisional' ? t('provisional_short') : '*';
        if (st !== 'suppressed') {
          if (!el || !Number.isFinite(el.x) || !Number.isFinite(el.y)) return;
          ctx.textAlign = 'center';
          ctx.fillText(label, el.x + (horizontal ? (rtl() ? -10 : 10) : 0), el.y - (horizontal ? -4 : 8));
          return;
        }
        if (horizontal) {
          const x = rtl() ? chartArea.right - 4 : chartArea.left + 4;
          ctx.textAlign = rtl() ? 'right' : 'left';
          ctx.fillText(label, x, c + 4);
        } else {
          ctx.textAlign = 'center';
          ctx.fillText(label, c, chartArea.bottom - 4 - 12 * (di % 3));
        }
      });
    });
    ctx.restore();
  },
};

// The line of no difference on a forest plot (shape.refLine, a value of the value axis).
const refLine = {
  id: 'wqRefLine',
  beforeDatasetsDraw(chart, _args, opts) {
    if (opts.value === undefined) return;
    const { ctx, chartArea } = chart;
    const x = chart.scales.x.getPixelForValue(opts.value);
    ctx.save();
    ctx.strokeStyle = '#4b5563';
    ctx.setLineDash([4, 4]);
    ctx.beginPath();
    ctx.moveTo(x, chartArea.top);
    ctx.lineTo(x, chartArea.bottom);
    ctx.stroke();
    ctx.restore();
  },
};

// A white page behind the chart, so that the PNG download is not transparent.
const paper = {
  id: 'wqPaper',
  beforeDraw(chart) {
    const { ctx } = chart;
    ctx.save();
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, chart.width, chart.height);
    ctx.restore();
  },
};

function datasets(shape) {
  const out = [];
  shape.series.forEach((s, k) => {
    const color = s.color ?? PALETTE[k % PALETTE.length];
    const wq = { status: s.status, threshold: shape.threshold, lower: s.lower, upper: s.upper, extra: s.extra, whiskers: (shape.type === 'bar' && !shape.stacked) || shape.forest };
    if (shape.type === 'line' && s.lower && shape.band && s.band !== false) {
      // The interval as a band: lower, then upper filled down to it.
      out.push({ label: `${s.name} lower`, data: s.lower, borderWidth: 0, pointRadius: 0, fill: false, wqBand: true, order: 2 });
      out.push({ label: `${s.name} upper`, data: s.upper, borderWidth: 0, pointRadius: 0, backgroundColor: alpha(color, 0.18), fill: '-1', wqBand: true, order: 2 });
      wq.whiskers = false;
    }
    // Unreliable and provisional points are hollow (and marked: wqMarks).
    const unreliable = s.status.map((st) => st === 'unreliable' || st === 'provisional');
    out.push({
      label: s.name,
      data: s.values,
      borderColor: color,
      backgroundColor: shape.type === 'bar' ? s.values.map((_, i) => (unreliable[i] ? alpha(color, 0.45) : color)) : color,
      pointStyle: shape.forest ? 'rect' : 'circle',
      pointRadius: shape.forest ? 5 : unreliable.map((u) => (u ? 5 : 3)),
      pointBackgroundColor: unreliable.map((u) => (u ? '#ffffff' : color)),
      showLine: !shape.forest,
      borderWidth: s.width,
      hidden: Boolean(s.hidden),
      spanGaps: false,
      wqLegend: s.legend !== false,
      stack: shape.stacked ? 'all' : undefined,
      order: 1,
      wq,
    });
  });
  return out;
}

function logLimits(sc, shape) {
  const ends = shape.series.flatMap((s) => [...(s.lower ?? []), ...(s.upper ?? []), ...s.values]).filter((v) => Number.isFinite(v) && v > 0);
  if (!ends.length) return;
  sc.min = Math.min(sc.min, ...ends) / 1.25;
  sc.max = Math.max(sc.max, ...ends) * 1.25;
}

// A value axis's tick: a percentage as the reader's locale writes one (Arabic: the number,
// then its own percent sign); on a log axis only 1, 2 and 5 times a power of ten (Chart.js
// offers every digit, whose labels overlap: 0.090 0.100).
function valueTick(shape, v) {
  if (shape.percent) return new Intl.NumberFormat(locale(), { style: 'percent', maximumFractionDigits: 0 }).format(v);
  if (shape.logValue) {
    const m = v / 10 ** Math.floor(Math.log10(v) + 1e-9);
    if (![1, 2, 5].some((k) => Math.abs(m - k) < 1e-6)) return '';
    return new Intl.NumberFormat(locale(), { maximumSignificantDigits: 2 }).format(v);
  }
  return num(v);
}

function options(shape) {
  const horizontal = Boolean(shape.horizontal);
  const valueAxis = {
    type: shape.logValue ? 'logarithmic' : 'linear',
    beginAtZero: !shape.logValue,
    stacked: Boolean(shape.stacked),
    title: { display: Boolean(shape.valueTitle), text: shape.valueTitle },
    ticks: { callback: (v) => valueTick(shape, Number(v)) },
    // A log axis ends a quarter beyond the widest interval (the whiskers are drawn by a
    // plugin, so Chart.js sets its limits from the estimates alone): no whisker runs into
    // a label.
    afterDataLimits: shape.logValue ? (sc) => logLimits(sc, shape) : undefined,
    reverse: horizontal && rtl(),
    position: horizontal ? 'bottom' : rtl() ? 'right' : 'left',
  };
  const indexAxis = {
    type: 'category',
    stacked: Boolean(shape.stacked),
    reverse: !horizontal && rtl(),
    position: horizontal ? (rtl() ? 'right' : 'left') : 'bottom',
    ticks: { autoSkip: !horizontal },
  };
  return {
    responsive: true,
    maintainAspectRatio: false,
    indexAxis: horizontal ? 'y' : 'x',
    locale: locale(),
    // Room at both ends for the first and last labels of a time axis (in Arabic the last
    // year sits at the left edge and lost its first digit).
    // (and above a stacked chart, for the mark on its tallest bar: wqMarks)
    layout: { padding: { left: 14, right: 14, top: shape.stacked ? 30 : 0 } },
    interaction: { mode: 'nearest', intersect: false, axis: horizontal ? 'y' : 'x' },
    scales: horizontal ? { x: valueAxis, y: indexAxis } : { x: indexAxis, y: valueAxis },
    plugins: {
      wqRefLine: { value: shape.refLine },
      legend: {
        display: shape.series.length > 1,
        rtl: rtl(),
        textDirection: rtl() ? 'rtl' : 'ltr',
        position: 'bottom',
        labels: { filter: (item, data) => !data.datasets[item.datasetIndex].wqBand && data.datasets[item.datasetIndex].wqLegend !== false, boxWidth: 14 },
      },
      tooltip: {
        rtl: rtl(),
        textDirection: rtl() ? 'rtl' : 'ltr',
        filter: (item) => !item.dataset.wqBand,
        callbacks: {
          label: (item) => {
            const ds = item.dataset;
            const st = ds.wq?.status?.[item.dataIndex];
            if (st === 'suppressed') return `${ds.label}: ${t('suppressed', { n: ds.wq.threshold })}`;
            const v = item.raw;
            const lo = ds.wq?.lower?.[item.dataIndex];
            const hi = ds.wq?.upper?.[item.dataIndex];
            const f = shape.percent ? pct : (x) => num(x);
            let s = `${ds.label}: ${f(v)}`;
            if (lo !== null && lo !== undefined && hi !== null && hi !== undefined) s += ` (${f(lo)}\u2013${f(hi)})`;
            if (st === 'unreliable') s += ` ${t('unreliable')}`;
            if (st === 'provisional') s += ` ${t('provisional')}`;
            // What else the reader asks of this point (a share's count of cases).
            if (ds.wq?.extra?.[item.dataIndex]) s += ` \u00b7 ${ds.wq.extra[item.dataIndex]}`;
            return s;
          },
        },
      },
    },
  };
}

// The card of a view, empty until draw() or fail() fills it.
export function card(view) {
  const id = `v-${view.id}`;
  const fig = el('figure', { class: 'card', id, 'aria-labelledby': `${id}-h`, 'data-view': view.id });
  fig.append(el('h2', { id: `${id}-h`, text: t(`v_${view.id}`) }));
  fig.append(el('p', { class: 'desc', text: t(view.descKey ?? `v_${view.id}_d`) }));
  fig.append(el('div', { class: 'body', 'aria-busy': 'true' }));
  return fig;
}

// Copies text: the clipboard API where the page may use it, else a selected field.
// Whether it was copied.
async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const f = el('textarea', { class: 'offscreen' });
    f.value = text;
    document.body.append(f);
    f.select();
    const done = document.execCommand('copy');
    f.remove();
    return done;
  }
}
// A short word under a card's tools, for screen readers too.
// A line under the chart; DIR 'ltr' for a URL or code shown as is (in right-to-left text it
// would read scrambled).
function status(fig, text, dir = '') {
  let s = fig.querySelector('.said');
  if (!s) fig.querySelector('.body').append((s = el('p', { class: 'note said', role: 'status' })));
  s.textContent = text;
  s.dir = dir;
}

export function fail(fig, message, kind) {
  const body = fig.querySelector('.body');
  body.replaceChildren(el('p', { class: `message ${kind}`, text: message }));
  body.removeAttribute('aria-busy');
  fig.dataset.state = kind;
}

// Draws SHAPE into the card: the chart, its table, its facts and downloads. meta: the
// answer's indicator and metaData (definition, unit, data version, method); api: the URL
// it came from (the CSV download asks the same with format=csv).
// Five shades of blue, light to dark (ColorBrewer's Blues), for the map's classes; the
// text on each is dark on the three light ones, white on the two dark (AA contrast).
const SHADES = ['#deebf7', '#9ecae1', '#6baed6', '#2171b5', '#08306b'];

// A map's cells (one a region, in the table's order) and their classes: quintiles of the
// published values, a legend of the classes, and the words each region says of itself.
function mapCells(shape) {
  const s = shape.series[0];
  const cells = shape.table.rows.map((r, i) => ({ code: r.keys.at(-1), label: shape.labels[i], v: s.values[i], lo: s.lower[i], hi: s.upper[i], st: s.status[i] }));
  const known = cells.filter((c) => c.v !== null).map((c) => c.v).sort((a, b) => a - b);
  const cut = [1, 2, 3, 4].map((k) => known[Math.floor((k * known.length) / 5)] ?? Infinity);
  for (const c of cells) {
    c.k = c.v === null ? -1 : cut.filter((x) => c.v >= x).length;
    c.value = c.v !== null ? num(c.v) : c.st === 'suppressed' ? t('suppressed', { n: shape.threshold }) : t('no_denominator');
    c.range = c.v === null ? '' : `${num(c.lo)}\u2013${num(c.hi)}`;
    c.title = `${c.label}: ${c.value}${c.range ? ` (${t('interval')} ${c.range})` : ''}`;
  }
  const bounds = [known[0], ...cut.filter(Number.isFinite), known.at(-1)];
  const legend = el('p', { class: 'marks tile-legend' }, el('span', { text: `${t('map_legend')} ` }));
  // Colours through the CSSOM: the page's CSP refuses style attributes.
  const swatch = (c) => {
    const sw = el('span', { class: 'swatch' });
    sw.style.background = c;
    return sw;
  };
  SHADES.forEach((c, k) => {
    if (bounds[k] === undefined || bounds[k + 1] === undefined) return;
    legend.append(swatch(c), el('span', { text: `${num(bounds[k])}\u2013${num(bounds[k + 1])} ` }));
  });
  legend.append(swatch(NO_SHADE), el('span', { text: t('map_none', { n: shape.threshold }) }));
  return { cells, legend };
}
const NO_SHADE = '#f3f5f7';

// The map as tiles: one a region at its place in the grid (a map is not mirrored in Arabic:
// the east stays on the right), shaded by its class, with its value and interval. What it
// shows is kept as the grid's wqData, in the table's order, for anyone inspecting the page.
function tiles(shape, title, id) {
  const { cells, legend } = mapCells(shape);
  // A group named like a chart, described by its data table's caption (its text
  // alternative); each tile says its region, value, interval and shade in words too.
  const grid = el('div', { class: 'tiles', dir: 'ltr', role: 'group', 'aria-label': t('chart_alt', { title, n: cells.length }), 'aria-describedby': `${id}-tbl-c` });
  const placed = shape.tiles ?? {};
  for (const c of cells) {
    const at = placed[c.code];
    const tile = el('div', { class: 'tile', 'data-code': c.code, 'data-value': c.v === null ? 'null' : String(c.v), lang: document.documentElement.lang });
    if (at) Object.assign(tile.style, { gridRow: String(at[0] + 1), gridColumn: String(at[1] + 1) });
    tile.style.background = c.k < 0 ? NO_SHADE : SHADES[c.k];
    tile.style.color = c.k >= 3 ? '#fff' : '#1f2933';
    tile.dir = rtl() ? 'rtl' : 'ltr';
    tile.title = c.title;
    tile.append(el('span', { class: 'tile-name', text: c.label }), el('span', { class: 'tile-value', text: c.value }));
    if (c.range) tile.append(el('span', { class: 'tile-range', text: c.range, 'aria-label': `${t('interval')} ${c.range}` }));
    if (c.k >= 0) tile.append(el('span', { class: 'offscreen', text: t('map_shade', { k: c.k + 1, n: SHADES.length }) }));
    grid.append(tile);
  }
  grid.wqData = cells.map((c) => c.v);
  return { grid, legend };
}

// The map as a choropleth: the regions' boundaries (a deployment's GeoJSON, projected and
// simplified at build time: web/build.mjs) as SVG paths, each filled by its class, its
// value and interval in its tooltip (an SVG title); the data table is the text
// alternative. Not mirrored in Arabic. A region without a boundary is in the table only.
const SVG = 'http://www.w3.org/2000/svg';
function choropleth(shape, title, id) {
  const { cells, legend } = mapCells(shape);
  const b = shape.boundaries;
  const svg = document.createElementNS(SVG, 'svg');
  // A group of regions, each a stop of the keyboard that says its name, value and
  // interval (its tooltip's words), and is outlined when focused.
  for (const [k, v] of Object.entries({ class: 'choropleth', viewBox: `0 0 ${b.width} ${b.height}`, role: 'group', 'aria-label': t('map_alt', { title, n: cells.length }), 'aria-describedby': `${id}-tbl-c` }))
    svg.setAttribute(k, v);
  const drawn = cells.filter((c) => b.regions[c.code]);
  for (const c of drawn) {
    const path = document.createElementNS(SVG, 'path');
    path.setAttribute('d', b.regions[c.code]);
    path.setAttribute('fill-rule', 'evenodd');
    path.setAttribute('data-code', c.code);
    path.setAttribute('data-value', c.v === null ? 'null' : String(c.v));
    path.setAttribute('role', 'img');
    path.setAttribute('tabindex', '0');
    path.setAttribute('aria-label', c.k >= 0 ? `${c.title}; ${t('map_shade', { k: c.k + 1, n: SHADES.length })}` : c.title);
    path.style.fill = c.k < 0 ? NO_SHADE : SHADES[c.k];
    const tip = document.createElementNS(SVG, 'title');
    tip.textContent = c.title;
    path.append(tip);
    svg.append(path);
  }
  svg.wqData = drawn.map((c) => c.v);
  return { grid: el('div', { class: 'map', dir: 'ltr' }, svg), legend };
}

// The documents a text names (docs/methods.md...) as links to the page's copies of them
// ("Sources and methods" links them), in place of the bare names.
function linked(node) {
  const docs = { 'docs/methods.md': 'doc-methods', 'docs/privacy.md': 'doc-privacy' };
  const text = node.textContent;
  const parts = text.split(/(docs\/(?:methods|privacy)\.md)/);
  if (parts.length === 1) return node;
  node.replaceChildren(...parts.map((p) => {
    const a = docs[p] && document.getElementById(docs[p]);
    return a ? el('a', { href: a.getAttribute('href'), text: p }) : document.createTextNode(p);
  }));
  return node;
}

export function draw(fig, shape, metaIn, api, onCsv, link, embed = null) {
  // A view that draws another measure than its indicator's counts (a pathway's shares)
  // names its own unit.
  const meta = shape.unit ? { ...metaIn, unit: shape.unit } : metaIn;
  delete fig.dataset.problem; // drawn: an earlier refusal's code is no longer the figure's
  const body = fig.querySelector('.body');
  const title = fig.querySelector('h2').textContent;
  const id = fig.id;
  const n = shape.table.rows.length;
  const canvas = el('canvas', { role: 'img', 'aria-label': t('chart_alt', { title, n }), 'aria-describedby': `${id}-tbl-c`, tabindex: '0' });
  const wrap = el('div', { class: 'plot' }, canvas);
  if (shape.rows) wrap.style.height = `${Math.max(220, 34 * shape.rows + 90)}px`;
  if (shape.note) body.append(el('p', { class: 'note', text: shape.note }));

  const table = el('table', { class: 'data', id: `${id}-tbl` });
  table.append(el('caption', { id: `${id}-tbl-c`, text: `${title} (${meta.unit ?? ''})` }));
  const thead = el('thead');
  const hr = el('tr');
  for (const c of shape.table.columns) hr.append(el('th', { scope: 'col', text: c }));
  thead.append(hr);
  const tbody = el('tbody');
  // Each row names the API row it shows (data-keys: its codes) and each number cell the
  // API's column and value (data-col, data-value), so that the numbers can be checked.
  for (const row of shape.table.rows) {
    // A view of several answers (a comparison) says which answer a row is from.
    const tr = el('tr', { 'data-keys': row.keys.join('|'), ...(row.part !== undefined ? { 'data-part': String(row.part) } : {}) });
    row.cells.forEach((cell, i) => {
      const attrs = { text: cell.text };
      if (cell.col) attrs['data-col'] = cell.col;
      if (cell.col) attrs['data-value'] = cell.value === null || cell.value === undefined ? 'null' : String(cell.value);
      if (cell.status) attrs['data-status'] = cell.status;
      tr.append(el(i === 0 ? 'th' : 'td', i === 0 ? { ...attrs, scope: 'row' } : attrs));
    });
    tbody.append(tr);
  }
  table.append(thead, tbody);
  const details = el('details', { class: 'table' }, el('summary', { text: t('data_table') }), el('div', { class: 'scroll' }, table));

  const facts = el('dl', { class: 'facts' });
  const fact = (k, v) => v && facts.append(el('dt', { text: t(k) }), linked(el('dd', { text: v })));
  fact('definition', meta.definition);
  fact('unit', meta.unit);
  fact('release', meta.release);
  fact('data_version', meta.data_version !== undefined ? num(meta.data_version) : null);
  fact('method', meta.method);
  // The marks the chart uses, explained under it.
  const any = (st) => shape.series.some((x) => x.status.includes(st));
  const legend = [];
  if (any('suppressed') && shape.stacked) legend.push(t('withheld_note', { n: shape.threshold }));
  else if (any('suppressed')) legend.push(`${t('suppressed_short', { n: shape.threshold })} = ${t('suppressed', { n: shape.threshold })}`);
  // How many parts of the stacked bars are withheld, for anyone inspecting the page.
  if (shape.stacked) fig.dataset.withheld = String(shape.series.reduce((k, x) => k + (x.hidden ? 0 : x.status.filter((st) => st === 'suppressed').length), 0));
  if (any('unreliable')) legend.push(t('unreliable_note'));
  if (any('partial')) legend.push(t('partial_note', { n: shape.threshold }));
  if (any('provisional')) legend.push(t('provisional_note'));

  const csv = el('button', { type: 'button', class: 'download', 'data-kind': 'csv', text: t('download_csv') });
  const png = el('button', { type: 'button', class: 'download', 'data-kind': 'png', text: t('download_png') });
  csv.addEventListener('click', () => onCsv(`${fig.dataset.view}.csv`));
  // The link to this chart with these filters: copied, and kept on the button for anyone
  // who cannot use the clipboard (and for the test).
  const share = el('button', { type: 'button', class: 'download', 'data-kind': 'link', 'data-link': link, text: t('copy_link') });
  // Not copied (no clipboard): the link itself, to copy by hand.
  share.addEventListener('click', () => copyText(link).then((done) => (done ? status(fig, t('link_copied')) : status(fig, link, 'ltr'))));
  // The HTML that shows this chart on another site (/embed), copied like the link.
  const embedBtn = embed ? el('button', { type: 'button', class: 'download', 'data-kind': 'embed', 'data-embed': embed, text: t('embed') }) : null;
  embedBtn?.addEventListener('click', () => copyText(embed).then((done) => (done ? status(fig, t('embed_copied')) : status(fig, embed, 'ltr'))));
  const map = shape.type === 'tiles' ? tiles(shape, title, id) : shape.type === 'choropleth' ? choropleth(shape, title, id) : null;
  // The map is HTML, not a picture: its PNG would be a screenshot; the CSV is its data.
  const tools = el('div', { class: 'tools' }, csv, map ? null : png, share, embedBtn);

  if (map) {
    body.append(map.grid, map.legend, details, facts, tools);
    body.removeAttribute('aria-busy');
    fig.dataset.api = api;
    fig.dataset.state = 'drawn';
    return { destroy() {} };
  }
  body.append(wrap);
  if (legend.length) body.append(el('p', { class: 'marks', text: legend.join(' \u00b7 ') }));
  body.append(details, facts, tools);
  body.removeAttribute('aria-busy');

  const chart = new Chart(canvas, {
    type: shape.type,
    data: { labels: shape.labels, datasets: datasets(shape) },
    options: options(shape),
    plugins: [paper, refLine, whiskers, marks],
  });
  // What was drawn, for anyone inspecting the page (the browser test compares it with
  // the API): the chart's own data, not a copy.
  canvas.wqChart = chart;
  keyboard(canvas, chart, shape.labels.length);
  png.addEventListener('click', () => savePNG(chart, title, meta, `${fig.dataset.view}.png`));
  fig.dataset.api = api;
  fig.dataset.state = 'drawn';
  return chart;
}

// The keyboard reads a chart as the mouse does: with the chart focused, the arrows step
// from category to category (forward is leftward in Arabic), Home and End go to the ends,
// and the tooltip shows every series' value there; Escape or leaving hides it.
function keyboard(canvas, chart, n) {
  let at = -1;
  const show = (i) => {
    at = i;
    const els = i < 0 ? [] : chart.data.datasets.map((d, di) => ({ datasetIndex: di, index: i })).filter(({ datasetIndex: di }) => !chart.data.datasets[di].wqBand && chart.isDatasetVisible(di));
    chart.setActiveElements(els);
    chart.tooltip.setActiveElements(els, { x: 0, y: 0 });
    chart.update();
  };
  canvas.addEventListener('keydown', (e) => {
    const forward = rtl() ? 'ArrowLeft' : 'ArrowRight';
    const back = rtl() ? 'ArrowRight' : 'ArrowLeft';
    const step = { [forward]: 1, [back]: -1, ArrowDown: 1, ArrowUp: -1 }[e.key];
    if (step !== undefined) show((Math.max(at, step > 0 ? -1 : 0) + step + n) % n);
    else if (e.key === 'Home') show(0);
    else if (e.key === 'End') show(n - 1);
    else if (e.key === 'Escape') show(-1);
    else return;
    e.preventDefault();
  });
  canvas.addEventListener('blur', () => show(-1));
}

export function save(name, blob) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}

// The chart as a PNG that stands on its own: the title above it, the data version and
// unit below.
function savePNG(chart, title, meta, name) {
  const src = chart.canvas;
  const pad = 16;
  const out = document.createElement('canvas');
  out.width = src.width + 2 * pad;
  out.height = src.height + 80;
  const ctx = out.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.fillStyle = '#1f2933';
  ctx.direction = rtl() ? 'rtl' : 'ltr';
  ctx.textAlign = rtl() ? 'right' : 'left';
  const x = rtl() ? out.width - pad : pad;
  ctx.font = `bold 16px ${FONT}`;
  ctx.fillText(title, x, 26);
  ctx.drawImage(src, pad, 40);
  ctx.font = `12px ${FONT}`;
  ctx.fillText(`${meta.unit ?? ''} \u00b7 ${t('data_version')} ${num(meta.data_version ?? 0)} \u00b7 Wiqaya`, x, out.height - 14);
  out.toBlob((b) => save(name, b), 'image/png');
}
