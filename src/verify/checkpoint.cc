#include "verify/checkpoint.h"

#include <charconv>
#include <cstring>

#include "common/base64.h"

namespace dipr::log {

std::string Checkpoint::Body() const {
  std::string out = origin + "\n" + std::to_string(size) + "\n" +
                    Base64Encode(std::span<const uint8_t>(root.data(), root.size())) + "\n";
  for (const auto& e : extensions) out += e + "\n";
  return out;
}

Result<Checkpoint> ParseCheckpoint(std::string_view body) {
  std::vector<std::string_view> lines;
  while (!body.empty()) {
    size_t nl = body.find('\n');
    if (nl == std::string_view::npos)
      return InvalidArgument("checkpoint does not end in a newline");
    lines.push_back(body.substr(0, nl));
    body.remove_prefix(nl + 1);
  }
  if (lines.size() < 3) return InvalidArgument("checkpoint has fewer than 3 lines");
  Checkpoint c;
  c.origin = std::string(lines[0]);
  if (c.origin.empty()) return InvalidArgument("checkpoint origin is empty");
  std::string_view sz = lines[1];
  // Decimal without sign or leading zeros (other than "0" itself), as the spec requires.
  if (sz.empty() || (sz.size() > 1 && sz[0] == '0')) return InvalidArgument("bad checkpoint size");
  auto [p, ec] = std::from_chars(sz.data(), sz.data() + sz.size(), c.size);
  if (ec != std::errc() || p != sz.data() + sz.size())
    return InvalidArgument("bad checkpoint size");
  auto root = Base64Decode(lines[2]);
  if (!root.ok() || root->size() != 32) return InvalidArgument("bad checkpoint root hash");
  std::memcpy(c.root.data(), root->data(), 32);
  for (size_t i = 3; i < lines.size(); ++i) {
    if (lines[i].empty()) return InvalidArgument("empty checkpoint extension line");
    c.extensions.emplace_back(lines[i]);
  }
  return c;
}

Result<Checkpoint> OpenCheckpoint(std::string_view signed_note, const crypto::NoteVerifier& key) {
  ASSIGN_OR_RETURN(std::string body, crypto::OpenNote(signed_note, key));
  ASSIGN_OR_RETURN(Checkpoint c, ParseCheckpoint(body));
  if (c.origin != key.name()) {
    return InvalidArgument("checkpoint origin \"" + c.origin + "\" is not the key's name \"" +
                           key.name() + "\"");
  }
  return c;
}

}  // namespace dipr::log
