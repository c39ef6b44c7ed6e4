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
#include "registry/commitment.h"
#include "registry/numbers.h"
#include "registry/projector.h"
#include "registry/settings.h"
#include "registry/validate.h"
#include "storage/grams.h"

namespace dipr::registry {
namespace {

using nlohmann::json;

constexpr size_t kPageSize = 20;
constexpr size_t kMaxReasonChars = 2000;
constexpr std::string_view kCertificateTextHeader = "dipr-certificate-v1\n";
constexpr std::string_view kIssuingEvents[] = {kApplicationRegistered, kRegistrationRenewed,
                                               kRegistrationChangeExamined};
constexpr std::string_view kListingStatuses[] = {status::kInNotice,   status::kRefused,
                                                 status::kRegistered, status::kExpired,
                                                 status::kCancelled,  status::kRevoked};

std::string NewId(char prefix) {
  return std::string(1, prefix) + HexEncode(AsBytes(crypto::RandomBytes(8)));
}

// {"decision": one of `decisions`, "reason": text (required unless the decision is `free`)}.
Status ParseDecision(const json& body, std::initializer_list<std::string_view> decisions,
                     std::string_view free, std::string& decision, std::string& reason) {
  RETURN_IF_ERROR(CheckObject(body));
  RETURN_IF_ERROR(CheckOnlyFields(body, {"decision", "reason"}));
  if (!body.contains("decision")) return InvalidArgument("\"decision\" is required");
  decision = body["decision"].is_string() ? body["decision"].get<std::string>() : "";
  if (std::find(decisions.begin(), decisions.end(), decision) == decisions.end()) {
    std::string choices;
    for (auto d : decisions) choices += (choices.empty() ? "" : ", ") + std::string(d);
    return InvalidArgument(fmt::format("\"decision\" must be one of {}", choices));
  }
  bool required = decision != free;
  if (!body.contains("reason")) {
    if (required) return InvalidArgument("\"reason\" is required for this decision");
    reason.clear();
    return Status::Ok();
  }
  return CheckTextValue(body["reason"], "reason", required ? 1 : 0, kMaxReasonChars, true, reason);
}

// An optional {"reason": text} body; required: at least one character.
Status ParseReason(const json& body, bool required, std::string& reason) {
  if (body.is_null() && !required) return Status::Ok();
  RETURN_IF_ERROR(CheckObject(body));
  RETURN_IF_ERROR(CheckOnlyFields(body, {"reason"}));
  if (!body.contains("reason")) {
    if (required) return InvalidArgument("\"reason\" is required");
    return Status::Ok();
  }
  return CheckTextValue(body["reason"], "reason", required ? 1 : 0, kMaxReasonChars, true, reason);
}

// A private text goes into the log as its commitment, payload["<name>_commitment"], and into the
// sidecar as side[name] = {"salt","text"} (docs/FORMATS.md §2.2).
Status CommitText(const std::string& name, const std::string& text, json& payload, json& side) {
  std::string salt = NewSalt();
  ASSIGN_OR_RETURN(std::string commitment, TextCommitment(text, salt));
  payload[name + "_commitment"] = std::move(commitment);
  side[name] = {{"salt", salt}, {"text", text}};
  return Status::Ok();
}

// The sidecar of an event with private texts: their canonical JSON, or "" when there are none.
Result<std::string> TextSidecar(const json& side) {
  if (side.empty()) return std::string();
  return CanonicalJson(side);
}

Result<ApplicationState> ParseApplication(const storage::Record& r) {
  auto j = ParseJson(r.doc);
  if (!j.ok()) return DataLoss("stored application " + r.id + " is " + j.status().message());
  return ApplicationState::FromJson(*j);
}

Result<ObjectionState> ParseObjection(const storage::Record& r) {
  auto j = ParseJson(r.doc);
  if (!j.ok()) return DataLoss("stored objection " + r.id + " is " + j.status().message());
  return ObjectionState::FromJson(*j);
}

// "2026-12-21": the local date of an instant in the schedule's zone.
std::string LocalDateOf(const Schedule& schedule, Time t) {
  int y, m, d;
  schedule.LocalDate(t, y, m, d);
  return fmt::format("{:04d}-{:02d}-{:02d}", y, m, d);
}

}  // namespace

Result<std::string> CertificateSignedText(const json& body) {
  ASSIGN_OR_RETURN(std::string canonical, CanonicalJson(body));
  return std::string(kCertificateTextHeader) + canonical + "\n";
}

Registrar::Registrar(Registry& registry, const crypto::NoteSigner& signer,
                     std::shared_ptr<const Schedule> schedule, RegistrarSettings settings,
                     uint64_t settings_index)
    : registry_(registry),
      store_(registry.store()),
      signer_(signer),
      in_force_(std::make_shared<const InForce>(
          InForce{std::move(settings), std::move(schedule), settings_index})),
      numbers_(registry.store()) {}

std::shared_ptr<const Registrar::InForce> Registrar::in_force() const {
  std::lock_guard lock(settings_mu_);
  return in_force_;
}

Status Registrar::RefreshSettings() {
  ASSIGN_OR_RETURN(auto logged, ReadLoggedSettings(store_, in_force()->index));
  if (!logged) return Status::Ok();
  ASSIGN_OR_RETURN(std::shared_ptr<const Schedule> schedule,
                   CalendarSchedule::Create(logged->settings.schedule));
  auto next = std::make_shared<const InForce>(
      InForce{logged->settings.registrar, std::move(schedule), logged->index});
  std::lock_guard lock(settings_mu_);
  if (next->index > in_force_->index) in_force_ = std::move(next);  // else another was first
  return Status::Ok();
}

Time Registrar::Now() const { return registry_.Now(); }

std::string Registrar::LocalDate(Time t) const { return LocalDateOf(*in_force()->schedule, t); }

std::string Registrar::PublicUrl(const std::string& number) const {
  std::string base = settings().public_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/v1/registrations/" + number;
}

Result<Prepared> Registrar::Make(Event e, std::string sidecar, std::string application,
                                 std::string objection) {
  ASSIGN_OR_RETURN(std::string entry, EncodeEntry(e));
  if (entry.size() > log::kMaxEntrySize) {
    return TooLarge(fmt::format("the entry would be {} bytes, over the log's limit of {}",
                                entry.size(), log::kMaxEntrySize));
  }
  Prepared p;
  p.submission.entry = entry;
  p.submission.sidecar = sidecar;
  p.submission.projection = [entry = std::move(entry), sidecar = std::move(sidecar)](
                                storage::WriteTx& tx, uint64_t index) {
    return ApplyEntry(tx, index, entry, sidecar);
  };
  p.application = std::move(application);
  p.objection = std::move(objection);
  return p;
}

Result<ApplicationState> Registrar::LoadApplication(const std::string& id) {
  ASSIGN_OR_RETURN(auto r, store_.RecordById(kApplicationKind, id));
  if (!r) return NotFound(fmt::format("no application {}", id));
  return ParseApplication(*r);
}

Result<ApplicationState> Registrar::LoadOwnApplication(const storage::Account& actor,
                                                       const std::string& id) {
  auto a = LoadApplication(id);
  // Someone else's application does not exist, as far as a holder can tell.
  if (a.ok() && actor.role == "holder" && a->holder != actor.id) {
    return NotFound(fmt::format("no application {}", id));
  }
  return a;
}

Result<ApplicationState> Registrar::LoadRegistration(const std::string& number) {
  ASSIGN_OR_RETURN(auto r, store_.RecordByNumber(number));
  if (!r) return NotFound(fmt::format("no registration {}", number));
  return ParseApplication(*r);
}

Result<Event> Registrar::ReadDeposit(uint64_t idx, const std::string& field) {
  ASSIGN_OR_RETURN(uint64_t size, store_.EntryCount());
  if (idx >= size) return InvalidArgument(fmt::format("\"{}\": no log entry {}", field, idx));
  ASSIGN_OR_RETURN(auto entries, store_.ReadEntries(idx, idx + 1));
  ASSIGN_OR_RETURN(Event e, DecodeEntry(entries.at(0)));
  if (e.type != kDeposit) {
    return InvalidArgument(fmt::format("\"{}\": log entry {} is not a deposit", field, idx));
  }
  return e;
}

Result<std::pair<std::string, std::string>> Registrar::ContentFor(const storage::Account& actor,
                                                                  const json& body, json& fields) {
  ASSIGN_OR_RETURN(fields, ParseApplicationFields(body));
  // The deposits must be the applicant's own: read them from the log itself.
  size_t i = 0;
  uint64_t total = 0;  // the deposits' sizes; saturates (scale.bytes is below 2^53 anyway)
  for (const auto& d : fields["deposits"]) {
    uint64_t idx = d.get<uint64_t>();
    std::string field = fmt::format("deposits[{}]", i++);
    ASSIGN_OR_RETURN(Event e, ReadDeposit(idx, field));
    if (e.actor != actor.id) {
      return InvalidArgument(fmt::format("\"{}\": deposit {} is not yours", field, idx));
    }
    ASSIGN_OR_RETURN(auto fp, fingerprint::FingerprintFromJson(e.payload["fingerprint"]));
    total = fp.size > UINT64_MAX - total ? UINT64_MAX : total + fp.size;
  }
  // The deposits are the dataset's files (one or several): the dataset is their bytes.
  if (fields["scale"]["bytes"].get<uint64_t>() != total) {
    return InvalidArgument(fmt::format(
        "\"scale.bytes\" is {} but the deposits it rests on hold {} bytes: it must be their "
        "total size",
        fields["scale"]["bytes"].get<uint64_t>(), total));
  }
  std::string salt = NewSalt();
  ASSIGN_OR_RETURN(std::string content, FieldsCommitment(fields, salt));
  ASSIGN_OR_RETURN(std::string sidecar, CanonicalJson(json{{"fields", fields}, {"salt", salt}}));
  return std::make_pair(std::move(content), std::move(sidecar));
}

// --- applications ---

Result<Prepared> Registrar::PrepareCreate(const storage::Account& actor, const json& body) {
  RETURN_IF_ERROR(RequireRole(actor, "holder", "applies for registration"));
  json fields;
  ASSIGN_OR_RETURN(auto content, ContentFor(actor, body, fields));
  std::string id = NewId('a');
  Event e{std::string(kApplicationCreated), Now(), actor.id,
          {{"application", id}, {"content", content.first}}};
  return Make(std::move(e), std::move(content.second), id);
}

Result<Prepared> Registrar::PrepareUpdate(const storage::Account& actor, const std::string& id,
                                          const json& body) {
  RETURN_IF_ERROR(RequireRole(actor, "holder", "edits applications"));
  ASSIGN_OR_RETURN(auto a, LoadOwnApplication(actor, id));
  if (a.status != status::kDraft && a.status != status::kCorrectionRequested) {
    return Conflict(fmt::format("application {} is {}: only a draft or an application sent back "
                                "for correction can be edited",
                                id, a.status));
  }
  json fields;
  ASSIGN_OR_RETURN(auto content, ContentFor(actor, body, fields));
  Event e{std::string(kApplicationUpdated), Now(), actor.id,
          {{"application", id}, {"content", content.first}}};
  return Make(std::move(e), std::move(content.second), id);
}

Result<Prepared> Registrar::PrepareSubmit(const storage::Account& actor, const std::string& id) {
  RETURN_IF_ERROR(RequireRole(actor, "holder", "submits applications"));
  ASSIGN_OR_RETURN(auto a, LoadOwnApplication(actor, id));
  if (a.status != status::kDraft && a.status != status::kCorrectionRequested) {
    return Conflict(fmt::format("application {} is {}: only a draft or a corrected application "
                                "can be submitted",
                                id, a.status));
  }
  Event e{std::string(kApplicationSubmitted), Now(), actor.id, {{"application", id}}};
  return Make(std::move(e), "", id);
}

Result<Prepared> Registrar::PrepareWithdraw(const storage::Account& actor, const std::string& id) {
  RETURN_IF_ERROR(RequireRole(actor, "holder", "withdraws applications"));
  ASSIGN_OR_RETURN(auto a, LoadOwnApplication(actor, id));
  if (a.status != status::kDraft && a.status != status::kSubmitted &&
      a.status != status::kCorrectionRequested) {
    return Conflict(fmt::format("application {} is {}: only an application not yet decided can "
                                "be withdrawn",
                                id, a.status));
  }
  Event e{std::string(kApplicationWithdrawn), Now(), actor.id, {{"application", id}}};
  return Make(std::move(e), "", id);
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
      return InvalidArgument("\"status\" selects an examiner's queue; a holder lists all of theirs");
    }
    ASSIGN_OR_RETURN(rs, store_.RecordsByOwner(kApplicationKind, actor.id,
                                               (page - 1) * kPageSize, kPageSize));
  } else if (actor.role == "examiner" || actor.role == "admin") {
    std::string s = status.empty() ? std::string(status::kSubmitted) : status;
    if (!IsApplicationStatus(s)) {
      return InvalidArgument(fmt::format("\"status\" is not a status: \"{}\"", s));
    }
    ASSIGN_OR_RETURN(rs, store_.RecordsByStatus(kApplicationKind, s, (page - 1) * kPageSize,
                                                kPageSize));
  } else {
    return PermissionDenied("only holders, examiners and admins list applications");
  }
  json items = json::array();
  for (const auto& r : rs) {
    ASSIGN_OR_RETURN(auto a, ParseApplication(r));
    json v = {{"id", a.id}, {"status", a.status}, {"updated_at", FormatRfc3339(a.updated)}};
    if (a.fields.is_object()) v["data_name"] = a.fields["data_name"];
    if (!a.registration_number.empty()) v["registration_number"] = a.registration_number;
    items.push_back(std::move(v));
  }
  return json{{"items", std::move(items)}, {"page", page}};
}

