#include "server/node.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "http/api.h"
#include "registry/lifecycle.h"
#include "registry/numbers.h"
#include "registry/projector.h"
#include "storage/postgres/pg_store.h"
#include "storage/sqlite/sqlite_store.h"

namespace dipr::server {

std::optional<int64_t> CalendarDaysLeft(const registry::Schedule& schedule, Time now) {
  const auto* cs = dynamic_cast<const registry::CalendarSchedule*>(&schedule);
  if (!cs || cs->calendar().years().empty()) return std::nullopt;
  int y = 0, m = 0, d = 0;
  cs->LocalDate(now, y, m, d);
  using namespace std::chrono;
  sys_days today{year{y} / month{static_cast<unsigned>(m)} / day{static_cast<unsigned>(d)}};
  sys_days last{year{cs->calendar().years().back()} / December / 31};
  return (last - today).count();
}

std::vector<std::string> StartupWarnings(const registry::Schedule& schedule, Time now) {
  std::vector<std::string> out;
  const auto* cs = dynamic_cast<const registry::CalendarSchedule*>(&schedule);
  if (!cs) return out;
  if (auto left = CalendarDaysLeft(schedule, now); left && *left < 60) {
    out.push_back(fmt::format(
        "the holiday calendar \"{}\" ends on {}-12-31, {} days from now: after it no period in "
        "working days can be computed; load a newer one (dipr settings set --calendar FILE)",
        cs->calendar().name(), cs->calendar().years().back(), *left));
  }
  if (!cs->calendar().time_zone().empty() && cs->ZoneName() != cs->calendar().time_zone()) {
    out.push_back(fmt::format(
        "the time zone {} differs from the holiday calendar's ({}): its dates are taken as "
        "dates in {}",
        cs->ZoneName(), cs->calendar().time_zone(), cs->ZoneName()));
  }
  return out;
}

void Node::ReadStoreGauges() {
  auto apps = store_->CountByStatus(registry::kApplicationKind);
  auto objections = store_->CountByStatus(registry::kObjectionKind);
  auto stored = store_->LatestTreeHead();
  MutexLock lock(gauges_mu_);
  if (apps.ok()) {
    gauges_.applications.emplace(apps->begin(), apps->end());
  }
  if (objections.ok()) {
    uint64_t open = 0;
    for (const auto& [status, count] : *objections) open += status == "pending" ? count : 0;
    gauges_.objections_open = open;
  }
  if (stored.ok()) gauges_.stored_size = *stored ? (*stored)->size : 0;
}

bool Node::WaitStopping(std::chrono::steady_clock::duration timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!stopping_ && due_cv_.WaitUntil(due_mu_, deadline)) {
  }
  return stopping_;
}

void Node::RunGaugesLoop() {
  MutexLock lock(due_mu_);
  while (!WaitStopping(std::chrono::seconds(1))) {
    lock.Unlock();
    ReadStoreGauges();
    lock.Lock();
  }
}

void Node::WriteMetrics(http::MetricsText& m) const {
  StoreGauges g;
  {
    MutexLock lock(gauges_mu_);
    g = gauges_;
  }
  if (g.applications) {
    m.Family("dipr_applications", "gauge", "Applications (and registrations) by status.");
    for (const auto& [status, count] : *g.applications) {
      m.Sample("dipr_applications", "status=\"" + http::LabelValue(status) + "\"",
               static_cast<double>(count));
    }
  }
  if (g.objections_open) {
    m.Gauge("dipr_objections_open", "Objections waiting for a ruling.",
            static_cast<double>(*g.objections_open));
  }
  if (auto left = CalendarDaysLeft(*registrar_->in_force()->schedule, clock_->Now())) {
    m.Gauge("dipr_calendar_days_left",
            "Days the holiday calendar still covers after today (load a newer one before 0).",
            static_cast<double>(*left));
  }
  // A follower learns of new entries from the leader's signals; a lag that stays up means it
  // serves an old view (the database connection or the signals are broken).
  if (g.stored_size) {
    uint64_t have = sequencer_->Latest()->size;
    m.Gauge("dipr_follower_lag_entries",
            "Entries signed in the database that this node does not serve yet (0 on the leader).",
            static_cast<double>(*g.stored_size > have ? *g.stored_size - have : 0));
  }
}

