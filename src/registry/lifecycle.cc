#include "registry/lifecycle.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/hex.h"
#include "common/json_parse.h"
#include "registry/application.h"
#include "registry/commitment.h"
#include "registry/numbers.h"
#include "registry/validate.h"

namespace dipr::registry {
namespace {

using nlohmann::json;

constexpr std::string_view kRegistrationStatuses[] = {status::kRegistered, status::kExpired,
                                                      status::kCancelled, status::kRevoked};
constexpr std::string_view kApplicationStatuses[] = {
    status::kDraft,    status::kSubmitted,  status::kCorrectionRequested, status::kWithdrawn,
    status::kRejected, status::kInNotice,   status::kRefused,             status::kRegistered,
    status::kExpired,  status::kCancelled,  status::kRevoked};
constexpr std::string_view kRegisterEvents[] = {
    kApplicationCreated,    kApplicationUpdated,          kApplicationSubmitted,
    kApplicationExamined,   kApplicationWithdrawn,        kApplicationRegistered,
    kObjectionFiled,        kObjectionRuled,              kRegistrationRenewed,
    kRegistrationChangeRequested, kRegistrationChangeExamined, kRegistrationCancelled,
    kRegistrationRevoked,   kRegistrationExpired,         kApplicationReassigned};

json OptTime(const std::optional<Time>& t) { return t ? json(FormatRfc3339(*t)) : json(); }

Result<std::optional<Time>> ReadOptTime(const json& j, const char* key) {
  if (!j.contains(key) || j[key].is_null()) return std::optional<Time>();
  if (!j[key].is_string()) return InvalidArgument(fmt::format("\"{}\" must be a time", key));
  ASSIGN_OR_RETURN(Time t, ParseRfc3339(j[key].get<std::string>()));
  return std::optional<Time>(t);
}

Result<std::string> Str(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_string()) {
    return InvalidArgument(fmt::format("event payload lacks the string \"{}\"", key));
  }
  return j[key].get<std::string>();
}

Result<Time> TimeField(const json& j, const char* key) {
  ASSIGN_OR_RETURN(std::string s, Str(j, key));
  return ParseRfc3339(s);
}

Status Refuse(const ApplicationState& a, std::string_view what) {
  return Conflict(fmt::format("application {} is {}: {}", a.id, a.status, what));
}

// The fields a commitment event carries in its sidecar, checked against the commitment.
Result<json> OpenContent(std::string_view content, std::string_view sidecar) {
  auto parsed = ParseJson(sidecar);
  const json side = parsed.ok() ? std::move(parsed).value() : json();
  if (!side.is_object() || !side.contains("fields") ||
      !side.contains("salt") || !side["salt"].is_string()) {
    return InvalidArgument("the entry's sidecar is not {\"fields\",\"salt\"}");
  }
  ASSIGN_OR_RETURN(std::string c, FieldsCommitment(side["fields"], side["salt"].get<std::string>()));
  if (c != content) return InvalidArgument("the sidecar's fields do not match the commitment");
  return side["fields"];
}

Result<json> MaybeOpenContent(const Event& e, std::string_view sidecar, bool require_private,
                              std::string& content) {
  ASSIGN_OR_RETURN(content, Str(e.payload, "content"));
  if (content.size() != 64) return InvalidArgument("\"content\" must be 64 hex digits");
  if (sidecar.empty()) {
    if (require_private) return InvalidArgument(e.type + " needs its fields (the sidecar)");
    return json();
  }
  return OpenContent(content, sidecar);
}

// A private text of an event (docs/FORMATS.md §2.2): the payload carries only
// "<name>_commitment", and the sidecar's member {"<name>":{"salt","text"}} opens it. nullopt when
// the event has no such text (allowed unless `required`); "" when it is unknown (a replay of the
// public log). The text in clear in the payload is refused: the log would publish it forever.
Result<std::optional<std::string>> PrivateText(const Event& e, std::string_view sidecar,
                                               const std::string& name, bool required,
                                               bool require_private) {
  const std::string key = name + "_commitment";
  if (e.payload.contains(name)) {
    return InvalidArgument(fmt::format("the \"{}\" of {} is private: the log carries only \"{}\"",
                                       name, e.type, key));
  }
  if (!e.payload.contains(key)) {
    if (required) return InvalidArgument(fmt::format("{} needs \"{}\"", e.type, key));
    return std::optional<std::string>();
  }
  ASSIGN_OR_RETURN(std::string commitment, Str(e.payload, key.c_str()));
  if (commitment.size() != 64) {
    return InvalidArgument(fmt::format("\"{}\" must be 64 hex digits", key));
  }
  if (sidecar.empty()) {
    if (require_private) {
      return InvalidArgument(fmt::format("{} needs its {} (the sidecar)", e.type, name));
    }
    return std::optional<std::string>(std::string());
  }
  auto parsed = ParseJson(sidecar);
  const json side = parsed.ok() ? std::move(parsed).value() : json();
  if (!side.is_object() || !side.contains(name) ||
      !side[name].is_object() || !side[name].contains("salt") || !side[name]["salt"].is_string() ||
      !side[name].contains("text") || !side[name]["text"].is_string()) {
    return InvalidArgument(
        fmt::format("the entry's sidecar lacks {{\"{}\":{{\"salt\",\"text\"}}}}", name));
  }
  std::string text = side[name]["text"].get<std::string>();
  ASSIGN_OR_RETURN(std::string c, TextCommitment(text, side[name]["salt"].get<std::string>()));
  if (c != commitment) {
    return InvalidArgument(fmt::format("the sidecar's {} does not match \"{}\"", name, key));
  }
  return std::optional<std::string>(std::move(text));
}

void AddHistory(ApplicationState& a, uint64_t index, const Event& e, json extra = json::object()) {
  json h = {{"index", index}, {"type", e.type}, {"time", FormatRfc3339(e.time)}};
  for (auto& [k, v] : extra.items()) h[k] = v;
  a.history.push_back(std::move(h));
  a.updated = e.time;
}

}  // namespace

