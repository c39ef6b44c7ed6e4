// The registration workflow over HTTP (docs/API.md, "Registration"): applications, examination,
// objections and rulings, the public register, certificates (signed JSON and PDF), renewal,
// changes, cancellation and revocation. Every write is one log event; the response is the state
// after it, with the event's log index.
#include <fmt/format.h>

#include <map>
#include <mutex>
#include <vector>

#include "certificate/pdf.h"
#include "common/logging.h"
#include "common/mutex.h"
#include "http/api.h"
#include "http/async_append.h"
#include "registry/application.h"
#include "registry/registrar_applications.h"
#include "registry/registrar_objections.h"
#include "registry/registrar_registrations.h"
#include "verify/certificate.h"

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

// The log line of a registrar action: what was done (the route), by whom, to which application
// and registration, and the event's log index.
void LogAction(const Request& req, const std::string& application, const std::string& objection,
               const json& view, uint64_t index) {
  std::vector<LogField> f = {{"method", req.method},
                             {"route", req.route},
                             {"account", req.account_id},
                             {"application", application}};
  if (!objection.empty()) f.emplace_back("objection", objection);
  if (view.contains("number") && view["number"].is_string()) {
    f.emplace_back("number", view["number"].get<std::string>());
  }
  if (view.contains("status") && view["status"].is_string()) {
    f.emplace_back("status", view["status"].get<std::string>());
  }
  f.emplace_back("event_index", index);
  LogEvent(spdlog::level::info, "registrar action", f);
}

// Prepares (again, after a conflict, up to `attempts` times) and appends; then answers with
// `view` of the result.
template <typename PrepareFn, typename ViewFn>
asio::awaitable<Response> Write(registry::Registry& registry, const Request& req, PrepareFn prepare,
                                ViewFn view, int status, int attempts = 1) {
  Status last;
  for (int i = 0; i < attempts; ++i) {
    Result<Prepared> p = prepare();
    if (!p.ok()) co_return Response::Error(p.status());
    std::string application = p->application, objection = p->objection;
    auto appended = co_await Append(registry, std::move(p).value());
    if (appended.ok()) {
      auto v = view(application, objection);
      if (!v.ok()) co_return Response::Error(v.status());
      LogAction(req, application, objection, *v, appended->index);
      (*v)["event_index"] = appended->index;
      co_return Response::Json(status, *v);
    }
    last = appended.status();
    if (last.code() != Code::kConflict) break;
  }
  co_return Response::Error(last);
}

// Certificate PDFs (api.h, PdfOptions): rendered on a pool of their own, off the I/O threads,
// at most `queue` certificates at a time, each once however many ask for it at once; the last
// few are kept (the same certificate always renders to the same bytes, and a new certificate,
// after a renewal or a change, has a new number). They are kept per certificate *and status*: a
// revocation stamps the page. The embedded document's receipt is the one of the first render,
// which proves the entry as well as any later one. A PDF is shared, not copied, by the
// connections that send it, so slow readers do not each hold one.
class PdfShop {
 public:
  using Pdf = std::shared_ptr<const std::string>;
  static constexpr size_t kKept = 32;

  explicit PdfShop(PdfOptions options)
      : options_(std::move(options)), pool_(std::max<size_t>(1, options_.workers)) {
    if (!options_.render) options_.render = certificate::RenderPdf;
    options_.queue = std::max<size_t>(1, options_.queue);
  }
  ~PdfShop() { pool_.join(); }  // a render in progress finishes before the shop goes

  // The PDF, or Unavailable (only) when `queue` other certificates are rendering or waiting.
  asio::awaitable<Result<Pdf>> Get(const certificate::CertificateView& view) {
    return asio::async_initiate<decltype(asio::use_awaitable), void(Result<Pdf>)>(
        [this, &view](auto handler) {
          Order(view, std::make_unique<Posting<decltype(handler)>>(std::move(handler)));
        },
        asio::use_awaitable);
  }

 private:
  // A request waiting for a PDF: resumed on its own executor.
  struct Waiter {
    virtual ~Waiter() = default;
    virtual void Done(Result<Pdf> pdf) = 0;
  };
  template <typename H>
  struct Posting final : Waiter {
    explicit Posting(H h) : handler(std::move(h)) {}
    void Done(Result<Pdf> pdf) override {
      auto ex = asio::get_associated_executor(handler);
      asio::post(ex,
                 [h = std::move(handler), pdf = std::move(pdf)]() mutable { h(std::move(pdf)); });
    }
    H handler;
  };

