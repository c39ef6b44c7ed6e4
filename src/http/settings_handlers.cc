// The registrar's settings (docs/API.md, "Settings"): GET /v1/settings, public; PUT
// /v1/settings, an admin's change, logged as a registrar.settings event (registry/settings.h)
// and applied from then on.
#include "http/api.h"
#include "http/async_append.h"
#include "registry/settings.h"

namespace dipr::http {

void AddSettingsRoutes(Router& router, registry::Registry& registry,
                       registry::Registrar& registrar) {
  router.Add("GET", "/v1/settings", [&registry](Request&) -> asio::awaitable<Response> {
    auto v = registry::SettingsView(registry.store());
    if (!v.ok()) co_return Response::Error(v.status());
    co_return Response::Json(200, *v);
  });
  router.Add(
      "PUT", "/v1/settings", [&registry, &registrar](Request& req) -> asio::awaitable<Response> {
        auto actor =
            registry.Authorize(req.bearer_token, "admin", "changes the registrar's settings");
        if (!actor.ok()) co_return Response::Error(actor.status());
        auto body = req.JsonBody();
        if (!body.ok()) co_return Response::Error(body.status());
        auto prepared = registry::PrepareSettingsChange(registry, *actor, *body);
        if (!prepared.ok()) co_return Response::Error(prepared.status());
        auto appended = co_await AsyncAppend(registry.sequencer(), std::move(prepared).value());
        if (!appended.ok()) co_return Response::Error(appended.status());
        // In force on this node before the answer; the others take it up within their
        // due interval (server/node.cc).
        Status refreshed = registrar.RefreshSettings();
        if (!refreshed.ok()) co_return Response::Error(refreshed);
        auto v = registry::SettingsView(registry.store());
        if (!v.ok()) co_return Response::Error(v.status());
        co_return Response::Json(200, *v);
      });
}

}  // namespace dipr::http
