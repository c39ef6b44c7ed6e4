// A receipt: a log entry with its inclusion proof and the signed checkpoint the proof leads to.
// It proves offline, with only the registry's public key, that the entry was in the log by the
// time that checkpoint was signed. See docs/FORMATS.md, "Receipts".
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "common/status.h"
#include "crypto/note.h"
#include "verify/checkpoint.h"

namespace dipr::registry {

struct Receipt {
  uint64_t index = 0;
  std::string entry;       // raw entry bytes
  std::string checkpoint;  // signed note
  std::vector<crypto::Hash> proof;

  // JSON text, written directly (receipts are on the deposit hot path).
  std::string ToJsonText() const;
  static Result<Receipt> FromJson(const nlohmann::json& j);
};

// Checks a receipt offline: the checkpoint's signature and origin, and the inclusion proof of
// the entry in the tree the checkpoint states. Returns the opened checkpoint.
Result<log::Checkpoint> VerifyReceipt(const Receipt& receipt, const crypto::NoteVerifier& key);

}  // namespace dipr::registry
