// The page's only way to the data: GET requests to the same API everyone uses, with the
// reader's token (if any) in the Authorization header, never in a URL.

// The token lives in this page's memory only: never in the browser's storage, which
// browsers write to disk (sessionStorage too, for restoring a session), so a reload asks
// for it again.
let held = null;

export const token = {
  // None in an embedded chart (state.js): it shows what everyone sees.
  get: () => (document.body.classList.contains('embed') ? null : held),
  set: (v) => (held = v),
  forget: () => (held = null),
};

// A query: a path under /api/v1 and its parameters, as [name, value] pairs (a parameter
// such as filter may repeat).
export function url(path, params, extra = []) {
  const q = new URLSearchParams();
  for (const [k, v] of [...params, ...extra]) if (v !== null && v !== undefined && v !== '') q.append(k, v);
  const s = q.toString();
  return `/api/v1/${path}${s ? `?${s}` : ''}`;
}

// Labels in the reader's language: Accept-Language, so that a chart's URL (and its CSV)
// is the same in both languages.
let language = 'en';
export const setLanguage = (l) => (language = l);

function headers(asPublic) {
  const h = { Accept: 'application/json', 'Accept-Language': language };
  const tk = token.get();
  if (tk && !asPublic) h.Authorization = `Bearer ${tk}`;
  return h;
}

// One answer per URL, reader and language while the page lives: two charts of one query
// (the two pathway funnels) make one request, and going back to a view asks nothing again.
const answers = new Map();

export function getJSON(u, { asPublic = false, fresh = false } = {}) {
  const key = `${asPublic ? 'public' : token.get() ? 'token' : 'public'} ${language} ${u}`;
  if (fresh) answers.delete(key);
  if (!answers.has(key)) {
    const p = fetch(u, { headers: headers(asPublic), credentials: 'omit', cache: 'no-store' }).then(async (r) => {
      const body = await r.json().catch(() => null);
      if (!r.ok) {
        const retry = Number(r.headers.get('Retry-After')) || 0;
        answers.delete(key); // a refusal is not kept: the next draw asks again
        return { ok: false, status: r.status, problem: body ?? { title: r.statusText, status: r.status }, retry };
      }
      return { ok: true, status: r.status, body };
    });
    answers.set(key, p);
  }
  return answers.get(key);
}

export function getText(u, { asPublic = false } = {}) {
  return fetch(u, { headers: { ...headers(asPublic), Accept: 'text/csv' }, credentials: 'omit', cache: 'no-store' }).then(
    async (r) => ({ ok: r.ok, status: r.status, text: await r.text() }),
  );
}

export const forgetAnswers = () => answers.clear();
