// A small blocking HTTP/1.1 client for the CLI's talks with a registry server.
#pragma once

#include <nlohmann/json.hpp>

#include <memory>
#include <string>

#include "common/status.h"

namespace dipr::cli {

struct HttpResult {
  int status = 0;
  std::string body;
};

// Not thread-safe; one request at a time. GETs reuse one kept-alive connection (an audit makes
// tens of thousands of them); other methods open a connection each, so that a write is never sent
// twice after a connection the server dropped.
class Client {
 public:
  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;
  ~Client();

  // server: "http://HOST:PORT" (a path prefix is kept). token may be empty.
  static Result<Client> Create(const std::string& server, std::string token);

  Result<HttpResult> Get(const std::string& target);
  Result<HttpResult> Post(const std::string& target, const std::string& json_body);

  // For a JSON API call: 2xx -> the parsed body; otherwise the server's error as a Status.
  Result<nlohmann::json> GetJson(const std::string& target);
  Result<nlohmann::json> PostJson(const std::string& target, const nlohmann::json& body,
                                  int* status_out = nullptr);

  // Any method ("PUT", "DELETE", ...), the body sent as JSON when not empty.
  Result<HttpResult> Do(const std::string& method, const std::string& target,
                        const std::string& body);

 private:
  Client();
  struct KeptConnection;
  Result<HttpResult> KeptGet(const std::string& target);

  std::string host_, port_, prefix_, token_;
  std::unique_ptr<KeptConnection> kept_;
};

// The server's JSON error body turned back into a Status (code from the HTTP status).
Status StatusFromHttp(const HttpResult& r);

}  // namespace dipr::cli
