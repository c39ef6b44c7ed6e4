// Request bodies and query parameters through the registry's validators, as the HTTP handlers
// pass them (src/http/*_handlers.cc), without a server: the first byte picks the request, the
// rest is its JSON body (ParseJson, as Request::JsonBody) or, for the searches and the lookups
// by id or number, its text. Each runs against a register with a record in every state
// (fuzz/registry_env.h), so the validators past the body's shape are reached too.
//
// Properties: a refusal is the client's fault (4xx: invalid argument, not found, permission,
// conflict, too large), never Internal, DataLoss or Unavailable, which would be a 5xx for bad
// input; and an accepted write is a canonical log entry (DecodeEntry reads it back).
#include <map>
#include <string>

#include "common/json_parse.h"
#include "fuzz_check.h"
#include "registry/accounts.h"
#include "registry/application.h"
#include "registry/deposits.h"
#include "registry/registrar_applications.h"
#include "registry/registrar_objections.h"
#include "registry/registrar_registrations.h"
#include "registry_env.h"
#include "verify/certificate.h"
#include "verify/event.h"

using namespace dipr;
using nlohmann::json;

namespace {

fuzz::RegistryEnv* env = nullptr;

bool ClientsFault(const Status& s) {
  switch (s.code()) {
    case Code::kInternal:
    case Code::kDataLoss:
    case Code::kUnavailable:
      return false;
    default:
      return true;
  }
}

void CheckRefusal(const Status& s, const char* request) {
  if (s.ok() || ClientsFault(s)) return;
  std::fprintf(stderr, "%s: %s\n", request, s.ToString().c_str());
  FUZZ_CHECK(false, "bad input is answered with a server error");
}

template <typename T>
void CheckPrepared(const Result<T>& r, const char* request) {
  CheckRefusal(r.status(), request);
}
void CheckEntry(const std::string& entry) {
  FUZZ_CHECK(registry::DecodeEntry(entry).ok(), "an accepted request is a canonical log entry");
}

// "a=1&b=two": the query as the router hands it over (the percent-decoding is the server's).
std::map<std::string, std::string> Query(std::string_view text) {
  std::map<std::string, std::string> q;
  while (!text.empty()) {
    size_t amp = text.find('&');
    std::string_view kv = text.substr(0, amp);
    size_t eq = kv.find('=');
    q.emplace(std::string(kv.substr(0, eq)),
              eq == std::string_view::npos ? "" : std::string(kv.substr(eq + 1)));
    if (amp == std::string_view::npos) break;
    text.remove_prefix(amp + 1);
  }
  return q;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  env = new fuzz::RegistryEnv();  // kept to the end: the sequencer's thread runs meanwhile
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t op = data[0] % 16;
  std::string_view text = fuzz::AsText(data + 1, size - 1);
  registry::Registry& registry = env->registry();
  registry::Registrar& registrar = env->registrar();
  std::string arg(text);
  switch (op) {
    case 12: {  // GET /v1/search and /v1/notices
      auto q = Query(text);
      CheckPrepared(registrar.Search(q, false), "search");
      CheckPrepared(registrar.Search(q, true), "notices");
      return 0;
    }
    case 13: {  // the record lookups by path parameter
      CheckPrepared(registrar.PublicRecord(arg), "public record");
      CheckPrepared(registrar.NoticeRecord(arg), "notice record");
      CheckPrepared(registrar.ApplicationView(env->examiner, arg), "application view");
      CheckPrepared(registrar.ObjectionView(env->public_, arg), "objection view");
      CheckPrepared(registrar.Opening(env->holder, arg), "opening");
      CheckPrepared(registrar.Certificate(arg), "certificate");
      return 0;
    }
    case 14: {  // GET /v1/applications?status=…
      CheckPrepared(registrar.ListApplications(env->examiner, 1, arg), "application list");
      return 0;
    }
    default:
      break;
  }
  auto parsed = ParseJson(text);
  if (!parsed.ok()) return 0;
  const json& body = *parsed;
  Result<registry::Prepared> p = InvalidArgument("");
  switch (op) {
    case 0: {  // POST /v1/deposits
      auto req = registry.ParseDeposit(body);
      CheckPrepared(req, "deposit");
      if (req.ok()) {
        auto s = registry::PrepareDeposit(registry, env->holder, *req);
        CheckPrepared(s, "deposit");
        if (s.ok()) CheckEntry(s->entry);
      }
      return 0;
    }
    case 1: {  // POST /v1/users
      auto a = registry::PrepareAccount(registry, env->admin, body);
      CheckPrepared(a, "account");
      if (a.ok()) CheckEntry(a->second.entry);
      return 0;
    }
    case 2: {  // PUT /v1/settings
      auto s = registry::PrepareSettingsChange(registry, env->admin, body);
      CheckPrepared(s, "settings");
      if (s.ok()) CheckEntry(s->entry);
      return 0;
    }
    case 3:
      p = registry::PrepareCreate(registrar, env->holder, body);
      break;
    case 4:
      p = registry::PrepareUpdate(registrar, env->holder, env->draft, body);
      break;
    case 5:
      p = registry::PrepareExamination(registrar, env->examiner, env->submitted, body);
      break;
    case 6:
      p = registry::PrepareObjection(registrar, env->public_, env->in_notice, body);
      break;
    case 7:
      p = registry::PrepareRuling(registrar, env->examiner, env->objection, body);
      break;
    case 8:
      p = registry::PrepareChange(registrar, env->holder, env->number, body);
      break;
    case 9:
      p = registry::PrepareChangeExamination(registrar, env->examiner, env->number, body);
      break;
    case 10:
      p = registry::PrepareCancel(registrar, env->holder, env->number, body);
      break;
    case 11:
      p = registry::PrepareRevoke(registrar, env->admin, env->number, body);
      break;
    default: {  // the application fields alone, and the certificate body rules
      auto fields = registry::ParseApplicationFields(body);
      CheckPrepared(fields, "application fields");
      if (fields.ok()) {
        auto again = registry::ParseApplicationFields(*fields);
        FUZZ_CHECK(again.ok() && *again == *fields, "normalized fields are their own normal form");
      }
      CheckRefusal(registry::CheckDepositsAndDates(body), "certificate body");
      return 0;
    }
  }
  CheckPrepared(p, "registrar request");
  if (p.ok()) CheckEntry(p->submission.entry);
  return 0;
}