Status CheckDepositsAndDates(const json& body) {
  if (body.contains("deposits")) {
    const json& ds = body["deposits"];
    const json record = body.contains("record") ? body["record"] : json();
    const json want =
        record.is_object() && record.contains("deposits") ? record["deposits"] : json();
    if (!ds.is_array() || !want.is_array() || ds.size() != want.size()) {
      return InvalidArgument("the certificate's deposits are not the record's");
    }
    for (size_t i = 0; i < ds.size(); ++i) {
      const json& d = ds[i];
      if (!d.is_object() || d.size() != 4 || !d.contains("index") || d["index"] != want[i] ||
          !d.contains("size") || !(d["size"].is_number_unsigned() ||
                                  (d["size"].is_number_integer() && d["size"].get<int64_t>() >= 0)) || !d.contains("algorithm") ||
          !d["algorithm"].is_string() || !d.contains("digest") || !d["digest"].is_string() ||
          !IsLowerHex64(d["digest"].get<std::string>())) {
        return InvalidArgument(fmt::format(
            "the certificate's deposits[{}] is not {{algorithm, digest, index, size}} of the "
            "record's deposit",
            i));
      }
    }
  }
  if (body.contains("local_dates")) {
    const json& l = body["local_dates"];
    if (!l.is_object() || l.size() != 4) {
      return InvalidArgument("the certificate's local_dates is malformed");
    }
    ASSIGN_OR_RETURN(std::string zone, Str(l, "time_zone"));
    if (zone.empty()) return InvalidArgument("the certificate's local_dates lacks its time zone");
    for (const char* k : {"registered", "valid_from", "valid_until"}) {
      ASSIGN_OR_RETURN(std::string d, Str(l, k));
      if (!IsIsoDate(d)) return InvalidArgument(fmt::format("local_dates.{} is not a date", k));
    }
  }
  return Status::Ok();
}

