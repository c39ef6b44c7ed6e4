// The registrar's prepare steps and views of the applications family: drafts, edits, submission,
// withdrawal, the applicant's and examiners' views, reassignment.
#include "registry/registrar_applications.h"

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

// --- applications ---

Result<Prepared> PrepareCreate(Registrar& registrar, const storage::Account& actor,
                               const json& body) {
  RETURN_IF_ERROR(Authorize(SpecOf(kApplicationCreated), actor));
  json fields;
  ASSIGN_OR_RETURN(auto content, registrar.ContentFor(actor, body, fields));
  std::string id = NewId('a');
  Event e{std::string(kApplicationCreated),
          registrar.Now(),
          actor.id,
          {{"application", id}, {"content", content.first}}};
  return registrar.Make(std::move(e), std::move(content.second), id);
}

Result<Prepared> PrepareUpdate(Registrar& registrar, const storage::Account& actor,
                               const std::string& id, const json& body) {
  RETURN_IF_ERROR(Authorize(SpecOf(kApplicationUpdated), actor));
  ASSIGN_OR_RETURN(auto a, registrar.LoadOwnApplication(actor, id));
  json fields;
  ASSIGN_OR_RETURN(auto content, registrar.ContentFor(actor, body, fields));
  Event e{std::string(kApplicationUpdated),
          registrar.Now(),
          actor.id,
          {{"application", id}, {"content", content.first}}};
  return registrar.Make(std::move(e), std::move(content.second), id);
}

Result<Prepared> PrepareSubmit(Registrar& registrar, const storage::Account& actor,
                               const std::string& id) {
  RETURN_IF_ERROR(Authorize(SpecOf(kApplicationSubmitted), actor));
  ASSIGN_OR_RETURN(auto a, registrar.LoadOwnApplication(actor, id));
  Event e{std::string(kApplicationSubmitted), registrar.Now(), actor.id, {{"application", id}}};
  return registrar.Make(std::move(e), "", id);
}

Result<Prepared> PrepareWithdraw(Registrar& registrar, const storage::Account& actor,
                                 const std::string& id) {
  RETURN_IF_ERROR(Authorize(SpecOf(kApplicationWithdrawn), actor));
  ASSIGN_OR_RETURN(auto a, registrar.LoadOwnApplication(actor, id));
  Event e{std::string(kApplicationWithdrawn), registrar.Now(), actor.id, {{"application", id}}};
  return registrar.Make(std::move(e), "", id);
}

Result<json> Registrar::ApplicationView(const storage::Account& actor, const std::string& id) {
  if (actor.role == "finance") return NotFound(fmt::format("no application {}", id));
  ASSIGN_OR_RETURN(auto a, LoadOwnApplication(actor, id));
  json v = a.View();
  // Objections with their state, for the applicant and the examiners.
  json objections = json::array();
  for (const auto& oid : a.objections) {
    ASSIGN_OR_RETURN(auto r, store_.RecordById(kObjectionKind, oid));
    if (!r) continue;
    auto o = ParseJson(r->doc);
    if (!o.ok()) return DataLoss("stored objection " + oid + " is " + o.status().message());
    objections.push_back(std::move(o).value());
  }
  v["objections"] = std::move(objections);
  return v;
}

Result<json> Registrar::Opening(const storage::Account& actor, const std::string& id) {
  if (actor.role != "holder" && actor.role != "admin") {
    return PermissionDenied("only the applicant and admins open an application's commitments");
  }
  ASSIGN_OR_RETURN(auto a, LoadOwnApplication(actor, id));
  json openings = json::array();
  for (const auto& h : a.history) {
    uint64_t index = h.at("index").get<uint64_t>();
    ASSIGN_OR_RETURN(auto entries, store_.ReadEntries(index, index + 1));
    if (entries.size() != 1) return DataLoss(fmt::format("entry {} of {} is missing", index, id));
    ASSIGN_OR_RETURN(Event e, DecodeEntry(entries[0]));
    constexpr std::string_view kSuffix = "_commitment";
    std::vector<std::string> keys;
    for (const auto& [k, _] : e.payload.items()) {
      if (k == "content" || (k.size() > kSuffix.size() && k.ends_with(kSuffix))) keys.push_back(k);
    }
    if (keys.empty()) continue;
    ASSIGN_OR_RETURN(auto sidecar, store_.SidecarOf(index));
    auto parsed = sidecar ? ParseJson(*sidecar) : Result<json>(json());
    const json side = parsed.ok() ? std::move(parsed).value() : json();
    if (!side.is_object()) {
      return DataLoss(fmt::format("the sidecar of entry {} is missing", index));
    }
    for (const auto& k : keys) {
      json item = {{"index", index}, {"type", e.type}, {"field", k}, {"commitment", e.payload[k]}};
      if (e.payload.contains("objection")) item["objection"] = e.payload["objection"];
      // "content" opens with the sidecar itself; "<name>_commitment" with its member <name>.
      const json& opened =
          k == "content" ? side : side.value(k.substr(0, k.size() - kSuffix.size()), json());
      if (!opened.is_object() || !opened.contains("salt")) {
        return DataLoss(fmt::format("the sidecar of entry {} does not open \"{}\"", index, k));
      }
      item["salt"] = opened["salt"];
      if (k == "content") {
        item["fields"] = opened.value("fields", json());
      } else {
        item["text"] = opened.value("text", json());
      }
      openings.push_back(std::move(item));
    }
  }
  return json{{"application", a.id}, {"openings", std::move(openings)}};
}

