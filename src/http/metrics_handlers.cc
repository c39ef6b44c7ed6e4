// GET /metrics: Prometheus text format, what an operator graphs and alerts on. Every metric is in
// docs/DEPLOY.md's table (section 9); a test keeps the two the same.
#include "http/api.h"

namespace dipr::http {

void AddMetricsRoute(Router& router, registry::Registry& registry, const ApiOptions& options) {
  router.Add("GET", "/metrics", [&registry, options](Request&) -> asio::awaitable<Response> {
    auto st = registry.sequencer().stats();
    auto head = registry.sequencer().Latest();
    MetricsText m;
    auto n = [](uint64_t v) { return static_cast<double>(v); };
    m.Gauge("dipr_log_size", "Entries in the latest signed checkpoint.", n(head->size));
    m.Gauge("dipr_sequencer_healthy", "1 while the sequencer accepts entries.",
            registry.sequencer().healthy() ? 1 : 0);
    m.Gauge("dipr_writes_blocked", "1 while /healthz says writes are blocked.",
            WriteHealth(registry.sequencer(), options.health).ok() ? 0 : 1);
    m.Counter("dipr_sequencer_batches_total", "Batches committed.", n(st.batches));
    m.Counter("dipr_sequencer_entries_total", "Entries appended.", n(st.entries));
    m.Counter("dipr_sequencer_rejected_total", "Entries dropped by their projection.",
              n(st.rejected));
    m.Counter("dipr_sequencer_commit_seconds_total", "Time spent committing (fsync).",
              n(st.commit_micros) / 1e6);
    m.Counter("dipr_sequencer_batch_seconds_total", "Time spent integrating batches.",
              n(st.batch_micros) / 1e6);
    m.Gauge("dipr_sequencer_max_batch", "Largest batch so far.", n(st.max_batch));
    m.Gauge("dipr_sequencer_leading", "1 while this node sequences (holds the lease).",
            registry.sequencer().leading() ? 1 : 0);
    m.Counter("dipr_sequencer_queued_integrated_total",
              "Entries queued by other nodes that this node integrated.", n(st.queued_integrated));
    m.Counter("dipr_sequencer_forwarded_total", "Entries this node queued for the sequencing node.",
              n(st.forwarded));
    m.Counter("dipr_sequencer_results_swept_total",
              "Queued entries' results no node took, removed.", n(st.results_swept));
    m.Gauge("dipr_tile_cache_bytes", "Bytes of tiles held in the proof cache.",
            n(registry.reader().tile_cache_bytes()));
    auto scrub = registry.reader().scrub_stats();
    m.Counter("dipr_scrub_runs_total", "Scrubs finished (the tree re-derived from the entries).",
              n(scrub.runs));
    m.Counter("dipr_scrub_failures_total", "Scrubs that found stored data not matching.",
              n(scrub.failures));
    m.Gauge("dipr_scrub_last_ok", "1 unless the last finished scrub found a mismatch.",
            scrub.last_ok ? 1 : 0);
    m.Gauge("dipr_scrub_last_size", "Tree size the last finished scrub checked.",
            n(scrub.last_size));
    m.Gauge("dipr_scrub_last_seconds", "How long the last finished scrub took.",
            scrub.last_seconds);
    m.Gauge("dipr_scrub_checked_entries", "Entries checked by the scrub in progress.",
            n(scrub.checked));
    m.Gauge("dipr_scrub_running", "1 while a scrub runs.", scrub.running ? 1 : 0);
    m.Gauge("dipr_scrub_progress_ratio",
            "Share of the tree the scrub in progress (or the last) has checked, 0 to 1.",
            scrub.size == 0 ? 1 : std::min(1.0, n(scrub.checked) / n(scrub.size)));
    // --- followers (issue 11): their lag, and the statistics follower's counts ---
    if (!options.followers.empty()) {
      m.Family("dipr_projection_lag_entries", "gauge",
               "Entries signed that a follower (an asynchronous projection) has not applied yet.");
      for (const log::FollowerRunner* f : options.followers) {
        m.Sample("dipr_projection_lag_entries", "follower=\"" + LabelValue(f->name()) + "\"",
                 n(f->progress().lag()));
      }
    }
    if (options.statistics) {
      m.Family("dipr_log_entries", "gauge",
               "Log entries by event type, as the statistics follower has counted them.");
      for (const auto& [type, count] : options.statistics->EntriesByType()) {
        m.Sample("dipr_log_entries", "type=\"" + LabelValue(type) + "\"",
                 static_cast<double>(count));
      }
    }
    if (options.http_metrics) options.http_metrics->Write(m);
    if (options.node_metrics) options.node_metrics(m);
    co_return Response{200, "text/plain; version=0.0.4", m.Take()};
  });
}

// Authenticating twice (here and in the handler) costs little: Registry caches tokens.
Gate AccountGate(registry::Registry& registry, RateLimiter* limiter, HttpMetrics* metrics) {
  return [&registry, limiter, metrics](Request& req) -> std::optional<Response> {
    if (req.bearer_token.empty()) return std::nullopt;
    auto account = registry.Authenticate(req.bearer_token);
    if (!account.ok()) return std::nullopt;
    req.account_id = account->id;
    if (!limiter) return std::nullopt;
    RateDecision d = limiter->Take(account->id);
    if (d.allowed) return std::nullopt;
    if (metrics) metrics->Refused(HttpMetrics::Refusal::kAccountRate);
    return Response::TooManyRequests("too many requests from account " + account->id +
                                         "; retry after " + std::to_string(d.RetryAfterSeconds()) +
                                         " s",
                                     d.RetryAfterSeconds());
  };
}

}  // namespace dipr::http
