#include "crypto/note.h"

#include <fmt/format.h>

#include "common/base64.h"
#include "common/hex.h"
#include "common/utf8.h"
#include "crypto/sha256.h"

namespace dipr::crypto {
namespace {

constexpr uint8_t kAlgEd25519 = 0x01;
constexpr std::string_view kSigPrefix = "\xe2\x80\x94 ";  // U+2014 EM DASH, then a space
constexpr size_t kMaxSignatures = 100;

// Note text: UTF-8, ends in \n, no control characters besides \n.
bool IsValidText(std::string_view text) {
  if (text.empty() || text.back() != '\n' || !IsValidUtf8(text)) return false;
  for (char c : text) {
    auto u = static_cast<uint8_t>(c);
    if ((u < 0x20 && c != '\n') || u == 0x7f) return false;
  }
  return true;
}

std::string KeyIdHex(uint32_t id) { return fmt::format("{:08x}", id); }

Result<uint32_t> ParseKeyIdHex(std::string_view hex) {
  if (hex.size() != 8) return InvalidArgument("key ID is not 8 hex digits");
  ASSIGN_OR_RETURN(std::string raw, HexDecode(hex));
  return static_cast<uint32_t>(static_cast<uint8_t>(raw[0])) << 24 |
         static_cast<uint32_t>(static_cast<uint8_t>(raw[1])) << 16 |
         static_cast<uint32_t>(static_cast<uint8_t>(raw[2])) << 8 |
         static_cast<uint32_t>(static_cast<uint8_t>(raw[3]));
}

std::string KeyIdBytes(uint32_t id) {
  return {static_cast<char>(id >> 24), static_cast<char>(id >> 16), static_cast<char>(id >> 8),
          static_cast<char>(id)};
}

// Splits s at its first max_parts-1 '+' signs (base64 keys may contain '+' themselves).
std::vector<std::string_view> SplitPlus(std::string_view s, size_t max_parts) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (parts.size() + 1 < max_parts) {
    size_t p = s.find('+', start);
    parts.push_back(s.substr(start, p == std::string_view::npos ? s.npos : p - start));
    if (p == std::string_view::npos) return parts;
    start = p + 1;
  }
  parts.push_back(s.substr(start));
  return parts;
}

}  // namespace

bool IsValidKeyName(std::string_view name) {
  if (name.empty() || !IsValidUtf8(name)) return false;
  for (char c : name) {
    auto u = static_cast<uint8_t>(c);
    if (u <= 0x20 || u == 0x7f || c == '+') return false;
  }
  // Unicode spaces that Go's unicode.IsSpace also rejects.
  for (std::string_view sp : {"\xc2\x85", "\xc2\xa0", "\xe1\x9a\x80", "\xe2\x80\xa8",
                              "\xe2\x80\xa9", "\xe2\x80\xaf", "\xe2\x81\x9f", "\xe3\x80\x80"}) {
    if (name.find(sp) != std::string_view::npos) return false;
  }
  for (uint8_t c = 0x80; c <= 0x8a; ++c) {  // U+2000..U+200A
    if (name.find(std::string("\xe2\x80") + static_cast<char>(c)) != std::string_view::npos) {
      return false;
    }
  }
  return true;
}

uint32_t NoteKeyId(std::string_view name, const Ed25519PublicKey& key) {
  Sha256 h;
  h.Update(name);
  h.Update(std::string_view("\n"));
  h.Update(kAlgEd25519);
  h.Update(key.raw());
  Hash d = h.Final();
  return static_cast<uint32_t>(d[0]) << 24 | static_cast<uint32_t>(d[1]) << 16 |
         static_cast<uint32_t>(d[2]) << 8 | d[3];
}

NoteVerifier::NoteVerifier(std::string name, Ed25519PublicKey key)
    : name_(std::move(name)), key_id_(NoteKeyId(name_, key)), key_(std::move(key)) {}

Result<NoteVerifier> NoteVerifier::Parse(std::string_view vkey) {
  auto parts = SplitPlus(vkey, 3);
  if (parts.size() != 3) return InvalidArgument("verifier key is not <name>+<id>+<key>");
  if (!IsValidKeyName(parts[0])) return InvalidArgument("invalid key name");
  ASSIGN_OR_RETURN(uint32_t id, ParseKeyIdHex(parts[1]));
  ASSIGN_OR_RETURN(std::string raw, Base64Decode(parts[2]));
  if (raw.size() != 33 || static_cast<uint8_t>(raw[0]) != kAlgEd25519) {
    return InvalidArgument("verifier key is not an Ed25519 key");
  }
  ASSIGN_OR_RETURN(auto key, Ed25519PublicKey::FromRaw(raw.substr(1)));
  NoteVerifier v(std::string(parts[0]), std::move(key));
  if (v.key_id() != id) return InvalidArgument("verifier key ID does not match the key");
  return v;
}

