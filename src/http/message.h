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
  // Further header fields (Allow, Retry-After), written as given.
  std::vector<std::pair<std::string, std::string>> headers;

  static Response Json(int status, const nlohmann::json& j);
  static Response Text(int status, std::string text);
  // {"error":{"code":"...","message":"..."}} with the status that matches the code.
  static Response Error(const Status& status);
  // The same error body for an HTTP status that no Code maps to (405, 414, 431, 501).
  static Response Error(int http_status, std::string_view code, const std::string& message);
  // A 503 saying when to come back: Retry-After: `seconds`.
  static Response RetryLater(const Status& status, int seconds);
};

int HttpStatusFor(Code code);

}  // namespace dipr::http
