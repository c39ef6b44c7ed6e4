#include "registry/registration_events.h"

#include <fmt/format.h>

#include "registry/application.h"
#include "registry/event_rules.h"
#include "registry/event_spec.h"
#include "registry/register_view.h"

namespace dipr::registry {
namespace {

using nlohmann::json;

const json& CertificateOf(const Event& e) {
  static const json kNone;
  return e.payload.contains("certificate") ? e.payload["certificate"] : kNone;
}

Status Renewed(RegisterView& view, const EventContext& c) {
  const Event& e = c.event;
  ASSIGN_OR_RETURN(ApplicationState a, Load(view, e));
  RETURN_IF_ERROR(RequireParty(c, a));
  RETURN_IF_ERROR(CheckRenewable(a));
  const json& body = CertificateOf(e);
  RETURN_IF_ERROR(CheckCertificate(a, body, e));
  if (body["record"] != a.record) return InvalidArgument("the certificate's record differs");
  if (body["registration_number"] != a.registration_number ||
      body["registered_at"] != OptTime(a.registered_at)) {
    return InvalidArgument("a renewal keeps the registration number and date");
  }
  if (body["valid_from"] != OptTime(a.valid_until)) {
    return InvalidArgument("a renewal's validity starts where the previous one ended");
  }
  RETURN_IF_ERROR(view.ClaimNumber(body["certificate_number"].get<std::string>(), a.id));
  RETURN_IF_ERROR(IssueFrom(a, body, c.index));
  a.status = status::kRegistered;
  AddHistory(a, c.index, e, {{"certificate_number", a.certificate_number}});
  return view.PutApplication(a, c.index);
}

Status ChangeRequested(RegisterView& view, const EventContext& c) {
  const Event& e = c.event;
  ASSIGN_OR_RETURN(ApplicationState a, Load(view, e));
  RETURN_IF_ERROR(RequireParty(c, a));
  if (a.status != status::kRegistered) return Refuse(a, "only a registration in force is changed");
  if (!a.change_content.empty()) return Refuse(a, "a change is already under examination");
  std::string content;
  ASSIGN_OR_RETURN(json fields, MaybeOpenContent(e, c.sidecar, c.require_private, content));
  if (!fields.is_null() && !a.fields.is_null()) {
    for (const char* k : {"data_name", "holders", "industry", "deposits"}) {
      if (fields[k] != a.fields[k]) {
        return InvalidArgument(fmt::format(
            "\"{}\" cannot change by a change of descriptive fields (transfers are their own "
            "procedure)",
            k));
      }
    }
    if (fields == a.fields) return Refuse(a, "the requested change changes no field");
  }
  a.change_content = content;
  a.change_fields = std::move(fields);
  AddHistory(a, c.index, e);
  return view.PutApplication(a, c.index);
}

Status ChangeExamined(RegisterView& view, const EventContext& c) {
  const Event& e = c.event;
  ASSIGN_OR_RETURN(ApplicationState a, Load(view, e));
  RETURN_IF_ERROR(CheckChangeExaminable(a));
  ASSIGN_OR_RETURN(std::string decision, Str(e.payload, "decision"));
  // Never public: it speaks of a change whose fields are not (unless accepted).
  ASSIGN_OR_RETURN(auto reason,
                   PrivateText(e, c.sidecar, "reason", decision != "accept", c.require_private));
  a.reason = reason.value_or("");
  if (decision == "accept") {
    const json& body = CertificateOf(e);
    RETURN_IF_ERROR(CheckCertificate(a, body, e));
    if (!a.change_fields.is_null() && body["record"] != PublicFields(a.change_fields)) {
      return InvalidArgument("the new record is not the changed fields' public part");
    }
    if (body["registration_number"] != a.registration_number ||
        body["registered_at"] != OptTime(a.registered_at) ||
        body["valid_from"] != OptTime(a.valid_from) ||
        body["valid_until"] != OptTime(a.valid_until)) {
      return InvalidArgument("a change keeps the registration number and validity");
    }
    RETURN_IF_ERROR(view.ClaimNumber(body["certificate_number"].get<std::string>(), a.id));
    RETURN_IF_ERROR(IssueFrom(a, body, c.index));
    a.content = a.change_content;
    a.fields = a.change_fields;
  } else if (decision != "reject") {
    return InvalidArgument("\"decision\" must be accept or reject");
  }
  a.change_content.clear();
  a.change_fields = json();
  AddHistory(a, c.index, e, {{"decision", decision}});
  return view.PutApplication(a, c.index);
}

Status Cancelled(RegisterView& view, const EventContext& c) {
  const Event& e = c.event;
  ASSIGN_OR_RETURN(ApplicationState a, Load(view, e));
  RETURN_IF_ERROR(RequireParty(c, a));
  if (a.status != status::kRegistered && a.status != status::kExpired) {
    return Refuse(a, "only a registration is cancelled");
  }
  ASSIGN_OR_RETURN(a.reason, Reason(e, false));
  a.status = status::kCancelled;
  AddHistory(a, c.index, e);
  return view.PutApplication(a, c.index);
}

Status Revoked(RegisterView& view, const EventContext& c) {
  const Event& e = c.event;
  ASSIGN_OR_RETURN(ApplicationState a, Load(view, e));
  if (a.status != status::kRegistered && a.status != status::kExpired) {
    return Refuse(a, "only a registration is revoked");
  }
  ASSIGN_OR_RETURN(a.reason, Reason(e, true));
  if (a.reason.empty()) return InvalidArgument("a revocation needs its reasons");
  a.status = status::kRevoked;
  AddHistory(a, c.index, e);
  return view.PutApplication(a, c.index);
}

Status Expired(RegisterView& view, const EventContext& c) {
  const Event& e = c.event;
  ASSIGN_OR_RETURN(ApplicationState a, Load(view, e));
  RETURN_IF_ERROR(RequireRegistrar(e));
  if (a.status != status::kRegistered || !a.valid_until || e.time < *a.valid_until) {
    return Refuse(a, "only a registration past its validity expires");
  }
  a.status = status::kExpired;
  AddHistory(a, c.index, e);
  return view.PutApplication(a, c.index);
}

constexpr EventSpec kSpecs[] = {
    {.type = kRegistrationRenewed,
     .family = "registrations",
     .roles = kHolder,
     .party = "holder",
     .kinds = {"application"},
     .apply = Renewed,
     .is_public = true,
     .issues_certificate = true,
     .action = "renews registrations"},
    {.type = kRegistrationChangeRequested,
     .family = "registrations",
     .roles = kHolder,
     .party = "holder",
     .kinds = {"application"},
     .apply = ChangeRequested,
     .is_public = true,
     .keeps_sidecar = true,
     .action = "changes registrations"},
    {.type = kRegistrationChangeExamined,
     .family = "registrations",
     .roles = kExaminer,
     .kinds = {"application"},
     .apply = ChangeExamined,
     .is_public = true,
     .issues_certificate = true,
     .keeps_sidecar = true,
     .action = "examines changes"},
    {.type = kRegistrationCancelled,
     .family = "registrations",
     .roles = kHolder,
     .party = "holder",
     .kinds = {"application"},
     .apply = Cancelled,
     .is_public = true,
     .action = "cancels registrations"},
    {.type = kRegistrationRevoked,
     .family = "registrations",
     .roles = kExaminer,
     .kinds = {"application"},
     .apply = Revoked,
     .is_public = true,
     .action = "revokes registrations"},
    {.type = kRegistrationExpired,
     .family = "registrations",
     .by_registrar = true,
     .kinds = {"application"},
     .apply = Expired,
     .is_public = true,
     .action = "expires registrations"},
};

}  // namespace

Status CheckRenewable(const ApplicationState& a) {
  if (a.status != status::kRegistered && a.status != status::kExpired) {
    return Refuse(a, "only a registered or expired registration is renewed");
  }
  return Status::Ok();
}

Status CheckChangeExaminable(const ApplicationState& a) {
  if (a.status != status::kRegistered || a.change_content.empty()) {
    return Refuse(a, "no change is under examination");
  }
  return Status::Ok();
}

std::span<const EventSpec> RegistrationEventSpecs() { return kSpecs; }

}  // namespace dipr::registry
