#include "net/sockaddr_os.hpp"

#include <netinet/in.h>
#include <sys/un.h>

#include <cstddef>
#include <cstring>

namespace eio::net::detail {

int family_of(const Sockaddr& addr) noexcept {
  if (!addr.is_ip()) return AF_UNIX;
  return addr.ip().is_v4() ? AF_INET : AF_INET6;
}

socklen_t to_os(const Sockaddr& addr, sockaddr_storage& out) noexcept {
  std::memset(&out, 0, sizeof out);
  if (addr.is_ip()) {
    std::string_view b = addr.ip().bytes();
    if (addr.ip().is_v4()) {
      auto* in = reinterpret_cast<sockaddr_in*>(&out);
      in->sin_family = AF_INET;
      in->sin_port = htons(addr.port());
      std::memcpy(&in->sin_addr, b.data(), 4);
      return sizeof(sockaddr_in);
    }
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&out);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(addr.port());
    std::memcpy(&in6->sin6_addr, b.data(), 16);
    return sizeof(sockaddr_in6);
  }
  auto* un = reinterpret_cast<sockaddr_un*>(&out);
  un->sun_family = AF_UNIX;
  const std::string& p = addr.path();
  // Abstract names start with a NUL and their length counts exactly; paths are
  // NUL-terminated (the factories checked both fit).
  std::size_t at = addr.kind() == Sockaddr::Kind::unix_abstract ? 1 : 0;
  std::memcpy(un->sun_path + at, p.data(), p.size());
  std::size_t used = at + p.size() + (at == 0 ? 1 : 0);
  return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + used);
}

Sockaddr from_os(const sockaddr_storage& in, socklen_t len, Sockaddr::Kind kind) {
  auto make_ip = [&](const Ipaddr& ip, std::uint16_t port) {
    return kind == Sockaddr::Kind::udp ? Sockaddr::udp(ip, port) : Sockaddr::tcp(ip, port);
  };
  switch (in.ss_family) {
    case AF_INET: {
      const auto* a = reinterpret_cast<const sockaddr_in*>(&in);
      const auto* b = reinterpret_cast<const std::uint8_t*>(&a->sin_addr);
      return make_ip(Ipaddr::v4(b[0], b[1], b[2], b[3]), ntohs(a->sin_port));
    }
    case AF_INET6: {
      const auto* a = reinterpret_cast<const sockaddr_in6*>(&in);
      std::array<std::uint8_t, 16> b;
      std::memcpy(b.data(), &a->sin6_addr, 16);
      return make_ip(Ipaddr::v6(b), ntohs(a->sin6_port));
    }
    default: {
      const auto* un = reinterpret_cast<const sockaddr_un*>(&in);
      std::size_t n =
          len > offsetof(sockaddr_un, sun_path) ? len - offsetof(sockaddr_un, sun_path) : 0;
      if (n == 0) return Sockaddr::unix_abstract("");  // unnamed (socketpair, unbound client)
      if (un->sun_path[0] == '\0')
        return Sockaddr::unix_abstract(std::string_view(un->sun_path + 1, n - 1));
      return Sockaddr::unix_path(std::string_view(un->sun_path, strnlen(un->sun_path, n)));
    }
  }
}

}  // namespace eio::net::detail
