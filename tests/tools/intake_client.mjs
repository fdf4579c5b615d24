// An agency's case system as docs/intake.md asks it to behave: posts the records of an
// NDJSON file to /api/v1/cases, PER records a request, each request under its own
// Idempotency-Key, and retries a request (same key, same body) after every failure that
// is not an answer (refused or reset connection, timeout, 5xx, 429) until it gets a
// definitive one: 2xx, or 422 for a request holding a record it knows is bad. The
// tokens are by agency: a record goes out with its agency's token.
//
// usage: node intake_client.mjs URL TOKENS.json FILE OUT.ndjson [--per N] [--workers N]
//        [--rate REQUESTS_PER_S] [--key-prefix P] [--deadline SECONDS (600)]
// OUT gets one line per request: {key, status, accepted, rejected, attempts, batch}.
// Prints a summary JSON line on stdout; exits 1 on an answer that is never right (409,
// 400, 403, 413, 415 or a 2xx/422 whose counts disagree with what was sent).
import {readFileSync, writeFileSync} from "node:fs";

const [url, tokensFile, file, out, ...rest] = process.argv.slice(2);
const opt = {per: 1, workers: 4, rate: 0, "key-prefix": `k${process.pid}-`};
for (let i = 0; i < rest.length; i += 2) opt[rest[i].replace(/^--/, "")] = rest[i + 1];
const per = Number(opt.per), workers = Number(opt.workers), rate = Number(opt.rate);
const deadline = 1000 * Number(opt.deadline || 600);
const tokens = JSON.parse(readFileSync(tokensFile, "utf8"));

// Requests: consecutive records of one agency.
const lines = readFileSync(file, "utf8").split("\n").filter((l) => l.trim());
const byAgency = new Map();
for (const l of lines) {
  const a = JSON.parse(l).agency;
  if (!byAgency.has(a)) byAgency.set(a, []);
  byAgency.get(a).push(l);
}
const requests = [];
for (const [agency, ls] of byAgency)
  for (let i = 0; i < ls.length; i += per) {
    const body = ls.slice(i, i + per).join("\n") + "\n";
    const bad = ls.slice(i, i + per).filter((l) => l.includes('"sex":"F"')).length;
    requests.push({agency, body, records: Math.min(per, ls.length - i), bad});
  }
// Interleave the agencies, as concurrent case systems would.
requests.sort((a, b) => (a.body.length * 7919) % 97 - (b.body.length * 7919) % 97);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let next = 0, wrong = 0, retries = 0;
const results = new Array(requests.length);
const started = Date.now();

async function send(i) {
  const q = requests[i];
  const key = `${opt["key-prefix"]}${i}`;
  for (let attempt = 1; ; attempt++) {
    let status = 0, text = "";
    try {
      const r = await fetch(`${url}/api/v1/cases`, {
        method: "POST",
        headers: {
          Authorization: `Bearer ${tokens[q.agency]}`,
          "Content-Type": "application/x-ndjson",
          "Idempotency-Key": key,
        },
        body: q.body,
        signal: AbortSignal.timeout(10000),
      });
      status = r.status;
      text = await r.text();
    } catch (e) {
      status = 0; // no answer: refused, reset, timed out
    }
    if (status === 200 || status === 422) {
      const j = JSON.parse(text);
      const right = j.records === q.records && j.rejected === q.bad &&
        j.accepted === q.records - q.bad && (status === 422) === (q.bad > 0);
      if (!right) { wrong++; console.error(`request ${i}: ${status} ${text}`); }
      results[i] = {key, status, accepted: j.accepted, rejected: j.rejected, attempts: attempt, batch: j.batch};
      return;
    }
    if (status !== 0 && status !== 429 && status < 500) {
      wrong++;
      console.error(`request ${i}: ${status} ${text}`);
      results[i] = {key, status, attempts: attempt};
      return;
    }
    retries++;
    if (Date.now() - started > deadline) { // the intake is gone for good: fail, never hang
      wrong++;
      console.error(`request ${i}: no definitive answer within ${deadline / 1000} s`);
      results[i] = {key, status, attempts: attempt};
      return;
    }
    await sleep(Math.min(1000, 50 * attempt));
  }
}

async function worker() {
  for (;;) {
    const i = next++;
    if (i >= requests.length) return;
    if (rate > 0) { // paced: request i leaves no earlier than i / rate seconds in
      const due = started + (i * 1000) / rate;
      if (due > Date.now()) await sleep(due - Date.now());
    }
    await send(i);
  }
}

await Promise.all(Array.from({length: workers}, worker));
writeFileSync(out, results.map((r) => JSON.stringify(r)).join("\n") + "\n");
const acked = results.filter((r) => r && (r.status === 200 || r.status === 422));
console.log(JSON.stringify({
  requests: requests.length,
  acknowledged: acked.length,
  accepted: acked.reduce((s, r) => s + r.accepted, 0),
  rejected: acked.reduce((s, r) => s + r.rejected, 0),
  retries,
  wrong,
  seconds: (Date.now() - started) / 1000,
}));
process.exit(wrong ? 1 : 0);
