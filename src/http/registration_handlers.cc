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

  // The view after a write by `actor`: the application as they see it.
  auto app_view = [&registrar](const storage::Account& actor) {
    return [&registrar, actor](const std::string& app, const std::string&) {
      return registrar.ApplicationView(actor, app);
    };
  };

  router.Add("POST", "/v1/applications", [&, authed, app_view](Request& req)
                                             -> asio::awaitable<Response> {
    auto actor = authed(req);
    if (!actor.ok()) co_return Response::Error(actor.status());
    auto body = Body(req);
    if (!body.ok()) co_return Response::Error(body.status());
    co_return co_await Write(
        registry, [&] { return registrar.PrepareCreate(*actor, *body); }, app_view(*actor), 201);
  });

  router.Add("GET", "/v1/applications", [&, authed](Request& req) -> asio::awaitable<Response> {
    auto actor = authed(req);
    if (!actor.ok()) co_return Response::Error(actor.status());
    uint64_t page = 1;
    if (req.query.count("page")) {
      auto p = req.QueryUint("page");
      if (!p.ok()) co_return Response::Error(p.status());
      page = *p;
    }
    auto st = req.query.find("status");
    auto list = registrar.ListApplications(*actor, page,
                                           st == req.query.end() ? std::string() : st->second);
    if (!list.ok()) co_return Response::Error(list.status());
    co_return Response::Json(200, *list);
  });

  router.Add("GET", "/v1/applications/{id}", [&, authed](Request& req) -> asio::awaitable<Response> {
    auto actor = authed(req);
    if (!actor.ok()) co_return Response::Error(actor.status());
    auto v = registrar.ApplicationView(*actor, req.params["id"]);
    if (!v.ok()) co_return Response::Error(v.status());
    co_return Response::Json(200, *v);
  });

  router.Add("PUT", "/v1/applications/{id}", [&, authed, app_view](Request& req)
                                                 -> asio::awaitable<Response> {
    auto actor = authed(req);
    if (!actor.ok()) co_return Response::Error(actor.status());
    auto body = Body(req);
    if (!body.ok()) co_return Response::Error(body.status());
    std::string id = req.params["id"];
    co_return co_await Write(
        registry, [&] { return registrar.PrepareUpdate(*actor, id, *body); }, app_view(*actor),
        200);
  });

  // POST /v1/applications/{id}/{submit|withdrawal|examination}
  auto app_action = [&, authed, app_view](
                        std::function<Result<Prepared>(const storage::Account&,
                                                       const std::string&, const json&)>
                            prepare,
                        bool needs_body) {
    return [&, authed, app_view, prepare, needs_body](Request& req) -> asio::awaitable<Response> {
      auto actor = authed(req);
      if (!actor.ok()) co_return Response::Error(actor.status());
      auto body = Body(req, !needs_body);
      if (!body.ok()) co_return Response::Error(body.status());
      std::string id = req.params["id"];
      co_return co_await Write(
          registry, [&] { return prepare(*actor, id, *body); }, app_view(*actor), 200);
    };
  };
  router.Add("POST", "/v1/applications/{id}/submit",
             app_action([&](const storage::Account& a, const std::string& id, const json&) {
               return registrar.PrepareSubmit(a, id);
             }, false));
  router.Add("POST", "/v1/applications/{id}/withdrawal",
             app_action([&](const storage::Account& a, const std::string& id, const json&) {
               return registrar.PrepareWithdraw(a, id);
             }, false));
  router.Add("POST", "/v1/applications/{id}/examination",
             app_action([&](const storage::Account& a, const std::string& id, const json& b) {
               return registrar.PrepareExamination(a, id, b);
             }, true));

  router.Add("POST", "/v1/applications/{id}/objections",
             [&, authed](Request& req) -> asio::awaitable<Response> {
               auto actor = authed(req);
               if (!actor.ok()) co_return Response::Error(actor.status());
               auto body = Body(req);
               if (!body.ok()) co_return Response::Error(body.status());
               std::string id = req.params["id"];
               co_return co_await Write(
                   registry, [&] { return registrar.PrepareObjection(*actor, id, *body); },
                   [&](const std::string&, const std::string& oid) {
                     return registrar.ObjectionView(*actor, oid);
                   },
                   201);
             });

  router.Add("GET", "/v1/objections/{id}", [&, authed](Request& req) -> asio::awaitable<Response> {
    auto actor = authed(req);
    if (!actor.ok()) co_return Response::Error(actor.status());
    auto v = registrar.ObjectionView(*actor, req.params["id"]);
    if (!v.ok()) co_return Response::Error(v.status());
    co_return Response::Json(200, *v);
  });

  router.Add("POST", "/v1/objections/{id}/ruling",
             [&, authed](Request& req) -> asio::awaitable<Response> {
               auto actor = authed(req);
               if (!actor.ok()) co_return Response::Error(actor.status());
               auto body = Body(req);
               if (!body.ok()) co_return Response::Error(body.status());
               std::string id = req.params["id"];
               co_return co_await Write(
                   registry, [&] { return registrar.PrepareRuling(*actor, id, *body); },
                   [&](const std::string&, const std::string& oid) {
                     return registrar.ObjectionView(*actor, oid);
                   },
                   200);
             });

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
  auto reg_action = [&, authed, app_view](
                        std::function<Result<Prepared>(const storage::Account&,
                                                       const std::string&, const json&)>
                            prepare,
                        bool body_optional, int attempts) {
    return [&, authed, app_view, prepare, body_optional, attempts](
               Request& req) -> asio::awaitable<Response> {
      auto actor = authed(req);
      if (!actor.ok()) co_return Response::Error(actor.status());
      auto body = Body(req, body_optional);
      if (!body.ok()) co_return Response::Error(body.status());
      std::string number = req.params["number"];
      co_return co_await Write(
          registry, [&] { return prepare(*actor, number, *body); },
          [&](const std::string&, const std::string&) { return registrar.PublicRecord(number); },
          200, attempts);
    };
  };
  router.Add("POST", "/v1/registrations/{number}/renewal",
             reg_action([&](const storage::Account& a, const std::string& n, const json&) {
               return registrar.PrepareRenewal(a, n);
             }, true, kNumberAttempts));
  router.Add("POST", "/v1/registrations/{number}/change",
             reg_action([&](const storage::Account& a, const std::string& n, const json& b) {
               return registrar.PrepareChange(a, n, b);
             }, false, 1));
  router.Add("POST", "/v1/registrations/{number}/change/examination",
             reg_action([&](const storage::Account& a, const std::string& n, const json& b) {
               return registrar.PrepareChangeExamination(a, n, b);
             }, false, kNumberAttempts));
  router.Add("POST", "/v1/registrations/{number}/cancellation",
             reg_action([&](const storage::Account& a, const std::string& n, const json& b) {
               return registrar.PrepareCancel(a, n, b);
             }, true, 1));
  router.Add("POST", "/v1/registrations/{number}/revocation",
             reg_action([&](const storage::Account& a, const std::string& n, const json& b) {
               return registrar.PrepareRevoke(a, n, b);
             }, false, 1));
}

}  // namespace dipr::http