namespace {

// The certificate an issuing event carries, checked against the application's public record.
Status CheckCertificate(const ApplicationState& a, const json& body, const Event& e) {
  if (!body.is_object()) return InvalidArgument("event payload lacks \"certificate\"");
  ASSIGN_OR_RETURN(std::string app, Str(body, "application"));
  if (app != a.id) return InvalidArgument("the certificate names another application");
  ASSIGN_OR_RETURN(std::string rn, Str(body, "registration_number"));
  ASSIGN_OR_RETURN(std::string cn, Str(body, "certificate_number"));
  if (!IsValidRegistrationNumber(rn)) return InvalidArgument("malformed registration number");
  if (!IsValidCertificateNumber(cn)) return InvalidArgument("malformed certificate number");
  ASSIGN_OR_RETURN(Time issued, TimeField(body, "issued_at"));
  if (issued != e.time) return InvalidArgument("a certificate is issued at its event's time");
  ASSIGN_OR_RETURN(Time from, TimeField(body, "valid_from"));
  ASSIGN_OR_RETURN(Time until, TimeField(body, "valid_until"));
  ASSIGN_OR_RETURN(Time registered, TimeField(body, "registered_at"));
  (void)registered;
  if (until <= from) return InvalidArgument("a certificate's validity must end after it starts");
  if (!body.contains("record") || !body["record"].is_object()) {
    return InvalidArgument("the certificate lacks its record");
  }
  return CheckDepositsAndDates(body);
}

Status IssueFrom(ApplicationState& a, const json& body, uint64_t index) {
  a.certificate = body;
  a.certificate_index = index;
  a.certificate_number = body["certificate_number"].get<std::string>();
  a.registration_number = body["registration_number"].get<std::string>();
  ASSIGN_OR_RETURN(Time from, TimeField(body, "valid_from"));
  ASSIGN_OR_RETURN(Time until, TimeField(body, "valid_until"));
  ASSIGN_OR_RETURN(Time registered, TimeField(body, "registered_at"));
  a.valid_from = from;
  a.valid_until = until;
  a.registered_at = registered;
  a.record = body["record"];
  return Status::Ok();
}

// Claims all or none: every number is checked before any is claimed.
Status ClaimNumbers(RegisterView& view, const std::vector<std::string>& numbers,
                    const std::string& record_id) {
  for (const auto& n : numbers) {
    ASSIGN_OR_RETURN(bool claimed, view.NumberClaimed(n));
    if (claimed) return Conflict(fmt::format("number {} is already claimed", n));
  }
  for (const auto& n : numbers) RETURN_IF_ERROR(view.ClaimNumber(n, record_id));
  return Status::Ok();
}

Result<ApplicationState> Load(RegisterView& view, const Event& e) {
  ASSIGN_OR_RETURN(std::string id, Str(e.payload, "application"));
  ASSIGN_OR_RETURN(auto a, view.GetApplication(id));
  if (!a) return NotFound(fmt::format("no application {}", id));
  return std::move(*a);
}

Status RequireHolder(const ApplicationState& a, const Event& e) {
  if (e.actor != a.holder) {
    return Conflict(fmt::format("{} by {}, who is not the applicant of {}", e.type, e.actor, a.id));
  }
  return Status::Ok();
}

Status RequireRegistrar(const Event& e) {
  if (e.actor != kRegistrarActor) {
    return InvalidArgument(fmt::format("{} is the registrar's own event", e.type));
  }
  return Status::Ok();
}

Result<std::string> Reason(const Event& e, bool required) {
  if (!e.payload.contains("reason")) {
    if (required) return InvalidArgument(e.type + " needs a reason");
    return std::string();
  }
  return Str(e.payload, "reason");
}

Status ApplyApplicationEvent(RegisterView& view, uint64_t index, const Event& e,
                             std::string_view sidecar, bool require_private) {
  const std::string& t = e.type;
  if (t == kApplicationCreated) {
    ApplicationState a;
    ASSIGN_OR_RETURN(a.id, Str(e.payload, "application"));
    ASSIGN_OR_RETURN(auto existing, view.GetApplication(a.id));
    if (existing) return Conflict(fmt::format("application {} exists already", a.id));
    ASSIGN_OR_RETURN(a.fields, MaybeOpenContent(e, sidecar, require_private, a.content));
    a.holder = e.actor;
    a.status = status::kDraft;
    a.created = e.time;
    AddHistory(a, index, e);
    return view.PutApplication(a, index);
  }

  ASSIGN_OR_RETURN(ApplicationState a, Load(view, e));
  const std::string_view s = a.status;
  if (t == kApplicationUpdated) {
    RETURN_IF_ERROR(RequireHolder(a, e));
    if (s != status::kDraft && s != status::kCorrectionRequested) {
      return Refuse(a, "only a draft or an application sent back for correction can be edited");
    }
    ASSIGN_OR_RETURN(a.fields, MaybeOpenContent(e, sidecar, require_private, a.content));
    AddHistory(a, index, e);
  } else if (t == kApplicationSubmitted) {
    RETURN_IF_ERROR(RequireHolder(a, e));
    if (s != status::kDraft && s != status::kCorrectionRequested) {
      return Refuse(a, "only a draft or a corrected application can be submitted");
    }
    a.status = status::kSubmitted;
    a.correction_due.reset();
    AddHistory(a, index, e);
  } else if (t == kApplicationExamined) {
    if (s != status::kSubmitted) return Refuse(a, "only a submitted application is examined");
    ASSIGN_OR_RETURN(std::string decision, Str(e.payload, "decision"));
    // Never public: it may speak of fields that are not (the application is not published yet,
    // and a rejected one never is).
    ASSIGN_OR_RETURN(auto reason,
                     PrivateText(e, sidecar, "reason", decision != "accept", require_private));
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
    AddHistory(a, index, e, {{"decision", decision}});
  } else if (t == kApplicationReassigned) {
    // To another account of the same holders (the registrar checks that and the account's
    // role when it makes the event; a replay checks the role): in any status, since a holder
    // keeps its rights in a refused or expired application as in a live one.
    ASSIGN_OR_RETURN(std::string from, Str(e.payload, "from"));
    ASSIGN_OR_RETURN(std::string to, Str(e.payload, "to"));
    ASSIGN_OR_RETURN(std::string reason, Str(e.payload, "reason"));
    if (from != a.holder) {
      return Conflict(fmt::format("application {} is held by {}, not {}", a.id, a.holder, from));
    }
    if (to == from || to.empty()) return InvalidArgument("a reassignment names another account");
    a.holder = to;
    AddHistory(a, index, e, {{"from", from}, {"to", to}, {"reason", reason}});
  } else if (t == kApplicationWithdrawn) {
    if (e.actor == kRegistrarActor) {
      if (s != status::kCorrectionRequested || !a.correction_due || e.time < *a.correction_due) {
        return Refuse(a, "only an unanswered correction request lapses, after its deadline");
      }
    } else {
      RETURN_IF_ERROR(RequireHolder(a, e));
      if (s != status::kDraft && s != status::kSubmitted && s != status::kCorrectionRequested) {
        return Refuse(a, "only an application not yet decided can be withdrawn");
      }
    }
    a.status = status::kWithdrawn;
    a.correction_due.reset();
    AddHistory(a, index, e);
  } else if (t == kApplicationRegistered) {
    RETURN_IF_ERROR(RequireRegistrar(e));
    if (s != status::kInNotice) return Refuse(a, "only an application in notice is registered");
    if (a.objections_pending > 0) return Refuse(a, "an objection is still open");
    if (!a.notice_ends_at || e.time < *a.notice_ends_at) return Refuse(a, "the notice has not ended");
    const json& body = e.payload.contains("certificate") ? e.payload["certificate"] : json();
    RETURN_IF_ERROR(CheckCertificate(a, body, e));
    if (body["record"] != a.record) return InvalidArgument("the certificate's record differs");
    ASSIGN_OR_RETURN(Time registered, TimeField(body, "registered_at"));
    if (registered != e.time) return InvalidArgument("registered_at must be the event's time");
    RETURN_IF_ERROR(ClaimNumbers(view, {body["registration_number"].get<std::string>(),
                                        body["certificate_number"].get<std::string>()},
                                 a.id));
    RETURN_IF_ERROR(IssueFrom(a, body, index));
    a.status = status::kRegistered;
    AddHistory(a, index, e, {{"certificate_number", a.certificate_number}});
  } else if (t == kRegistrationRenewed) {
    RETURN_IF_ERROR(RequireHolder(a, e));
    if (s != status::kRegistered && s != status::kExpired) {
      return Refuse(a, "only a registered or expired registration is renewed");
    }
    const json& body = e.payload.contains("certificate") ? e.payload["certificate"] : json();
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
    RETURN_IF_ERROR(IssueFrom(a, body, index));
    a.status = status::kRegistered;
    AddHistory(a, index, e, {{"certificate_number", a.certificate_number}});
  } else if (t == kRegistrationChangeRequested) {
    RETURN_IF_ERROR(RequireHolder(a, e));
    if (s != status::kRegistered) return Refuse(a, "only a registration in force is changed");
    if (!a.change_content.empty()) return Refuse(a, "a change is already under examination");
    std::string content;
    ASSIGN_OR_RETURN(json fields, MaybeOpenContent(e, sidecar, require_private, content));
    if (!fields.is_null() && !a.fields.is_null()) {
      for (const char* k : {"data_name", "holders", "industry", "deposits"}) {
        if (fields[k] != a.fields[k]) {
          return InvalidArgument(fmt::format("a change keeps \"{}\" (only descriptive fields "
                                             "change)", k));
        }
      }
      if (fields == a.fields) return Refuse(a, "the requested change changes no field");
    }
    a.change_content = content;
    a.change_fields = std::move(fields);
    AddHistory(a, index, e);
  } else if (t == kRegistrationChangeExamined) {
    if (s != status::kRegistered || a.change_content.empty()) {
      return Refuse(a, "no change is under examination");
    }
    ASSIGN_OR_RETURN(std::string decision, Str(e.payload, "decision"));
    // Never public: it speaks of a change whose fields are not (unless accepted).
    ASSIGN_OR_RETURN(auto reason,
                     PrivateText(e, sidecar, "reason", decision != "accept", require_private));
    a.reason = reason.value_or("");
    if (decision == "accept") {
      const json& body = e.payload.contains("certificate") ? e.payload["certificate"] : json();
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
      RETURN_IF_ERROR(IssueFrom(a, body, index));
      a.content = a.change_content;
      a.fields = a.change_fields;
    } else if (decision != "reject") {
      return InvalidArgument("\"decision\" must be accept or reject");
    }
    a.change_content.clear();
    a.change_fields = json();
    AddHistory(a, index, e, {{"decision", decision}});
  } else if (t == kRegistrationCancelled) {
    RETURN_IF_ERROR(RequireHolder(a, e));
    if (s != status::kRegistered && s != status::kExpired) {
      return Refuse(a, "only a registration is cancelled");
    }
    ASSIGN_OR_RETURN(a.reason, Reason(e, false));
    a.status = status::kCancelled;
    AddHistory(a, index, e);
  } else if (t == kRegistrationRevoked) {
    if (s != status::kRegistered && s != status::kExpired) {
      return Refuse(a, "only a registration is revoked");
    }
    ASSIGN_OR_RETURN(a.reason, Reason(e, true));
    if (a.reason.empty()) return InvalidArgument("a revocation needs its reasons");
    a.status = status::kRevoked;
    AddHistory(a, index, e);
  } else if (t == kRegistrationExpired) {
    RETURN_IF_ERROR(RequireRegistrar(e));
    if (s != status::kRegistered || !a.valid_until || e.time < *a.valid_until) {
      return Refuse(a, "only a registration past its validity expires");
    }
    a.status = status::kExpired;
    AddHistory(a, index, e);
  } else {
    return InvalidArgument("unknown event type \"" + t + "\"");
  }
  return view.PutApplication(a, index);
}

Status ApplyObjectionEvent(RegisterView& view, uint64_t index, const Event& e,
                           std::string_view sidecar, bool require_private) {
  if (e.type == kObjectionFiled) {
    ObjectionState o;
    ASSIGN_OR_RETURN(o.id, Str(e.payload, "objection"));
    // Private when filed (the applicant, the objector and the examiners read them); the grounds
    // are published by the ruling, the evidence never.
    ASSIGN_OR_RETURN(auto grounds, PrivateText(e, sidecar, "grounds", true, require_private));
    ASSIGN_OR_RETURN(auto evidence, PrivateText(e, sidecar, "evidence", true, require_private));
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
          "{} is the applicant of {}: an applicant does not object to their own application",
          e.actor, a.id));
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
    o.index = index;
    a.objections.push_back(o.id);
    a.objections_pending++;
    AddHistory(a, index, e, {{"objection", o.id}});
    RETURN_IF_ERROR(view.PutObjection(o, index));
    return view.PutApplication(a, index);
  }
  // objection.ruled
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
  AddHistory(*a, index, e, {{"objection", id}, {"decision", decision}});
  RETURN_IF_ERROR(view.PutObjection(*o, index));
  return view.PutApplication(*a, index);
}

