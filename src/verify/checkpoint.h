// C2SP tlog-checkpoint bodies: "<origin>\n<size>\n<base64 root hash>\n", optionally followed by
// extension lines, signed as a C2SP signed-note (crypto/note.h).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "crypto/note.h"
#include "crypto/sha256.h"

namespace dipr::log {

struct Checkpoint {
  std::string origin;
  uint64_t size = 0;
  crypto::Hash root{};
  std::vector<std::string> extensions;  // extra lines, without their "\n"

  std::string Body() const;
};

// Parses a checkpoint body (the text of the signed note).
Result<Checkpoint> ParseCheckpoint(std::string_view body);
// Opens a signed checkpoint with the log's key and parses it. The origin must equal the key name.
Result<Checkpoint> OpenCheckpoint(std::string_view signed_note, const crypto::NoteVerifier& key);

}  // namespace dipr::log
