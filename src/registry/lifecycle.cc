#include "registry/lifecycle.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/hex.h"
#include "common/json_parse.h"
#include "registry/application.h"
#include "registry/commitment.h"
#include "registry/event_rules.h"
#include "registry/numbers.h"
#include "registry/validate.h"

namespace dipr::registry {
namespace {

using nlohmann::json;

constexpr std::string_view kRegistrationStatuses[] = {status::kRegistered, status::kExpired,
                                                      status::kCancelled, status::kRevoked};
constexpr std::string_view kApplicationStatuses[] = {
    status::kDraft,     status::kSubmitted,  status::kCorrectionRequested,
    status::kWithdrawn, status::kRejected,   status::kInNotice,
    status::kRefused,   status::kRegistered, status::kExpired,
    status::kCancelled, status::kRevoked};

}  // namespace

namespace {

json HoldersForList(const json& holders) {
  json out = json::array();
  for (const auto& h : holders) {
    out.push_back({{"name", h["name"]},
                   {"type", h["type"]},
                   {"country", h["country"]},
                   {"share", h["share"]}});
  }
  return out;
}

}  // namespace

bool IsRegistrationStatus(std::string_view s) { return OneOf(kRegistrationStatuses, s); }
bool IsApplicationStatus(std::string_view s) { return OneOf(kApplicationStatuses, s); }

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

Result<ApplicationState> ApplicationState::FromRecord(const storage::Record& r) {
  auto j = ParseJson(r.doc);
  if (!j.ok()) return DataLoss("stored application " + r.id + " is " + j.status().message());
  return FromJson(*j);
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

Result<ObjectionState> ObjectionState::FromRecord(const storage::Record& r) {
  auto j = ParseJson(r.doc);
  if (!j.ok()) return DataLoss("stored objection " + r.id + " is " + j.status().message());
  return FromJson(*j);
}

}  // namespace dipr::registry
