-- wrk script: GET /v1/registrations with a mix of public searches, from a file of "KIND TARGET"
-- lines written by workflow_load --queries-out. env: DIPR_QUERIES (the file), DIPR_KIND (only
-- the lines of this kind: zh3, en, zh2, holder, industry, browse; default all), DIPR_DELAY_MS.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  local kind = os.getenv("DIPR_KIND") or ""
  targets = {}
  for line in io.lines(os.getenv("DIPR_QUERIES")) do
    local k, t = line:match("^(%S+) (%S+)$")
    if t and (kind == "" or kind == k) then table.insert(targets, t) end
  end
  if #targets == 0 then error("no queries of kind '" .. kind .. "'") end
  math.randomseed(os.time() + id * 7919)
  failed = 0
end

-- DIPR_DELAY_MS: each connection waits this long between requests (a paced run, not saturating).
local pause = tonumber(os.getenv("DIPR_DELAY_MS") or "")
if pause then
  delay = function() return pause end
end

request = function()
  return wrk.format("GET", targets[math.random(#targets)])
end

response = function(status, headers, body)
  if status ~= 200 then failed = failed + 1 end
end

done = function(summary, latency, requests)
  local f = 0
  for _, t in ipairs(threads) do f = f + t:get("failed") end
  io.write(string.format("p50=%.2fms p90=%.2fms p99=%.2fms max=%.2fms non200=%d\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, f))
end
