// Who the client is, when a reverse proxy stands in between: the proxy's X-Forwarded-For is
// believed only from the proxies the operator names (--trusted-proxy CIDR), since anyone else can
// write any address into it. Each proxy appends the address it was connected from, so the
// rightmost entries are the trusted proxies' own doing; the first one from the right that is not
// a trusted proxy is the client. Everything left of it was written by the client (or by proxies
// of its own) and is ignored.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "http/asio.h"

namespace dipr::http {

// An IPv4 or IPv6 network: "10.0.0.0/8", "2001:db8::/32", or one address ("127.0.0.1").
class Cidr {
 public:
  static Result<Cidr> Parse(std::string_view text);
  bool Contains(const asio::ip::address& a) const;
  const std::string& text() const { return text_; }

 private:
  asio::ip::address network_;
  unsigned prefix_ = 0;
  std::string text_;
};

// IPv4-mapped IPv6 addresses (a dual-stack listener's "::ffff:203.0.113.7") as IPv4, so that one
// client has one key whichever way it connected.
asio::ip::address Unmapped(const asio::ip::address& a);
bool Trusted(const std::vector<Cidr>& proxies, const asio::ip::address& a);

// The client's address for a request from `peer` with these X-Forwarded-For field values (in
// the order received; each a comma-separated list). An entry that is not an IP address ends the
// walk: the client is then the last trusted hop (a proxy that writes nonsense is misconfigured).
std::string ClientAddress(const asio::ip::address& peer,
                          const std::vector<std::string_view>& forwarded_for,
                          const std::vector<Cidr>& trusted);

}  // namespace dipr::http
