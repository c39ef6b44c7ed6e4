// The embedded backend: one SQLite file in WAL mode, synchronous=FULL (a commit is fsync'd before
// it returns). Reads use a pool of connections, so they run in parallel with each other and with
// the one writer. Thread-safe.
#pragma once

#include <memory>
#include <string>

#include "storage/store.h"

namespace dipr::storage {

// Opens (creating if needed) the database at path and runs pending schema migrations.
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path);

// Creates or upgrades the schema of the database at path to `version` only, not beyond: for
// tests of the migrations after it.
Status MigrateSqliteSchema(const std::string& path, int version);

}  // namespace dipr::storage