// --- examination and objections ---

Result<Prepared> Registrar::PrepareExamination(const storage::Account& actor,
                                               const std::string& id, const json& body) {
  RETURN_IF_ERROR(RequireRole(actor, "examiner", "examines applications"));
  std::string decision, reason;
  RETURN_IF_ERROR(ParseDecision(body, {"accept", "correct", "reject"}, "accept", decision, reason));
  ASSIGN_OR_RETURN(auto a, LoadApplication(id));
  if (a.status != status::kSubmitted) {
    return Conflict(fmt::format("application {} is {}: only a submitted application is examined",
                                id, a.status));
  }
  Time now = Now();
  const auto schedule = in_force()->schedule;
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
  return Make(std::move(e), std::move(sidecar), id);
}

Result<Prepared> Registrar::PrepareObjection(const storage::Account& actor, const std::string& id,
                                             const json& body) {
  RETURN_IF_ERROR(CheckObject(body));
  RETURN_IF_ERROR(CheckOnlyFields(body, {"grounds", "evidence"}));
  if (!body.contains("grounds")) return InvalidArgument("\"grounds\" is required");
  std::string grounds, evidence;
  RETURN_IF_ERROR(CheckTextValue(body["grounds"], "grounds", 1, kMaxDescriptionChars, true,
                                 grounds));
  if (body.contains("evidence")) {
    RETURN_IF_ERROR(CheckTextValue(body["evidence"], "evidence", 0, kMaxDescriptionChars, true,
                                   evidence));
  }
  auto a = LoadApplication(id);
  // An application not (yet) in public notice is not public: the same 404 as a missing one.
  if (!a.ok() || a->record.is_null()) return NotFound(fmt::format("no application {} in notice", id));
  Time now = Now();
  if (a->status != status::kInNotice || !a->notice_ends_at || now >= *a->notice_ends_at) {
    return Conflict(fmt::format("application {} is not in its public notice (it is {})", id,
                                a->status));
  }
  std::string oid = NewId('o');
  json payload = {{"objection", oid}, {"application", id}}, side = json::object();
  RETURN_IF_ERROR(CommitText("grounds", grounds, payload, side));
  RETURN_IF_ERROR(CommitText("evidence", evidence, payload, side));
  Event e{std::string(kObjectionFiled), now, actor.id, std::move(payload)};
  ASSIGN_OR_RETURN(std::string sidecar, TextSidecar(side));
  return Make(std::move(e), std::move(sidecar), id, oid);
}

