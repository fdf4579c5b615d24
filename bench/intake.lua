-- wrk: every request new cases for the intake. Reads the NDJSON file BENCH_CASES (once per
-- thread), and sends PER lines a request (BENCH_PER, default 1) as application/x-ndjson,
-- each case under a case reference no request used before (the run's clock, the thread,
-- a counter) and each request under its own Idempotency-Key; the agency becomes the
-- token's (BENCH_AGENCY). A non-2xx answer is reported by status at the end.
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end
function init(args)
  lines = {}
  for l in io.lines(os.getenv("BENCH_CASES")) do lines[#lines + 1] = l end
  per = tonumber(os.getenv("BENCH_PER") or "1")
  agency = os.getenv("BENCH_AGENCY")
  run = os.getenv("BENCH_RUN") or tostring(os.time())
  n = 0
  at = (id - 1) * 7919
  bad = {}
  headers = {["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN"),
             ["Content-Type"] = "application/x-ndjson"}
end
request = function()
  n = n + 1
  local parts = {}
  for k = 1, per do
    at = at % #lines + 1
    local l = lines[at]
    l = string.gsub(l, '"agency":"[^"]*"', '"agency":"' .. agency .. '"', 1)
    l = string.gsub(l, '"case_ref":"[^"]*"',
                    '"case_ref":"B' .. run .. "-" .. id .. "-" .. n .. "-" .. k .. '"', 1)
    parts[k] = l
  end
  headers["Idempotency-Key"] = "bench-" .. run .. "-" .. id .. "-" .. n
  return wrk.format("POST", "/api/v1/cases", headers, table.concat(parts, "\n") .. "\n")
end
response = function(status, headers, body)
  if status ~= 200 then
    local code = string.match(body, '"code":"(%w+)"') or "?"
    bad[status .. " " .. code] = (bad[status .. " " .. code] or 0) + 1
  end
end
function done(summary, latency, requests)
  for _, t in ipairs(threads) do
    local b = t:get("bad")
    for k, v in pairs(b) do io.write(string.format("non-2xx: %s x %d\n", k, v)) end
  end
end
