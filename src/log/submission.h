// What a submitter hands the sequencer (log/sequencer.h) and what it gets back: an entry, what it
// does to the projections, and the Completion that hears its index and the first signed tree head
// that covers it. Shared by the sequencer's pieces (integrator.h, node_role.h).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "common/status.h"
#include "storage/store.h"

namespace dipr::log {

inline constexpr size_t kMaxEntrySize = 64 * 1024;  // C2SP tlog-tiles' entry bundle limit

struct Appended {
  uint64_t index = 0;
  std::shared_ptr<const storage::TreeHead> head;  // the first signed tree head including it
};

// What an entry does to the projections (accounts, deposits, ...), run in the batch's
// transaction with the index the entry will get. An error drops the entry (the projection must
// then have written nothing) and is passed to the submitter; OK lets the entry be appended.
using Projection = std::function<Status(storage::WriteTx& tx, uint64_t index)>;

// Called exactly once, on the sequencer thread; must not block.
class Completion {
 public:
  virtual ~Completion() = default;
  virtual void Done(Result<Appended> result) = 0;
};

// A submitted entry waiting for its index.
struct Pending {
  std::string entry;
  // Never logged, but goes with the entry when it is queued for another node
  // (registry/projector.h).
  std::string sidecar;
  Projection projection;  // null: the entry projects nothing
  std::unique_ptr<Completion> done;
};

}  // namespace dipr::log