json HoldersForList(const json& holders) {
  json out = json::array();
  for (const auto& h : holders) {
    out.push_back({{"name", h["name"]}, {"type", h["type"]}, {"country", h["country"]},
                   {"share", h["share"]}});
  }
  return out;
}

}  // namespace

bool IsRegistrationStatus(std::string_view s) { return OneOf(kRegistrationStatuses, s); }
bool IsApplicationStatus(std::string_view s) { return OneOf(kApplicationStatuses, s); }
bool IsRegisterEvent(std::string_view type) { return OneOf(kRegisterEvents, type); }

std::optional<Time> ApplicationState::Due() const {
  if (status == status::kInNotice && objections_pending == 0) return notice_ends_at;
  if (status == status::kCorrectionRequested) return correction_due;
  if (status == status::kRegistered) return valid_until;
  return std::nullopt;
}

json ApplicationState::ToJson() const {
  return {{"id", id},
          {"holder", holder},
          {"status", status},
          {"created", FormatRfc3339(created)},
          {"updated", FormatRfc3339(updated)},
          {"content", content},
          {"fields", fields},
          {"record", record},
          {"notice_ends_at", OptTime(notice_ends_at)},
          {"correction_due", OptTime(correction_due)},
          {"registration_number", registration_number},
          {"certificate_number", certificate_number},
          {"registered_at", OptTime(registered_at)},
          {"valid_from", OptTime(valid_from)},
          {"valid_until", OptTime(valid_until)},
          {"certificate", certificate},
          {"certificate_index", certificate_index},
          {"objections", objections},
          {"objections_pending", objections_pending},
          {"change_content", change_content},
          {"change_fields", change_fields},
          {"reason", reason},
          {"history", history}};
}

