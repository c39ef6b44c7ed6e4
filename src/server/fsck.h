// Checking a registry's stored log offline (`dipr fsck`): the latest checkpoint is signed with the
// registry's key and states the stored head; every entry is re-hashed and every tile rebuilt from
// the entries and compared with the stored one, and the rebuilt root with the signed root
// (log/scrub.h); every entry decodes and its projection can be read (server/projection.h).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "common/status.h"
#include "crypto/note.h"
#include "storage/store.h"

namespace dipr::server {

struct FsckReport {
  std::string origin;
  uint64_t size = 0;         // of the latest signed checkpoint; what was checked
  bool signature = false;    // the checkpoint verified with the key and states the stored head
  uint64_t entries = 0;      // re-hashed
  uint64_t tiles = 0;        // rebuilt and compared
  bool root = false;         // the rebuilt root is the signed one
  uint64_t projections = 0;  // entries decoded and their projection read
  // A server held the store's lease: it may have appended since; the log was checked up to the
  // checkpoint read at the start.
  bool server_running = false;
  Status problem;  // the first thing found wrong (DataLoss naming it); OK if none
};

// progress(phase, done, total), phase "tree" or "projections". An error result: the store could
// not be read (not a verdict); a verdict is in the report's problem.
Result<FsckReport> Fsck(storage::Store& store, const crypto::NoteVerifier& key,
                        const std::function<void(const char*, uint64_t, uint64_t)>& progress = {});

}  // namespace dipr::server
