#include "log/stored_head.h"

namespace dipr::log {

Status CheckStoredHead(const storage::TreeHead& head, const crypto::NoteVerifier& key) {
  auto cp = OpenCheckpoint(head.checkpoint, key);
  if (!cp.ok()) {
    return DataLoss("the stored checkpoint does not verify with this registry's key: " +
                    cp.status().message());
  }
  if (cp->size != head.size || cp->root != head.root) {
    return DataLoss("the stored checkpoint does not state the stored tree head");
  }
  return Status::Ok();
}

}  // namespace dipr::log
