// Copying a registry from one store to another (SQLite to PostgreSQL), by replaying its log: the
// target's entries, tiles and projections are rebuilt from the source's entries (plus the token
// hashes, which are never logged), and the copy is accepted only if its tree has the source's
// signed root and its projections agree with the source's.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "common/status.h"
#include "crypto/note.h"
#include "storage/store.h"

namespace dipr::server {

struct MigrationReport {
  uint64_t entries = 0;
  uint64_t accounts = 0;
  uint64_t deposits = 0;
  std::string checkpoint;  // the source's latest signed checkpoint, now the target's too
};

// REQUIRES: target is empty. key: the registry's log key (its checkpoints must verify).
// progress(done, total) is called now and then. One transaction: an interrupted copy leaves the
// target empty.
Result<MigrationReport> Migrate(storage::Store& source, storage::Store& target,
                                const crypto::NoteVerifier& key,
                                const std::function<void(uint64_t, uint64_t)>& progress = {});

}  // namespace dipr::server