Result<ApplicationState> ApplicationState::FromJson(const json& j) {
  try {
    ApplicationState a;
    a.id = j.at("id");
    a.holder = j.at("holder");
    a.status = j.at("status");
    ASSIGN_OR_RETURN(a.created, ParseRfc3339(j.at("created").get<std::string>()));
    ASSIGN_OR_RETURN(a.updated, ParseRfc3339(j.at("updated").get<std::string>()));
    a.content = j.at("content");
    a.fields = j.at("fields");
    a.record = j.at("record");
    ASSIGN_OR_RETURN(a.notice_ends_at, ReadOptTime(j, "notice_ends_at"));
    ASSIGN_OR_RETURN(a.correction_due, ReadOptTime(j, "correction_due"));
    a.registration_number = j.at("registration_number");
    a.certificate_number = j.at("certificate_number");
    ASSIGN_OR_RETURN(a.registered_at, ReadOptTime(j, "registered_at"));
    ASSIGN_OR_RETURN(a.valid_from, ReadOptTime(j, "valid_from"));
    ASSIGN_OR_RETURN(a.valid_until, ReadOptTime(j, "valid_until"));
    a.certificate = j.at("certificate");
    a.certificate_index = j.at("certificate_index");
    a.objections = j.at("objections").get<std::vector<std::string>>();
    a.objections_pending = j.at("objections_pending");
    a.change_content = j.at("change_content");
    a.change_fields = j.at("change_fields");
    a.reason = j.at("reason");
    a.history = j.at("history");
    return a;
  } catch (const json::exception& e) {
    return DataLoss(std::string("stored application is malformed: ") + e.what());
  }
}

