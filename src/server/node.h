// One running registry node: storage, sequencer, registry and HTTP server wired together. Used by
// `dipr serve` and by the integration tests (in-process, with an injected clock).
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/mutex.h"
#include "common/rate_limit.h"
#include "common/time.h"
#include "http/api.h"
#include "http/metrics.h"
#include "http/router.h"
#include "http/server.h"
#include "log/follower.h"
#include "log/log_reader.h"
#include "log/scrub.h"
#include "log/sequencer.h"
#include "registry/calendar_schedule.h"
#include "registry/registrar.h"
#include "registry/registry.h"
#include "registry/settings.h"
#include "registry/statistics.h"
#include "server/data_dir.h"
#include "storage/postgres/pg_store.h"
#include "storage/store.h"

namespace dipr::server {

struct NodeOptions {
  std::string data_dir = "var";
  // Empty: SQLite in data_dir. Otherwise a libpq URI (postgres://user@host:port/db); the signing
  // key and the admin token stay files in data_dir either way.
  std::string db;
  // The PostgreSQL connections' timeouts (how fast a partitioned node gives up its lease).
  storage::PostgresStoreOptions pg{.lease_timeout = std::chrono::seconds(5),
                                   .statement_timeout = std::chrono::seconds(10)};
  std::string origin;  // empty: the existing key's name, or "localhost/dipr" for a new log
  http::ServerOptions http;
  // /healthz's probes and the PDF queue (http/api.h); the disk probed defaults to data_dir's for
  // SQLite.
  http::ApiOptions api;
  const Clock* clock = nullptr;  // null: the system clock
  // Memory for cached tiles (the proof path); the default holds every tile of a 2M-entry log.
  size_t tile_cache_bytes = log::kDefaultTileCacheBytes;
  // The registrar's settings the flags give (code, name, public URL, periods, calendar, zone):
  // a first start logs them (with defaults for the others; the public URL from `http`), a later
  // start refuses any that differs from the logged ones (registry/settings.h).
  registry::SettingsFlags settings;
  // How often the registrar acts on what is due (ends of notice, lapses, expiries); zero: never
  // by itself (tests call registrar().RunDue()).
  std::chrono::milliseconds due_interval{1000};
  // The background scrub (log/scrub.h): when it first runs after the start, and then how often;
  // a zero interval: never (tests call registry().reader().Scrub()).
  log::Scrubber::Schedule scrub;
  // Requests per account (rate 0: no limit; the per-address limits are in `http`).
  RateLimit account_rate;
};

// How many days the holiday calendar still covers after `now`'s local date (0 on its last day,
// negative once past it); nullopt for a schedule without a calendar.
std::optional<int64_t> CalendarDaysLeft(const registry::Schedule& schedule, Time now);
// The start-up warnings: a calendar that ends within 60 days, a time zone that is not the
// calendar's. Each is one line, also returned (for tests).
std::vector<std::string> StartupWarnings(const registry::Schedule& schedule, Time now);

// Not thread-safe to start/stop; serving is.
class Node {
 public:
  static Result<std::unique_ptr<Node>> Start(NodeOptions options);
  ~Node();

  uint16_t port() const { return server_->port(); }
  const DataDir& data() const { return data_; }
  registry::Registry& registry() { return *registry_; }
  registry::Registrar& registrar() { return *registrar_; }
  const http::Router& router() const { return *router_; }
  void Stop();
  // The node's gauges for /metrics: applications by status, open objections, days left in the
  // calendar, how far this node's view of the log is behind the database's.
  void WriteMetrics(http::MetricsText& out) const;

 private:
  Node() = default;
  SystemClock system_clock_;
  const Clock* clock_ = nullptr;
  std::unique_ptr<RateLimiter> account_limiter_;
  DataDir data_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<log::LogReader> reader_;
  std::unique_ptr<log::Sequencer> sequencer_;
  // The statistics follower and its runner (log/follower.h); the runner outlives the sequencer,
  // which notifies it of each commit.
  std::unique_ptr<registry::Statistics> statistics_;
  std::unique_ptr<log::FollowerRunner> statistics_runner_;
  std::unique_ptr<log::Scrubber> scrubber_;
  std::unique_ptr<registry::Registry> registry_;
  std::unique_ptr<registry::Registrar> registrar_;
  // The registrar's own clock: acts on what is due every due_interval.
  void RunDueLoop(std::chrono::milliseconds interval);
  // Waits until Stop() or `timeout` has passed, whichever is first; answers stopping_.
  bool WaitStopping(std::chrono::steady_clock::duration timeout) DIPR_REQUIRES(due_mu_);
  Mutex due_mu_;
  CondVar due_cv_;
  bool stopping_ DIPR_GUARDED_BY(due_mu_) = false;
  std::thread due_thread_;

  // The gauges /metrics reads from the database, read here every second off the I/O threads: a
  // scrape must answer at once when the database does not (a partition is when an operator looks),
  // and must not hold an I/O thread while it waits. A gauge missing in the last read keeps its
  // previous value.
  struct StoreGauges {
    std::optional<std::map<std::string, uint64_t>> applications;
    std::optional<uint64_t> objections_open;
    std::optional<uint64_t> stored_size;  // the database's signed tree size
  };
  void ReadStoreGauges();
  void RunGaugesLoop();
  mutable Mutex gauges_mu_;
  StoreGauges gauges_ DIPR_GUARDED_BY(gauges_mu_);
  std::thread gauges_thread_;
  std::unique_ptr<http::Router> router_;
  std::unique_ptr<http::Server> server_;
};

}  // namespace dipr::server
