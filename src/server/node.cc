#include "server/node.h"

#include <spdlog/spdlog.h>

#include "http/api.h"
#include "registry/projector.h"
#include "storage/postgres/pg_store.h"
#include "storage/sqlite/sqlite_store.h"

namespace dipr::server {

Result<std::unique_ptr<Node>> Node::Start(NodeOptions options) {
  std::unique_ptr<Node> n(new Node());
  const Clock& clock = options.clock ? *options.clock : n->system_clock_;
  ASSIGN_OR_RETURN(n->data_, OpenDataDir(options.data_dir, options.origin));
  if (options.db.empty()) {
    ASSIGN_OR_RETURN(n->store_, storage::OpenSqliteStore(n->data_.DatabasePath()));
  } else {
    ASSIGN_OR_RETURN(n->store_, storage::OpenPostgresStore(options.db));
  }
  n->reader_ = std::make_unique<log::LogReader>(*n->store_, options.tile_cache_bytes);
  log::Sequencer::Options seq;
  seq.on_commit = [reader = n->reader_.get()](const std::vector<log::TileWrite>& writes) {
    reader->TilesWritten(writes);
  };
  seq.apply_queued = registry::ApplyEntry;  // entries other nodes queued, projected from the log
  ASSIGN_OR_RETURN(n->sequencer_, log::Sequencer::Start(*n->store_, *n->data_.signer, seq));
  n->registry_ =
      std::make_unique<registry::Registry>(*n->store_, *n->sequencer_, *n->reader_, clock);
  RETURN_IF_ERROR(n->registry_->EnsureAdmin(n->data_.admin_token));
  n->router_ = std::make_unique<http::Router>();
  http::AddAllRoutes(*n->router_, *n->registry_, n->data_.signer->verifier());
  n->server_ = std::make_unique<http::Server>(*n->router_, options.http);
  RETURN_IF_ERROR(n->server_->Start());
  return n;
}

Node::~Node() { Stop(); }

void Node::Stop() {
  // Stop serving first; then the sequencer finishes its batch in flight and fails what is queued
  // (those completions post to the stopped, still existing io_contexts); only then do the
  // io_contexts go.
  if (server_) server_->Stop();
  sequencer_.reset();
  server_.reset();
  registry_.reset();
  reader_.reset();
  store_.reset();
}

}  // namespace dipr::server
