// The projections (accounts, deposits) are a function of the log: this applies one entry to them.
// The same function serves entries that arrive from another node's queue, rebuilding a
// database from its log (migration), and checking a replay against the register.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "storage/store.h"

namespace dipr::registry {

// Applies the entry at `index` to the projections in tx. sidecar: what belongs with the entry but
// is never logged — for account.created and account.token_rotated the 32-byte SHA-256 of the
// (new) token; for objector.registered {"identity","salt","token_hash"}; for register events
// their fields and private texts; empty otherwise. Sidecars are kept (WriteTx::PutSidecar).
// InvalidArgument for an entry that is not a known, well-formed event; Conflict when the projection
// refuses it (a holder's second deposit of one digest), having written nothing.
Status ApplyEntry(storage::WriteTx& tx, uint64_t index, std::string_view entry,
                  std::string_view sidecar);

}  // namespace dipr::registry
