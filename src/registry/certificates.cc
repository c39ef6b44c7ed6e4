// Certificates: the signed document and its print form, and their offline verification.
#include "registry/registrar.h"

#include <fmt/format.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>

#include "common/bytes.h"
#include "common/hex.h"
#include "common/json_parse.h"
#include "crypto/random.h"
#include "fingerprint/fingerprint.h"
#include "registry/application.h"
#include "registry/application_events.h"
#include "registry/commitment.h"
#include "registry/deposit_events.h"
#include "registry/event_spec.h"
#include "registry/numbers.h"
#include "registry/objection_events.h"
#include "registry/projector.h"
#include "registry/read_view.h"
#include "registry/registration_events.h"
#include "registry/settings.h"
#include "registry/validate.h"
#include "storage/grams.h"

#include "registry/registrar_util.h"

namespace dipr::registry {

using nlohmann::json;

Result<json> Registrar::Certificate(const std::string& number) {
  ASSIGN_OR_RETURN(auto a, LoadRegistration(number));
  if (a.certificate.is_null()) return NotFound(fmt::format("{} has no certificate", number));
  return DocumentOf(a);
}

Result<json> Registrar::DocumentOf(const ApplicationState& a) {
  const std::string& number = a.registration_number;
  auto head = registry_.sequencer().Latest();
  storage::TreeHead h = *head;
  if (h.size <= a.certificate_index) {
    ASSIGN_OR_RETURN(auto stored, store_.LatestTreeHead());
    if (!stored || stored->size <= a.certificate_index) {
      return Unavailable("no checkpoint covers the certificate's entry yet; retry");
    }
    h = *stored;
  }
  ASSIGN_OR_RETURN(Receipt receipt, registry_.MakeReceipt(a.certificate_index, h));
  ASSIGN_OR_RETURN(std::string text, CertificateSignedText(a.certificate));
  json doc = {{"certificate", a.certificate},
              {"signature", signer_.SignatureLine(text)},
              {"receipt", json::parse(receipt.ToJsonText())},
              {"status", a.status},
              {"record_url", PublicUrl(number)}};
  return doc;
}

Result<CertificatePrint> Registrar::CertificateForPrint(const std::string& number) {
  ASSIGN_OR_RETURN(auto a, LoadRegistration(number));
  if (a.certificate.is_null()) return NotFound(fmt::format("{} has no certificate", number));
  ASSIGN_OR_RETURN(json doc, DocumentOf(a));
  CertificatePrint p{
      a.certificate, a.certificate_index, PublicUrl(number), std::move(doc), a.status, a.updated};
  // The time of the event that gave the status (a later event, e.g. a change request, moves
  // `updated` but not the status).
  for (auto it = a.history.rbegin(); it != a.history.rend(); ++it) {
    const std::string type = it->value("type", "");
    if (type == kRegistrationRevoked || type == kRegistrationCancelled ||
        type == kRegistrationExpired || type == kRegistrationRenewed ||
        type == kApplicationRegistered) {
      auto t = ParseRfc3339(it->value("time", ""));
      if (t.ok()) p.status_since = *t;
      break;
    }
  }
  return p;
}

// --- certificates, offline ---

Result<VerifiedCertificate> VerifyCertificate(const json& doc, const crypto::NoteVerifier& key) {
  if (!doc.is_object() || !doc.contains("certificate") || !doc["certificate"].is_object() ||
      !doc.contains("signature") || !doc["signature"].is_string() || !doc.contains("receipt")) {
    return InvalidArgument("not a certificate document (needs certificate, signature, receipt)");
  }
  const json& body = doc["certificate"];
  auto signed_text = CertificateSignedText(body);
  if (!signed_text.ok()) {
    return InvalidArgument("the certificate body is not canonical JSON: " +
                           signed_text.status().message());
  }
  const std::string& text = *signed_text;
  std::string note = text + "\n" + doc["signature"].get<std::string>();
  auto opened = crypto::OpenNote(note, key);
  if (!opened.ok()) {
    return InvalidArgument("the registrar's signature on the certificate does not verify: " +
                           opened.status().message());
  }
  ASSIGN_OR_RETURN(Receipt receipt, Receipt::FromJson(doc["receipt"]));
  auto cp = VerifyReceipt(receipt, key);
  if (!cp.ok())
    return InvalidArgument("the certificate's receipt does not verify: " + cp.status().message());
  ASSIGN_OR_RETURN(Event e, DecodeEntry(receipt.entry));
  if (!OneOf(kIssuingEvents, e.type)) {
    return InvalidArgument(
        fmt::format("the receipt's entry is a {} event, which issues no "
                    "certificate",
                    e.type));
  }
  if (!e.payload.contains("certificate") || e.payload["certificate"] != body) {
    return InvalidArgument("the logged event states a different certificate");
  }
  // Signed and logged, but a registrar's bug (or a hostile one) could still have logged a body
  // of the wrong shape: what the verifier reads from it must be there.
  for (const char* k : {"valid_from", "valid_until", "certificate_number", "registration_number"}) {
    if (!body.contains(k) || !body[k].is_string() ||
        (k[0] == 'v' && !ParseRfc3339(body[k].get<std::string>()).ok())) {
      return InvalidArgument(fmt::format("the certificate's \"{}\" is malformed", k));
    }
  }
  if (Status s = CheckDepositsAndDates(body); !s.ok()) return InvalidArgument(s.message());
  VerifiedCertificate v;
  v.body = body;
  v.index = receipt.index;
  v.tree_size = cp->size;
  v.event_type = e.type;
  return v;
}

CertificateStanding AssessCertificate(const json& doc, const VerifiedCertificate& v, Time at) {
  CertificateStanding s;
  if (doc.contains("status") && doc["status"].is_string()) s.status_stated = doc["status"];
  if (doc.contains("record_url") && doc["record_url"].is_string()) s.record_url = doc["record_url"];
  s.valid_from = ParseRfc3339(v.body["valid_from"].get<std::string>()).value();
  s.valid_until = ParseRfc3339(v.body["valid_until"].get<std::string>()).value();
  s.started = s.valid_from <= at;
  s.ended = s.valid_until <= at;
  return s;
}

std::optional<std::vector<CertificateDeposit>> CertificateDeposits(const json& body) {
  // Shape checked where the certificate was logged (lifecycle.cc, CheckDepositsAndDates).
  if (!body.contains("deposits") || !body["deposits"].is_array()) return std::nullopt;
  std::vector<CertificateDeposit> out;
  for (const auto& d : body["deposits"]) {
    out.push_back({d.value("index", uint64_t{0}), d.value("algorithm", ""), d.value("digest", ""),
                   d.value("size", uint64_t{0})});
  }
  return out;
}

}  // namespace dipr::registry
