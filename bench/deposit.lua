-- wrk script: POST /v1/deposits with a unique digest per request (so none is a duplicate).
-- Token from the environment: DIPR_TOKEN.
local counter = 0
local thread_id = 0
local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() + (tid or 0) * 7919)
  prefix = string.format("%08x%08x", math.random(0, 0x7fffffff), (tid or 0))
  token = os.getenv("DIPR_TOKEN")
end

request = function()
  counter = counter + 1
  local digest = prefix .. string.format("%048x", counter)
  local body = '{"fingerprint":{"algorithm":"rfc6962-sha256-64k","chunk_size":65536,"chunks":1,' ..
               '"digest":"' .. digest .. '","size":1000},"title":"load test"}'
  return wrk.format("POST", "/v1/deposits",
                    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token},
                    body)
end

local statuses = {}
response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

done = function(summary, latency, requests)
  io.write(string.format("p50=%.2fms p90=%.2fms p99=%.2fms max=%.2fms\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
