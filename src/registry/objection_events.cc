#include "registry/objection_events.h"

#include <fmt/format.h>

#include "registry/commitment.h"
#include "registry/event_rules.h"
#include "registry/event_spec.h"
#include "registry/register_view.h"

namespace dipr::registry {
namespace {

using nlohmann::json;

Status Filed(RegisterView& view, const EventContext& c) {
  const Event& e = c.event;
  ObjectionState o;
  ASSIGN_OR_RETURN(o.id, Str(e.payload, "objection"));
  // Private when filed (the applicant, the objector and the examiners read them); the grounds
  // are published by the ruling, the evidence never.
  ASSIGN_OR_RETURN(auto grounds, PrivateText(e, c.sidecar, "grounds", true, c.require_private));
  ASSIGN_OR_RETURN(auto evidence, PrivateText(e, c.sidecar, "evidence", true, c.require_private));
  o.grounds = *grounds;
  o.evidence = *evidence;
  o.grounds_commitment = e.payload["grounds_commitment"];
  o.evidence_commitment = e.payload["evidence_commitment"];
  ASSIGN_OR_RETURN(auto existing, view.GetObjection(o.id));
  if (existing) return Conflict(fmt::format("objection {} exists already", o.id));
  ASSIGN_OR_RETURN(ApplicationState a, Load(view, e));
  if (a.status != status::kInNotice || !a.notice_ends_at || e.time >= *a.notice_ends_at) {
    return Conflict(fmt::format("application {} is not in its public notice", a.id));
  }
  // Accounts name no holder identifier, so the applicant's account is the one holder known.
  if (e.actor == a.holder) {
    return PermissionDenied(fmt::format(
        "{} is the applicant of {}: an applicant does not object to their own application", e.actor,
        a.id));
  }
  for (const auto& other_id : a.objections) {
    ASSIGN_OR_RETURN(auto other, view.GetObjection(other_id));
    if (other && other->objector == e.actor && other->status == "pending") {
      return Conflict(fmt::format(
          "{} has objection {} to {} pending: one objection states all of an objector's "
          "grounds, and another may follow once it is ruled on",
          e.actor, other_id, a.id));
    }
  }
  o.application = a.id;
  o.objector = e.actor;
  o.status = "pending";
  o.filed = e.time;
  o.index = c.index;
  a.objections.push_back(o.id);
  a.objections_pending++;
  AddHistory(a, c.index, e, {{"objection", o.id}});
  RETURN_IF_ERROR(view.PutObjection(o, c.index));
  return view.PutApplication(a, c.index);
}

// A ruling is public with its reason, and publishes the grounds it answers.
Status Ruled(RegisterView& view, const EventContext& c) {
  const Event& e = c.event;
  ASSIGN_OR_RETURN(std::string id, Str(e.payload, "objection"));
  ASSIGN_OR_RETURN(auto o, view.GetObjection(id));
  if (!o) return NotFound(fmt::format("no objection {}", id));
  if (o->status != "pending") return Conflict(fmt::format("objection {} is ruled already", id));
  if (e.actor == o->objector) {
    return PermissionDenied(fmt::format(
        "{} filed objection {}: an examiner does not rule on their own objection", e.actor, id));
  }
  ASSIGN_OR_RETURN(std::string decision, Str(e.payload, "decision"));
  if (decision != "uphold" && decision != "dismiss") {
    return InvalidArgument("\"decision\" must be uphold or dismiss");
  }
  ASSIGN_OR_RETURN(auto a, view.GetApplication(o->application));
  if (!a) return DataLoss("objection " + id + " of a missing application");
  // A ruling is public with its reason, and publishes the grounds it answers: opened against the
  // commitment logged when they were filed, so they are the grounds filed, word for word.
  ASSIGN_OR_RETURN(o->decision_reason, Reason(e, true));
  ASSIGN_OR_RETURN(std::string grounds, Str(e.payload, "grounds"));
  ASSIGN_OR_RETURN(std::string grounds_salt, Str(e.payload, "grounds_salt"));
  ASSIGN_OR_RETURN(std::string opened, TextCommitment(grounds, grounds_salt));
  if (opened != o->grounds_commitment) {
    return InvalidArgument(fmt::format("the ruling's grounds are not those filed with {}", id));
  }
  o->grounds = std::move(grounds);
  o->status = decision == "uphold" ? "upheld" : "dismissed";
  o->ruled = e.time;
  if (a->objections_pending > 0) a->objections_pending--;
  if (decision == "uphold" && a->status == status::kInNotice) {
    a->status = status::kRefused;
    a->reason = o->decision_reason;
  }
  AddHistory(*a, c.index, e, {{"objection", id}, {"decision", decision}});
  RETURN_IF_ERROR(view.PutObjection(*o, c.index));
  return view.PutApplication(*a, c.index);
}

constexpr EventSpec kSpecs[] = {
    // Anyone with an account, objectors included; not the applicant (the apply function's rule:
    // accounts name no holder identifier, so the applicant's account is the one holder known).
    {.type = kObjectionFiled,
     .family = "objections",
     .roles = kAnyRole,
     .kinds = {"objection", "application"},
     .apply = Filed,
     .is_public = true,
     .keeps_sidecar = true,
     .action = "objects"},
    {.type = kObjectionRuled,
     .family = "objections",
     .roles = kExaminer,
     .kinds = {"objection", "application"},
     .apply = Ruled,
     .is_public = true,
     .action = "rules on objections"},
};

}  // namespace

std::span<const EventSpec> ObjectionEventSpecs() { return kSpecs; }

}  // namespace dipr::registry
