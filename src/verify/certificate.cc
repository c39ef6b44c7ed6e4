#include "verify/certificate.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/hex.h"
#include "verify/event.h"
#include "verify/receipt.h"

namespace dipr::registry {
namespace {

using nlohmann::json;

Result<std::string> Str(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_string()) {
    return InvalidArgument(fmt::format("event payload lacks the string \"{}\"", key));
  }
  return j[key].get<std::string>();
}

}  // namespace

bool IsIssuingEvent(std::string_view type) {
  return std::find(std::begin(kIssuingEvents), std::end(kIssuingEvents), type) !=
         std::end(kIssuingEvents);
}

Result<std::string> CertificateSignedText(const json& body) {
  ASSIGN_OR_RETURN(std::string canonical, CanonicalJson(body));
  return std::string(kCertificateTextHeader) + canonical + "\n";
}

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
          !d.contains("size") ||
          !(d["size"].is_number_unsigned() ||
            (d["size"].is_number_integer() && d["size"].get<int64_t>() >= 0)) ||
          !d.contains("algorithm") || !d["algorithm"].is_string() || !d.contains("digest") ||
          !d["digest"].is_string() || !IsLowerHex64(d["digest"].get<std::string>())) {
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
  if (!cp.ok())
    return InvalidArgument("the certificate's receipt does not verify: " + cp.status().message());
  ASSIGN_OR_RETURN(Event e, DecodeEntry(receipt.entry));
  if (!IsIssuingEvent(e.type)) {
    return InvalidArgument(
        fmt::format("the receipt's entry is a {} event, which issues no "
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
  // Shape checked where the certificate was logged (CheckDepositsAndDates).
  if (!body.contains("deposits") || !body["deposits"].is_array()) return std::nullopt;
  std::vector<CertificateDeposit> out;
  for (const auto& d : body["deposits"]) {
    out.push_back({d.value("index", uint64_t{0}), d.value("algorithm", ""), d.value("digest", ""),
                   d.value("size", uint64_t{0})});
  }
  return out;
}

}  // namespace dipr::registry
