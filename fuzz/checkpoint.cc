// Checkpoints (log/checkpoint.h): the body parser, and opening a signed checkpoint. A parsed body
// prints back byte for byte (one text per checkpoint: the base64 is canonical, the size has no
// leading zeros), and a body signed with the log's key opens to the same checkpoint.
#include "verify/checkpoint.h"
#include "crypto/note.h"
#include "fuzz_check.h"
#include "fuzz_key.h"

using namespace dipr;

namespace {
// fuzz/corpus/checkpoint holds checkpoints signed with it (fuzz/make_seeds.cc).
const crypto::NoteSigner& Signer() { return fuzz::FuzzSigner(); }
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in = fuzz::AsText(data, size);
  auto cp = log::ParseCheckpoint(in);
  if (cp.ok()) {
    FUZZ_CHECK(cp->Body() == in, "a checkpoint body prints back as it was written");
    if (cp->origin == Signer().name() && crypto::IsValidKeyName(cp->origin)) {
      auto opened = log::OpenCheckpoint(crypto::SignNote(in, Signer()), Signer().verifier());
      // SignNote REQUIRES valid note text; an origin with control bytes is refused by OpenNote.
      if (opened.ok()) {
        FUZZ_CHECK(opened->size == cp->size && opened->root == cp->root,
                   "a signed checkpoint opens to what was signed");
      }
    }
  }
  auto opened = log::OpenCheckpoint(in, Signer().verifier());
  if (opened.ok()) {
    auto note = crypto::ParseNote(in);
    FUZZ_CHECK(note.ok() && log::ParseCheckpoint(note->text).ok(), "an opened checkpoint parses");
    FUZZ_CHECK(opened->origin == Signer().name(), "origin is the key's name");
  }
  return 0;
}
