// Walks every path of docs/openapi.yaml against a running server: the document must
// validate (a real OpenAPI validator, pinned in package-lock.json), every path must have
// requests here, and every answer's status must be one the document lists for it, with a
// body that matches the schema it gives (Ajv, JSON Schema 2020-12 as OpenAPI 3.1 uses).
// TAP on stdout. Usage: node openapi_walk.mjs DOC BASE_URL (TOKEN in the environment).
import SwaggerParser from "@apidevtools/swagger-parser";
import Ajv2020 from "ajv/dist/2020.js";

const [doc, base] = process.argv.slice(2);
const token = process.env.TOKEN;
let n = 0, failed = 0;
const ok = (cond, desc, why) => {
  n++;
  if (cond) console.log(`ok ${n} - ${desc}`);
  else { failed++; console.log(`not ok ${n} - ${desc}`); if (why) console.log(`#   ${why}`); }
};

// Each path of the document, with requests that reach its answers: a good one and bad
// ones (with TOKEN unless another token or none is noted).
const walks = {
  "/healthz": [{q: ""}],
  "/metrics": [{q: "", token: process.env.MONITOR}, {q: "", anonymous: true, status: 401},
               {q: "", status: 403}], // Prometheus's own token; a reader's is not one
  "/api/v1/openapi.json": [{q: ""}],
  "/api/v1/analytics": [
    {q: "?indicator=victims&dimension=year"},
    {q: "?indicator=victim_rate&dimension=sex&from=2024&to=2025"},
    {q: "?indicator=victims&dimension=year", anonymous: true},
    {q: "?indicator=victims&dimension=sex", anonymous: true}, // the published product's
    {q: "?indicator=victims&dimension=relationship", anonymous: true, status: 401},
    {q: "?indicator=nosuch", status: 400},
    {q: "?indicator=victims&dimension=nosuch", status: 400},
    {q: "?indicator=cases&dimension=sex", status: 409},
    {q: "?indicator=victims&from=2025&to=2020", status: 400},
    {q: "?indicator=victims&from=2040&to=2041", status: 409},
    {q: "?indicator=victim_rate&dimension=region&standardise=age"},
    {q: "?indicator=victim_rate&dimension=age_band&standardise=age", status: 409},
    {q: "?indicator=revictimisation_12m&standardise=age", status: 409},
  ],
  "/api/v1/trends": [
    {q: "?indicator=victim_rate&dimension=sex"},
    {q: "?indicator=victim_rate&standardise=age&dimension=region:DC-01;DC-02"},
    {q: "?indicator=revictimisation_12m"},
    {q: "?indicator=victims", anonymous: true},
    {q: "?indicator=victims&filter=agency:DC-POL-01", anonymous: true, status: 401},
    {q: "?indicator=victims&dimension=year", status: 409},
    {q: "?indicator=victims&standardise=age", status: 409},
    {q: "?indicator=victim_rate&standardise=sex", status: 400},
  ],
  "/api/v1/risk-factors": [
    {q: "?indicator=victim_rate&factors=sex,age_band"},
    {q: "?indicator=revictimisation_12m&factors=sex,age_band"},
    {q: "?indicator=revictimisation_12m&factors=sex", status: 409}, // 2 cells, 2 coefficients
    {q: "?indicator=victim_rate", status: 400},
    {q: "?indicator=victim_rate&factors=nosuch", status: 400},
    {q: "?indicator=victims&factors=sex", status: 409},
    {q: "?indicator=victim_rate&factors=offence", status: 409},
  ],
  "/api/v1/estimates/hidden": [
    {q: "?from=2024&to=2024"},
    {q: "?from=2024&to=2024&dimension=sex&format=csv"},
    {q: "?from=2024&to=2024", anonymous: true, status: 401},
    {q: "?dimension=ethnicity", status: 400},
    {q: "?criterion=cp", status: 400},
    {q: "?from=2040", status: 409},
  ],
  "/api/v1/estimates/nowcast": [
    {q: ""},
    {q: "?apc=nowcast&filter=sex:female&format=csv"},
    {q: "", anonymous: true, status: 401},
    {q: "?apc=all", status: 400},
    {q: "?filter=year:2020", status: 400},
  ],
  "/api/v1/interventions": [
    {q: "?outcome=revictimisation_12m&by=type"},
    {q: "?survival=true"},
    {q: "?outcome=victims", status: 409},
    {q: "?by=age", status: 400},
  ],
  "/api/v1/pathway": [
    {q: ""},
    {q: "?dimension=region:DC-01;DC-02&from=2020"},
    {q: "?dimension=sex", status: 409},
    {q: "?from=x", status: 400},
  ],
  "/api/v1/indicators": [{q: ""}],
  "/api/v1/dimensions": [{q: ""}],
  "/api/v1/dimensions/{id}": [{q: "", id: "sex"}, {q: "", id: "nosuch", status: 404}],
  "/api/v1/disclosure": [{q: ""}, {q: "", anonymous: true}],
  "/api/v1/data-quality": [{q: ""}, {q: "", anonymous: true}],
  "/api/v1/releases": [{q: ""}, {q: "", anonymous: true}],
  "/api/v1/sdmx/dataflow/{agency}": [
    {q: "", path: {agency: "WIQAYA"}, anonymous: true},
    {q: "?references=all", path: {agency: "all"}},
    {q: "", path: {agency: "ESTAT"}, status: 404},
  ],
  "/api/v1/sdmx/dataflow/{agency}/{id}/{version}": [
    {q: "?references=all", path: {agency: "WIQAYA", id: "DF_VICTIMS_BY_SEX", version: "1.0"}},
    {q: "", path: {agency: "WIQAYA", id: "DF_NOPE", version: "1.0"}, status: 404},
  ],
  "/api/v1/sdmx/datastructure/{agency}/{id}/{version}": [
    {q: "", path: {agency: "WIQAYA", id: "DSD_WIQAYA", version: "1.0"}, anonymous: true},
    {q: "", path: {agency: "WIQAYA", id: "DSD_X", version: "1.0"}, status: 404},
  ],
  "/api/v1/sdmx/data/{flow}": [
    {q: "", path: {flow: "DF_VICTIMS_BY_SEX"}, anonymous: true},
    {q: "?format=csv", path: {flow: "WIQAYA,DF_CASES_BY_OFFENCE,1.0"}},
    {q: "?format=json&startPeriod=2024", path: {flow: "DF_VICTIMS_BY_SEX"}},
    {q: "?format=xls", path: {flow: "DF_VICTIMS_BY_SEX"}, status: 400},
    {q: "", path: {flow: "DF_NOPE"}, status: 404},
  ],
  "/api/v1/sdmx/data/{flow}/{key}": [
    {q: "?format=json", path: {flow: "DF_VICTIMS_BY_SEX", key: "VICTIMS._T.female......"}},
    {q: "", path: {flow: "DF_VICTIMS_BY_SEX", key: "all"}, anonymous: true},
    {q: "", path: {flow: "DF_VICTIMS_BY_SEX", key: "VICTIMS"}, status: 400},
  ],
  "/api/v1/releases/{id}": [{q: "", id: "1", status: 404}, {q: "", id: "x", status: 404}],
};

