// dipr verify-certificate CERT_FILE --key KEY_OR_FILE [--json] [--at TIME] [--file DATA]
// Offline: checks a certificate document as GET /v1/registrations/{number}/certificate serves it,
// or the one a certificate PDF embeds (CERT_FILE "-" reads stdin; a PDF is told by its %PDF-
// header): the registrar's signature over the body, the receipt's checkpoint signature and
// inclusion proof, and that the logged issuing event states exactly this body
// (registry::VerifyCertificate). Then what the certificate says at TIME (default now): the status
// the document states (the register's unsigned word when it served it) and the validity period.
// With --file, that DATA's fingerprint is one of the certificate's deposits.
//
// A certificate is a snapshot: this never says it is "valid", only what was checked, and says
// that the current status (revocation, a newer certificate after a renewal or change) is the
// register's. Exit 0 only when everything checked holds, the document states `registered` and
// TIME is within the validity (and DATA matches, with --file); 1 otherwise (one line on stderr
// says why); 2 for usage and unreadable files.
#include <fmt/format.h>

#include <iostream>
#include <iterator>
#include <optional>

#include "calendar/time_zone.h"
#include "certificate/pdf_file.h"
#include "cli/common.h"
#include "common/hex.h"
#include "common/json_parse.h"
#include "common/read_file.h"
#include "fingerprint/fingerprint.h"
#include "registry/registrar.h"
#include "verify/certificate.h"

