// The PostgreSQL backend (15 or later), through libpq: the same tables, semantics and conformance
// suite as the SQLite store, for deployments where the database lives on its own server.
//
// Reads use a small pool of connections (a PGconn serves one thread at a time), each with its
// statements prepared once, so a read is one round trip. The one writer has a connection of its
// own in pipeline mode: inserts whose outcome the caller does not need at once (entries, tiles,
// tree heads) are sent without waiting, and their results are read at the next statement that
// must answer (a projection's uniqueness check) or at Commit. Commits are durable when they
// return: the writer's session forces synchronous_commit=on. Thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "storage/store.h"

namespace dipr::storage {

struct PostgresStoreOptions {
  // Read connections open at most at once; a reader beyond them waits for one to come free.
  size_t max_readers = 16;
  // Pipeline the writer's inserts (see above). Off: one round trip per statement, as a plain
  // client would do; kept for measuring what pipelining buys.
  bool pipeline_writes = true;
  // How long a node may go silent before the database gives its lease and its open write
  // transaction to others (the lease session's idle_session_timeout; the writer's
  // idle_in_transaction_session_timeout), and how long the node waits for the answer to a lease
  // check before it takes itself for partitioned and follows. The leader checks its lease every
  // second, so this must be well above that. A partitioned leader's lease is free after this
  // long, and another node leads a second later. Zero: never (a partitioned leader's session
  // then holds the lease until the server's TCP keepalives end it: 2 hours by default).
  // `dipr serve` uses 5 s (server::NodeOptions); offline tools (fsck, migrate) none.
  std::chrono::milliseconds lease_timeout{0};
  // The writer's, the queue's and the readers' statement_timeout; a statement still running
  // after it is cancelled by the server (Unavailable). The node waits this long plus 5 s for an
  // answer before it gives the connection up. Zero: no limit, and no wait limit. `dipr serve`
  // uses 10 s; offline tools, whose statements may be long, none.
  std::chrono::milliseconds statement_timeout{0};
};

// Connects with a libpq connection string or URI (postgres://user@127.0.0.1:5432/dipr), creates
// the schema or runs pending migrations (under an advisory lock, so nodes starting together take
// turns), and returns the store. A server that cannot be reached is Unavailable.
Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& conninfo,
                                                 const PostgresStoreOptions& options = {});

// Creates or upgrades the schema of the database to `version` only, not beyond: for tests of the
// migrations after it.
Status MigratePostgresSchema(const std::string& conninfo, int version);

}  // namespace dipr::storage