let api;
try {
  await SwaggerParser.validate(doc);
  api = await SwaggerParser.dereference(doc);
  ok(true, "docs/openapi.yaml is a valid OpenAPI 3.1 document");
} catch (e) {
  ok(false, "docs/openapi.yaml is a valid OpenAPI 3.1 document", e.message);
  process.exit(1);
}
const served = await (await fetch(`${base}/api/v1/openapi.json`)).json();
const original = await SwaggerParser.parse(doc);
ok(JSON.stringify(served) === JSON.stringify(original),
   "GET /api/v1/openapi.json serves docs/openapi.yaml, value for value");

const ajv = new Ajv2020({strict: false, allErrors: true});
for (const path of Object.keys(api.paths)) {
  ok(walks[path], `${path} is walked`);
  for (const w of walks[path] || []) {
    const url = base + path.replace(/\{(\w+)\}/g, (_, k) => (w.path || {})[k] ?? (k === "id" ? w.id || "" : "")) + w.q;
    const as = w.token || token;
    const headers = !w.anonymous && as ? {Authorization: `Bearer ${as}`} : {};
    const res = await fetch(url, {headers});
    const want = w.status || 200;
    const spec = api.paths[path].get.responses[String(res.status)];
    const desc = `GET ${path}${w.q}${w.id ? " (" + w.id + ")" : ""}${w.anonymous ? " without a token" : ""}`;
    const text = await res.text();
    ok(res.status === want && spec, `${desc}: ${want}, documented`,
       `status ${res.status}${spec ? "" : " (not in the document)"}: ${text.slice(0, 200)}`);
    if (!spec || !spec.content) continue;
    const type = (res.headers.get("content-type") || "").split(";")[0];
    const media = spec.content[type];
    ok(media, `${desc}: content type ${type} is documented`);
    if (!media || !type.includes("json")) continue;
    const validate = ajv.compile(media.schema);
    const valid = validate(JSON.parse(text));
    ok(valid, `${desc}: the body matches its schema`, JSON.stringify(validate.errors)?.slice(0, 400));
  }
}
console.log(`1..${n}`);
process.exit(failed ? 1 : 0);
