// The fresh 4-dimension table (year x sex x age band x region, filtered on 11 detection
// channels) timed side by side, interleaved round by round: through the API with the
// column engine, through the API on the SQL path, a plain GROUP BY in psql, and DuckDB
// (threads = cores, the rows with ENUM and SMALLINT types) running the server's SQL and a
// plain GROUP BY. Each API request is fresh: a new token each round (its ledger records
// every cell) and servers whose answer cache is too small to keep the table.
//   ... | node side_by_side.mjs   (CONFIG on standard input, from a pipe: it names tokens)
// CONFIG: {csv, rounds, detection: [...], engine: {url, tokens}, sql: {url, tokens},
//          psql: [argv...], dbname}
// Prints one JSON line: per contestant, min/median/max milliseconds.
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { DuckDBInstance } from '@duckdb/node-api';

const cfg = JSON.parse(readFileSync(0, 'utf8'));
const inList = cfg.detection.map((d) => `'${d}'`).join(',');

async function duck() {
  const db = await DuckDBInstance.create(':memory:', { threads: String(cpus().length) });
  const c = await db.connect();
  // The code columns as ENUMs of their values, the year as SMALLINT (as the issue asks).
  const cols = ['region', 'sex', 'age_band', 'detection'];
  await c.run(`CREATE TABLE raw AS SELECT * FROM read_csv('${cfg.csv}', header = true, all_varchar = true)`);
  for (const col of cols)
    await c.run(`CREATE TYPE ${col}_t AS ENUM (SELECT DISTINCT ${col} FROM raw WHERE ${col} IS NOT NULL ORDER BY 1)`);
  await c.run(`CREATE TABLE vy AS SELECT year::SMALLINT AS year, ${cols.map((x) => `${x}::${x}_t AS ${x}`).join(', ')},
               record_key::BIGINT AS record_key FROM raw`);
  await c.run('DROP TABLE raw');
  return c;
}

const serverSql = `SELECT year, sex, age_band, region, count(*) AS num, NULL AS den,
  coalesce(sum(record_key), 0) % 4294967296 AS ckn, NULL AS ckd,
  count(*) FILTER (WHERE NOT true) AS excluded,
  coalesce(sum(record_key) FILTER (WHERE NOT true), 0) % 4294967296 AS ckx
  FROM vy WHERE detection IN (${inList}) GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`;
const plainSql = `SELECT year, sex, age_band, region, count(*) FROM vy
  WHERE detection IN (${inList}) GROUP BY 1, 2, 3, 4`;
const pgPlain = `SELECT year, sex, age_band, region, count(*) FROM analytics.victim_year
  WHERE detection IN (${inList}) GROUP BY 1, 2, 3, 4`;
const path = `/api/v1/analytics?indicator=victims&dimension=year&dimension=sex&dimension=age_band` +
  `&dimension=region&filter=detection:${cfg.detection.join(';')}`;

async function api(side, round) {
  const t0 = process.hrtime.bigint();
  const r = await fetch(side.url + path, { headers: { Authorization: `Bearer ${side.tokens[round]}` } });
  const body = await r.text();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 200) throw new Error(`${side.url}: ${r.status} ${body.slice(0, 200)}`);
  const doc = JSON.parse(body);
  if (doc.rows.length < 1000 || !(doc.metaData.disclosure.epsilon_charged > 0))
    throw new Error('not a fresh 4-dimension table');
  return ms;
}

function psql() {
  // psql's own timing (the query and its rows to the client), not the process's start.
  const r = spawnSync(cfg.psql[0], [...cfg.psql.slice(1), '-c', '\\timing on', '-c', pgPlain], { encoding: 'utf8' });
  const m = /Time: ([0-9.]+) ms/.exec(r.stdout);
  if (!m) throw new Error(`psql: ${r.stderr}`);
  return Number(m[1]);
}

async function timed(c, sql) {
  const t0 = process.hrtime.bigint();
  const r = await c.runAndReadAll(sql);
  if (r.getRows().length < 1000) throw new Error('duckdb: not the table');
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const c = await duck();
const names = ['api_engine', 'api_sql_path', 'postgres_plain', 'duckdb_server_sql', 'duckdb_plain'];
const t = Object.fromEntries(names.map((n) => [n, []]));
// One warm-up round, not counted (the servers' first connections, DuckDB's first plan).
for (let round = 0; round <= cfg.rounds; round++) {
  const row = {
    api_engine: await api(cfg.engine, round),
    api_sql_path: await api(cfg.sql, round),
    postgres_plain: psql(),
    duckdb_server_sql: await timed(c, serverSql),
    duckdb_plain: await timed(c, plainSql),
  };
  if (round > 0) for (const n of names) t[n].push(row[n]);
}
const stats = (v) => {
  const s = [...v].sort((a, b) => a - b);
  return { min: s[0], median: s[Math.floor(s.length / 2)], max: s[s.length - 1] };
};
console.log(JSON.stringify(Object.fromEntries(names.map((n) => [n, stats(t[n])]))));
