#include "http/client_address.h"

#include <algorithm>
#include <array>
#include <charconv>

namespace dipr::http {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool ParseAddress(std::string_view s, asio::ip::address& out) {
  // "[2001:db8::1]" and "203.0.113.7:51234" appear in the wild (RFC 7239 style); take the host.
  if (s.size() > 2 && s.front() == '[') {
    size_t close = s.find(']');
    if (close == std::string_view::npos) return false;
    s = s.substr(1, close - 1);
  } else if (std::count(s.begin(), s.end(), ':') == 1) {
    s = s.substr(0, s.find(':'));
  }
  boost::system::error_code ec;
  out = Unmapped(asio::ip::make_address(std::string(s), ec));
  return !ec;
}

}  // namespace

Result<Cidr> Cidr::Parse(std::string_view text) {
  Cidr c;
  c.text_ = std::string(text);
  size_t slash = text.find('/');
  boost::system::error_code ec;
  c.network_ = Unmapped(asio::ip::make_address(std::string(text.substr(0, slash)), ec));
  const std::string bad = "--trusted-proxy \"" + c.text_ + "\" is not an address or a CIDR network";
  if (ec) return InvalidArgument(bad);
  unsigned max = c.network_.is_v4() ? 32 : 128;
  c.prefix_ = max;
  if (slash != std::string_view::npos) {
    std::string_view p = text.substr(slash + 1);
    auto [end, err] = std::from_chars(p.data(), p.data() + p.size(), c.prefix_);
    if (p.empty() || err != std::errc() || end != p.data() + p.size() || c.prefix_ > max) {
      return InvalidArgument(bad);
    }
  }
  return c;
}

bool Cidr::Contains(const asio::ip::address& a) const {
  if (a.is_v4() != network_.is_v4()) return false;
  auto bytes = [](const asio::ip::address& x) {
    std::array<unsigned char, 16> b{};
    if (x.is_v4()) {
      auto v = x.to_v4().to_bytes();
      std::copy(v.begin(), v.end(), b.begin());
    } else {
      b = x.to_v6().to_bytes();
    }
    return b;
  };
  auto x = bytes(a), n = bytes(network_);
  unsigned full = prefix_ / 8, rest = prefix_ % 8;
  if (!std::equal(x.begin(), x.begin() + full, n.begin())) return false;
  if (rest == 0) return true;
  unsigned char mask = static_cast<unsigned char>(0xff << (8 - rest));
  return (x[full] & mask) == (n[full] & mask);
}

asio::ip::address Unmapped(const asio::ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
  }
  return a;
}

bool Trusted(const std::vector<Cidr>& proxies, const asio::ip::address& a) {
  for (const Cidr& c : proxies) {
    if (c.Contains(a)) return true;
  }
  return false;
}

std::string ClientAddress(const asio::ip::address& peer,
                          const std::vector<std::string_view>& forwarded_for,
                          const std::vector<Cidr>& trusted) {
  asio::ip::address client = Unmapped(peer);
  if (forwarded_for.empty() || !Trusted(trusted, client)) return client.to_string();
  for (auto field = forwarded_for.rbegin(); field != forwarded_for.rend(); ++field) {
    std::string_view list = *field;
    while (!list.empty()) {
      size_t comma = list.rfind(',');
      std::string_view entry =
          Trim(comma == std::string_view::npos ? list : list.substr(comma + 1));
      list = comma == std::string_view::npos ? std::string_view() : list.substr(0, comma);
      if (entry.empty()) continue;
      asio::ip::address hop;
      if (!ParseAddress(entry, hop)) return client.to_string();
      client = hop;
      if (!Trusted(trusted, hop)) return client.to_string();
    }
  }
  return client.to_string();  // every hop a trusted proxy: the leftmost is the client
}

}  // namespace dipr::http