Result<std::unique_ptr<Node>> Node::Start(NodeOptions options) {
  std::unique_ptr<Node> n(new Node());
  const Clock& clock = options.clock ? *options.clock : n->system_clock_;
  n->clock_ = &clock;
  if (!options.http.clock) options.http.clock = &clock;
  // The port first (binding it creates nothing): a busy one fails the start before anything is
  // created or opened, and the default public URL names the port bound, not a 0 asked for.
  n->router_ = std::make_unique<http::Router>();
  n->server_ = std::make_unique<http::Server>(*n->router_, options.http);
  RETURN_IF_ERROR(n->server_->Listen());
  // Every setting is checked before anything is created: a first start refused for a bad flag
  // leaves no data directory, key or database behind.
  RETURN_IF_ERROR(CheckNewOrigin(options.origin));
  ASSIGN_OR_RETURN(
      registry::Settings wanted,
      registry::SettingsFromFlags(
          options.settings, "http://" + http::HostPort(options.http.host, n->server_->port())));
  if (!options.db.empty()) {
    ASSIGN_OR_RETURN(n->store_, storage::OpenPostgresStore(options.db, options.pg));
  }
  ASSIGN_OR_RETURN(n->data_, OpenDataDir(options.data_dir, options.origin));
  const bool sqlite = options.db.empty();
  if (sqlite) {
    // A used key without its database: refuse before SQLite creates an empty one.
    if (::access(n->data_.DatabasePath().c_str(), F_OK) != 0) {
      RETURN_IF_ERROR(CheckKeyHasItsLog(n->data_, false, sqlite));
    }
    ASSIGN_OR_RETURN(n->store_, storage::OpenSqliteStore(n->data_.DatabasePath()));
  }
  ASSIGN_OR_RETURN(auto stored_head, n->store_->LatestTreeHead());
  RETURN_IF_ERROR(CheckKeyHasItsLog(n->data_, stored_head.has_value(), sqlite));
  n->reader_ = std::make_unique<log::LogReader>(*n->store_, options.tile_cache_bytes);
  n->statistics_ = std::make_unique<registry::Statistics>(*n->store_);
  n->statistics_runner_ = std::make_unique<log::FollowerRunner>(*n->store_, *n->statistics_);
  log::Sequencer::Options seq;
  seq.on_commit = [reader = n->reader_.get(), stats = n->statistics_runner_.get()](
                      const std::vector<log::TileWrite>& writes, const storage::TreeHead& head) {
    reader->TilesWritten(writes, head);
    stats->Notify(head.size);
  };
  seq.apply_queued = registry::ApplyEntry;  // entries other nodes queued, projected from the log
  ASSIGN_OR_RETURN(n->sequencer_, log::Sequencer::Start(*n->store_, *n->data_.signer, seq));
  if (!n->sequencer_->Latest()->checkpoint.empty()) RETURN_IF_ERROR(MarkKeyUsed(n->data_));
  // Stored data that does not hash to what was signed stops the writes (and /healthz says so).
  n->reader_->OnDataLoss([s = n->sequencer_.get()](const Status& st) { s->Halt(st); });
  if (options.scrub.interval.count() > 0) {
    n->scrubber_ = std::make_unique<log::Scrubber>(
        *n->reader_, [s = n->sequencer_.get()] { return s->Latest(); }, options.scrub);
  }
  n->registry_ =
      std::make_unique<registry::Registry>(*n->store_, *n->sequencer_, *n->reader_, clock);
  ASSIGN_OR_RETURN(bool admin_ok, n->registry_->EnsureAdmin(n->data_.admin_token));
  if (!admin_ok) {
    spdlog::warn(
        "{}/admin.token is not the token of an enabled admin (rotated without rewriting "
        "the file, or revoked): no admin is created; write an admin's current token "
        "there (docs/DEPLOY.md, \"Tokens\")",
        n->data_.path);
  }
  ASSIGN_OR_RETURN(registry::LoggedSettings settings,
                   registry::EstablishSettings(*n->registry_, wanted, options.settings));
  const registry::RegistrarSettings& r = settings.settings.registrar;
  ASSIGN_OR_RETURN(auto schedule, registry::CalendarSchedule::Create(settings.settings.schedule));
  spdlog::info("registrar {} ({}, {}), settings of log entry {}: {}", r.code, r.name, r.public_url,
               settings.index, schedule->Describe());
  for (const std::string& w : StartupWarnings(*schedule, clock.Now())) spdlog::warn("{}", w);
  n->registrar_ = std::make_unique<registry::Registrar>(*n->registry_, *n->data_.signer,
                                                        std::move(schedule), r, settings.index);
  if (options.db.empty() && options.api.health.disk_path.empty()) {
    options.api.health.disk_path = n->data_.path;
  }
  options.api.http_metrics = &n->server_->metrics();
  options.api.node_metrics = [node = n.get()](http::MetricsText& m) { node->WriteMetrics(m); };
  options.api.followers = {n->statistics_runner_.get()};
  options.api.statistics = n->statistics_.get();
  n->statistics_runner_->Start();
  if (options.account_rate.rate > 0) {
    n->account_limiter_ = std::make_unique<RateLimiter>(clock, options.account_rate);
    options.api.account_limiter = n->account_limiter_.get();
  }
  http::AddAllRoutes(*n->router_, *n->registry_, *n->registrar_, n->data_.signer->verifier(),
                     options.api);
  n->ReadStoreGauges();  // the first scrape has them
  n->gauges_thread_ = std::thread([node = n.get()] { node->RunGaugesLoop(); });
  RETURN_IF_ERROR(n->server_->Start());
  if (options.due_interval.count() > 0) {
    n->due_thread_ =
        std::thread([node = n.get(), i = options.due_interval] { node->RunDueLoop(i); });
  }
  return n;
}

