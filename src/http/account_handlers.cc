// Accounts (docs/API.md, "Accounts"): an admin creates, lists, shows, disables and enables them;
// a token is rotated by an admin or by its account; a member of the public registers itself as
// an objector. A new token is in the answer and nowhere else.
#include <memory>

#include "common/rate_limit.h"
#include "http/api.h"
#include "http/async_append.h"
#include "registry/accounts.h"

namespace dipr::http {
namespace {

using nlohmann::json;

Result<json> Body(const Request& req) {
  if (req.body.empty()) return json();
  return req.JsonBody();
}

json TokenAnswer(const registry::NewAccount& na, uint64_t index) {
  json out = {{"id", na.account.id},
              {"name", na.account.name},
              {"role", na.account.role},
              {"token", na.token},
              {"log_index", index}};
  out["expires_at"] = na.expires ? json(FormatRfc3339(*na.expires)) : json();
  return out;
}

}  // namespace

void AddAccountRoutes(Router& router, registry::Registry& registry, const AccountOptions& options) {
  router.Add("POST", "/v1/users", [&registry](Request& req) -> asio::awaitable<Response> {
    auto actor = registry.Authorize(req.bearer_token, "admin", "creates accounts");
    if (!actor.ok()) co_return Response::Error(actor.status());
    auto body = req.JsonBody();
    if (!body.ok()) co_return Response::Error(body.status());
    auto prepared = registry::PrepareAccount(registry, *actor, *body);
    if (!prepared.ok()) co_return Response::Error(prepared.status());
    auto& [account, submission] = *prepared;
    auto appended = co_await AsyncAppend(registry.sequencer(), std::move(submission));
    if (!appended.ok()) co_return Response::Error(appended.status());
    co_return Response::Json(201, {{"id", account.account.id},
                                   {"name", account.account.name},
                                   {"role", account.account.role},
                                   {"token", account.token},
                                   {"log_index", appended->index}});
  });

  router.Add("GET", "/v1/users?role&page", [&registry](Request& req) -> asio::awaitable<Response> {
    auto actor = registry.Authenticate(req.bearer_token);
    if (!actor.ok()) co_return Response::Error(actor.status());
    auto page = req.QueryPage();
    if (!page.ok()) co_return Response::Error(page.status());
    auto list = registry.ListAccounts(*actor, *page, req.QueryString("role"));
    if (!list.ok()) co_return Response::Error(list.status());
    co_return Response::Json(200, *list);
  });

  router.Add("GET", "/v1/users/{id}", [&registry](Request& req) -> asio::awaitable<Response> {
    auto actor = registry.Authenticate(req.bearer_token);
    if (!actor.ok()) co_return Response::Error(actor.status());
    auto view = registry.AccountView(*actor, req.params["id"]);
    if (!view.ok()) co_return Response::Error(view.status());
    co_return Response::Json(200, *view);
  });

  for (bool disable : {true, false}) {
    std::string path = disable ? "/v1/users/{id}/disable" : "/v1/users/{id}/enable";
    router.Add("POST", path, [&registry, disable](Request& req) -> asio::awaitable<Response> {
      auto actor = registry.Authenticate(req.bearer_token);
      if (!actor.ok()) co_return Response::Error(actor.status());
      auto body = Body(req);
      if (!body.ok()) co_return Response::Error(body.status());
      std::string id = req.params["id"];
      auto submission = registry::PrepareDisable(registry, *actor, id, *body, disable);
      if (!submission.ok()) co_return Response::Error(submission.status());
      auto appended = co_await AsyncAppend(registry.sequencer(), std::move(submission).value());
      if (!appended.ok()) co_return Response::Error(appended.status());
      auto view = registry.AccountView(*actor, id);
      if (!view.ok()) co_return Response::Error(view.status());
      (*view)["event_index"] = appended->index;
      co_return Response::Json(200, *view);
    });
  }

  router.Add("POST", "/v1/users/{id}/tokens",
             [&registry](Request& req) -> asio::awaitable<Response> {
               auto actor = registry.Authenticate(req.bearer_token);
               if (!actor.ok()) co_return Response::Error(actor.status());
               auto body = Body(req);
               if (!body.ok()) co_return Response::Error(body.status());
               auto prepared = registry::PrepareRotation(registry, *actor, req.params["id"], *body);
               if (!prepared.ok()) co_return Response::Error(prepared.status());
               auto& [account, submission] = *prepared;
               auto appended = co_await AsyncAppend(registry.sequencer(), std::move(submission));
               if (!appended.ok()) co_return Response::Error(appended.status());
               co_return Response::Json(201, TokenAnswer(account, appended->index));
             });

  // Unauthenticated, so limited per client address: each registration is a log entry forever.
  auto limiter = std::make_shared<RateLimiter>(registry.clock(), options.objector_signups);
  router.Add("POST", "/v1/objectors",
             [&registry, limiter](Request& req) -> asio::awaitable<Response> {
               if (limiter->enabled()) {
                 RateDecision d = limiter->Take(req.client_address);
                 if (!d.allowed) {
                   Response r = Response::Error(
                       429, "too_many_requests",
                       "too many objector registrations from this address; try again later");
                   r.headers.emplace_back("Retry-After", std::to_string(d.RetryAfterSeconds()));
                   co_return r;
                 }
               }
               auto body = req.JsonBody();
               if (!body.ok()) co_return Response::Error(body.status());
               auto prepared = registry::PrepareObjector(registry, *body);
               if (!prepared.ok()) co_return Response::Error(prepared.status());
               auto& [account, submission] = *prepared;
               auto appended = co_await AsyncAppend(registry.sequencer(), std::move(submission));
               if (!appended.ok()) co_return Response::Error(appended.status());
               co_return Response::Json(201, TokenAnswer(account, appended->index));
             });
}

}  // namespace dipr::http