Result<Prepared> Registrar::PrepareRuling(const storage::Account& actor,
                                          const std::string& objection_id, const json& body) {
  RETURN_IF_ERROR(RequireRole(actor, "examiner", "rules on objections"));
  std::string decision, reason;
  RETURN_IF_ERROR(ParseDecision(body, {"uphold", "dismiss"}, "", decision, reason));
  ASSIGN_OR_RETURN(auto r, store_.RecordById(kObjectionKind, objection_id));
  if (!r) return NotFound(fmt::format("no objection {}", objection_id));
  if (r->status != "pending") {
    return Conflict(fmt::format("objection {} is {} already", objection_id, r->status));
  }
  // The ruling publishes the grounds with their salt (the opening of the filed commitment).
  ASSIGN_OR_RETURN(auto o, ParseObjection(*r));
  ASSIGN_OR_RETURN(auto filed, store_.SidecarOf(o.index));
  auto parsed = filed ? ParseJson(*filed) : Result<json>(json());
  const json side = parsed.ok() ? std::move(parsed).value() : json();
  if (!side.is_object() || !side.contains("grounds") || !side["grounds"].is_object() ||
      !side["grounds"].contains("salt") || !side["grounds"]["salt"].is_string()) {
    return DataLoss(fmt::format("objection {} lost the opening of its grounds", objection_id));
  }
  Event e{std::string(kObjectionRuled), Now(), actor.id,
          {{"objection", objection_id},
           {"application", r->parent},
           {"decision", decision},
           {"reason", reason},
           {"grounds", o.grounds},
           {"grounds_salt", side["grounds"]["salt"]}}};
  return Make(std::move(e), "", r->parent, objection_id);
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
    ASSIGN_OR_RETURN(rs, store_.RecordsByOwner(kObjectionKind, actor.id, (page - 1) * kPageSize,
                                               kPageSize));
    if (!s.empty()) std::erase_if(rs, [&](const storage::Record& r) { return r.status != s; });
  }
  json items = json::array();
  for (const auto& r : rs) {
    ASSIGN_OR_RETURN(auto o, ParseObjection(r));
    items.push_back({{"id", o.id},
                     {"application", o.application},
                     {"status", o.status},
                     {"filed_at", FormatRfc3339(o.filed)},
                     {"index", o.index}});
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

Result<Prepared> Registrar::Reassign(const storage::Account& actor, const ApplicationState& a,
                                     const json& body) {
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
  ASSIGN_OR_RETURN(auto target, store_.AccountById(to));
  if (!target) return InvalidArgument(fmt::format("\"to\": no account {}", to));
  if (target->role != "holder") {
    return InvalidArgument(fmt::format("\"to\": account {} is a {}, not a holder", to,
                                       target->role));
  }
  if (target->disabled) return InvalidArgument(fmt::format("\"to\": account {} is disabled", to));
  if (to == a.holder) return Conflict(fmt::format("application {} is held by {} already", a.id, to));
  std::vector<std::string> holders = HolderKeys(a);
  if (holders.empty()) return Internal(fmt::format("application {} names no holders", a.id));
  for (size_t offset = 0;; offset += 100) {
    ASSIGN_OR_RETURN(auto rs, store_.RecordsByOwner(kApplicationKind, to, offset, 100));
    for (const auto& r : rs) {
      ASSIGN_OR_RETURN(auto other, ParseApplication(r));
      if (HolderKeys(other) != holders) {
        return InvalidArgument(fmt::format(
            "\"to\": account {} holds application {}, which names other holders; an account "
            "stands for one set of holders",
            to, other.id));
      }
    }
    if (rs.size() < 100) break;
  }
  Event e{std::string(kApplicationReassigned), Now(), actor.id,
          {{"application", a.id}, {"from", a.holder}, {"to", to}, {"reason", reason}}};
  return Make(std::move(e), "", a.id);
}

Result<Prepared> Registrar::PrepareReassign(const storage::Account& actor, const std::string& id,
                                            const json& body) {
  RETURN_IF_ERROR(RequireRole(actor, "admin", "reassigns applications"));
  ASSIGN_OR_RETURN(auto a, LoadApplication(id));
  return Reassign(actor, a, body);
}

Result<Prepared> Registrar::PrepareReassignRegistration(const storage::Account& actor,
                                                        const std::string& number,
                                                        const json& body) {
  RETURN_IF_ERROR(RequireRole(actor, "admin", "reassigns registrations"));
  ASSIGN_OR_RETURN(auto a, LoadRegistration(number));
  return Reassign(actor, a, body);
}

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
  const json& indexes = a.record.is_object() && a.record.contains("deposits")
                            ? a.record["deposits"]
                            : json::array();
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

Result<Prepared> Registrar::PrepareRenewal(const storage::Account& actor,
                                           const std::string& number) {
  RETURN_IF_ERROR(RequireRole(actor, "holder", "renews registrations"));
  ASSIGN_OR_RETURN(auto a, LoadRegistration(number));
  if (a.holder != actor.id) {
    return PermissionDenied(fmt::format("only the holder of {} renews it", number));
  }
  if (a.status != status::kRegistered && a.status != status::kExpired) {
    return Conflict(fmt::format("registration {} is {}: it cannot be renewed", number, a.status));
  }
  Time now = Now();
  const auto s = in_force();
  ASSIGN_OR_RETURN(Time opens, s->schedule->Start(*a.valid_until, Schedule::Period::kRenewalWindow));
  ASSIGN_OR_RETURN(Time closes, s->schedule->End(*a.valid_until, Schedule::Period::kRenewalGrace));
  if (now < opens) {
    return Conflict(fmt::format("registration {} can be renewed from {} (it is valid until {})",
                                number, FormatRfc3339(opens), FormatRfc3339(*a.valid_until)));
  }
  if (now > closes) {
    return Conflict(fmt::format("the grace period to renew {} ended at {}", number,
                                FormatRfc3339(closes)));
  }
  ASSIGN_OR_RETURN(Time until, s->schedule->End(*a.valid_until, Schedule::Period::kValidity));
  ASSIGN_OR_RETURN(json cert, IssueCertificate(*s, a, now, a.registration_number, *a.registered_at,
                                               *a.valid_until, until));
  Event e{std::string(kRegistrationRenewed), now, actor.id,
          {{"application", a.id}, {"certificate", std::move(cert)}}};
  return Make(std::move(e), "", a.id);
}

Result<Prepared> Registrar::PrepareChange(const storage::Account& actor, const std::string& number,
                                          const json& body) {
  RETURN_IF_ERROR(RequireRole(actor, "holder", "changes registrations"));
  ASSIGN_OR_RETURN(auto a, LoadRegistration(number));
  if (a.holder != actor.id) {
    return PermissionDenied(fmt::format("only the holder of {} changes it", number));
  }
  if (a.status != status::kRegistered) {
    return Conflict(fmt::format("registration {} is {}: only a registration in force is changed",
                                number, a.status));
  }
  if (!a.change_content.empty()) {
    return Conflict(fmt::format("a change of {} is already under examination", number));
  }
  json fields;
  ASSIGN_OR_RETURN(auto content, ContentFor(actor, body, fields));
  for (const char* k : {"data_name", "holders", "industry", "deposits"}) {
    if (a.fields.is_object() && fields[k] != a.fields[k]) {
      return InvalidArgument(fmt::format(
          "\"{}\" cannot change by a change of descriptive fields (transfers are their own "
          "procedure)",
          k));
    }
  }
  Event e{std::string(kRegistrationChangeRequested), Now(), actor.id,
          {{"application", a.id}, {"content", content.first}}};
  return Make(std::move(e), std::move(content.second), a.id);
}

Result<Prepared> Registrar::PrepareChangeExamination(const storage::Account& actor,
                                                     const std::string& number, const json& body) {
  RETURN_IF_ERROR(RequireRole(actor, "examiner", "examines changes"));
  std::string decision, reason;
  RETURN_IF_ERROR(ParseDecision(body, {"accept", "reject"}, "accept", decision, reason));
  ASSIGN_OR_RETURN(auto a, LoadRegistration(number));
  if (a.status != status::kRegistered || a.change_content.empty()) {
    return Conflict(fmt::format("registration {} has no change under examination", number));
  }
  Time now = Now();
  json payload = {{"application", a.id}, {"decision", decision}}, side = json::object();
  if (!reason.empty()) RETURN_IF_ERROR(CommitText("reason", reason, payload, side));
  if (decision == "accept") {
    if (!a.change_fields.is_object()) return DataLoss("the change of " + number + " lost its fields");
    ApplicationState changed = a;
    changed.record = PublicFields(a.change_fields);
    ASSIGN_OR_RETURN(payload["certificate"],
                     IssueCertificate(*in_force(), changed, now, a.registration_number,
                                      *a.registered_at, *a.valid_from, *a.valid_until));
  }
  Event e{std::string(kRegistrationChangeExamined), now, actor.id, std::move(payload)};
  ASSIGN_OR_RETURN(std::string sidecar, TextSidecar(side));
  return Make(std::move(e), std::move(sidecar), a.id);
}

Result<Prepared> Registrar::PrepareCancel(const storage::Account& actor, const std::string& number,
                                          const json& body) {
  RETURN_IF_ERROR(RequireRole(actor, "holder", "cancels registrations"));
  std::string reason;
  RETURN_IF_ERROR(ParseReason(body, false, reason));
  ASSIGN_OR_RETURN(auto a, LoadRegistration(number));
  if (a.holder != actor.id) {
    return PermissionDenied(fmt::format("only the holder of {} cancels it", number));
  }
  if (a.status != status::kRegistered && a.status != status::kExpired) {
    return Conflict(fmt::format("registration {} is {}: it cannot be cancelled", number, a.status));
  }
  json payload = {{"application", a.id}};
  if (!reason.empty()) payload["reason"] = reason;
  Event e{std::string(kRegistrationCancelled), Now(), actor.id, std::move(payload)};
  return Make(std::move(e), "", a.id);
}

Result<Prepared> Registrar::PrepareRevoke(const storage::Account& actor, const std::string& number,
                                          const json& body) {
  RETURN_IF_ERROR(RequireRole(actor, "examiner", "revokes registrations"));
  std::string reason;
  RETURN_IF_ERROR(ParseReason(body, true, reason));
  ASSIGN_OR_RETURN(auto a, LoadRegistration(number));
  if (a.status != status::kRegistered && a.status != status::kExpired) {
    return Conflict(fmt::format("registration {} is {}: it cannot be revoked", number, a.status));
  }
  Event e{std::string(kRegistrationRevoked), Now(), actor.id,
          {{"application", a.id}, {"reason", reason}}};
  return Make(std::move(e), "", a.id);
}

// --- the public register ---

Result<json> Registrar::PublicRecord(const std::string& number) {
  ASSIGN_OR_RETURN(auto a, LoadRegistration(number));
  return a.PublicRecord();
}

Result<json> Registrar::NoticeRecord(const std::string& id) {
  auto a = LoadApplication(id);
  // Not published (a draft, or under examination) is the same 404 as not there at all.
  if (!a.ok() || a->record.is_null()) {
    if (!a.ok() && a.status().code() != Code::kNotFound) return a.status();
    return NotFound(fmt::format("no application {} was published for notice", id));
  }
  return a->PublicRecord();
}

Result<json> Registrar::Search(const std::map<std::string, std::string>& query,
                               bool notices_only) {
  auto get = [&](const char* k) {
    auto it = query.find(k);
    return it == query.end() ? std::string() : it->second;
  };
  storage::ListingQuery q;
  std::string text = get("q"), holder = get("holder");
  RETURN_IF_ERROR(CheckTextValue(json(text), "q", 0, 200, false, q.text));
  RETURN_IF_ERROR(CheckTextValue(json(holder), "holder", 0, 200, false, q.holder));
  q.industry = get("industry");
  if (!q.industry.empty() && IndustryName(q.industry).empty()) {
    return InvalidArgument("\"industry\" must be a GB/T 4754 section letter, A to T");
  }
  std::string statuses = get("status");
  if (notices_only) {
    if (!statuses.empty()) return InvalidArgument("notices are all in_notice; drop \"status\"");
    q.statuses = {std::string(status::kInNotice)};
  } else if (statuses.empty()) {
    for (auto s : {status::kRegistered, status::kExpired, status::kCancelled, status::kRevoked}) {
      q.statuses.emplace_back(s);
    }
  } else {
    size_t start = 0;
    while (start <= statuses.size()) {
      size_t comma = statuses.find(',', start);
      std::string s = statuses.substr(start, comma == std::string::npos ? std::string::npos
                                                                        : comma - start);
      if (!OneOf(kListingStatuses, s)) {
        return InvalidArgument(fmt::format(
            "\"status\" must be registered, expired, cancelled, revoked, in_notice or refused "
            "(comma-separated), not \"{}\"",
            s));
      }
      q.statuses.push_back(s);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  size_t page = 1;
  std::string p = get("page");
  if (!p.empty()) {
    if (p.size() > 6 || p.find_first_not_of("0123456789") != std::string::npos) {
      return InvalidArgument("\"page\" must be a number from 1");
    }
    page = std::stoul(p);
    if (page < 1 || page > kMaxPage) {
      return InvalidArgument(fmt::format("\"page\" must be 1 to {}", kMaxPage));
    }
  }
  q.offset = (page - 1) * kPageSize;
  q.limit = kPageSize;
  if (IsValidRegistrationNumber(q.text)) {
    // A registration number is not in the searched text: look it up (one row at most), and let
    // the other filters apply to it.
    ASSIGN_OR_RETURN(auto r, store_.RecordByNumber(q.text));
    std::optional<storage::Listing> l;
    if (r) {
      ASSIGN_OR_RETURN(auto a, ParseApplication(*r));
      l = ListingOf(a);
    }
    bool match = l && (q.industry.empty() || l->industry == q.industry) &&
                 std::find(q.statuses.begin(), q.statuses.end(), l->status) != q.statuses.end();
    if (match && !q.holder.empty()) {
      // As the store's search compares holders (storage/grams.h).
      match = storage::FoldAsciiCase(l->holders).find(storage::FoldAsciiCase(q.holder)) !=
              std::string::npos;
    }
    json items = json::array();
    if (match && page == 1) {
      auto item = ParseJson(l->item);
      if (!item.ok()) return DataLoss("a stored listing is " + item.status().message());
      items.push_back(std::move(item).value());
    }
    return json{{"items", std::move(items)},
                {"total", match ? 1 : 0},
                {"total_exact", true},
                {"page", page},
                {"page_size", kPageSize}};
  }
  ASSIGN_OR_RETURN(auto result, store_.SearchListings(q));
  json items = json::array();
  for (const auto& item : result.items) {
    auto j = ParseJson(item);
    if (!j.ok()) return DataLoss("a stored listing is " + j.status().message());
    items.push_back(std::move(j).value());
  }
  return json{{"items", std::move(items)},
              {"total", result.total},
              {"total_exact", result.total_exact},
              {"page", page},
              {"page_size", kPageSize}};
}

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
  CertificatePrint p{a.certificate, a.certificate_index, PublicUrl(number), std::move(doc),
                     a.status, a.updated};
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

// --- the registrar acting by itself ---

Result<std::optional<Prepared>> Registrar::PrepareDue(const storage::Record& r, Time now) {
  if (r.kind != kApplicationKind) return std::optional<Prepared>();
  ASSIGN_OR_RETURN(auto a, ParseApplication(r));
  const std::string actor(kRegistrarActor);
  if (a.status == status::kInNotice && a.objections_pending == 0 && a.notice_ends_at &&
      now >= *a.notice_ends_at) {
    const auto s = in_force();
    int y, m, d;
    s->schedule->LocalDate(now, y, m, d);
    ASSIGN_OR_RETURN(std::string rn, numbers_.NextRegistrationNumber(y, s->registrar.code));
    ASSIGN_OR_RETURN(Time until, s->schedule->End(now, Schedule::Period::kValidity));
    ASSIGN_OR_RETURN(json cert, IssueCertificate(*s, a, now, rn, now, now, until));
    Event e{std::string(kApplicationRegistered), now, actor,
            {{"application", a.id}, {"certificate", std::move(cert)}}};
    ASSIGN_OR_RETURN(auto p, Make(std::move(e), "", a.id));
    return std::optional<Prepared>(std::move(p));
  }
  if (a.status == status::kCorrectionRequested && a.correction_due && now >= *a.correction_due) {
    Event e{std::string(kApplicationWithdrawn), now, actor,
            {{"application", a.id}, {"reason", "the correction deadline passed"}}};
    ASSIGN_OR_RETURN(auto p, Make(std::move(e), "", a.id));
    return std::optional<Prepared>(std::move(p));
  }
  if (a.status == status::kRegistered && a.valid_until && now >= *a.valid_until) {
    Event e{std::string(kRegistrationExpired), now, actor, {{"application", a.id}}};
    ASSIGN_OR_RETURN(auto p, Make(std::move(e), "", a.id));
    return std::optional<Prepared>(std::move(p));
  }
  return std::optional<Prepared>();
}

Result<size_t> Registrar::RunDue(size_t limit) {
  if (!registry_.sequencer().leading()) return size_t{0};
  Time now = Now();
  ASSIGN_OR_RETURN(auto due, store_.RecordsDue(now, limit));
  if (due.empty()) return size_t{0};

  struct Latch {
    std::mutex mu;
    std::condition_variable cv;
    size_t outstanding = 0, appended = 0;
    Status first_error;
  };
  auto latch = std::make_shared<Latch>();
  class Counted final : public log::Completion {
   public:
    explicit Counted(std::shared_ptr<Latch> l) : l_(std::move(l)) {}
    void Done(Result<log::Appended> r) override {
      std::lock_guard lock(l_->mu);
      if (r.ok()) {
        l_->appended++;
      } else if (r.status().code() != Code::kConflict && l_->first_error.ok()) {
        l_->first_error = r.status();
      }
      if (--l_->outstanding == 0) l_->cv.notify_all();
    }

   private:
    std::shared_ptr<Latch> l_;
  };
  std::vector<Prepared> batch;
  Status first_failure;
  for (const auto& r : due) {
    // One record that cannot be acted on (say, a period beyond the holiday calendar) must not
    // hold up the others: it is skipped, and reported if nothing else went through.
    auto p = PrepareDue(r, now);
    if (!p.ok()) {
      if (first_failure.ok()) {
        first_failure = Status(p.status().code(), r.id + ": " + p.status().message());
      }
      continue;
    }
    if (*p) batch.push_back(std::move(**p));
  }
  if (batch.empty()) {
    if (!first_failure.ok()) return first_failure;
    return size_t{0};
  }
  {
    std::lock_guard lock(latch->mu);
    latch->outstanding = batch.size();
  }
  for (auto& p : batch) {
    registry_.sequencer().Submit(std::move(p.submission.entry), std::move(p.submission.sidecar),
                                 std::move(p.submission.projection),
                                 std::make_unique<Counted>(latch));
  }
  std::unique_lock lock(latch->mu);
  latch->cv.wait(lock, [&] { return latch->outstanding == 0; });
  if (latch->appended == 0) {
    if (!latch->first_error.ok()) return latch->first_error;
    if (!first_failure.ok()) return first_failure;
  }
  return latch->appended;
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
  if (!cp.ok()) return InvalidArgument("the certificate's receipt does not verify: " +
                                       cp.status().message());
  ASSIGN_OR_RETURN(Event e, DecodeEntry(receipt.entry));
  if (!OneOf(kIssuingEvents, e.type)) {
    return InvalidArgument(fmt::format("the receipt's entry is a {} event, which issues no "
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
