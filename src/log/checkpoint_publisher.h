// Checkpoint publication: signs tree heads with the log's key and publishes the latest committed
// one, Latest(), which /log/checkpoint serves and every receipt and proof is made against. It owns
// that value and the rules for changing it: a head is published only once it is committed
// (Publish, after the integrator's commit), when the store holds a newer one (Refresh: a following
// node's view of the leader's log), or when the stored head gained signatures after it was first
// stored (AddSignatures, WriteTx::AddTreeHeadSignatures; later witnesses' cosignatures, which a
// following node then picks up in Refresh). Thread-safe.
#pragma once

#include <memory>
#include <string_view>

#include "common/mutex.h"
#include "common/status.h"
#include "crypto/note.h"
#include "storage/store.h"
#include "verify/hasher.h"

namespace dipr::log {

class CheckpointPublisher {
 public:
  // `signer` is borrowed and must outlive this. Latest() is `initial` until a Publish.
  CheckpointPublisher(const crypto::NoteSigner& signer, storage::TreeHead initial);
  CheckpointPublisher(const CheckpointPublisher&) = delete;
  CheckpointPublisher& operator=(const CheckpointPublisher&) = delete;

  // Whether a stored head is ours: signed by our key, stating its size and root (DataLoss if not).
  Status Check(const storage::TreeHead& head) const;
  // The signed head of the tree of `size` and `root`; not published (Publish, once committed).
  Result<storage::TreeHead> Sign(uint64_t size, const Hash& root) const;

  // REQUIRES: `head` is committed.
  void Publish(std::shared_ptr<const storage::TreeHead> head);
  // The latest published head (shared: reading it copies no checkpoint text).
  std::shared_ptr<const storage::TreeHead> Latest() const;

  // Publishes the store's latest head if it checks and is newer than Latest() (or Latest() is the
  // empty placeholder a node starts with before any head is stored), or is Latest()'s
  // size with signatures added (storage::CheckNoteExtends). Logs a head that does not check.
  void Refresh(storage::Store& store);
  // Replaces the stored head of `size` by `checkpoint`, the same note with more signatures, in a
  // transaction of its own; once committed, publishes it if Latest() is still of that size.
  // The errors of WriteTx::AddTreeHeadSignatures.
  Status AddSignatures(storage::Store& store, uint64_t size, std::string_view checkpoint);

 private:
  // Publishes `head` if it is newer than Latest() or Latest() with signatures added.
  void PublishIfNewer(storage::TreeHead head) DIPR_EXCLUDES(mu_);

  const crypto::NoteSigner& signer_;
  mutable Mutex mu_;
  std::shared_ptr<const storage::TreeHead> latest_ DIPR_GUARDED_BY(mu_);
};

}  // namespace dipr::log