json ApplicationState::View() const {
  json v = {{"id", id},
            {"holder", holder},
            {"status", status},
            {"created_at", FormatRfc3339(created)},
            {"updated_at", FormatRfc3339(updated)},
            {"content", content},
            {"history", history},
            {"objections", objections}};
  if (fields.is_object()) {
    for (auto& [k, val] : fields.items()) v[k] = val;
  }
  if (notice_ends_at) v["notice_ends_at"] = FormatRfc3339(*notice_ends_at);
  if (correction_due) v["correction_due"] = FormatRfc3339(*correction_due);
  if (!registration_number.empty()) v["registration_number"] = registration_number;
  if (!certificate_number.empty()) v["certificate_number"] = certificate_number;
  if (registered_at) v["registered_at"] = FormatRfc3339(*registered_at);
  if (valid_from) v["valid_from"] = FormatRfc3339(*valid_from);
  if (valid_until) v["valid_until"] = FormatRfc3339(*valid_until);
  if (!reason.empty()) v["reason"] = reason;
  if (!change_content.empty()) {
    v["change"] = {{"content", change_content}, {"fields", change_fields}};
  }
  return v;
}

json ApplicationState::PublicRecord() const {
  json v = record;
  v["application"] = id;
  v["status"] = status;
  if (!registration_number.empty()) v["registration_number"] = registration_number;
  if (!certificate_number.empty()) v["certificate_number"] = certificate_number;
  if (notice_ends_at) v["notice_ends_at"] = FormatRfc3339(*notice_ends_at);
  if (registered_at) v["registered_at"] = FormatRfc3339(*registered_at);
  if (valid_from) v["valid_from"] = FormatRfc3339(*valid_from);
  if (valid_until) v["valid_until"] = FormatRfc3339(*valid_until);
  if (certificate_index || !certificate.is_null()) v["certificate_index"] = certificate_index;
  if (!reason.empty() && (status == status::kRevoked || status == status::kRefused)) {
    v["reason"] = reason;
  }
  v["history"] = history;
  return v;
}

