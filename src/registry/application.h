// An application to register a dataset: its fields, their validation, and what of them is public.
// See docs/API.md, "Applications", for the fields and docs/FORMATS.md for how they are logged.
//
// Privacy: the log is public, so an application's fields never go into it while it is a draft or
// under examination: application events carry a salted commitment to the fields (hex SHA-256 of
// "dipr-application-v1\n" || salt || canonical JSON), and the fields travel as the entry's sidecar
// (kept by the registry, never logged). When an examiner accepts an application for public notice,
// the *public* fields are published in the log; fields the holder marked confidential never are.
// Identifiers of individual holders are published masked.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

#include "common/status.h"

namespace dipr::registry {

// Descriptive fields that a holder may mark confidential (the others are on the certificate).
inline constexpr std::string_view kDescriptiveFields[] = {"scenarios",
                                                          "collection_rules",
                                                          "processing_rules",
                                                          "structure",
                                                          "update_frequency",
                                                          "source",
                                                          "scale",
                                                          "sample"};
inline constexpr std::string_view kHolderTypes[] = {"enterprise", "institution", "individual"};
inline constexpr std::string_view kSourceKinds[] = {"self_collected", "licensed", "purchased",
                                                    "public_authorized"};

inline constexpr size_t kMaxDataNameChars = 200;
inline constexpr size_t kMaxHolders = 20;
inline constexpr size_t kMaxDescriptionChars = 2000;  // keeps an issuing entry under 64 KiB
inline constexpr size_t kMaxDeposits = 100;

// Validates an application body (POST/PUT /v1/applications) and returns its normalized fields:
// every field present, "confidential" sorted, unique-holder and share rules checked, countries
// checked against the assigned ISO 3166-1 codes (registry/country.h), unified social credit codes
// of CN enterprises and institutions and citizen identity numbers of CN individuals checked, text
// checked as registry/validate.h says. InvalidArgument naming the field otherwise. Does not check
// the deposits' existence, ownership or sizes against "scale.bytes" (the caller does).
Result<nlohmann::json> ParseApplicationFields(const nlohmann::json& body);

// The fields the public sees: confidential descriptive fields removed, individuals' identifiers
// masked; "confidential" lists what was withheld.
nlohmann::json PublicFields(const nlohmann::json& fields);

// "110101199003071234" -> "110*************34": the first three and last two characters kept.
std::string MaskIdentifier(std::string_view id);

// The commitment to fields under salt (16 random bytes, as 32 hex digits): 64 hex digits.
Result<std::string> FieldsCommitment(const nlohmann::json& fields, std::string_view salt_hex);

// GB/T 4754-2017 section names, for certificates: "I" -> "信息传输、软件和信息技术服务业".
std::string_view IndustryName(std::string_view section);
std::string_view IndustryNameEn(std::string_view section);

}  // namespace dipr::registry
