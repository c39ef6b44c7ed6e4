// Requests and responses as the handlers see them: plain values, no Beast types.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace dipr::http {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string path;    // without the query
  std::map<std::string, std::string> query;
  std::map<std::string, std::string> params;  // from the route pattern, e.g. {id}
  std::string bearer_token;                   // from "Authorization: Bearer ..."
  std::string body;

  // A query parameter as an unsigned integer; InvalidArgument naming the parameter otherwise.
  Result<uint64_t> QueryUint(const std::string& name) const;
  // The body as a JSON value; InvalidArgument for malformed JSON.
  Result<nlohmann::json> JsonBody() const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;

  static Response Json(int status, const nlohmann::json& j);
  static Response Text(int status, std::string text);
  // {"error":{"code":"...","message":"..."}} with the status that matches the code.
  static Response Error(const Status& status);
};

int HttpStatusFor(Code code);

}  // namespace dipr::http
