// The registrar's prepare steps of examination and objections, and the objections' views.
#include "registry/registrar_objections.h"

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

// --- examination and objections ---

Result<Prepared> PrepareExamination(Registrar& registrar, const storage::Account& actor,
                                    const std::string& id, const json& body) {
  RETURN_IF_ERROR(Authorize(SpecOf(kApplicationExamined), actor));
  std::string decision, reason;
  RETURN_IF_ERROR(ParseDecision(body, {"accept", "correct", "reject"}, "accept", decision, reason));
  ASSIGN_OR_RETURN(auto a, registrar.LoadApplication(id));
  Time now = registrar.Now();
  const auto schedule = registrar.in_force()->schedule;
  json payload = {{"application", id}, {"decision", decision}}, side = json::object();
  if (!reason.empty()) RETURN_IF_ERROR(CommitText("reason", reason, payload, side));
  if (decision == "accept") {
    if (!a.fields.is_object()) return DataLoss("application " + id + " has lost its fields");
    ASSIGN_OR_RETURN(Time ends, schedule->End(now, Schedule::Period::kNotice));
    payload["notice_ends_at"] = FormatRfc3339(ends);
    payload["record"] = PublicFields(a.fields);
  } else if (decision == "correct") {
    ASSIGN_OR_RETURN(Time due, schedule->End(now, Schedule::Period::kCorrection));
    payload["correction_due"] = FormatRfc3339(due);
  }
  Event e{std::string(kApplicationExamined), now, actor.id, std::move(payload)};
  ASSIGN_OR_RETURN(std::string sidecar, TextSidecar(side));
  return registrar.Make(std::move(e), std::move(sidecar), id);
}

Result<Prepared> PrepareObjection(Registrar& registrar, const storage::Account& actor,
                                  const std::string& id, const json& body) {
  RETURN_IF_ERROR(CheckObject(body));
  RETURN_IF_ERROR(CheckOnlyFields(body, {"grounds", "evidence"}));
  if (!body.contains("grounds")) return InvalidArgument("\"grounds\" is required");
  std::string grounds, evidence;
  RETURN_IF_ERROR(
      CheckTextValue(body["grounds"], "grounds", 1, kMaxDescriptionChars, true, grounds));
  if (body.contains("evidence")) {
    RETURN_IF_ERROR(
        CheckTextValue(body["evidence"], "evidence", 0, kMaxDescriptionChars, true, evidence));
  }
  auto a = registrar.LoadApplication(id);
  // An application not (yet) in public notice is not public: the same 404 as a missing one.
  if (!a.ok() || a->record.is_null())
    return NotFound(fmt::format("no application {} in notice", id));
  Time now = registrar.Now();
  std::string oid = NewId('o');
  json payload = {{"objection", oid}, {"application", id}}, side = json::object();
  RETURN_IF_ERROR(CommitText("grounds", grounds, payload, side));
  RETURN_IF_ERROR(CommitText("evidence", evidence, payload, side));
  Event e{std::string(kObjectionFiled), now, actor.id, std::move(payload)};
  ASSIGN_OR_RETURN(std::string sidecar, TextSidecar(side));
  return registrar.Make(std::move(e), std::move(sidecar), id, oid);
}

Result<Prepared> PrepareRuling(Registrar& registrar, const storage::Account& actor,
                               const std::string& objection_id, const json& body) {
  RETURN_IF_ERROR(Authorize(SpecOf(kObjectionRuled), actor));
  std::string decision, reason;
  RETURN_IF_ERROR(ParseDecision(body, {"uphold", "dismiss"}, "", decision, reason));
  ASSIGN_OR_RETURN(auto r, registrar.store().RecordById(kObjectionKind, objection_id));
  if (!r) return NotFound(fmt::format("no objection {}", objection_id));
  // The ruling publishes the grounds with their salt (the opening of the filed commitment).
  ASSIGN_OR_RETURN(auto o, ObjectionState::FromRecord(*r));
  ASSIGN_OR_RETURN(auto filed, registrar.store().SidecarOf(o.index));
  auto parsed = filed ? ParseJson(*filed) : Result<json>(json());
  const json side = parsed.ok() ? std::move(parsed).value() : json();
  if (!side.is_object() || !side.contains("grounds") || !side["grounds"].is_object() ||
      !side["grounds"].contains("salt") || !side["grounds"]["salt"].is_string()) {
    return DataLoss(fmt::format("objection {} lost the opening of its grounds", objection_id));
  }
  Event e{std::string(kObjectionRuled),
          registrar.Now(),
          actor.id,
          {{"objection", objection_id},
           {"application", r->parent},
           {"decision", decision},
           {"reason", reason},
           {"grounds", o.grounds},
           {"grounds_salt", side["grounds"]["salt"]}}};
  return registrar.Make(std::move(e), "", r->parent, objection_id);
}

Result<json> Registrar::ObjectionView(const storage::Account& actor, const std::string& id) {
  ASSIGN_OR_RETURN(auto r, store_.RecordById(kObjectionKind, id));
  bool may_see = r && (actor.role == "examiner" || actor.role == "admin" || r->owner == actor.id);
  if (!may_see && r && actor.role == "holder") {
    auto a = store_.RecordById(kApplicationKind, r->parent);
    may_see = a.ok() && *a && (*a)->owner == actor.id;
  }
  if (!may_see) return NotFound(fmt::format("no objection {}", id));
  auto o = ParseJson(r->doc);
  if (!o.ok()) return DataLoss("stored objection " + id + " is " + o.status().message());
  return o;
}

Result<json> Registrar::ListObjections(const storage::Account& actor, size_t page,
                                       const std::string& status) {
  if (page < 1 || page > kMaxPage) {
    return InvalidArgument(fmt::format("\"page\" must be 1 to {}", kMaxPage));
  }
  std::string s = status == "open" ? "pending" : status;
  if (!s.empty() && s != "pending" && s != "upheld" && s != "dismissed") {
    return InvalidArgument("\"status\" must be open (pending), upheld or dismissed");
  }
  std::vector<storage::Record> rs;
  if (actor.role == "examiner" || actor.role == "admin") {
    ASSIGN_OR_RETURN(rs, store_.RecordsByStatus(kObjectionKind, s.empty() ? "pending" : s,
                                                (page - 1) * kPageSize, kPageSize));
  } else {
    // Its own; a status filters the page (an account files few objections).
    ASSIGN_OR_RETURN(
        rs, store_.RecordsByOwner(kObjectionKind, actor.id, (page - 1) * kPageSize, kPageSize));
    if (!s.empty()) std::erase_if(rs, [&](const storage::Record& r) { return r.status != s; });
  }
  json items = json::array();
  for (const auto& r : rs) {
    ASSIGN_OR_RETURN(auto o, ObjectionState::FromRecord(r));
    items.push_back({{"id", o.id},
                     {"application", o.application},
                     {"status", o.status},
                     {"filed_at", FormatRfc3339(o.filed)},
                     {"index", o.index}});
  }
  return json{{"items", std::move(items)}, {"page", page}};
}

}  // namespace dipr::registry