std::string NoteVerifier::ToString() const {
  return name_ + "+" + KeyIdHex(key_id_) + "+" +
         Base64Encode(std::string(1, static_cast<char>(kAlgEd25519)) + key_.raw());
}

NoteSigner::NoteSigner(std::string name, Ed25519PrivateKey key)
    : name_(std::move(name)), key_(std::move(key)), verifier_(name_, key_.public_key()) {}

Result<NoteSigner> NoteSigner::Parse(std::string_view skey) {
  auto parts = SplitPlus(skey, 5);
  if (parts.size() != 5 || parts[0] != "PRIVATE" || parts[1] != "KEY") {
    return InvalidArgument("signer key is not PRIVATE+KEY+<name>+<id>+<key>");
  }
  if (!IsValidKeyName(parts[2])) return InvalidArgument("invalid key name");
  ASSIGN_OR_RETURN(uint32_t id, ParseKeyIdHex(parts[3]));
  ASSIGN_OR_RETURN(std::string raw, Base64Decode(parts[4]));
  if (raw.size() != 33 || static_cast<uint8_t>(raw[0]) != kAlgEd25519) {
    return InvalidArgument("signer key is not an Ed25519 key");
  }
  ASSIGN_OR_RETURN(auto key, Ed25519PrivateKey::FromSeed(raw.substr(1)));
  NoteSigner s(std::string(parts[2]), std::move(key));
  if (s.key_id() != id) return InvalidArgument("signer key ID does not match the key");
  return s;
}

std::string NoteSigner::ToString() const {
  return "PRIVATE+KEY+" + name_ + "+" + KeyIdHex(key_id()) + "+" +
         Base64Encode(std::string(1, static_cast<char>(kAlgEd25519)) + key_.seed());
}

std::string NoteSigner::SignatureLine(std::string_view text) const {
  std::string sig = KeyIdBytes(key_id()) + key_.Sign(text);
  return std::string(kSigPrefix) + name_ + " " + Base64Encode(sig) + "\n";
}

std::string SignNote(std::string_view text, const NoteSigner& signer) {
  return std::string(text) + "\n" + signer.SignatureLine(text);
}

Result<Note> ParseNote(std::string_view msg) {
  size_t split = msg.rfind("\n\n");
  if (split == std::string_view::npos) return InvalidArgument("malformed note: no signatures");
  Note note;
  note.text = std::string(msg.substr(0, split + 1));
  if (!IsValidText(note.text)) return InvalidArgument("malformed note: bad text");
  std::string_view sigs = msg.substr(split + 2);
  if (sigs.empty() || sigs.back() != '\n') return InvalidArgument("malformed note: no signatures");
  while (!sigs.empty()) {
    size_t nl = sigs.find('\n');
    std::string_view line = sigs.substr(0, nl);
    sigs.remove_prefix(nl + 1);
    if (line.substr(0, kSigPrefix.size()) != kSigPrefix) {
      return InvalidArgument("malformed note: bad signature line");
    }
    line.remove_prefix(kSigPrefix.size());
    size_t sp = line.find(' ');
    if (sp == std::string_view::npos) return InvalidArgument("malformed note: bad signature line");
    NoteSignature s;
    s.name = std::string(line.substr(0, sp));
    if (!IsValidKeyName(s.name)) return InvalidArgument("malformed note: bad signer name");
    auto raw = Base64Decode(line.substr(sp + 1));
    if (!raw.ok() || raw->size() < 5) return InvalidArgument("malformed note: bad signature");
    s.key_id = static_cast<uint32_t>(static_cast<uint8_t>((*raw)[0])) << 24 |
               static_cast<uint32_t>(static_cast<uint8_t>((*raw)[1])) << 16 |
               static_cast<uint32_t>(static_cast<uint8_t>((*raw)[2])) << 8 |
               static_cast<uint32_t>(static_cast<uint8_t>((*raw)[3]));
    s.signature = raw->substr(4);
    note.signatures.push_back(std::move(s));
    if (note.signatures.size() > kMaxSignatures) {
      return InvalidArgument("malformed note: too many signatures");
    }
  }
  return note;
}

Result<std::string> OpenNote(std::string_view msg, const NoteVerifier& verifier) {
  ASSIGN_OR_RETURN(Note note, ParseNote(msg));
  bool known = false;
  for (const auto& s : note.signatures) {
    if (s.name != verifier.name() || s.key_id != verifier.key_id()) continue;
    known = true;
    if (verifier.key().Verify(note.text, s.signature)) return std::move(note.text);
  }
  if (!known) return InvalidArgument("note has no signature by " + verifier.name());
  return InvalidArgument("note signature by " + verifier.name() + " does not verify");
}

}  // namespace dipr::crypto
