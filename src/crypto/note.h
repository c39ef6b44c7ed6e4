// C2SP signed-note with Ed25519 signatures: the format of golang.org/x/mod/sumdb/note, in which
// dipr's checkpoints (and later cosignatures) are signed. See docs/FORMATS.md, "Signed notes".
//
//   <text, one or more lines, each ending in \n>
//   \n
//   — <key name> <base64(4-byte key ID || 64-byte signature)>\n     (one line per signature)
//
// The key ID is the first 4 bytes of SHA-256(name || "\n" || 0x01 || public key). Verifier keys
// are written "<name>+<8 hex key ID>+<base64(0x01 || public key)>" and signer keys
// "PRIVATE+KEY+<name>+<8 hex key ID>+<base64(0x01 || seed)>", exactly as Go's note package.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "crypto/ed25519.h"

namespace dipr::crypto {

// A key name is non-empty UTF-8 without whitespace or '+'.
bool IsValidKeyName(std::string_view name);
uint32_t NoteKeyId(std::string_view name, const Ed25519PublicKey& key);

// Thread-safe, immutable.
class NoteVerifier {
 public:
  NoteVerifier(std::string name, Ed25519PublicKey key);
  // Parses "<name>+<hex key ID>+<base64(0x01 || key)>", checking that the ID matches the key.
  static Result<NoteVerifier> Parse(std::string_view vkey);

  const std::string& name() const { return name_; }
  uint32_t key_id() const { return key_id_; }
  const Ed25519PublicKey& key() const { return key_; }
  std::string ToString() const;

 private:
  std::string name_;
  uint32_t key_id_;
  Ed25519PublicKey key_;
};

// Thread-safe, immutable.
class NoteSigner {
 public:
  NoteSigner(std::string name, Ed25519PrivateKey key);
  static Result<NoteSigner> Parse(std::string_view skey);

  const std::string& name() const { return name_; }
  uint32_t key_id() const { return verifier_.key_id(); }
  const NoteVerifier& verifier() const { return verifier_; }
  std::string ToString() const;
  // One signature line, "— name base64\n", over text.
  std::string SignatureLine(std::string_view text) const;

 private:
  std::string name_;
  Ed25519PrivateKey key_;
  NoteVerifier verifier_;
};

struct NoteSignature {
  std::string name;
  uint32_t key_id = 0;
  std::string signature;  // raw bytes after the key ID
};

struct Note {
  std::string text;  // ends in "\n"
  std::vector<NoteSignature> signatures;
};

// REQUIRES: text is valid note text (UTF-8, ends in \n, no other control characters).
std::string SignNote(std::string_view text, const NoteSigner& signer);
// Splits a signed note into its text and signature lines; checks the structure only.
Result<Note> ParseNote(std::string_view msg);
// Parses msg and checks that it carries a valid signature by verifier. Returns the text.
// Signatures by other keys are allowed (cosignatures) and ignored.
Result<std::string> OpenNote(std::string_view msg, const NoteVerifier& verifier);

}  // namespace dipr::crypto
