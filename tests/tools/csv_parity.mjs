// The CSV of an answer carries the JSON's columns and numbers: fetches URL as JSON and as
// CSV (format=csv, and Accept: text/csv), parses the CSV with a real parser (csv-parse,
// RFC 4180) and compares header by header, cell by cell (numbers as numbers, null as an
// empty field). TAP on stdout. Usage: node csv_parity.mjs URL... (TOKEN in the environment).
import {parse} from "csv-parse/sync";

const headers = process.env.TOKEN ? {Authorization: `Bearer ${process.env.TOKEN}`} : {};
let n = 0, failed = 0;
const ok = (cond, desc, why) => {
  n++;
  console.log(`${cond ? "ok" : "not ok"} ${n} - ${desc}`);
  if (!cond) { failed++; if (why) console.log(`#   ${why}`); }
};
const same = (j, c) => {
  if (j === null) return c === "";
  if (typeof j === "number") return c !== "" && (Number(c) === j || Math.abs(Number(c) - j) <= 1e-12 * Math.abs(j));
  if (typeof j === "boolean") return c === String(j);
  if (typeof j === "object") return JSON.stringify(j) === c;
  return String(j) === c;
};
for (const url of process.argv.slice(2)) {
  const sep = url.includes("?") ? "&" : "?";
  const json = await (await fetch(url, {headers})).json();
  for (const [how, res] of [
    ["format=csv", await fetch(url + sep + "format=csv", {headers})],
    ["Accept: text/csv", await fetch(url, {headers: {...headers, Accept: "text/csv"}})],
  ]) {
    const type = res.headers.get("content-type") || "";
    const text = await res.text();
    ok(type.startsWith("text/csv") && type.includes("header=present"), `${url} (${how}): text/csv; header=present`, type);
    const records = parse(text, {relax_column_count: false});
    const names = json.headers.map(h => h.name);
    ok(JSON.stringify(records[0]) === JSON.stringify(names), `${url} (${how}): the same columns`,
       `${records[0]} vs ${names}`);
    let bad = null;
    json.rows.forEach((row, i) => row.forEach((v, k) => {
      if (!bad && !same(v, records[i + 1]?.[k])) bad = `row ${i} column ${names[k]}: JSON ${JSON.stringify(v)}, CSV ${records[i + 1]?.[k]}`;
    }));
    ok(!bad && records.length === json.rows.length + 1 && json.rows.length > 0,
       `${url} (${how}): the same ${json.rows.length} rows, value for value`, bad || `${records.length - 1} CSV rows`);
  }
}
console.log(`1..${n}`);
process.exit(failed ? 1 : 0);