namespace dipr::cli {
namespace {

using nlohmann::json;

// At most kMaxCertificateBytes (a PDF is ~1 MB, a JSON document a few kB; /dev/zero would never
// end).
Result<std::string> ReadInput(const std::string& path) {
  auto text = ReadFileUpTo(path, kMaxCertificateBytes);
  if (!text.ok()) return InputError("cannot read the certificate: " + text.status().message());
  return text;
}

// The certificate document in a PDF: its one embedded certificate-*.json.
Result<std::string> DocumentInPdf(const std::string& name, std::string_view pdf) {
  auto files = certificate::ReadEmbeddedFiles(pdf);
  if (!files.ok()) return InvalidArgument(name + ": " + files.status().message());
  const certificate::EmbeddedFile* found = nullptr;
  for (const auto& f : *files) {
    if (f.name.starts_with("certificate-") && f.name.ends_with(".json")) {
      if (found) return InvalidArgument(name + " embeds more than one certificate document");
      found = &f;
    }
  }
  if (!found) {
    return InvalidArgument(name +
                           " embeds no certificate document (certificate-NUMBER.json); "
                           "PDFs made before dipr embedded it do not verify offline");
  }
  return found->data;
}

struct Verified {
  json doc;
  registry::VerifiedCertificate cert;
  std::string log;  // the key's name: the log's origin
  bool from_pdf = false;
};

Result<Verified> VerifyCertificateFile(const std::string& path, const std::string& key_arg) {
  auto key = LoadVerifierKey(key_arg);
  if (!key.ok()) return InputError(key.status().message());
  const std::string name = path == "-" ? "stdin" : path;
  ASSIGN_OR_RETURN(std::string text, ReadInput(path));
  Verified out;
  if (certificate::IsPdf(text)) {
    ASSIGN_OR_RETURN(text, DocumentInPdf(name, text));
    out.from_pdf = true;
  }
  auto doc = ParseJson(text);
  if (!doc.ok()) {
    return InvalidArgument((out.from_pdf ? name + "'s embedded certificate document" : name) +
                           " is " + doc.status().message());
  }
  out.doc = std::move(doc).value();
  auto v = registry::VerifyCertificate(out.doc, *key);
  if (!v.ok()) return InvalidArgument(v.status().message());
  out.cert = std::move(v).value();
  out.log = key->name();
  return out;
}

// A string member of an object, or "" (the body's shape is the registrar's; it is signed, and
// this is only for display).
std::string Str(const json& j, const char* k) {
  return j.is_object() && j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : "";
}

json Holders(const json& record) {
  json out = json::array();
  if (!record.contains("holders") || !record["holders"].is_array()) return out;
  for (const auto& h : record["holders"]) {
    out.push_back({{"name", Str(h, "name")}, {"id", Str(h, "id")}, {"country", Str(h, "country")}});
  }
  return out;
}

// The dataset given with --file, against the certificate's deposits.
struct FileCheck {
  std::string path, digest;
  uint64_t size = 0;
  bool checkable = false;           // the certificate names its deposits' digests
  std::optional<uint64_t> matched;  // the deposit's log index
};

Result<FileCheck> CheckFile(const std::string& path, const json& body) {
  auto fp = fingerprint::FingerprintFile(path);
  if (!fp.ok()) return InputError("cannot fingerprint " + path + ": " + fp.status().message());
  FileCheck c;
  c.path = path;
  c.digest = HexEncode(fp->digest);
  c.size = fp->size;
  auto deposits = registry::CertificateDeposits(body);
  if (!deposits) return c;
  c.checkable = true;
  for (const auto& d : *deposits) {
    if (d.algorithm == fp->algorithm && d.digest == c.digest && d.size == c.size) {
      c.matched = d.index;
      break;
    }
  }
  return c;
}

// "2029-11-26" in the registrar's zone, when the certificate names it and tzdata has it.
std::optional<calendar::TimeZone> ZoneOf(const json& body) {
  if (!body.contains("local_dates") || !body["local_dates"].is_object()) return std::nullopt;
  auto z = calendar::TimeZone::Load(Str(body["local_dates"], "time_zone"));
  if (!z.ok()) return std::nullopt;
  return std::move(z).value();
}

std::string LocalDay(const std::optional<calendar::TimeZone>& zone, Time t) {
  if (!zone) return FormatRfc3339(t).substr(0, 10) + " UTC";
  auto ymd = zone->LocalDate(t);
  return fmt::format("{:04d}-{:02d}-{:02d}", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
}

// Why the certificate is not to be relied on at `at`, or "" when nothing checked says so.
std::string Problem(const registry::CertificateStanding& s, const std::optional<FileCheck>& file,
                    const std::string& until_day, const std::string& from_day) {
  if (s.status_stated.empty()) return "the document states no status";
  if (s.status_stated != "registered") {
    return "the document states that the registration is " + s.status_stated;
  }
  if (s.ended) return "the certificate's validity ended on " + until_day;
  if (!s.started) return "the certificate's validity starts on " + from_day;
  if (file && !file->checkable) {
    return "--file cannot be checked: this certificate (issued before certificates named their "
           "deposits' digests) gives its deposits' log indexes only";
  }
  if (file && !file->matched) return file->path + " is none of the certificate's deposits";
  return "";
}

std::string CurlHint(const registry::CertificateStanding& s, const json& body) {
  if (!s.record_url.empty()) return "curl " + s.record_url;
  return "curl REGISTRY/v1/registrations/" + Str(body, "registration_number");
}

}  // namespace

void AddVerifyCertificateCommand(CLI::App& app, Context& ctx) {
  struct Flags {
    std::string file, key, at, data;
  };
  auto flags = std::make_shared<Flags>();
  auto* cmd = app.add_subcommand(
      "verify-certificate",
      "verify a registration certificate offline (the signed JSON document, or a certificate PDF "
      "that embeds it)");
  cmd->add_option("CERT_FILE", flags->file,
                  "the certificate document, as GET /v1/registrations/{number}/certificate "
                  "serves it, or the certificate PDF; - for stdin")
      ->required();
  cmd->add_option("--key", flags->key, "the registry's verifier key, or a file holding it")
      ->required();
  cmd->add_option("--at", flags->at,
                  "check the validity period at this RFC 3339 time instead of now");
  cmd->add_option("--file", flags->data,
                  "a dataset: check that it is one of the certificate's deposits (its fingerprint, "
                  "as dipr fingerprint computes it)");
  AddJsonFlag(cmd, ctx, "print the result as JSON");
  cmd->callback([flags, &ctx] {
    auto fail = [&](const Status& st) { Fail(ctx, st); };
    Time at = SystemClock().Now();
    if (!flags->at.empty()) {
      auto t = ParseRfc3339(flags->at);
      if (!t.ok()) return fail(InputError("--at " + flags->at + ": " + t.status().message()));
      at = *t;
    }
    auto v = VerifyCertificateFile(flags->file, flags->key);
    if (!v.ok()) return fail(v.status());
    const json& body = v->cert.body;
    std::optional<FileCheck> file;
    if (!flags->data.empty()) {
      auto c = CheckFile(flags->data, body);
      if (!c.ok()) return fail(c.status());
      file = std::move(c).value();
    }
    const registry::CertificateStanding s = registry::AssessCertificate(v->doc, v->cert, at);
    const auto zone = ZoneOf(body);
    const std::string from_day = LocalDay(zone, s.valid_from);
    const std::string until_day = LocalDay(zone, s.valid_until);
    const std::string at_day = LocalDay(zone, at);
    const std::string zone_name = zone ? zone->name() : "UTC";
    const std::string problem = Problem(s, file, until_day, from_day);
    const json record =
        body.contains("record") && body["record"].is_object() ? body["record"] : json();
    const json holders = Holders(record);
    const auto deposits = registry::CertificateDeposits(body);

    if (ctx.json) {
      json deps = nullptr;
      if (deposits) {
        deps = json::array();
        for (const auto& d : *deposits) {
          deps.push_back({{"index", d.index},
                          {"algorithm", d.algorithm},
                          {"digest", d.digest},
                          {"size", d.size}});
        }
      }
      json out = {{"ok", problem.empty()},
                  {"signature_ok", true},
                  {"logged", true},
                  {"status_stated", s.status_stated.empty() ? json() : json(s.status_stated)},
                  {"status_signed", false},
                  {"current_status_checked", false},
                  {"latest_certificate_checked", false},
                  {"checked_at", FormatRfc3339(at)},
                  {"within_validity", s.within_validity()},
                  {"validity_started", s.started},
                  {"validity_ended", s.ended},
                  {"registration_number", Str(body, "registration_number")},
                  {"certificate_number", Str(body, "certificate_number")},
                  {"application", Str(body, "application")},
                  {"data_name", Str(record, "data_name")},
                  {"holders", holders},
                  {"registered_at", Str(body, "registered_at")},
                  {"issued_at", Str(body, "issued_at")},
                  {"valid_from", Str(body, "valid_from")},
                  {"valid_until", Str(body, "valid_until")},
                  {"local_dates", body.contains("local_dates") ? body["local_dates"] : json()},
                  {"deposits", deps},
                  {"record_url", s.record_url.empty() ? json() : json(s.record_url)},
                  {"from_pdf", v->from_pdf},
                  {"event", v->cert.event_type},
                  {"index", v->cert.index},
                  {"log", v->log},
                  {"tree_size", v->cert.tree_size}};
      if (file) {
        out["file"] = {{"path", file->path},
                       {"digest", file->digest},
                       {"size", file->size},
                       {"checked", file->checkable},
                       {"matches_deposit", file->matched ? json(*file->matched) : json()}};
      }
      if (!problem.empty()) out["problem"] = problem;
      std::cout << out.dump() << "\n";
    } else {
      std::cout << "Signature and log proof OK: certificate " << Str(body, "certificate_number")
                << " of registration " << Str(body, "registration_number")
                << (v->from_pdf ? " (embedded in the PDF)" : "")
                << " is signed by the registrar, and its issuing entry " << v->cert.index << " ("
                << v->cert.event_type << ") is in the log " << v->log << " of size "
                << v->cert.tree_size << "\n";
      std::cout << "    data:      " << Str(record, "data_name") << "\n";
      for (size_t i = 0; i < holders.size(); ++i) {
        std::cout << (i == 0 ? "    holders:   " : "               ")
                  << holders[i]["name"].get<std::string>() << " ("
                  << holders[i]["country"].get<std::string>() << " "
                  << holders[i]["id"].get<std::string>() << ")\n";
      }
      if (deposits) {
        for (size_t i = 0; i < deposits->size(); ++i) {
          const auto& d = (*deposits)[i];
          std::cout << (i == 0 ? "    deposits:  " : "               ") << "entry " << d.index
                    << ": " << d.digest << " (" << d.size << " bytes)\n";
        }
      } else {
        std::cout << "    deposits:  log entries "
                  << (record.contains("deposits") ? record["deposits"].dump() : "?")
                  << " (this certificate names no digests)\n";
      }
      std::cout << "    validity:  " << from_day << " to " << until_day << " (" << zone_name
                << "; UTC " << Str(body, "valid_from") << " to " << Str(body, "valid_until")
                << ")\n";
      std::cout << "    on " << at_day << ": "
                << (s.ended      ? "the validity has ended"
                    : !s.started ? "the validity has not started"
                                 : "within the validity")
                << "\n";
      std::cout << "    status:    "
                << (s.status_stated.empty() ? "(none stated)" : s.status_stated)
                << ", as the document states it (the register's word when it served the "
                   "document; not signed)\n";
      if (file) {
        std::cout << "    file:      " << file->path << " (" << file->digest << ", " << file->size
                  << " bytes): "
                  << (!file->checkable ? "cannot be checked against this certificate"
                      : file->matched  ? "matches deposit entry " + std::to_string(*file->matched)
                                       : "matches none of its deposits")
                  << "\n";
      }
      if (problem.empty()) {
        std::cout << "OK: the certificate states the registration is registered, within its "
                     "validity on "
                  << at_day << (file ? ", and the file is one of its deposits" : "") << ".\n";
      } else {
        std::cout << "NOT OK: " << problem << ".\n";
      }
      std::cout << "    Not checked (offline): the registration's current status, and whether a "
                   "newer certificate (renewal, change) replaced this one. Ask the register: "
                << CurlHint(s, body) << "\n";
    }
    if (!problem.empty()) {
      FailAfterResult(ctx, InvalidArgument(problem));
    }
  });
}

}  // namespace dipr::cli
