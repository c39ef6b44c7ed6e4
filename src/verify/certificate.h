// Certificates, offline (docs/FORMATS.md, "Certificates"): the text the registrar signs of a
// certificate body, the shape every logged body has, and the check of a certificate document
// with only the registrar's public key: its signature, its receipt, and that the receipt's entry
// is an issuing event stating exactly this body. Part of the verification library: the CLI's
// `verify-certificate`, the audit and the registry's own rules use this one copy.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "crypto/note.h"

namespace dipr::registry {

// The first line of a certificate's signed text.
inline constexpr std::string_view kCertificateTextHeader = "dipr-certificate-v1\n";
// The event types whose payload states a certificate ("certificate": the body). The registry's
// event specs say the same with issues_certificate (event_spec_test checks that they agree).
inline constexpr std::string_view kIssuingEvents[] = {
    "application.registered", "registration.renewed", "registration.change_examined"};
bool IsIssuingEvent(std::string_view type);

// Certificates (docs/FORMATS.md, "Certificates"): the signed text of a certificate body, and the
// offline check of a certificate document.
Result<std::string> CertificateSignedText(const nlohmann::json& body);
struct VerifiedCertificate {
  nlohmann::json body;
  uint64_t index = 0;      // of the issuing event
  uint64_t tree_size = 0;  // of the checkpoint the receipt proves it in
  std::string event_type;
};
// Checks the registrar's signature on the body, the receipt (checkpoint signature and inclusion
// proof), and that the receipt's entry is an issuing event that states exactly this body.
Result<VerifiedCertificate> VerifyCertificate(const nlohmann::json& document,
                                              const crypto::NoteVerifier& key);

// What a verified certificate says about itself at an instant, offline. A certificate is a
// snapshot: its body (the validity) is signed, but the document's "status" is the register's word
// when it served the document, unsigned, and neither says whether the registration was revoked
// or the certificate replaced (renewal, change) since. Only the register knows that now.
struct CertificateStanding {
  std::string status_stated;  // the document's "status"; "" when it has none
  std::string record_url;     // the document's "record_url" (unsigned); "" when none
  Time valid_from{}, valid_until{};
  bool started = false;  // valid_from <= at
  bool ended = false;    // valid_until <= at
  bool within_validity() const { return started && !ended; }
  // The document states `registered` and `at` is within the validity: all an offline check can
  // say for it. Anything else (revoked, cancelled, expired, no status) is not in force.
  bool in_force() const { return status_stated == "registered" && within_validity(); }
};
// REQUIRES: v is VerifyCertificate(document, …) (its body's times parse).
CertificateStanding AssessCertificate(const nlohmann::json& document, const VerifiedCertificate& v,
                                      Time at);

// The deposits a certificate names ({"index","algorithm","digest","size"}), and whether it names
// them at all: certificates issued before 2026-12 give only log indexes (in "record").
struct CertificateDeposit {
  uint64_t index = 0;
  std::string algorithm, digest;
  uint64_t size = 0;
};
std::optional<std::vector<CertificateDeposit>> CertificateDeposits(const nlohmann::json& body);

// "deposits" and "local_dates" came with certificate bodies in 2026-12; older bodies lack both
// and stay valid. Where present, the deposits are the record's, in its order, each with its
// fingerprint's algorithm, digest and size (copied by the registrar from the deposit entries),
// and the local dates are dates with a time zone. InvalidArgument saying what is malformed.
Status CheckDepositsAndDates(const nlohmann::json& body);

}  // namespace dipr::registry
