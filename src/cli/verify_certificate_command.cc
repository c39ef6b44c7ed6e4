// dipr verify-certificate CERT_FILE --key KEY_OR_FILE [--json]
// Offline: checks a certificate document as GET /v1/registrations/{number}/certificate serves it
// (CERT_FILE "-" reads stdin): the registrar's signature over the body, the receipt's checkpoint
// signature and inclusion proof, and that the logged issuing event states exactly this body
// (registry::VerifyCertificate). The document's "status" is the register's current word, not
// signed, so it is neither checked nor shown. Exit 0 only when everything holds; 1 when something
// does not (one line says what); 2 for usage and unreadable files.
#include <fmt/format.h>

#include <iostream>
#include <iterator>

#include "cli/common.h"
#include "common/json_parse.h"
#include "common/read_file.h"
#include "registry/registrar.h"
#include "server/data_dir.h"

namespace dipr::cli {
namespace {

// Exit code 2: the check could not be made (see ExitCodeFor).
Status Usage(std::string message) { return Status(Code::kUnavailable, std::move(message)); }

Result<std::string> ReadInput(const std::string& path) {
  auto text = ReadFileUpTo(path, kMaxCertificateBytes);
  if (!text.ok()) return Usage("cannot read the certificate: " + text.status().message());
  return text;
}

struct Verified {
  registry::VerifiedCertificate cert;
  std::string log;  // the key's name: the log's origin
};

Result<Verified> VerifyCertificateFile(const std::string& path, const std::string& key_arg) {
  auto key = LoadVerifierKey(key_arg);
  if (!key.ok()) return Usage(key.status().message());
  ASSIGN_OR_RETURN(std::string text, ReadInput(path));
  auto doc = ParseJson(text);
  if (!doc.ok()) {
    return InvalidArgument((path == "-" ? "stdin" : path) + " is " + doc.status().message());
  }
  auto v = registry::VerifyCertificate(*doc, *key);
  if (!v.ok()) return InvalidArgument(v.status().message());
  return Verified{std::move(v).value(), key->name()};
}

// A string member of an object, or "" (the body's shape is the registrar's; it is signed, and
// this is only for display).
std::string Str(const nlohmann::json& j, const char* k) {
  return j.is_object() && j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : "";
}

nlohmann::json Holders(const nlohmann::json& record) {
  nlohmann::json out = nlohmann::json::array();
  if (!record.contains("holders") || !record["holders"].is_array()) return out;
  for (const auto& h : record["holders"]) {
    out.push_back({{"name", Str(h, "name")}, {"id", Str(h, "id")}, {"country", Str(h, "country")}});
  }
  return out;
}

}  // namespace

void AddVerifyCertificateCommand(CLI::App& app, Context& ctx) {
  struct Flags {
    std::string file, key;
    bool json = false;
  };
  auto flags = std::make_shared<Flags>();
  auto* cmd = app.add_subcommand("verify-certificate",
                                 "verify a registration certificate (signed JSON) offline");
  cmd->add_option("CERT_FILE", flags->file,
                  "the certificate document, as GET /v1/registrations/{number}/certificate "
                  "serves it; - for stdin")
      ->required();
  cmd->add_option("--key", flags->key, "the registry's verifier key, or a file holding it")
      ->required();
  cmd->add_flag("--json", flags->json, "print the result as JSON");
  cmd->callback([flags, &ctx] {
    auto v = VerifyCertificateFile(flags->file, flags->key);
    if (!v.ok()) {
      if (flags->json) {
        std::cout << nlohmann::json{{"ok", false},
                                    {"valid", false},
                                    {"error", v.status().message()}}
                         .dump()
                  << "\n";
      }
      return Fail(ctx, v.status());
    }
    const nlohmann::json& body = v->cert.body;
    const nlohmann::json record =
        body.contains("record") && body["record"].is_object() ? body["record"] : nlohmann::json();
    nlohmann::json holders = Holders(record);
    if (flags->json) {
      std::cout << nlohmann::json{{"ok", true},
                                  {"valid", true},
                                  {"registration_number", Str(body, "registration_number")},
                                  {"certificate_number", Str(body, "certificate_number")},
                                  {"application", Str(body, "application")},
                                  {"data_name", Str(record, "data_name")},
                                  {"holders", holders},
                                  {"registered_at", Str(body, "registered_at")},
                                  {"issued_at", Str(body, "issued_at")},
                                  {"valid_from", Str(body, "valid_from")},
                                  {"valid_until", Str(body, "valid_until")},
                                  {"event", v->cert.event_type},
                                  {"index", v->cert.index},
                                  {"log", v->log},
                                  {"tree_size", v->cert.tree_size}}
                       .dump()
                << "\n";
      return;
    }
    std::cout << "OK: certificate " << Str(body, "certificate_number") << " of registration "
              << Str(body, "registration_number") << " is signed by the registrar and logged\n";
    std::cout << "    data:     " << Str(record, "data_name") << "\n";
    for (size_t i = 0; i < holders.size(); ++i) {
      std::cout << (i == 0 ? "    holders:  " : "              ")
                << holders[i]["name"].get<std::string>() << " ("
                << holders[i]["country"].get<std::string>() << " "
                << holders[i]["id"].get<std::string>() << ")\n";
    }
    std::cout << "    valid:    " << Str(body, "valid_from") << " to " << Str(body, "valid_until")
              << "\n";
    std::cout << "    issued by entry " << v->cert.index << " (" << v->cert.event_type
              << "), proved in the log " << v->log << " of size " << v->cert.tree_size << "\n";
  });
}

}  // namespace dipr::cli
