// Salted commitments: how the public log carries what is not public (docs/FORMATS.md §2.2).
//
//   commitment = hex(SHA-256(domain || salt || canonical JSON of the value))
//
// with a fresh 16-byte random salt per commitment. The log holds the commitment; the value and
// the salt travel as the entry's sidecar, which the registry keeps and never logs. Whoever is
// shown value and salt (the holder, a court: GET /v1/applications/{id}/opening) can check them
// against the log; nobody can recover the value from the commitment, nor test a guess without
// the salt. Two domains, so a commitment to one kind of value never opens as another:
//   "dipr-application-v1\n"  an application's fields (a JSON object; registry/application.h)
//   "dipr-text-v1\n"         one private text: an examiner's reason, an objection's grounds or
//                            evidence (a JSON string)
//   "dipr-identity-v1\n"     a self-registered objector's identity (a JSON object)
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

#include "common/status.h"

namespace dipr::registry {

inline constexpr std::string_view kFieldsDomain = "dipr-application-v1\n";
inline constexpr std::string_view kTextDomain = "dipr-text-v1\n";
// A self-registered objector's identity: {"contact","id_number","id_type","name"}.
inline constexpr std::string_view kIdentityDomain = "dipr-identity-v1\n";

// 64 lower-case hex digits. InvalidArgument unless salt_hex is 32 hex digits and value is
// canonical-JSON encodable.
Result<std::string> Commitment(std::string_view domain, const nlohmann::json& value,
                               std::string_view salt_hex);
Result<std::string> TextCommitment(std::string_view text, std::string_view salt_hex);
// A fresh random salt: 16 bytes as 32 lower-case hex digits.
std::string NewSalt();

}  // namespace dipr::registry
