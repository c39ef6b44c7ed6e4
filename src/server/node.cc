#include "server/node.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include "http/api.h"
#include "registry/numbers.h"
#include "registry/projector.h"
#include "storage/postgres/pg_store.h"
#include "storage/sqlite/sqlite_store.h"

namespace dipr::server {
Result<std::unique_ptr<Node>> Node::Start(NodeOptions options) {
  std::unique_ptr<Node> n(new Node());
  const Clock& clock = options.clock ? *options.clock : n->system_clock_;
  // The port first (binding it creates nothing): a busy one fails the start before anything is
  // created or opened, and the default public URL names the port bound, not a 0 asked for.
  n->router_ = std::make_unique<http::Router>();
  n->server_ = std::make_unique<http::Server>(*n->router_, options.http);
  RETURN_IF_ERROR(n->server_->Listen());
  // Every setting is checked before anything is created: a first start refused for a bad flag
  // leaves no data directory, key or database behind.
  RETURN_IF_ERROR(CheckNewOrigin(options.origin));
  ASSIGN_OR_RETURN(registry::Settings wanted,
                   registry::SettingsFromFlags(
                       options.settings,
                       "http://" + http::HostPort(options.http.host, n->server_->port())));
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
  log::Sequencer::Options seq;
  seq.on_commit = [reader = n->reader_.get()](const std::vector<log::TileWrite>& writes,
                                              const storage::TreeHead& head) {
    reader->TilesWritten(writes, head);
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
  RETURN_IF_ERROR(n->registry_->EnsureAdmin(n->data_.admin_token));
  ASSIGN_OR_RETURN(registry::LoggedSettings settings,
                   registry::EstablishSettings(*n->registry_, wanted, options.settings));
  const registry::RegistrarSettings& r = settings.settings.registrar;
  ASSIGN_OR_RETURN(auto schedule, registry::CalendarSchedule::Create(settings.settings.schedule));
  spdlog::info("registrar {} ({}, {}), settings of log entry {}: {}", r.code, r.name, r.public_url,
               settings.index, schedule->Describe());
  n->registrar_ = std::make_unique<registry::Registrar>(
      *n->registry_, *n->data_.signer, std::move(schedule), r, settings.index);
  if (options.db.empty() && options.api.health.disk_path.empty()) {
    options.api.health.disk_path = n->data_.path;
  }
  http::AddAllRoutes(*n->router_, *n->registry_, *n->registrar_, n->data_.signer->verifier(),
                     options.api);
  RETURN_IF_ERROR(n->server_->Start());
  if (options.due_interval.count() > 0) {
    n->due_thread_ = std::thread([node = n.get(), i = options.due_interval] { node->RunDueLoop(i); });
  }
  return n;
}

void Node::RunDueLoop(std::chrono::milliseconds interval) {
  std::unique_lock lock(due_mu_);
  while (!stopping_) {
    lock.unlock();
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
    lock.lock();
    // Straight on when a full batch was due; else wait for the next tick.
    if (done.ok() && *done >= registry::Registrar::kDueBatch) continue;
    due_cv_.wait_for(lock, interval, [this] { return stopping_; });
  }
}

Node::~Node() { Stop(); }

void Node::Stop() {
  // Stop serving first; then the sequencer finishes its batch in flight and fails what is queued
  // (those completions post to the stopped, still existing io_contexts); only then do the
  // io_contexts go.
  if (server_) server_->Stop();
  {
    std::lock_guard lock(due_mu_);
    stopping_ = true;
  }
  due_cv_.notify_all();
  if (due_thread_.joinable()) due_thread_.join();
  scrubber_.reset();
  sequencer_.reset();
  router_.reset();  // joins the PDF renders, whose answers post to the io_contexts
  server_.reset();
  registrar_.reset();
  registry_.reset();
  reader_.reset();
  store_.reset();
}

}  // namespace dipr::server