void Node::RunDueLoop(std::chrono::milliseconds interval) {
  MutexLock lock(due_mu_);
  while (!stopping_) {
    lock.Unlock();
    // A settings change made through another node applies here from the next tick.
    Status refreshed = registrar_->RefreshSettings();
    if (!refreshed.ok()) {
      spdlog::warn("registrar: reading the logged settings failed: {}", refreshed.ToString());
    }
    // Only the sequencing node acts; RunDue answers 0 elsewhere.
    auto done = registrar_->RunDue();
    if (!done.ok()) {
      spdlog::warn("registrar: acting on what is due failed: {}", done.status().ToString());
    } else if (*done > 0) {
      spdlog::info("registrar: {} due events appended", *done);
    }
    lock.Lock();
    // Straight on when a full batch was due; else wait for the next tick.
    if (done.ok() && *done >= registry::Registrar::kDueBatch) continue;
    WaitStopping(interval);
  }
}

Node::~Node() { Stop(); }

void Node::Stop() {
  // Stop serving first; then the sequencer finishes its batch in flight and fails what is queued
  // (those completions post to the stopped, still existing io_contexts); only then do the
  // io_contexts go.
  if (server_) server_->Stop();
  {
    MutexLock lock(due_mu_);
    stopping_ = true;
  }
  due_cv_.SignalAll();
  if (due_thread_.joinable()) due_thread_.join();
  if (gauges_thread_.joinable()) gauges_thread_.join();
  scrubber_.reset();
  sequencer_.reset();
  statistics_runner_.reset();
  router_.reset();  // joins the PDF renders, whose answers post to the io_contexts
  server_.reset();
  registrar_.reset();
  registry_.reset();
  statistics_.reset();
  reader_.reset();
  store_.reset();
}

}  // namespace dipr::server
