// The registrar's prepare steps of the registrations family (renewal, change, cancellation,
// revocation), and the certificates they issue.
#include "registry/registrar_registrations.h"

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

// --- registrations ---

Result<json> Registrar::IssueCertificate(const InForce& s, const ApplicationState& a, Time now,
                                         const std::string& registration_number, Time registered,
                                         Time valid_from, Time valid_until) {
  int y, m, d;
  s.schedule->LocalDate(now, y, m, d);
  const RegistrarSettings& settings = s.registrar;
  ASSIGN_OR_RETURN(std::string cn, numbers_.NextCertificateNumber(y, m, settings.code));
  CertificateFacts f;
  f.registration_number = registration_number;
  f.certificate_number = cn;
  f.registrar_code = settings.code;
  f.registrar_name = settings.name;
  f.issued = now;
  f.registered = registered;
  f.valid_from = valid_from;
  f.valid_until = valid_until;
  f.time_zone = s.schedule->ZoneName();
  f.registered_on = LocalDateOf(*s.schedule, registered);
  f.valid_from_on = LocalDateOf(*s.schedule, valid_from);
  f.valid_until_on = LocalDateOf(*s.schedule, valid_until);
  // The digests are the deposit entries' (public in the log), so that the certificate alone
  // checks a dataset offline.
  const json& indexes =
      a.record.is_object() && a.record.contains("deposits") ? a.record["deposits"] : json::array();
  for (size_t i = 0; i < indexes.size(); ++i) {
    const uint64_t idx = indexes[i].get<uint64_t>();
    ASSIGN_OR_RETURN(Event e, ReadDeposit(idx, fmt::format("deposits[{}]", i)));
    const json& fp = e.payload.contains("fingerprint") ? e.payload["fingerprint"] : json();
    if (!fp.is_object() || !fp.contains("digest") || !fp.contains("size") ||
        !fp.contains("algorithm")) {
      return DataLoss(fmt::format("deposit entry {} lacks its fingerprint", idx));
    }
    f.deposits.push_back({{"index", idx},
                          {"algorithm", fp["algorithm"]},
                          {"digest", fp["digest"]},
                          {"size", fp["size"]}});
  }
  return CertificateBody(a, f);
}

Result<Prepared> PrepareRenewal(Registrar& registrar, const storage::Account& actor,
                                const std::string& number) {
  RETURN_IF_ERROR(Authorize(SpecOf(kRegistrationRenewed), actor));
  ASSIGN_OR_RETURN(auto a, registrar.LoadRegistration(number));
  // The apply function's own rules, before the dates they make meaningful are computed (the
  // event is dry-run whole by Make).
  RETURN_IF_ERROR(CheckParty(SpecOf(kRegistrationRenewed), a, actor.id));
  RETURN_IF_ERROR(CheckRenewable(a));
  Time now = registrar.Now();
  const auto s = registrar.in_force();
  ASSIGN_OR_RETURN(Time opens,
                   s->schedule->Start(*a.valid_until, Schedule::Period::kRenewalWindow));
  ASSIGN_OR_RETURN(Time closes, s->schedule->End(*a.valid_until, Schedule::Period::kRenewalGrace));
  if (now < opens) {
    return Conflict(fmt::format("registration {} can be renewed from {} (it is valid until {})",
                                number, FormatRfc3339(opens), FormatRfc3339(*a.valid_until)));
  }
  if (now > closes) {
    return Conflict(
        fmt::format("the grace period to renew {} ended at {}", number, FormatRfc3339(closes)));
  }
  ASSIGN_OR_RETURN(Time until, s->schedule->End(*a.valid_until, Schedule::Period::kValidity));
  ASSIGN_OR_RETURN(json cert, registrar.IssueCertificate(*s, a, now, a.registration_number,
                                                         *a.registered_at, *a.valid_until, until));
  Event e{std::string(kRegistrationRenewed),
          now,
          actor.id,
          {{"application", a.id}, {"certificate", std::move(cert)}}};
  return registrar.Make(std::move(e), "", a.id);
}

Result<Prepared> PrepareChange(Registrar& registrar, const storage::Account& actor,
                               const std::string& number, const json& body) {
  RETURN_IF_ERROR(Authorize(SpecOf(kRegistrationChangeRequested), actor));
  ASSIGN_OR_RETURN(auto a, registrar.LoadRegistration(number));
  // Whose it is comes before what the body says (its deposits must be the actor's own).
  RETURN_IF_ERROR(CheckParty(SpecOf(kRegistrationChangeRequested), a, actor.id));
  json fields;
  ASSIGN_OR_RETURN(auto content, registrar.ContentFor(actor, body, fields));
  Event e{std::string(kRegistrationChangeRequested),
          registrar.Now(),
          actor.id,
          {{"application", a.id}, {"content", content.first}}};
  return registrar.Make(std::move(e), std::move(content.second), a.id);
}

Result<Prepared> PrepareChangeExamination(Registrar& registrar, const storage::Account& actor,
                                          const std::string& number, const json& body) {
  RETURN_IF_ERROR(Authorize(SpecOf(kRegistrationChangeExamined), actor));
  std::string decision, reason;
  RETURN_IF_ERROR(ParseDecision(body, {"accept", "reject"}, "accept", decision, reason));
  ASSIGN_OR_RETURN(auto a, registrar.LoadRegistration(number));
  RETURN_IF_ERROR(CheckChangeExaminable(a));  // before the certificate's dates are read
  Time now = registrar.Now();
  json payload = {{"application", a.id}, {"decision", decision}}, side = json::object();
  if (!reason.empty()) RETURN_IF_ERROR(CommitText("reason", reason, payload, side));
  if (decision == "accept") {
    if (!a.change_fields.is_object())
      return DataLoss("the change of " + number + " lost its fields");
    ApplicationState changed = a;
    changed.record = PublicFields(a.change_fields);
    ASSIGN_OR_RETURN(
        payload["certificate"],
        registrar.IssueCertificate(*registrar.in_force(), changed, now, a.registration_number,
                                   *a.registered_at, *a.valid_from, *a.valid_until));
  }
  Event e{std::string(kRegistrationChangeExamined), now, actor.id, std::move(payload)};
  ASSIGN_OR_RETURN(std::string sidecar, TextSidecar(side));
  return registrar.Make(std::move(e), std::move(sidecar), a.id);
}

Result<Prepared> PrepareCancel(Registrar& registrar, const storage::Account& actor,
                               const std::string& number, const json& body) {
  RETURN_IF_ERROR(Authorize(SpecOf(kRegistrationCancelled), actor));
  std::string reason;
  RETURN_IF_ERROR(ParseReason(body, false, reason));
  ASSIGN_OR_RETURN(auto a, registrar.LoadRegistration(number));
  json payload = {{"application", a.id}};
  if (!reason.empty()) payload["reason"] = reason;
  Event e{std::string(kRegistrationCancelled), registrar.Now(), actor.id, std::move(payload)};
  return registrar.Make(std::move(e), "", a.id);
}

Result<Prepared> PrepareRevoke(Registrar& registrar, const storage::Account& actor,
                               const std::string& number, const json& body) {
  RETURN_IF_ERROR(Authorize(SpecOf(kRegistrationRevoked), actor));
  std::string reason;
  RETURN_IF_ERROR(ParseReason(body, true, reason));
  ASSIGN_OR_RETURN(auto a, registrar.LoadRegistration(number));
  Event e{std::string(kRegistrationRevoked),
          registrar.Now(),
          actor.id,
          {{"application", a.id}, {"reason", reason}}};
  return registrar.Make(std::move(e), "", a.id);
}

}  // namespace dipr::registry