  static std::string Key(const certificate::CertificateView& view) {
    return view.certificate_number + "/" + view.status;
  }

  void Order(const certificate::CertificateView& view, std::unique_ptr<Waiter> waiter) {
    const std::string key = Key(view);
    MutexLock lock(mu_);
    if (auto it = kept_.find(key); it != kept_.end()) {
      Pdf pdf = it->second;
      lock.Unlock();
      return waiter->Done(std::move(pdf));
    }
    if (auto it = rendering_.find(key); it != rendering_.end()) {
      it->second.push_back(std::move(waiter));
      return;
    }
    if (rendering_.size() >= options_.queue) {
      lock.Unlock();
      return waiter->Done(Unavailable(
          fmt::format("{} certificates are being rendered; retry in a moment", options_.queue)));
    }
    rendering_[key].push_back(std::move(waiter));
    lock.Unlock();
    asio::post(pool_, [this, view] {
      auto rendered = options_.render(view);
      // Unavailable is kept for a full queue, which a retry helps. A render that cannot be made
      // (the fonts not installed, a stored certificate the renderer refuses) is the server's
      // fault, never the asker's: whatever the renderer said, it is Internal.
      Result<Pdf> pdf =
          rendered.ok()
              ? Result<Pdf>(std::make_shared<const std::string>(std::move(rendered).value()))
              : Result<Pdf>(Internal(rendered.status().message()));
      std::vector<std::unique_ptr<Waiter>> waiters;
      {
        MutexLock lock(mu_);
        auto it = rendering_.find(Key(view));
        waiters = std::move(it->second);
        rendering_.erase(it);
        if (pdf.ok()) {
          if (kept_.size() >= kKept) {
            kept_.erase(order_.front());
            order_.erase(order_.begin());
          }
          if (kept_.emplace(Key(view), *pdf).second) order_.push_back(Key(view));
        }
      }
      for (auto& w : waiters) w->Done(pdf);
    });
  }

  PdfOptions options_;
  Mutex mu_;
  std::map<std::string, Pdf> kept_ DIPR_GUARDED_BY(mu_);
  std::vector<std::string> order_ DIPR_GUARDED_BY(mu_);
  std::map<std::string, std::vector<std::unique_ptr<Waiter>>> rendering_ DIPR_GUARDED_BY(mu_);
  asio::thread_pool pool_;  // last: joined before what its renders use goes
};

// What the PDF of a certificate draws, from what the registrar stored (and validated when it was
// logged; DataLoss if it is malformed now).
Result<certificate::CertificateView> PrintView(const registry::CertificatePrint& c,
                                               const Registrar& registrar,
                                               const crypto::NoteVerifier& key) {
  certificate::CertificateView v;
  try {
    const json& b = c.body;
    v.registration_number = b.at("registration_number");
    v.certificate_number = b.at("certificate_number");
    const json& rec = b.at("record");
    v.data_name = rec.at("data_name");
    for (const auto& h : rec.at("holders")) {
      v.holders.push_back(
          {h.at("name"), h.at("type"), h.at("id"), h.at("country"), h.at("share").get<uint64_t>()});
    }
    std::string industry = rec.at("industry");
    v.industry = industry + " " + std::string(registry::IndustryName(industry));
    // The dates the certificate states (in the registrar's zone when it was issued);
    // certificates from before they were stated get the zone of today's settings.
    const bool local = b.contains("local_dates");
    auto date = [&](const char* k, const char* local_key) -> std::string {
      if (local) return b.at("local_dates").at(local_key);
      auto t = ParseRfc3339(b.at(k).get<std::string>());
      return t.ok() ? registrar.LocalDate(*t) : "";
    };
    v.registered_on = date("registered_at", "registered");
    v.valid_from = date("valid_from", "valid_from");
    v.valid_until = date("valid_until", "valid_until");
    v.status = c.status;
    v.status_on = registrar.LocalDate(c.status_since);
    // nullopt: an old certificate that names no deposits (the page then prints none).
    auto deposits = registry::CertificateDeposits(b);
    for (const auto& d : deposits.value_or(std::vector<registry::CertificateDeposit>{})) {
      v.deposits.push_back({d.index, d.digest, d.size});
    }
    v.document = c.document.dump();
    v.registrar = b.at("registrar").at("name");
    v.registrar_code = b.at("registrar").at("code");
    v.public_url = c.public_url;
    v.log_origin = key.name();
    v.log_index = c.index;
    v.key_id = fmt::format("{}+{:08x}", key.name(), key.key_id());
  } catch (const json::exception& e) {
    return DataLoss(std::string("the stored certificate is malformed: ") + e.what());
  }
  return v;
}