Result<json> Registrar::ListApplications(const storage::Account& actor, size_t page,
                                         const std::string& status) {
  if (page < 1 || page > kMaxPage) {
    return InvalidArgument(fmt::format("\"page\" must be 1 to {}", kMaxPage));
  }
  std::vector<storage::Record> rs;
  if (actor.role == "holder") {
    if (!status.empty()) {
      return InvalidArgument(
          "\"status\" selects an examiner's queue; a holder lists all of theirs");
    }
    ASSIGN_OR_RETURN(
        rs, store_.RecordsByOwner(kApplicationKind, actor.id, (page - 1) * kPageSize, kPageSize));
  } else if (actor.role == "examiner" || actor.role == "admin") {
    std::string s = status.empty() ? std::string(status::kSubmitted) : status;
    if (!IsApplicationStatus(s)) {
      return InvalidArgument(fmt::format("\"status\" is not a status: \"{}\"", s));
    }
    ASSIGN_OR_RETURN(
        rs, store_.RecordsByStatus(kApplicationKind, s, (page - 1) * kPageSize, kPageSize));
  } else {
    return PermissionDenied("only holders, examiners and admins list applications");
  }
  json items = json::array();
  for (const auto& r : rs) {
    ASSIGN_OR_RETURN(auto a, ApplicationState::FromRecord(r));
    json v = {{"id", a.id}, {"status", a.status}, {"updated_at", FormatRfc3339(a.updated)}};
    if (a.fields.is_object()) v["data_name"] = a.fields["data_name"];
    if (!a.registration_number.empty()) v["registration_number"] = a.registration_number;
    items.push_back(std::move(v));
  }
  return json{{"items", std::move(items)}, {"page", page}};
}

// --- reassignment ---

namespace {

// The holders an application names, as "country/id" in order: what "the same holders" compares.
std::vector<std::string> HolderKeys(const ApplicationState& a) {
  std::vector<std::string> out;
  if (a.fields.is_object() && a.fields.contains("holders")) {
    for (const auto& h : a.fields["holders"]) {
      out.push_back(h.value("country", "") + "/" + h.value("id", ""));
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

static Result<Prepared> Reassign(Registrar& registrar, const storage::Account& actor,
                                 const ApplicationState& a, const json& body) {
  RETURN_IF_ERROR(RequireRole(actor, "admin", "reassigns applications"));
  RETURN_IF_ERROR(CheckObject(body));
  RETURN_IF_ERROR(CheckOnlyFields(body, {"to", "reason"}));
  if (!body.contains("to") || !body["to"].is_string()) {
    return InvalidArgument("\"to\" (the account id) is required");
  }
  std::string to = body["to"];
  if (!body.contains("reason")) return InvalidArgument("\"reason\" is required");
  std::string reason;
  RETURN_IF_ERROR(CheckTextValue(body["reason"], "reason", 1, kMaxReasonChars, true, reason));
  ASSIGN_OR_RETURN(auto target, registrar.store().AccountById(to));
  if (!target) return InvalidArgument(fmt::format("\"to\": no account {}", to));
  if (target->role != "holder") {
    return InvalidArgument(
        fmt::format("\"to\": account {} is a {}, not a holder", to, target->role));
  }
  if (target->disabled) return InvalidArgument(fmt::format("\"to\": account {} is disabled", to));
  if (to == a.holder)
    return Conflict(fmt::format("application {} is held by {} already", a.id, to));
  std::vector<std::string> holders = HolderKeys(a);
  if (holders.empty()) return Internal(fmt::format("application {} names no holders", a.id));
  for (size_t offset = 0;; offset += 100) {
    ASSIGN_OR_RETURN(auto rs, registrar.store().RecordsByOwner(kApplicationKind, to, offset, 100));
    for (const auto& r : rs) {
      ASSIGN_OR_RETURN(auto other, ApplicationState::FromRecord(r));
      if (HolderKeys(other) != holders) {
        return InvalidArgument(fmt::format(
            "\"to\": account {} holds application {}, which names other holders; an account "
            "stands for one set of holders",
            to, other.id));
      }
    }
    if (rs.size() < 100) break;
  }
  Event e{std::string(kApplicationReassigned),
          registrar.Now(),
          actor.id,
          {{"application", a.id}, {"from", a.holder}, {"to", to}, {"reason", reason}}};
  return registrar.Make(std::move(e), "", a.id);
}

Result<Prepared> PrepareReassign(Registrar& registrar, const storage::Account& actor,
                                 const std::string& id, const json& body) {
  RETURN_IF_ERROR(RequireRole(actor, "admin", "reassigns applications"));
  ASSIGN_OR_RETURN(auto a, registrar.LoadApplication(id));
  return Reassign(registrar, actor, a, body);
}

Result<Prepared> PrepareReassignRegistration(Registrar& registrar, const storage::Account& actor,
                                             const std::string& number, const json& body) {
  RETURN_IF_ERROR(RequireRole(actor, "admin", "reassigns registrations"));
  ASSIGN_OR_RETURN(auto a, registrar.LoadRegistration(number));
  return Reassign(registrar, actor, a, body);
}

}  // namespace dipr::registry
