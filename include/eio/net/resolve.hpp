#pragma once
// Name resolution (SPEC §6): getaddrinfo and getnameinfo off the event loop, and
// connecting to a host by name.
//
//   eio::net::with_tcp_connect(env.net(), "example.org", "http", [](auto& conn) {
//     conn.write("GET / HTTP/1.0\r\n\r\n");
//   });

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "eio/errors.hpp"
#include "eio/net/socket.hpp"
#include "eio/switch.hpp"
#include "eio/time.hpp"

namespace eio::net {

/// The error category of getaddrinfo/getnameinfo failures (EAI_* codes, with
/// gai_strerror's messages). An Io_error with this category means the name did not resolve.
const std::error_category& resolver_category() noexcept;

/// Resolves `host` (a name or a numeric address) and `service` (a port number or a name
/// from /etc/services; empty: port 0) to the addresses to try, TCP and UDP entries as the
/// system returns them. Runs the system resolver on a helper thread. A cancellation point:
/// cancelling returns at once (the lookup finishes in the background and is discarded).
/// Never returns an empty list: a failed lookup throws eio::Io_error in
/// resolver_category() (or the system error), with "resolving host:service" as context.
std::vector<Sockaddr> getaddrinfo(Net& net, std::string_view host, std::string_view service = "");
/// As getaddrinfo, keeping only the TCP addresses.
std::vector<Sockaddr> getaddrinfo_stream(Net& net, std::string_view host,
                                         std::string_view service = "");
/// As getaddrinfo, keeping only the UDP addresses.
std::vector<Sockaddr> getaddrinfo_datagram(Net& net, std::string_view host,
                                           std::string_view service = "");

/// Looks up the host name and service name of an IP address (reverse DNS), on a helper
/// thread. Cancellation and errors as getaddrinfo.
std::pair<std::string, std::string> getnameinfo(Net& net, const Sockaddr& addr);

/// Options of with_tcp_connect: with a clock, each connection attempt is abandoned after
/// `timeout` and the next address is tried.
struct Tcp_connect_options {
  Mono_clock* clock = nullptr;
  std::chrono::nanoseconds timeout{0};
};

namespace detail_ {
// Tries each address in turn; returns the first connection (attached to `sw`).
Stream_socket connect_any(Switch& sw, Net& net, std::string_view host, std::string_view service,
                          const Tcp_connect_options& opts);
}  // namespace detail_

/// Resolves `host`/`service`, connects to each TCP address in turn until one accepts
/// (each attempt limited by `opts.timeout` if a clock is given), then runs
/// `fn(Stream_socket&)` and closes the connection when it returns. Returns what `fn`
/// returns. A cancellation point. If every address fails, throws the last attempt's
/// eio::Io_error with "connecting to host:service" added to its context (eio::Timeout
/// counts as a failed attempt; a resolver failure is raised as such).
template <class F>
auto with_tcp_connect(Net& net, std::string_view host, std::string_view service, F&& fn,
                      const Tcp_connect_options& opts = {})
    -> std::invoke_result_t<F&, Stream_socket&> {
  return Switch::run([&](Switch& sw) -> std::invoke_result_t<F&, Stream_socket&> {
    Stream_socket conn = detail_::connect_any(sw, net, host, service, opts);
    return fn(conn);
  });
}

}  // namespace eio::net
