// POST /v1/users: an admin creates an account; the token is in the answer and nowhere else.
#include "http/api.h"
#include "http/async_append.h"

namespace dipr::http {

void AddAccountRoutes(Router& router, registry::Registry& registry) {
  router.Add("POST", "/v1/users", [&registry](Request& req) -> asio::awaitable<Response> {
    auto actor = registry.Authorize(req.bearer_token, "admin", "creates accounts");
    if (!actor.ok()) co_return Response::Error(actor.status());
    auto body = req.JsonBody();
    if (!body.ok()) co_return Response::Error(body.status());
    auto prepared = registry.PrepareAccount(*actor, *body);
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
}

}  // namespace dipr::http
