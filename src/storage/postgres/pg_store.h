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
