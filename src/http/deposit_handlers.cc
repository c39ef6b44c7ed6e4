// POST /v1/deposits (holder): deposit a fingerprint, get a receipt once it is durable and signed.
// GET /v1/deposits?digest=HEX (public): who deposited a digest, and when.
#include "common/time.h"
#include "http/api.h"
#include "http/async_append.h"
#include "registry/deposits.h"

namespace dipr::http {
namespace {

Response ReceiptResponse(registry::Registry& registry, int status, uint64_t index,
                         const storage::TreeHead& head, std::string entry = "") {
  if (head.size <= index) {
    // This node's checkpoint lags the entry (a follower before the leader's signal arrived):
    // prove it against the stored latest checkpoint instead.
    auto stored = registry.store().LatestTreeHead();
    if (!stored.ok()) return Response::Error(stored.status());
    if (!*stored || (*stored)->size <= index) {
      return Response::Error(Unavailable("no checkpoint covers the entry yet; retry"));
    }
    return ReceiptResponse(registry, status, index, **stored, std::move(entry));
  }
  auto receipt = registry.MakeReceipt(index, head, std::move(entry));
  if (!receipt.ok()) return Response::Error(receipt.status());
  return {status, "application/json", receipt->ToJsonText()};
}

}  // namespace

void AddDepositRoutes(Router& router, registry::Registry& registry,
                      std::shared_ptr<ReadPool> reads) {
  router.Add("POST", "/v1/deposits", [&registry](Request& req) -> asio::awaitable<Response> {
    auto actor = registry.Authorize(req.bearer_token, "holder", "deposits evidence");
    if (!actor.ok()) co_return Response::Error(actor.status());
    auto body = req.JsonBody();
    if (!body.ok()) co_return Response::Error(body.status());
    auto deposit = registry.ParseDeposit(*body);
    if (!deposit.ok()) co_return Response::Error(deposit.status());

    // No lookup first: the projection refuses a holder's second deposit of a digest (Conflict),
    // and only then is the existing one looked up. A lookup here would cost every deposit a
    // blocking database read on this I/O thread, to save work only for the rare repeat.
    auto submission = registry::PrepareDeposit(registry, *actor, *deposit);
    if (!submission.ok()) co_return Response::Error(submission.status());
    std::string entry = submission->entry;
    auto appended = co_await AsyncAppend(registry.sequencer(), std::move(submission).value());
    if (!appended.ok()) {
      if (appended.status().code() == Code::kConflict) {
        // The same holder deposited the same digest before: answer with that receipt.
        auto again = registry.ExistingDeposit(*actor, deposit->digest);
        if (again.ok() && *again) {
          co_return ReceiptResponse(registry, 200, (*again)->index, *registry.sequencer().Latest());
        }
      }
      co_return Response::Error(appended.status());
    }
    co_return ReceiptResponse(registry, 201, appended->index, *appended->head, std::move(entry));
  });

  // A lookup in the store: on the read pool.
  router.Add(
      "GET", "/v1/deposits?digest", [&registry, reads](Request& req) -> asio::awaitable<Response> {
        auto it = req.query.find("digest");
        if (it == req.query.end()) {
          co_return Response::Error(InvalidArgument("query parameter \"digest\" is required"));
        }
        auto read = [&registry, digest = it->second]() -> Response {
          auto deposits = registry.DepositsByDigest(digest);
          if (!deposits.ok()) return Response::Error(deposits.status());
          nlohmann::json out = nlohmann::json::array();
          for (const auto& d : *deposits) {
            out.push_back({{"index", d.index},
                           {"time", FormatRfc3339(d.time)},
                           {"depositor", d.depositor},
                           {"digest", d.digest},
                           {"size", d.size},
                           {"title", d.title}});
          }
          return Response::Json(200, {{"digest", digest}, {"deposits", std::move(out)}});
        };
        Response r = co_await reads->Run(read);
        co_return r;
      });
}

}  // namespace dipr::http
