// The registration workflow over HTTP (docs/API.md, "Registration"): applications, examination,
// objections and rulings, the public register, certificates (signed JSON and PDF), renewal,
// changes, cancellation and revocation. Every write is one log event; the response is the state
// after it, with the event's log index.
#include <fmt/format.h>

#include <map>
#include <mutex>
#include <vector>

#include "certificate/pdf.h"
#include "http/api.h"
#include "http/async_append.h"
#include "registry/application.h"

namespace dipr::http {
namespace {

using nlohmann::json;
using registry::Prepared;
using registry::Registrar;

// How often a write that allocates a number is prepared again after its number was taken by a
// concurrent grant (on another node).
constexpr int kNumberAttempts = 4;

asio::awaitable<Result<log::Appended>> Append(registry::Registry& registry, Prepared p) {
  co_return co_await AsyncAppend(registry.sequencer(), std::move(p.submission));
}

// Prepares (again, after a conflict, up to `attempts` times) and appends; then answers with
// `view` of the result.
template <typename PrepareFn, typename ViewFn>
asio::awaitable<Response> Write(registry::Registry& registry, PrepareFn prepare, ViewFn view,
                                int status, int attempts = 1) {
  Status last;
  for (int i = 0; i < attempts; ++i) {
    Result<Prepared> p = prepare();
    if (!p.ok()) co_return Response::Error(p.status());
    std::string application = p->application, objection = p->objection;
    auto appended = co_await Append(registry, std::move(p).value());
    if (appended.ok()) {
      auto v = view(application, objection);
      if (!v.ok()) co_return Response::Error(v.status());
      (*v)["event_index"] = appended->index;
      co_return Response::Json(status, *v);
    }
    last = appended.status();
    if (last.code() != Code::kConflict) break;
  }
  co_return Response::Error(last);
}

// Certificate PDFs: rendering one takes ~70 ms of CPU and ~40 MB of memory (Cairo 1.16 embeds
// most of the CJK font; docs/PERFORMANCE.md), so renders run one at a time on a thread of their
// own, off the I/O threads, and the last few are kept: the same certificate always renders to
// the same bytes, and a new certificate (renewal, change) has a new number.
class PdfShop {
 public:
  static constexpr size_t kKept = 32;

  asio::awaitable<Result<std::string>> Get(const certificate::CertificateView& view) {
    std::string key = view.certificate_number;
    {
      std::lock_guard lock(mu_);
      auto it = kept_.find(key);
      if (it != kept_.end()) co_return it->second;
    }
    auto io = co_await asio::this_coro::executor;
    co_await asio::post(pool_.get_executor(), asio::use_awaitable);
    auto pdf = certificate::RenderPdf(view);
    co_await asio::post(io, asio::use_awaitable);
    if (pdf.ok()) {
      std::lock_guard lock(mu_);
      if (kept_.size() >= kKept) {
        kept_.erase(order_.front());
        order_.erase(order_.begin());
      }
      if (kept_.emplace(key, *pdf).second) order_.push_back(key);
    }
    co_return pdf;
  }