json ObjectionState::ToJson() const {
  return {{"id", id},
          {"application", application},
          {"objector", objector},
          {"status", status},
          {"grounds", grounds},
          {"evidence", evidence},
          {"grounds_commitment", grounds_commitment},
          {"evidence_commitment", evidence_commitment},
          {"filed_at", FormatRfc3339(filed)},
          {"index", index},
          {"reason", decision_reason},
          {"ruled_at", OptTime(ruled)}};
}

Result<ObjectionState> ObjectionState::FromJson(const json& j) {
  try {
    ObjectionState o;
    o.id = j.at("id");
    o.application = j.at("application");
    o.objector = j.at("objector");
    o.status = j.at("status");
    o.grounds = j.at("grounds");
    o.evidence = j.at("evidence");
    o.grounds_commitment = j.value("grounds_commitment", "");
    o.evidence_commitment = j.value("evidence_commitment", "");
    ASSIGN_OR_RETURN(o.filed, ParseRfc3339(j.at("filed_at").get<std::string>()));
    o.index = j.at("index");
    o.decision_reason = j.at("reason");
    ASSIGN_OR_RETURN(o.ruled, ReadOptTime(j, "ruled_at"));
    return o;
  } catch (const json::exception& e) {
    return DataLoss(std::string("stored objection is malformed: ") + e.what());
  }
}

