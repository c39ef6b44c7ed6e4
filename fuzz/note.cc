// Signed notes (crypto/note.h): the note parser, opening against a known key, and the verifier and
// signer key parsers. An opened note's text is what the parser split off; a parsed key prints
// as a key that parses back to the same key, and a parsed signer signs what its verifier opens.
#include "crypto/note.h"
#include "fuzz_check.h"

using namespace dipr::crypto;

namespace {
// The key of golang.org/x/mod/sumdb/note's example (crypto/note_test.cc); the corpus holds its
// signed note.
const NoteVerifier& GoKey() {
  static const NoteVerifier key =
      NoteVerifier::Parse("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
          .value();
  return key;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in = dipr::fuzz::AsText(data, size);
  auto note = ParseNote(in);
  if (note.ok()) {
    FUZZ_CHECK(!note->text.empty() && note->text.back() == '\n', "note text ends in a newline");
    FUZZ_CHECK(!note->signatures.empty(), "a parsed note has a signature");
    for (const auto& s : note->signatures) FUZZ_CHECK(IsValidKeyName(s.name), "signer name");
  }
  auto opened = OpenNote(in, GoKey());
  if (opened.ok()) {
    FUZZ_CHECK(note.ok() && *opened == note->text, "OpenNote returns the parsed text");
  }
  if (auto v = NoteVerifier::Parse(in); v.ok()) {
    auto again = NoteVerifier::Parse(v->ToString());
    FUZZ_CHECK(again.ok() && again->key_id() == v->key_id() && again->name() == v->name(),
               "a verifier key parses back");
  }
  if (auto s = NoteSigner::Parse(in); s.ok()) {
    auto again = NoteSigner::Parse(s->ToString());
    FUZZ_CHECK(again.ok() && again->key_id() == s->key_id(), "a signer key parses back");
    std::string text = "fuzz\n";
    auto back = OpenNote(SignNote(text, *s), s->verifier());
    FUZZ_CHECK(back.ok() && *back == text, "a parsed signer key signs what its verifier opens");
  }
  return 0;
}
