// Address parsing and formatting. The kernel's own inet_pton/inet_ntop do the IP text, so
// eio accepts exactly what the C library does (no octal or shortened IPv4 forms).

#include "eio/net/sockaddr.hpp"

#include <arpa/inet.h>
#include <sys/un.h>

#include <charconv>
#include <cstring>
#include <stdexcept>

namespace eio::net {
namespace {

// sun_path holds 108 bytes: a path needs its terminating NUL, an abstract name its
// leading one.
constexpr std::size_t kSunPath = sizeof(sockaddr_un{}.sun_path);

[[noreturn]] void bad(std::string_view what, std::string_view text) {
  throw std::invalid_argument(std::string(what) + ": \"" + std::string(text) + "\"");
}

std::uint16_t parse_port(std::string_view port, std::string_view whole) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value > 65535) {
    bad("eio::net::Sockaddr::parse: bad port in", whole);
  }
  return static_cast<std::uint16_t>(value);
}

}  // namespace

Ipaddr Ipaddr::v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) noexcept {
  Ipaddr ip;
  ip.bytes_ = {a, b, c, d};
  ip.v4_ = true;
  return ip;
}

Ipaddr Ipaddr::v6(const std::array<std::uint8_t, 16>& bytes) noexcept {
  Ipaddr ip;
  ip.bytes_ = bytes;
  ip.v4_ = false;
  return ip;
}

Ipaddr Ipaddr::v6_loopback() noexcept {
  std::array<std::uint8_t, 16> b{};
  b[15] = 1;
  return v6(b);
}

Ipaddr Ipaddr::parse(std::string_view text) {
  std::string s(text);  // inet_pton wants a NUL-terminated string, and stops at a NUL
  std::array<std::uint8_t, 16> b{};
  if (s.find('\0') == std::string::npos) {
    if (::inet_pton(AF_INET, s.c_str(), b.data()) == 1) return v4(b[0], b[1], b[2], b[3]);
    if (::inet_pton(AF_INET6, s.c_str(), b.data()) == 1) return v6(b);
  }
  bad("eio::net::Ipaddr::parse: not an IPv4 or IPv6 address", text);
}

std::string Ipaddr::to_string() const {
  char buf[INET6_ADDRSTRLEN];
  ::inet_ntop(v4_ ? AF_INET : AF_INET6, bytes_.data(), buf, sizeof buf);
  return buf;
}

Sockaddr Sockaddr::unix_path(std::string_view path) {
  if (path.empty() || path.size() >= kSunPath || path.find('\0') != std::string_view::npos) {
    bad("eio::net::Sockaddr::unix_path: empty, too long (max 107 bytes) or contains NUL", path);
  }
  return {Kind::unix_path, Ipaddr{}, 0, std::string(path)};
}

Sockaddr Sockaddr::unix_abstract(std::string_view name) {
  if (name.size() >= kSunPath)
    bad("eio::net::Sockaddr::unix_abstract: longer than 107 bytes", name);
  return {Kind::unix_abstract, Ipaddr{}, 0, std::string(name)};
}

Sockaddr Sockaddr::parse(std::string_view text) {
  auto colon = text.find(':');
  if (colon == std::string_view::npos) bad("eio::net::Sockaddr::parse: no scheme in", text);
  std::string_view scheme = text.substr(0, colon);
  std::string_view rest = text.substr(colon + 1);
  if (scheme == "unix") {
    if (!rest.empty() && rest[0] == '@') return unix_abstract(rest.substr(1));
    return unix_path(rest);
  }
  if (scheme != "tcp" && scheme != "udp") bad("eio::net::Sockaddr::parse: unknown scheme in", text);
  std::string_view host;
  std::string_view port;
  if (!rest.empty() && rest[0] == '[') {  // [v6]:port
    auto close = rest.find(']');
    if (close == std::string_view::npos || close + 1 >= rest.size() || rest[close + 1] != ':') {
      bad("eio::net::Sockaddr::parse: expected [address]:port in", text);
    }
    host = rest.substr(1, close - 1);
    port = rest.substr(close + 2);
    if (Ipaddr::parse(host).is_v4()) bad("eio::net::Sockaddr::parse: IPv4 in brackets in", text);
  } else {
    auto last = rest.rfind(':');
    if (last == std::string_view::npos) bad("eio::net::Sockaddr::parse: no port in", text);
    host = rest.substr(0, last);
    port = rest.substr(last + 1);
    if (host.find(':') != std::string_view::npos) {
      bad("eio::net::Sockaddr::parse: an IPv6 address needs brackets in", text);
    }
  }
  Ipaddr ip = Ipaddr::parse(host);
  std::uint16_t p = parse_port(port, text);
  return scheme == "tcp" ? tcp(ip, p) : udp(ip, p);
}

std::string Sockaddr::to_string() const {
  switch (kind_) {
    case Kind::unix_path:
      return "unix:" + path_;
    case Kind::unix_abstract:
      return "unix:@" + path_;
    case Kind::tcp:
    case Kind::udp:
      break;
  }
  std::string host = ip_.is_v4() ? ip_.to_string() : "[" + ip_.to_string() + "]";
  return std::string(kind_ == Kind::tcp ? "tcp:" : "udp:") + host + ":" + std::to_string(port_);
}

}  // namespace eio::net
