// A small blocking HTTP/1.1 client for the CLI's talks with a registry server, over http:// or
// https:// (TLS 1.2 or later, the server's certificate chain and host name verified).
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

struct ClientOptions {
  // PEM file of the certificate authorities an https server's chain must lead to; empty: the
  // system's store (OpenSSL's default verify paths, /etc/ssl/certs on Debian).
  std::string ca_file;
};

// Not thread-safe; one request at a time. GETs reuse one kept-alive connection (an audit makes
// tens of thousands of them; over TLS that also saves a handshake each); other methods open a
// connection each, so that a write is never sent twice after a connection the server dropped.
// An https:// URL is only ever spoken to over TLS: a handshake or verification failure is an
// error (kUnavailable, naming OpenSSL's reason), never a retry in clear.
class Client {
 public:
  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;
  ~Client();

  // server: "http://HOST[:PORT]" or "https://HOST[:PORT]" (a path prefix is kept). token may be
  // empty. A CA file that cannot be read is an error here, before anything is sent.
  static Result<Client> Create(const std::string& server, std::string token,
                               const ClientOptions& options = {});

  Result<HttpResult> Get(const std::string& target);
  Result<HttpResult> Post(const std::string& target, const std::string& json_body);

  // For a JSON API call: 2xx -> the parsed body; otherwise the server's error as a Status.
  Result<nlohmann::json> GetJson(const std::string& target);
  Result<nlohmann::json> PostJson(const std::string& target, const nlohmann::json& body,
                                  int* status_out = nullptr);

  // Any method ("PUT", "DELETE", ...), the body sent as JSON when not empty.
  Result<nlohmann::json> DoJson(const std::string& method, const std::string& target,
                                const std::string& body, int* status_out = nullptr);
  Result<HttpResult> Do(const std::string& method, const std::string& target,
                        const std::string& body);

  bool tls() const { return tls_ != nullptr; }

 private:
  Client();
  struct TlsContext;
  class Connection;
  Result<HttpResult> KeptGet(const std::string& target);

  std::string host_, port_, prefix_, token_;
  std::shared_ptr<TlsContext> tls_;  // null for http://; shared by the copies an audit makes
  std::unique_ptr<Connection> kept_;
};

// The server's JSON error body turned back into a Status (code from the HTTP status). An error
// answer without dipr's error body (a proxy's HTML page, e.g. nginx's "plain HTTP request was
// sent to HTTPS port") is kUnavailable, with the page's title: dipr did not refuse anything.
Status StatusFromHttp(const HttpResult& r);

}  // namespace dipr::cli
