// The table builder: a token's own table of any indicator by up to its role's dimensions,
// with the page's filters. The published product answers it when it can (free, for
// everyone); otherwise the dry run says what it costs before anything is spent, and the
// table is asked only on "Get the table" (at once when it is free: cells already paid
// for). The choice is in the URL (table=ID&by=year.sex), so a table is shared as a view is.
import * as api from './api.js';
import { card, draw, fail, save } from './figure.js';
import { language, local, num, t } from './i18n.js';
import * as state from './state.js';
import { dimName, tableShape } from './views.js';
import { option } from './dom.js';

const $ = (id) => document.getElementById(id);
const SLOTS = 4;
// The page's render that drew the builder last: its state and what the page knows
// (main.js): the catalogue, the role's dimensions, and the page's ways to word an
// answer's facts, to refuse, to drop filters an indicator does not take, and to keep a
// chart.
let ctx = null;
// The builder's own count of questions: an answer to an older choice is dropped.
let asked = 0;

export function setup() {
  $('b-indicator').addEventListener('change', () => {
    fillDims(chosen());
    choose();
  });
  for (let i = 1; i <= SLOTS; i++) $(`b-dim${i}`).addEventListener('change', choose);
  $('builder-form').addEventListener('submit', (e) => {
    e.preventDefault();
    // Enter in a select submits too: only a choice whose cost is shown is asked.
    if (!$('b-ask').disabled) get();
  });
}

// The page renders again (a filter, the language): the last choice, its cost and its table
// are no longer this page's; nothing can be asked until the builder renders again.
export function reset() {
  asked++;
  $('b-ask').disabled = true;
  $('b-out').replaceChildren();
}

export async function render(c) {
  ctx = c;
  const section = $('builder');
  // Worded even when hidden: the page's every text is in the reader's language.
  for (let i = 1; i <= SLOTS; i++) {
    $(`b-dim${i}-l`).textContent = t('dim_n', { k: i });
    $(`b-dim${i}`).parentElement.hidden = i > c.maxDims;
  }
  section.hidden = c.role === 'public' || state.embedded();
  if (section.hidden) {
    asked++;
    $('b-out').replaceChildren();
    return;
  }
  const want = c.catalogue.some((i) => i.id === c.s.table) ? c.s.table : c.catalogue[0]?.id;
  $('b-indicator').replaceChildren(...c.catalogue.map((i) => option(i.id, local(language() === 'ar' ? i.name_ar ?? i.name : i.name), i.id === want)));
  fillDims(c.s.by?.split('.') ?? []);
  await preview();
}

// The slots' choices: the indicator's dimensions, WANT's in order where it has them.
function fillDims(want) {
  const dims = ctx.catalogue.find((i) => i.id === $('b-indicator').value)?.dimensions ?? [];
  const keep = want.filter((d) => dims.includes(d));
  for (let i = 1; i <= SLOTS; i++)
    $(`b-dim${i}`).replaceChildren(option('', t('b_none'), !keep[i - 1]), ...dims.map((d) => option(d, dimName(d), d === keep[i - 1])));
}

// The dimensions chosen, each once, in the slots' order (a hidden slot chooses nothing).
function chosen() {
  const out = [];
  for (let i = 1; i <= SLOTS; i++) {
    const d = $(`b-dim${i}`).value;
    if (d && !$(`b-dim${i}`).parentElement.hidden && !out.includes(d)) out.push(d);
  }
  return out;
}

// A choice made: kept in the URL (the same history entry), and its cost asked.
function choose() {
  const s = state.read();
  const dims = chosen();
  s.table = $('b-indicator').value;
  if (dims.length) s.by = dims.join('.');
  else delete s.by;
  state.write(s, { replace: true });
  ctx.s = s;
  preview();
}

// The query of the choice: a dimension the page filters on is narrowed to the filter's
// item; the other filters apply where the indicator takes them (the table says which do
// not: show).
function wanted() {
  const s = ctx.s;
  const dims = chosen();
  return ['analytics', [['indicator', $('b-indicator').value], ...dims.map((d) => ['dimension', s[d] ? `${d}:${s[d]}` : d]), ['from', s.from], ['to', s.to], ...state.filterParams(s, dims)]];
}
const query = () => ctx.applicable(wanted());

// What the choice costs, before anything is spent; a free table is drawn at once.
async function preview() {
  const mine = ++asked;
  const cost = $('b-cost');
  delete cost.dataset.epsilon;
  delete cost.dataset.problem;
  delete cost.dataset.after;
  $('b-out').replaceChildren();
  $('b-ask').disabled = true;
  if (!chosen().length) {
    cost.textContent = t('b_pick');
    return;
  }
  const q = query();
  const pub = await api.getJSON(api.url(...q), { asPublic: true });
  if (mine !== asked) return;
  if (pub.ok || pub.status !== 401) {
    if (pub.ok) cost.dataset.epsilon = '0';
    cost.textContent = pub.ok ? t('b_free') : '';
    return show(q, pub, true);
  }
  const dry = await api.getJSON(api.url(q[0], q[1], [['dry_run', 'true']]), { fresh: true });
  if (mine !== asked) return;
  if (!dry.ok) {
    cost.textContent = ctx.refusal(dry);
    if (dry.problem?.code) cost.dataset.problem = dry.problem.code;
    return;
  }
  const d = dry.body;
  cost.dataset.epsilon = String(d.epsilon);
  if (d.free === true) {
    cost.textContent = t('b_free');
    return get();
  }
  if (d.affordable === false) {
    cost.textContent = t('b_unaffordable', { cost: num(d.epsilon, 1), left: num(d.budget_remaining, 1) });
    return;
  }
  cost.textContent = t('b_costs', { cost: num(d.epsilon, 1), left: num(d.budget_remaining, 1), after: num(d.budget_remaining_after, 1) });
  cost.dataset.after = String(d.budget_remaining_after);
  $('b-ask').disabled = false;
}

// The table, asked with the token.
async function get() {
  const mine = ++asked;
  $('b-ask').disabled = true;
  const q = query();
  const r = await api.getJSON(api.url(...q), { fresh: true });
  // Asked is spent, shown or not: the budget line says so either way.
  const refreshed = ctx.refreshRole();
  if (mine === asked) {
    show(q, r, false);
    // What was charged, as the dry run said it would be.
    const cost = $('b-cost');
    if (r.ok && cost.dataset.after) cost.textContent = t('b_spent', { cost: num(Number(cost.dataset.epsilon), 1), left: num(Number(cost.dataset.after), 1) });
  }
  await refreshed;
}

function show(q, r, asPublic) {
  const fig = card({ id: 'builder' });
  $('b-out').replaceChildren(fig);
  if (!r.ok) {
    fail(fig, ctx.refusal(r), 'refused');
    if (r.problem?.code) fig.dataset.problem = r.problem.code;
    return;
  }
  const csv = async (name) => {
    const c = await api.getText(api.url(q[0], q[1], [['format', 'csv']]), { asPublic });
    if (c.ok) save(name, new Blob([c.text], { type: 'text/csv;charset=utf-8' }));
  };
  const shape = ctx.sayLeftOut(fig, tableShape(r.body), ctx.leftOut(wanted(), [q]));
  ctx.onChart(draw(fig, shape, ctx.meta(r.body), api.url(...q), csv, state.link(ctx.s, 'builder'), null));
  fig.dataset.public = String(asPublic);
}
