#include "registry/application_events.h"

#include <fmt/format.h>

#include "registry/application.h"
#include "registry/event_rules.h"
#include "registry/event_spec.h"
#include "registry/register_view.h"

namespace dipr::registry {
namespace {

using nlohmann::json;

Status Created(RegisterView& view, const EventContext& c) {
  const Event& e = c.event;
  ApplicationState a;
  ASSIGN_OR_RETURN(a.id, Str(e.payload, "application"));
  ASSIGN_OR_RETURN(auto existing, view.GetApplication(a.id));
  if (existing) return Conflict(fmt::format("application {} exists already", a.id));
  ASSIGN_OR_RETURN(a.fields, MaybeOpenContent(e, c.sidecar, c.require_private, a.content));
  a.holder = e.actor;
  a.status = status::kDraft;
  a.created = e.time;
  AddHistory(a, c.index, e);
  return view.PutApplication(a, c.index);
}

Status Updated(RegisterView& view, const EventContext& c) {
  const Event& e = c.event;
  ASSIGN_OR_RETURN(ApplicationState a, Load(view, e));
  RETURN_IF_ERROR(RequireParty(c, a));
  if (a.status != status::kDraft && a.status != status::kCorrectionRequested) {
    return Refuse(a, "only a draft or an application sent back for correction can be edited");
  }
  ASSIGN_OR_RETURN(a.fields, MaybeOpenContent(e, c.sidecar, c.require_private, a.content));
  AddHistory(a, c.index, e);
  return view.PutApplication(a, c.index);
}

Status Submitted(RegisterView& view, const EventContext& c) {
  const Event& e = c.event;
  ASSIGN_OR_RETURN(ApplicationState a, Load(view, e));
  RETURN_IF_ERROR(RequireParty(c, a));
  if (a.status != status::kDraft && a.status != status::kCorrectionRequested) {
    return Refuse(a, "only a draft or a corrected application can be submitted");
  }
  a.status = status::kSubmitted;
  a.correction_due.reset();
  AddHistory(a, c.index, e);
  return view.PutApplication(a, c.index);
}

Status Examined(RegisterView& view, const EventContext& c) {
  const Event& e = c.event;
  ASSIGN_OR_RETURN(ApplicationState a, Load(view, e));
  if (a.status != status::kSubmitted) return Refuse(a, "only a submitted application is examined");
  ASSIGN_OR_RETURN(std::string decision, Str(e.payload, "decision"));
  // Never public: it may speak of fields that are not (the application is not published yet,
  // and a rejected one never is).
  ASSIGN_OR_RETURN(auto reason,
                   PrivateText(e, c.sidecar, "reason", decision != "accept", c.require_private));
  a.reason = reason.value_or("");
  if (decision == "accept") {
    ASSIGN_OR_RETURN(Time ends, TimeField(e.payload, "notice_ends_at"));
    if (ends <= e.time) return InvalidArgument("a notice must end after it starts");
    if (!e.payload.contains("record") || !e.payload["record"].is_object()) {
      return InvalidArgument("an accepting examination publishes the record");
    }
    if (!a.fields.is_null() && e.payload["record"] != PublicFields(a.fields)) {
      return InvalidArgument("the published record is not the application's public fields");
    }
    a.record = e.payload["record"];
    a.notice_ends_at = ends;
    a.status = status::kInNotice;
  } else if (decision == "correct") {
    ASSIGN_OR_RETURN(Time due, TimeField(e.payload, "correction_due"));
    if (due <= e.time) return InvalidArgument("a correction deadline must be in the future");
    a.correction_due = due;
    a.status = status::kCorrectionRequested;
  } else if (decision == "reject") {
    a.status = status::kRejected;
  } else {
    return InvalidArgument("\"decision\" must be accept, correct or reject");
  }
  AddHistory(a, c.index, e, {{"decision", decision}});
  return view.PutApplication(a, c.index);
}

// To another account of the same holders, in any status, since a holder keeps its rights in a
// refused or expired application as in a live one. The registrar checks that the target holds
// for the same holders (their identifiers are not in the log); the log shows that it is an
// enabled holder's account.
Status Reassigned(RegisterView& view, const EventContext& c) {
  const Event& e = c.event;
  ASSIGN_OR_RETURN(ApplicationState a, Load(view, e));
  ASSIGN_OR_RETURN(std::string from, Str(e.payload, "from"));
  ASSIGN_OR_RETURN(std::string to, Str(e.payload, "to"));
  ASSIGN_OR_RETURN(std::string reason, Str(e.payload, "reason"));
  if (from != a.holder) {
    return Conflict(fmt::format("application {} is held by {}, not {}", a.id, a.holder, from));
  }
  if (to == from || to.empty()) return InvalidArgument("a reassignment names another account");
  ASSIGN_OR_RETURN(auto target, view.GetAccount(to));
  if (!target || target->role != "holder" || target->disabled) {
    return InvalidArgument(fmt::format("{} reassigned to {}, not an enabled holder", a.id, to));
  }
  a.holder = to;
  AddHistory(a, c.index, e, {{"from", from}, {"to", to}, {"reason", reason}});
  return view.PutApplication(a, c.index);
}

Status Withdrawn(RegisterView& view, const EventContext& c) {
  const Event& e = c.event;
  ASSIGN_OR_RETURN(ApplicationState a, Load(view, e));
  const std::string_view s = a.status;
  if (e.actor == kRegistrarActor) {
    if (s != status::kCorrectionRequested || !a.correction_due || e.time < *a.correction_due) {
      return Refuse(a, "only an unanswered correction request lapses, after its deadline");
    }
  } else {
    RETURN_IF_ERROR(RequireParty(c, a));
    if (s != status::kDraft && s != status::kSubmitted && s != status::kCorrectionRequested) {
      return Refuse(a, "only an application not yet decided can be withdrawn");
    }
  }
  a.status = status::kWithdrawn;
  a.correction_due.reset();
  AddHistory(a, c.index, e);
  return view.PutApplication(a, c.index);
}

// At the end of the notice, by the registrar, with the first certificate.
Status Registered(RegisterView& view, const EventContext& c) {
  const Event& e = c.event;
  ASSIGN_OR_RETURN(ApplicationState a, Load(view, e));
  RETURN_IF_ERROR(RequireRegistrar(e));
  if (a.status != status::kInNotice)
    return Refuse(a, "only an application in notice is registered");
  if (a.objections_pending > 0) return Refuse(a, "an objection is still open");
  if (!a.notice_ends_at || e.time < *a.notice_ends_at) return Refuse(a, "the notice has not ended");
  const json& body = e.payload.contains("certificate") ? e.payload["certificate"] : json();
  RETURN_IF_ERROR(CheckCertificate(a, body, e));
  if (body["record"] != a.record) return InvalidArgument("the certificate's record differs");
  ASSIGN_OR_RETURN(Time registered, TimeField(body, "registered_at"));
  if (registered != e.time) return InvalidArgument("registered_at must be the event's time");
  RETURN_IF_ERROR(ClaimNumbers(view,
                               {body["registration_number"].get<std::string>(),
                                body["certificate_number"].get<std::string>()},
                               a.id));
  RETURN_IF_ERROR(IssueFrom(a, body, c.index));
  a.status = status::kRegistered;
  AddHistory(a, c.index, e, {{"certificate_number", a.certificate_number}});
  return view.PutApplication(a, c.index);
}

constexpr EventSpec kSpecs[] = {
    {.type = kApplicationCreated,
     .family = "applications",
     .roles = kHolder,
     .kinds = {"application"},
     .apply = Created,
     .is_public = true,
     .keeps_sidecar = true,
     .action = "applies for registration"},
    {.type = kApplicationUpdated,
     .family = "applications",
     .roles = kHolder,
     .party = "holder",
     .kinds = {"application"},
     .apply = Updated,
     .is_public = true,
     .keeps_sidecar = true,
     .action = "edits applications"},
    {.type = kApplicationSubmitted,
     .family = "applications",
     .roles = kHolder,
     .party = "holder",
     .kinds = {"application"},
     .apply = Submitted,
     .is_public = true,
     .action = "submits applications"},
    {.type = kApplicationExamined,
     .family = "applications",
     .roles = kExaminer,
     .kinds = {"application"},
     .apply = Examined,
     .is_public = true,
     .keeps_sidecar = true,
     .action = "examines applications"},
    {.type = kApplicationWithdrawn,
     .family = "applications",
     .roles = kHolder,
     .by_registrar = true,
     .party = "holder",
     .kinds = {"application"},
     .apply = Withdrawn,
     .is_public = true,
     .action = "withdraws applications"},
    {.type = kApplicationRegistered,
     .family = "applications",
     .by_registrar = true,
     .kinds = {"application"},
     .apply = Registered,
     .is_public = true,
     .issues_certificate = true,
     .action = "registers"},
    {.type = kApplicationReassigned,
     .family = "applications",
     .roles = kAdmin,
     .kinds = {"application"},
     .apply = Reassigned,
     .is_public = true,
     .action = "reassigns applications"},
};

}  // namespace

std::span<const EventSpec> ApplicationEventSpecs() { return kSpecs; }

}  // namespace dipr::registry
