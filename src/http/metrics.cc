#include "http/metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace dipr::http {

void MetricsText::Family(std::string_view name, std::string_view type, std::string_view help) {
  fmt::format_to(std::back_inserter(out_), "# HELP {0} {1}\n# TYPE {0} {2}\n", name, help, type);
}

void MetricsText::Sample(std::string_view name, std::string_view labels, double value) {
  if (labels.empty()) {
    fmt::format_to(std::back_inserter(out_), "{} {}\n", name, value);
  } else {
    fmt::format_to(std::back_inserter(out_), "{}{{{}}} {}\n", name, labels, value);
  }
}

void MetricsText::Gauge(std::string_view name, std::string_view help, double value) {
  Family(name, "gauge", help);
  Sample(name, "", value);
}

void MetricsText::Counter(std::string_view name, std::string_view help, double value) {
  Family(name, "counter", help);
  Sample(name, "", value);
}

std::string LabelValue(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

HttpMetrics::RouteStats& HttpMetrics::Of(std::string_view route) {
  {
    ReaderLock lock(mu_);
    auto it = routes_.find(std::string(route));
    if (it != routes_.end()) return *it->second;
  }
  WriterLock lock(mu_);
  auto& slot = routes_[std::string(route)];
  if (!slot) slot = std::make_unique<RouteStats>();
  return *slot;
}

void HttpMetrics::Record(std::string_view route, int status, Micros latency) {
  RouteStats& s = Of(route);
  s.by_status[status >= 100 && status < 600 ? status : 0].fetch_add(1, std::memory_order_relaxed);
  double seconds = static_cast<double>(latency.count()) / 1e6;
  size_t b = std::lower_bound(kBuckets.begin(), kBuckets.end(), seconds) - kBuckets.begin();
  s.buckets[b].fetch_add(1, std::memory_order_relaxed);
  s.micros.fetch_add(static_cast<uint64_t>(std::max<int64_t>(0, latency.count())),
                     std::memory_order_relaxed);
  s.count.fetch_add(1, std::memory_order_relaxed);
}

void HttpMetrics::Refused(Refusal why) {
  refused_[static_cast<size_t>(why)].fetch_add(1, std::memory_order_relaxed);
}

void HttpMetrics::Write(MetricsText& out) const {
  ReaderLock lock(mu_);
  // Sorted, so that a scrape reads the same from one time to the next.
  std::map<std::string_view, const RouteStats*> routes;
  for (const auto& [route, stats] : routes_) routes.emplace(route, stats.get());
  auto label = [](std::string_view route) {
    return LabelValue(route.empty() ? "unmatched" : route);
  };
  out.Family(
      "dipr_http_requests_total", "counter",
      "HTTP requests answered, by route pattern and status (route=\"unmatched\": no route).");
  for (const auto& [route, s] : routes) {
    for (size_t status = 0; status < s->by_status.size(); ++status) {
      uint64_t n = s->by_status[status].load(std::memory_order_relaxed);
      if (n == 0) continue;
      out.Sample("dipr_http_requests_total",
                 fmt::format("route=\"{}\",status=\"{}\"", label(route), status),
                 static_cast<double>(n));
    }
  }
  out.Family("dipr_http_request_duration_seconds", "histogram",
             "Time from a request read to its answer written, by route pattern.");
  for (const auto& [route, s] : routes) {
    uint64_t cumulative = 0;
    for (size_t i = 0; i <= kBuckets.size(); ++i) {
      cumulative += s->buckets[i].load(std::memory_order_relaxed);
      std::string le = i < kBuckets.size() ? fmt::format("{}", kBuckets[i]) : "+Inf";
      out.Sample("dipr_http_request_duration_seconds_bucket",
                 fmt::format("route=\"{}\",le=\"{}\"", label(route), le),
                 static_cast<double>(cumulative));
    }
    out.Sample("dipr_http_request_duration_seconds_sum", fmt::format("route=\"{}\"", label(route)),
               static_cast<double>(s->micros.load(std::memory_order_relaxed)) / 1e6);
    out.Sample("dipr_http_request_duration_seconds_count",
               fmt::format("route=\"{}\"", label(route)),
               static_cast<double>(s->count.load(std::memory_order_relaxed)));
  }
  auto refused = [this](Refusal r) {
    return static_cast<double>(refused_[static_cast<size_t>(r)].load(std::memory_order_relaxed));
  };
  out.Family("dipr_http_connections_refused_total", "counter",
             "Connections refused: over --max-connections, or over "
             "--max-connections-per-address from one address.");
  out.Sample("dipr_http_connections_refused_total", "limit=\"total\"",
             refused(Refusal::kMaxConnections));
  out.Sample("dipr_http_connections_refused_total", "limit=\"per_address\"",
             refused(Refusal::kPerAddressConnections));
  out.Family("dipr_http_rate_limited_total", "counter",
             "Requests answered 429 by a rate limit, per client address or per account.");
  out.Sample("dipr_http_rate_limited_total", "limit=\"address\"", refused(Refusal::kAddressRate));
  out.Sample("dipr_http_rate_limited_total", "limit=\"account\"", refused(Refusal::kAccountRate));
}

}  // namespace dipr::http
