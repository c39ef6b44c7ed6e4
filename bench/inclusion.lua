-- wrk script: GET /log/proof/inclusion for random indexes in a tree of DIPR_SIZE entries.
function init(args)
  size = tonumber(os.getenv("DIPR_SIZE"))
  math.randomseed(os.time())
end

request = function()
  local i = math.random(0, size - 1)
  return wrk.format("GET", "/log/proof/inclusion?index=" .. i .. "&size=" .. size)
end

done = function(summary, latency, requests)
  io.write(string.format("p50=%.2fms p90=%.2fms p99=%.2fms max=%.2fms\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
