#include "log/checkpoint_publisher.h"

#include <spdlog/spdlog.h>

#include "log/stored_head.h"
#include "verify/checkpoint.h"

namespace dipr::log {

CheckpointPublisher::CheckpointPublisher(const crypto::NoteSigner& signer,
                                         storage::TreeHead initial)
    : signer_(signer), latest_(std::make_shared<const storage::TreeHead>(std::move(initial))) {}

Status CheckpointPublisher::Check(const storage::TreeHead& head) const {
  return CheckStoredHead(head, signer_.verifier());
}

Result<storage::TreeHead> CheckpointPublisher::Sign(uint64_t size, const Hash& root) const {
  Checkpoint cp{signer_.name(), size, root, {}};
  return storage::TreeHead{cp.size, cp.root, crypto::SignNote(cp.Body(), signer_)};
}

void CheckpointPublisher::Publish(std::shared_ptr<const storage::TreeHead> head) {
  MutexLock l(mu_);
  latest_ = std::move(head);
}

std::shared_ptr<const storage::TreeHead> CheckpointPublisher::Latest() const {
  MutexLock l(mu_);
  return latest_;
}

void CheckpointPublisher::PublishIfNewer(storage::TreeHead head) {
  MutexLock l(mu_);
  // An empty checkpoint is the placeholder of a node that started before any head was stored.
  const bool newer = !latest_ || latest_->checkpoint.empty() || head.size > latest_->size;
  const bool cosigned = latest_ && head.size == latest_->size &&
                        head.checkpoint != latest_->checkpoint &&
                        storage::CheckNoteExtends(latest_->checkpoint, head.checkpoint).ok();
  if (newer || cosigned) latest_ = std::make_shared<const storage::TreeHead>(std::move(head));
}

void CheckpointPublisher::Refresh(storage::Store& store) {
  auto head = store.LatestTreeHead();
  if (!head.ok() || !*head) return;
  if (Status st = Check(**head); !st.ok()) {
    spdlog::critical("sequencer: the stored checkpoint does not verify: {}", st.ToString());
    return;
  }
  PublishIfNewer(std::move(**head));
}

Status CheckpointPublisher::AddSignatures(storage::Store& store, uint64_t size,
                                          std::string_view checkpoint) {
  ASSIGN_OR_RETURN(auto tx, store.BeginWrite());
  RETURN_IF_ERROR(tx->AddTreeHeadSignatures(size, checkpoint));
  RETURN_IF_ERROR(tx->Commit());
  std::shared_ptr<const storage::TreeHead> latest = Latest();
  if (latest && latest->size == size) {
    PublishIfNewer(storage::TreeHead{size, latest->root, std::string(checkpoint)});
  }
  return Status::Ok();
}

}  // namespace dipr::log
