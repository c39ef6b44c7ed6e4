// Requests and responses as the handlers see them: plain values, no Beast types.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace dipr::http {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string path;    // without the query
  std::map<std::string, std::string> query;
  std::map<std::string, std::string> params;  // from the route pattern, e.g. {id}
  std::string bearer_token;                   // from "Authorization: Bearer ..."
  std::string client;                         // the peer's IP address (per-address limits)
  std::string body;
  // The client's IP address as text ("203.0.113.7", "2001:db8::1"): the connection's peer, or,
  // when the peer is a trusted proxy, the rightmost address in X-Forwarded-For that is not one
  // (http/client_address.h). The key of the per-address limits; for handlers that limit more.
  std::string client_address;
  // Set by the router: the matched route's pattern without its query ("/v1/applications/{id}"),
  // "" if none matched; the access log's and the metrics' route.
  std::string route;
  // Set by the router's gate when the bearer token names an account (for the access log).
  std::string account_id;

  // A query parameter as an unsigned integer; InvalidArgument naming the parameter otherwise.
  Result<uint64_t> QueryUint(const std::string& name) const;
  // The "page" of a list (from 1), 1 when absent.
  Result<uint64_t> QueryPage() const;
  // A query parameter's value, "" when absent.
  std::string QueryString(const std::string& name) const;
  // The body as a JSON value; InvalidArgument for malformed JSON.
  Result<nlohmann::json> JsonBody() const;
};

struct Response {
  Response() = default;
  Response(int status, std::string content_type, std::string body)
      : status(status), content_type(std::move(content_type)), body(std::move(body)) {}

  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  // When set, the body instead of `body`: a large answer that many connections share (a cached
  // PDF), so that a connection that reads slowly holds a reference, not a copy.
  std::shared_ptr<const std::string> shared_body;
  // Its Cache-Control. Empty: the route's policy if the answer is a success (http/router.h,
  // CachePolicy), else "no-store".
  std::string cache_control;
  // Further header fields (Allow, Retry-After), written as given.
  std::vector<std::pair<std::string, std::string>> headers;
  // An error answer's message (what its JSON body says), for the log.
  std::string error;

  static Response Json(int status, const nlohmann::json& j);
  static Response Text(int status, std::string text);
  // {"error":{"code":"...","message":"..."}} with the status that matches the code.
  static Response Error(const Status& status);
  // The same error body for an HTTP status that no Code maps to (405, 414, 431, 501).
  static Response Error(int http_status, std::string_view code, const std::string& message);
  // A 503 saying when to come back: Retry-After: `seconds`.
  static Response RetryLater(const Status& status, int seconds);
  // 429 too_many_requests with Retry-After: `seconds` (a rate limit; docs/API.md).
  static Response TooManyRequests(const std::string& message, long seconds);
};

int HttpStatusFor(Code code);

}  // namespace dipr::http
