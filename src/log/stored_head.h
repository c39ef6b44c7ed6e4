// The check every reader of a stored tree head makes before trusting it (the sequencer at start,
// fsck, backup, migrate): the stored checkpoint is signed with the log's key and states the stored
// size and root. Kept out of verify/checkpoint.h because it reads a storage type, and the
// verification library links no storage.
#pragma once

#include "common/status.h"
#include "crypto/note.h"
#include "storage/store.h"
#include "verify/checkpoint.h"

namespace dipr::log {

// A stored tree head is signed with `key` and its checkpoint states its size and root; DataLoss
// saying which is not so otherwise.
Status CheckStoredHead(const storage::TreeHead& head, const crypto::NoteVerifier& key);

}  // namespace dipr::log
