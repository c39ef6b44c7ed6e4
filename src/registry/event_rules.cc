#include "registry/event_rules.h"

#include <fmt/format.h>

#include "common/hex.h"
#include "common/json_parse.h"
#include "registry/application.h"
#include "registry/commitment.h"
#include "registry/numbers.h"
#include "registry/validate.h"
#include "verify/certificate.h"

namespace dipr::registry {

using nlohmann::json;

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
  if (!side.is_object() || !side.contains("fields") || !side.contains("salt") ||
      !side["salt"].is_string()) {
    return InvalidArgument("the entry's sidecar is not {\"fields\",\"salt\"}");
  }
  ASSIGN_OR_RETURN(std::string c,
                   FieldsCommitment(side["fields"], side["salt"].get<std::string>()));
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
    return InvalidArgument(
        fmt::format("the \"{}\" of {} is private: the log carries only \"{}\"", name, e.type, key));
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
  if (!side.is_object() || !side.contains(name) || !side[name].is_object() ||
      !side[name].contains("salt") || !side[name]["salt"].is_string() ||
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

void AddHistory(ApplicationState& a, uint64_t index, const Event& e, json extra) {
  json h = {{"index", index}, {"type", e.type}, {"time", FormatRfc3339(e.time)}};
  for (auto& [k, v] : extra.items()) h[k] = v;
  a.history.push_back(std::move(h));
  a.updated = e.time;
}

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

Status RequireParty(const EventContext& ctx, const ApplicationState& a) {
  return CheckParty(*ctx.spec, a, ctx.event.actor);
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

}  // namespace dipr::registry