Result<json> Body(const Request& req, bool optional = false) {
  if (optional && req.body.empty()) return json();
  return req.JsonBody();
}

}  // namespace

void AddRegistrationRoutes(Router& router, registry::Registry& registry, Registrar& registrar,
                           const crypto::NoteVerifier& key, const PdfOptions& pdf_options,
                           std::shared_ptr<ReadPool> reads) {
  auto authed = [&registry](const Request& req) { return registry.Authenticate(req.bearer_token); };

  // Every write: authenticate, read the body, prepare the event for the object named by the path
  // parameter `param`, append it, and answer with the object as the actor now sees it.
  enum class View { kApplication, kObjection, kPublicRecord };
  using PrepareFn =
      std::function<Result<Prepared>(const storage::Account&, const std::string&, const json&)>;
  auto write = [&, authed](const char* param, PrepareFn prepare, bool body_optional, View view,
                           int status, int attempts = 1) {
    return [&, authed, param, prepare, body_optional, view, status,
            attempts](Request& req) -> asio::awaitable<Response> {
      auto actor = authed(req);
      if (!actor.ok()) co_return Response::Error(actor.status());
      auto body = Body(req, body_optional);
      if (!body.ok()) co_return Response::Error(body.status());
      std::string key = *param ? req.params[param] : std::string();
      co_return co_await Write(
          registry, req, [&] { return prepare(*actor, key, *body); },
          [&](const std::string& app, const std::string& objection) -> Result<json> {
            switch (view) {
              case View::kApplication:
                return registrar.ApplicationView(*actor, app);
              case View::kObjection:
                return registrar.ObjectionView(*actor, objection);
              case View::kPublicRecord:
                break;
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
  router.Add(
      "POST", "/v1/applications",
      write(
          "", [&](A a, S, const json& b) { return registry::PrepareCreate(registrar, a, b); },
          false, View::kApplication, 201));
  router.Add("GET", "/v1/applications?page&status", read([&](A a, Request& req) -> Result<json> {
               ASSIGN_OR_RETURN(uint64_t page, req.QueryPage());
               return registrar.ListApplications(a, page, req.QueryString("status"));
             }));
  router.Add("GET", "/v1/applications/{id}", read([&](A a, Request& req) {
               return registrar.ApplicationView(a, req.params["id"]);
             }));
  router.Add("GET", "/v1/applications/{id}/opening",
             read([&](A a, Request& req) { return registrar.Opening(a, req.params["id"]); }));
  router.Add(
      "PUT", "/v1/applications/{id}",
      write(
          "id",
          [&](A a, S id, const json& b) { return registry::PrepareUpdate(registrar, a, id, b); },
          false, View::kApplication, 200));
  router.Add(
      "POST", "/v1/applications/{id}/submit",
      write(
          "id", [&](A a, S id, const json&) { return registry::PrepareSubmit(registrar, a, id); },
          true, View::kApplication, 200));
  router.Add(
      "POST", "/v1/applications/{id}/withdrawal",
      write(
          "id", [&](A a, S id, const json&) { return registry::PrepareWithdraw(registrar, a, id); },
          true, View::kApplication, 200));
  router.Add("POST", "/v1/applications/{id}/examination",
             write(
                 "id",
                 [&](A a, S id, const json& b) {
                   return registry::PrepareExamination(registrar, a, id, b);
                 },
                 false, View::kApplication, 200));
  router.Add(
      "POST", "/v1/applications/{id}/objections",
      write(
          "id",
          [&](A a, S id, const json& b) { return registry::PrepareObjection(registrar, a, id, b); },
          false, View::kObjection, 201));
  router.Add("GET", "/v1/objections?status&page", read([&](A a, Request& req) -> Result<json> {
               ASSIGN_OR_RETURN(uint64_t page, req.QueryPage());
               return registrar.ListObjections(a, page, req.QueryString("status"));
             }));
  // An admin moves an application or registration to another account of the same holders.
  router.Add(
      "POST", "/v1/applications/{id}/reassignment",
      write(
          "id",
          [&](A a, S id, const json& b) { return registry::PrepareReassign(registrar, a, id, b); },
          false, View::kApplication, 200));
  router.Add("POST", "/v1/registrations/{number}/reassignment",
             write(
                 "number",
                 [&](A a, S n, const json& b) {
                   return registry::PrepareReassignRegistration(registrar, a, n, b);
                 },
                 false, View::kApplication, 200));
  router.Add("GET", "/v1/objections/{id}",
             read([&](A a, Request& req) { return registrar.ObjectionView(a, req.params["id"]); }));
  router.Add(
      "POST", "/v1/objections/{id}/ruling",
      write(
          "id",
          [&](A a, S id, const json& b) { return registry::PrepareRuling(registrar, a, id, b); },
          false, View::kObjection, 200));

  // --- the public register ---
  // Searches read the store: on the read pool.
  router.Add("GET", "/v1/notices?q&industry&holder&page",
             [&, reads](Request& req) -> asio::awaitable<Response> {
               auto search = [&, q = req.query] {
                 return registrar.Search(q, /*notices_only=*/true);
               };
               auto r = co_await reads->Run(search);
               if (!r.ok()) co_return Response::Error(r.status());
               co_return Response::Json(200, *r);
             });
  router.Add("GET", "/v1/notices/{id}", [&](Request& req) -> asio::awaitable<Response> {
    auto r = registrar.NoticeRecord(req.params["id"]);
    if (!r.ok()) co_return Response::Error(r.status());
    co_return Response::Json(200, *r);
  });
  router.Add("GET", "/v1/registrations?q&industry&holder&status&page",
             [&, reads](Request& req) -> asio::awaitable<Response> {
               auto search = [&, q = req.query] {
                 return registrar.Search(q, /*notices_only=*/false);
               };
               auto r = co_await reads->Run(search);
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
  auto pdfs = std::make_shared<PdfShop>(pdf_options);
  router.Add("GET", "/v1/registrations/{number}/certificate.pdf",
             [&, pdfs](Request& req) -> asio::awaitable<Response> {
               auto c = registrar.CertificateForPrint(req.params["number"]);
               if (!c.ok()) co_return Response::Error(c.status());
               auto v = PrintView(*c, registrar, key);
               if (!v.ok()) co_return Response::Error(v.status());
               auto pdf = co_await pdfs->Get(*v);
               if (!pdf.ok()) {
                 if (pdf.status().code() == Code::kUnavailable) {
                   co_return Response::RetryLater(pdf.status(), 1);
                 }
                 co_return Response::Error(pdf.status());
               }
               Response r(200, "application/pdf", "");
               r.shared_body = std::move(pdf).value();
               co_return r;
             });

  // --- registrations ---
  router.Add("POST", "/v1/registrations/{number}/renewal",
             write(
                 "number",
                 [&](A a, S n, const json&) { return registry::PrepareRenewal(registrar, a, n); },
                 true, View::kPublicRecord, 200, kNumberAttempts));
  router.Add(
      "POST", "/v1/registrations/{number}/change",
      write(
          "number",
          [&](A a, S n, const json& b) { return registry::PrepareChange(registrar, a, n, b); },
          false, View::kPublicRecord, 200));
  router.Add("POST", "/v1/registrations/{number}/change/examination",
             write(
                 "number",
                 [&](A a, S n, const json& b) {
                   return registry::PrepareChangeExamination(registrar, a, n, b);
                 },
                 false, View::kPublicRecord, 200, kNumberAttempts));
  router.Add(
      "POST", "/v1/registrations/{number}/cancellation",
      write(
          "number",
          [&](A a, S n, const json& b) { return registry::PrepareCancel(registrar, a, n, b); },
          true, View::kPublicRecord, 200));
  router.Add(
      "POST", "/v1/registrations/{number}/revocation",
      write(
          "number",
          [&](A a, S n, const json& b) { return registry::PrepareRevoke(registrar, a, n, b); },
          false, View::kPublicRecord, 200));
}

}  // namespace dipr::http
