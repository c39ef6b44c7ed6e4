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
#include "verify/certificate.h"

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

}  // namespace dipr::registry
