#pragma once
// Network addresses (SPEC §6): IP addresses and socket addresses for TCP, UDP and Unix
// domain sockets, with parsing and the `tcp:127.0.0.1:8080` text form.
//
//   auto addr = eio::net::Sockaddr::tcp(eio::net::Ipaddr::v4_loopback(), 8080);
//   addr.to_string();                               // "tcp:127.0.0.1:8080"
//   eio::net::Sockaddr::parse("tcp:[::1]:443");     // the same form, read back

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace eio::net {

/// An IPv4 or IPv6 address. A plain value: copyable, comparable, usable from any thread.
class Ipaddr {
 public:
  /// 127.0.0.1.
  static Ipaddr v4_loopback() noexcept { return v4(127, 0, 0, 1); }
  /// 0.0.0.0 (every interface, when listening).
  static Ipaddr v4_any() noexcept { return v4(0, 0, 0, 0); }
  /// ::1.
  static Ipaddr v6_loopback() noexcept;
  /// :: (every interface, when listening).
  static Ipaddr v6_any() noexcept { return v6(std::array<std::uint8_t, 16>{}); }
  /// The IPv4 address a.b.c.d.
  static Ipaddr v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) noexcept;
  /// The IPv6 address with these 16 bytes (network order).
  static Ipaddr v6(const std::array<std::uint8_t, 16>& bytes) noexcept;
  /// Reads "192.0.2.1" or "2001:db8::1" (no brackets, no port). Throws
  /// std::invalid_argument naming the text if it is neither.
  static Ipaddr parse(std::string_view text);

  bool is_v4() const noexcept { return v4_; }
  /// 4 bytes (IPv4) or 16 (IPv6), network order.
  std::string_view bytes() const noexcept {
    return {reinterpret_cast<const char*>(bytes_.data()), v4_ ? 4u : 16u};
  }
  /// "127.0.0.1", or the shortest IPv6 form ("::1", RFC 5952).
  std::string to_string() const;

  friend bool operator==(const Ipaddr&, const Ipaddr&) = default;

 private:
  std::array<std::uint8_t, 16> bytes_{};
  bool v4_ = true;
};

/// A socket address: an IP address and port for TCP or UDP, or a Unix domain socket
/// (a path in the file system, or a name in Linux's abstract namespace). A plain value.
class Sockaddr {
 public:
  enum class Kind { tcp, udp, unix_path, unix_abstract };

  /// A TCP address (port 0 when listening: the kernel picks a free port).
  static Sockaddr tcp(const Ipaddr& ip, std::uint16_t port) { return {Kind::tcp, ip, port, {}}; }
  /// A UDP address.
  static Sockaddr udp(const Ipaddr& ip, std::uint16_t port) { return {Kind::udp, ip, port, {}}; }
  /// A Unix domain socket at `path`. Throws std::invalid_argument if the path is empty,
  /// contains a NUL byte or is longer than the kernel accepts (107 bytes).
  static Sockaddr unix_path(std::string_view path);
  /// A Unix domain socket named `name` in the abstract namespace (no file; Linux only).
  /// Throws std::invalid_argument if `name` is longer than 107 bytes.
  static Sockaddr unix_abstract(std::string_view name);
  /// Reads the to_string() form back: "tcp:127.0.0.1:80", "udp:[::1]:53",
  /// "unix:/run/x.sock", "unix:@name". Throws std::invalid_argument for anything else
  /// (a missing or out-of-range port, a bad address).
  static Sockaddr parse(std::string_view text);

  Kind kind() const noexcept { return kind_; }
  /// True for TCP and UDP addresses.
  bool is_ip() const noexcept { return kind_ == Kind::tcp || kind_ == Kind::udp; }
  /// The IP address (meaningful only if is_ip()).
  const Ipaddr& ip() const noexcept { return ip_; }
  /// The port (0 unless is_ip()).
  std::uint16_t port() const noexcept { return port_; }
  /// The path or abstract name (empty if is_ip()).
  const std::string& path() const noexcept { return path_; }
  /// "tcp:127.0.0.1:8080", "tcp:[::1]:8080", "udp:…", "unix:/path", "unix:@name".
  std::string to_string() const;

  friend bool operator==(const Sockaddr&, const Sockaddr&) = default;

 private:
  Sockaddr(Kind k, const Ipaddr& ip, std::uint16_t port, std::string path)
      : kind_(k), ip_(ip), port_(port), path_(std::move(path)) {}

  Kind kind_;
  Ipaddr ip_;
  std::uint16_t port_;
  std::string path_;
};

}  // namespace eio::net
