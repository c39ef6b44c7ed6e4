-- wrk script: GET /v1/registrations/{number} for random known numbers, one a line in the file
-- DIPR_NUMBERS (written by workflow_load --numbers-out); DIPR_DELAY_MS (see search.lua).
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  numbers = {}
  for line in io.lines(os.getenv("DIPR_NUMBERS")) do
    if #line > 0 then table.insert(numbers, line) end
  end
  math.randomseed(os.time() + id * 7919)
  failed = 0
end

-- DIPR_DELAY_MS: each connection waits this long between requests (a paced run, not saturating).
local pause = tonumber(os.getenv("DIPR_DELAY_MS") or "")
if pause then
  delay = function() return pause end
end

request = function()
  return wrk.format("GET", "/v1/registrations/" .. numbers[math.random(#numbers)])
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
