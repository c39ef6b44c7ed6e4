// The registry's HTTP API: every route, wired to the registry. The paths of the log, accounts and
// deposits are fixed (PRODUCT.md, issue "Evidence deposit"); all are documented in docs/API.md.
#pragma once

#include <chrono>
#include <functional>

#include "certificate/pdf.h"
#include "common/rate_limit.h"
#include "crypto/note.h"
#include "http/metrics.h"
#include "http/read_pool.h"
#include "http/router.h"
#include "log/follower.h"
#include "log/sequencer.h"
#include "registry/registrar.h"
#include "registry/registry.h"
#include "registry/statistics.h"

namespace dipr::http {

// What /healthz checks besides the sequencer.
struct HealthOptions {
  // The SQLite database's directory, whose free space is probed; empty: none (PostgreSQL's disk
  // is the database server's, and a commit that fails for it stops the sequencer).
  std::string disk_path;
  uint64_t min_free_bytes = 64 << 20;
  // A batch waiting on the store longer than this means writes are blocked (a lock held).
  std::chrono::milliseconds stall{5000};
};

// Whether this node takes writes now: Ok, or Unavailable saying why (the sequencer stopped or
// failed its last batch, a batch is stuck, the disk is nearly full). The one function /healthz
// answers from; whatever else stops writes (a detected data loss) belongs in here too.
Status WriteHealth(const log::Sequencer& sequencer, const HealthOptions& options);

// Certificate PDFs take ~70 ms of CPU and tens of MB each to render: they are rendered on a pool
// of their own, off the I/O threads, one render per certificate however many ask at once.
struct PdfOptions {
  size_t workers = 1;
  // Certificates rendering or waiting for a worker; one more is answered 503 with Retry-After.
  size_t queue = 8;
  // certificate::RenderPdf unless set (tests hold a render back with it).
  std::function<Result<std::string>(const certificate::CertificateView&)> render;
};

// Self-registration of objectors (POST /v1/objectors) per client address: a burst of 5, then
// one every 10 minutes.
struct AccountOptions {
  RateLimit objector_signups{1.0 / 600, 5};
};

struct ApiOptions {
  HealthOptions health;
  PdfOptions pdf;
  // Workers for the store reads taken off the I/O threads (http/read_pool.h): searches, log
  // entries, deposit lookups.
  size_t read_workers = 4;
  // The HTTP server's counts for /metrics, and where the account limit's refusals are counted
  // (null: none).
  HttpMetrics* http_metrics = nullptr;
  // The node's own gauges for /metrics (null: none).
  std::function<void(MetricsText&)> node_metrics;
  // Requests per account (null: no limit); answered 429 before the handler runs.
  RateLimiter* account_limiter = nullptr;
  AccountOptions accounts;
  // --- followers (issue 11) ---
  // Their lag for /metrics, and the statistics follower's counts (none: not served).
  std::vector<const log::FollowerRunner*> followers;
  const registry::Statistics* statistics = nullptr;
};

// The router's gate: names the account a bearer token belongs to on the request (the access
// log's account) and takes a token of that account's rate limit, answering 429 with Retry-After
// when none is left. A token that names no account passes: its handler refuses it (401).
Gate AccountGate(registry::Registry& registry, RateLimiter* limiter, HttpMetrics* metrics);

// `reads`: where their blocking store reads run (shared by the routes that hold it).
void AddLogRoutes(Router& router, registry::Registry& registry, const crypto::NoteVerifier& key,
                  const HealthOptions& health, std::shared_ptr<ReadPool> reads);
void AddAccountRoutes(Router& router, registry::Registry& registry,
                      const AccountOptions& options = {});
void AddDepositRoutes(Router& router, registry::Registry& registry,
                      std::shared_ptr<ReadPool> reads);
void AddRegistrationRoutes(Router& router, registry::Registry& registry,
                           registry::Registrar& registrar, const crypto::NoteVerifier& key,
                           const PdfOptions& pdf, std::shared_ptr<ReadPool> reads);
void AddSettingsRoutes(Router& router, registry::Registry& registry,
                       registry::Registrar& registrar);
// GET /metrics: the log, sequencer and scrub; the HTTP server's counts; the node's gauges.
void AddMetricsRoute(Router& router, registry::Registry& registry, const ApiOptions& options);

inline void AddAllRoutes(Router& router, registry::Registry& registry,
                         registry::Registrar& registrar, const crypto::NoteVerifier& key,
                         const ApiOptions& options = {}) {
  auto reads = std::make_shared<ReadPool>(options.read_workers);
  AddLogRoutes(router, registry, key, options.health, reads);
  AddAccountRoutes(router, registry, options.accounts);
  AddDepositRoutes(router, registry, reads);
  AddRegistrationRoutes(router, registry, registrar, key, options.pdf, reads);
  AddSettingsRoutes(router, registry, registrar);
  AddMetricsRoute(router, registry, options);
  router.SetGate(AccountGate(registry, options.account_limiter, options.http_metrics));
}

}  // namespace dipr::http