Status ApplyRegisterEvent(RegisterView& view, uint64_t index, const Event& e,
                          std::string_view sidecar, bool require_private) {
  try {
    if (e.type == kObjectionFiled || e.type == kObjectionRuled) {
      return ApplyObjectionEvent(view, index, e, sidecar, require_private);
    }
    return ApplyApplicationEvent(view, index, e, sidecar, require_private);
  } catch (const json::exception& ex) {
    return InvalidArgument(fmt::format("malformed {} event: {}", e.type, ex.what()));
  }
}

std::optional<storage::Listing> ListingOf(const ApplicationState& a) {
  if (!a.record.is_object()) return std::nullopt;
  storage::Listing l;
  l.application_id = a.id;
  l.number = a.registration_number;
  l.status = a.status;
  l.industry = a.record.value("industry", "");
  std::string text = a.record.value("data_name", "");
  for (const auto& h : a.record["holders"]) {
    l.holders += h["name"].get<std::string>() + "\n" + h["id"].get<std::string>() + "\n";
    text += "\n" + h["name"].get<std::string>();
  }
  for (const char* f :
       {"scenarios", "collection_rules", "processing_rules", "structure", "update_frequency"}) {
    if (a.record.contains(f)) text += "\n" + a.record[f].get<std::string>();
  }
  if (a.record.contains("source")) text += "\n" + a.record["source"].value("description", "");
  // Not the registration number: adding it at registration would rewrite the text indexes for
  // no new word (docs/PERFORMANCE.md); a search for a number is answered from the number.
  l.text = std::move(text);
  json item = {{"application", a.id},
               {"status", a.status},
               {"data_name", a.record["data_name"]},
               {"holders", HoldersForList(a.record["holders"])},
               {"industry", l.industry}};
  if (!a.registration_number.empty()) item["registration_number"] = a.registration_number;
  if (!a.certificate_number.empty()) item["certificate_number"] = a.certificate_number;
  if (a.notice_ends_at) item["notice_ends_at"] = FormatRfc3339(*a.notice_ends_at);
  if (a.registered_at) item["registered_at"] = FormatRfc3339(*a.registered_at);
  if (a.valid_until) item["valid_until"] = FormatRfc3339(*a.valid_until);
  l.item = item.dump();
  return l;
}

json CertificateBody(const ApplicationState& a, const CertificateFacts& f) {
  return {{"application", a.id},
          {"registration_number", f.registration_number},
          {"certificate_number", f.certificate_number},
          {"registrar", {{"code", f.registrar_code}, {"name", f.registrar_name}}},
          {"issued_at", FormatRfc3339(f.issued)},
          {"registered_at", FormatRfc3339(f.registered)},
          {"valid_from", FormatRfc3339(f.valid_from)},
          {"valid_until", FormatRfc3339(f.valid_until)},
          {"local_dates",
           {{"time_zone", f.time_zone},
            {"registered", f.registered_on},
            {"valid_from", f.valid_from_on},
            {"valid_until", f.valid_until_on}}},
          {"deposits", f.deposits},
          {"record", a.record}};
}

}  // namespace dipr::registry
