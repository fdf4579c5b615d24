// The view's state in the URL's fragment (#lang=ar&from=2019&region=DC-01...): a view can
// be shared and reloaded, and the fragment never reaches the server or its logs.

export const FILTERS = ['region', 'sex', 'age_band', 'offence'];
// cfrom, cto: the period the two-period view compares with the page's.
// view: the chart a shared link points at (scrolled to and focused once drawn); table and
// by: the table builder's indicator and dimensions (by=year.sex).
const KEYS = ['lang', 'digits', 'from', 'to', 'cfrom', 'cto', ...FILTERS, 'view', 'table', 'by'];
const CODE = /^[A-Za-z0-9+_-]{1,40}$/;
const DIMS = /^[a-z_]{1,40}(\.[a-z_]{1,40}){0,3}$/;

export function read() {
  const p = new URLSearchParams(location.hash.replace(/^#/, ''));
  const s = {};
  for (const k of KEYS) {
    const v = p.get(k);
    if (v && (k === 'by' ? DIMS : CODE).test(v)) s[k] = v;
  }
  if (s.lang !== 'ar') s.lang = 'en';
  if (s.digits !== 'arab' && s.digits !== 'latn') s.digits = s.lang === 'ar' ? 'arab' : 'latn';
  for (const k of ['from', 'to', 'cfrom', 'cto']) if (s[k] && !/^\d{4}$/.test(s[k])) delete s[k];
  // A link whose period runs backwards is the same period (every chart would be refused).
  [s.from, s.to] = inOrder(s.from, s.to);
  if (!s.from) delete s.from;
  if (!s.to) delete s.to;
  return s;
}

// Two years of a period, the earlier first (either may be missing).
export const inOrder = (a, b) => (a && b && Number(a) > Number(b) ? [b, a] : [a, b]);

// REPLACE: the same entry of the history (a choice being made, not a new page to go back to).
export function write(s, { replace = false } = {}) {
  const p = new URLSearchParams();
  for (const k of KEYS) if (s[k]) p.set(k, s[k]);
  const h = `#${p.toString()}`;
  if (h !== location.hash) history[replace ? 'replaceState' : 'pushState'](null, '', h);
}

// The filters of a state, as the API's filter=NAME:item parameters, leaving out those the
// chart already shows as a dimension.
export function filterParams(s, except = []) {
  return FILTERS.filter((f) => s[f] && !except.includes(f)).map((f) => ['filter', `${f}:${s[f]}`]);
}

// The link to one view of the state: the page's address with view=ID in its fragment.
export function link(s, view, path = location.pathname) {
  const p = new URLSearchParams();
  // The builder's choice only in the builder's own link (what a reader tabulates is not
  // every chart's business), and never in an embedded chart's.
  const own = (k) => !['table', 'by'].includes(k) || (view === 'builder' && path !== '/embed');
  for (const k of KEYS) if (s[k] && k !== 'view' && own(k)) p.set(k, s[k]);
  p.set('view', view);
  return `${location.origin}${path}#${p.toString()}`;
}

// The page at /embed: one chart (the fragment's view), for other sites to frame. It never
// uses a token: what it shows is the published product, the same for everyone. Marked in
// the page's own bytes (<body class="embed">, web/build.mjs), never read from the URL,
// whose spellings a server and a browser may decode differently.
export const embedded = () => document.body.classList.contains('embed');

// The HTML another site pastes to show view VIEW of the state S.
export const embedCode = (s, view, title) =>
  `<iframe src="${link(s, view, '/embed')}" title="${title.replace(/[<>&"]/g, '')}" width="640" height="600" style="border:0"></iframe>`;

export const filtered = (s) => FILTERS.some((f) => s[f]) || Boolean(s.from || s.to || s.cfrom || s.cto);