 private:
  asio::thread_pool pool_{1};
  std::mutex mu_;
  std::map<std::string, std::string> kept_;  // GUARDED_BY(mu_)
  std::vector<std::string> order_;           // GUARDED_BY(mu_): oldest first
};

Result<json> Body(const Request& req, bool optional = false) {
  if (optional && req.body.empty()) return json();
  return req.JsonBody();
}

}  // namespace

void AddRegistrationRoutes(Router& router, registry::Registry& registry, Registrar& registrar,
                           const crypto::NoteVerifier& key) {
  auto authed = [&registry](const Request& req) { return registry.Authenticate(req.bearer_token); };

  // Every write: authenticate, read the body, prepare the event for the object named by the path
  // parameter `param`, append it, and answer with the object as the actor now sees it.
  enum class View { kApplication, kObjection, kPublicRecord };
  using PrepareFn = std::function<Result<Prepared>(const storage::Account&, const std::string&,
                                                   const json&)>;
  auto write = [&, authed](const char* param, PrepareFn prepare, bool body_optional, View view,
                           int status, int attempts = 1) {
    return [&, authed, param, prepare, body_optional, view, status, attempts](
               Request& req) -> asio::awaitable<Response> {
      auto actor = authed(req);
      if (!actor.ok()) co_return Response::Error(actor.status());
      auto body = Body(req, body_optional);
      if (!body.ok()) co_return Response::Error(body.status());
      std::string key = *param ? req.params[param] : std::string();
      co_return co_await Write(
          registry, [&] { return prepare(*actor, key, *body); },
          [&](const std::string& app, const std::string& objection) -> Result<json> {
            switch (view) {
              case View::kApplication: return registrar.ApplicationView(*actor, app);
              case View::kObjection: return registrar.ObjectionView(*actor, objection);
              case View::kPublicRecord: break;
            }
            return registrar.PublicRecord(key);
          },
          status, attempts);
    };
  };
  // A read by an authenticated account.
  auto read = [&, authed](std::function<Result<json>(const storage::Account&, Request&)> get) {
    return [authed, get](Request& req) -> asio::awaitable<Response> {
      auto actor = authed(req);
      if (!actor.ok()) co_return Response::Error(actor.status());
      auto v = get(*actor, req);
      if (!v.ok()) co_return Response::Error(v.status());
      co_return Response::Json(200, *v);
    };
  };
  using A = const storage::Account&;
  using S = const std::string&;

  // --- applications, examination, objections ---
  router.Add("POST", "/v1/applications",
             write("", [&](A a, S, const json& b) { return registrar.PrepareCreate(a, b); }, false,
                   View::kApplication, 201));
  router.Add("GET", "/v1/applications", read([&](A a, Request& req) -> Result<json> {
               uint64_t page = 1;
               if (req.query.count("page")) {
                 ASSIGN_OR_RETURN(page, req.QueryUint("page"));
               }
               auto st = req.query.find("status");
               return registrar.ListApplications(
                   a, page, st == req.query.end() ? std::string() : st->second);
             }));
  router.Add("GET", "/v1/applications/{id}", read([&](A a, Request& req) {
               return registrar.ApplicationView(a, req.params["id"]);
             }));
  router.Add("GET", "/v1/applications/{id}/opening", read([&](A a, Request& req) {
               return registrar.Opening(a, req.params["id"]);
             }));
  router.Add("PUT", "/v1/applications/{id}",
             write("id", [&](A a, S id, const json& b) { return registrar.PrepareUpdate(a, id, b); },
                   false, View::kApplication, 200));
  router.Add("POST", "/v1/applications/{id}/submit",
             write("id", [&](A a, S id, const json&) { return registrar.PrepareSubmit(a, id); },
                   true, View::kApplication, 200));
  router.Add("POST", "/v1/applications/{id}/withdrawal",
             write("id", [&](A a, S id, const json&) { return registrar.PrepareWithdraw(a, id); },
                   true, View::kApplication, 200));
  router.Add("POST", "/v1/applications/{id}/examination",
             write("id",
                   [&](A a, S id, const json& b) { return registrar.PrepareExamination(a, id, b); },
                   false, View::kApplication, 200));
  router.Add("POST", "/v1/applications/{id}/objections",
             write("id",
                   [&](A a, S id, const json& b) { return registrar.PrepareObjection(a, id, b); },
                   false, View::kObjection, 201));
  router.Add("GET", "/v1/objections/{id}", read([&](A a, Request& req) {
               return registrar.ObjectionView(a, req.params["id"]);
             }));
  router.Add("POST", "/v1/objections/{id}/ruling",
             write("id", [&](A a, S id, const json& b) { return registrar.PrepareRuling(a, id, b); },
                   false, View::kObjection, 200));

  // --- the public register ---
  router.Add("GET", "/v1/notices", [&](Request& req) -> asio::awaitable<Response> {
    auto r = registrar.Search(req.query, /*notices_only=*/true);
    if (!r.ok()) co_return Response::Error(r.status());
    co_return Response::Json(200, *r);
  });
  router.Add("GET", "/v1/notices/{id}", [&](Request& req) -> asio::awaitable<Response> {
    auto r = registrar.NoticeRecord(req.params["id"]);
    if (!r.ok()) co_return Response::Error(r.status());
    co_return Response::Json(200, *r);
  });
  router.Add("GET", "/v1/registrations", [&](Request& req) -> asio::awaitable<Response> {
    auto r = registrar.Search(req.query, /*notices_only=*/false);
    if (!r.ok()) co_return Response::Error(r.status());
    co_return Response::Json(200, *r);
  });
  router.Add("GET", "/v1/registrations/{number}", [&](Request& req) -> asio::awaitable<Response> {
    auto r = registrar.PublicRecord(req.params["number"]);
    if (!r.ok()) co_return Response::Error(r.status());
    co_return Response::Json(200, *r);
  });
  router.Add("GET", "/v1/registrations/{number}/certificate",
             [&](Request& req) -> asio::awaitable<Response> {
               auto r = registrar.Certificate(req.params["number"]);
               if (!r.ok()) co_return Response::Error(r.status());
               co_return Response::Json(200, *r);
             });
  auto pdfs = std::make_shared<PdfShop>();
  router.Add("GET", "/v1/registrations/{number}/certificate.pdf",
             [&, pdfs](Request& req) -> asio::awaitable<Response> {
               auto c = registrar.CertificateForPrint(req.params["number"]);
               if (!c.ok()) co_return Response::Error(c.status());
               certificate::CertificateView v;
               try {
                 const json& b = c->body;
                 v.registration_number = b["registration_number"];
                 v.certificate_number = b["certificate_number"];
                 const json& rec = b["record"];
                 v.data_name = rec["data_name"];
                 for (const auto& h : rec["holders"]) {
                   v.holders.push_back({h["name"], h["type"], h["id"], h["country"],
                                        h["share"].get<uint64_t>()});
                 }
                 std::string industry = rec["industry"];
                 v.industry = industry + " " + std::string(registry::IndustryName(industry));
                 auto date = [&](const char* k) -> std::string {
                   auto t = ParseRfc3339(b[k].get<std::string>());
                   return t.ok() ? registrar.LocalDate(*t) : "";
                 };
                 v.registered_on = date("registered_at");
                 v.valid_from = date("valid_from");
                 v.valid_until = date("valid_until");
                 v.registrar = b["registrar"]["name"];
                 v.registrar_code = b["registrar"]["code"];
                 v.public_url = c->public_url;
                 v.log_origin = key.name();
                 v.log_index = c->index;
                 v.key_id = fmt::format("{}+{:08x}", key.name(), key.key_id());
               } catch (const json::exception& e) {
                 co_return Response::Error(
                     DataLoss(std::string("the stored certificate is malformed: ") + e.what()));
               }
               auto pdf = co_await pdfs->Get(v);
               if (!pdf.ok()) co_return Response::Error(pdf.status());
               co_return Response{200, "application/pdf", std::move(pdf).value()};
             });

  // --- registrations ---
  router.Add("POST", "/v1/registrations/{number}/renewal",
             write("number", [&](A a, S n, const json&) { return registrar.PrepareRenewal(a, n); },
                   true, View::kPublicRecord, 200, kNumberAttempts));
  router.Add("POST", "/v1/registrations/{number}/change",
             write("number",
                   [&](A a, S n, const json& b) { return registrar.PrepareChange(a, n, b); },
                   false, View::kPublicRecord, 200));
  router.Add("POST", "/v1/registrations/{number}/change/examination",
             write("number",
                   [&](A a, S n, const json& b) {
                     return registrar.PrepareChangeExamination(a, n, b);
                   },
                   false, View::kPublicRecord, 200, kNumberAttempts));
  router.Add("POST", "/v1/registrations/{number}/cancellation",
             write("number",
                   [&](A a, S n, const json& b) { return registrar.PrepareCancel(a, n, b); }, true,
                   View::kPublicRecord, 200));
  router.Add("POST", "/v1/registrations/{number}/revocation",
             write("number",
                   [&](A a, S n, const json& b) { return registrar.PrepareRevoke(a, n, b); },
                   false, View::kPublicRecord, 200));
}

}  // namespace dipr::http
