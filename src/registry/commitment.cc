#include "registry/commitment.h"

#include "common/bytes.h"
#include "common/hex.h"
#include "crypto/random.h"
#include "crypto/sha256.h"
#include "verify/event.h"

namespace dipr::registry {

Result<std::string> Commitment(std::string_view domain, const nlohmann::json& value,
                               std::string_view salt_hex) {
  ASSIGN_OR_RETURN(std::string canonical, CanonicalJson(value));
  ASSIGN_OR_RETURN(std::string salt, HexDecode(salt_hex));
  if (salt.size() != 16) return InvalidArgument("a commitment salt is 16 bytes");
  std::string msg = std::string(domain) + salt + canonical;
  return HexEncode(crypto::Sha256Of(msg));
}

Result<std::string> TextCommitment(std::string_view text, std::string_view salt_hex) {
  return Commitment(kTextDomain, nlohmann::json(std::string(text)), salt_hex);
}

std::string NewSalt() { return HexEncode(AsBytes(crypto::RandomBytes(16))); }

}  // namespace dipr::registry
