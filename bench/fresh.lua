-- wrk: every request a 4-dimension query no request asked before (a different set of
-- regions each time, from the 8,191 non-empty sets of 13, and a different year range;
-- the sequence starts at the clock, so a second run asks new ones too), so none is
-- served by the answer cache. A non-200 answer is reported by status at the end.
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end
function init(args)
  n = id * 4099 + (os.time() % 100000) * 13
  bad = {}
end
request = function()
  n = n + 1
  local mask = (n * 2654435761) % 8191 + 1
  local regions = {}
  for r = 1, 13 do
    if math.floor(mask / 2 ^ (r - 1)) % 2 == 1 then
      regions[#regions + 1] = string.format("DC-%02d", r)
    end
  end
  local from = 2015 + n % 10
  local path = "/api/v1/analytics?indicator=victims&dimension=region:" .. table.concat(regions, ";") ..
    "&dimension=sex&dimension=age_band&dimension=detection&from=" .. from .. "&to=2025"
  return wrk.format("GET", path, {["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")})
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
    for k, v in pairs(b) do io.write("non-200: ", k, " x ", v, "\n") end
  end
end
