// What the HTTP server counts for /metrics, and the Prometheus text format it is written in
// (https://prometheus.io/docs/instrumenting/exposition_formats/). docs/DEPLOY.md section 9 lists
// every metric; a test compares that table with what /metrics serves.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/mutex.h"
#include "common/time.h"

namespace dipr::http {

// Prometheus text: each family's HELP and TYPE, then its samples. Not thread-safe.
class MetricsText {
 public:
  // type: "gauge" | "counter" | "histogram".
  void Family(std::string_view name, std::string_view type, std::string_view help);
  // labels: `route="/log/checkpoint",status="200"` (already escaped), or "".
  void Sample(std::string_view name, std::string_view labels, double value);
  void Gauge(std::string_view name, std::string_view help, double value);
  void Counter(std::string_view name, std::string_view help, double value);
  const std::string& text() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

// A label value with \ " and newline escaped, as the format requires.
std::string LabelValue(std::string_view v);

// Requests by route and status, their latency, and what the limits refused. Thread-safe; a
// Record is a shared lock and a few relaxed atomic increments.
class HttpMetrics {
 public:
  // Prometheus's default buckets (seconds): from a cached read to a slow PDF.
  static constexpr std::array<double, 11> kBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                      0.5,   1,    2.5,   5,    10};
  // route: the route's pattern, or "" for a request no route matched (a 404, a malformed request).
  void Record(std::string_view route, int status, Micros latency);
  enum class Refusal { kMaxConnections, kPerAddressConnections, kAddressRate, kAccountRate };
  void Refused(Refusal why);
  void Write(MetricsText& out) const;

 private:
  struct RouteStats {
    std::array<std::atomic<uint64_t>, 600> by_status{};
    std::array<std::atomic<uint64_t>, kBuckets.size() + 1> buckets{};  // the last: +Inf
    std::atomic<uint64_t> micros{0};
    std::atomic<uint64_t> count{0};
  };
  RouteStats& Of(std::string_view route);

  mutable SharedMutex mu_;
  // Routes are a fixed set (the router's patterns), so this stays small whatever clients send.
  std::unordered_map<std::string, std::unique_ptr<RouteStats>> routes_ DIPR_GUARDED_BY(mu_);
  std::array<std::atomic<uint64_t>, 4> refused_{};
};

}  // namespace dipr::http
