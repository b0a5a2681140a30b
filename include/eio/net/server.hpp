#pragma once
// A connection-accepting server loop (SPEC §6, Eio's Net.run_server): accepts
// connections on a listening socket and runs a handler for each in its own fiber.
//
//   eio::net::run_server(listening, [](eio::net::Stream_socket& conn, const eio::net::Sockaddr&) {
//     eio::flow::copy(conn, conn);   // echo
//   }, {.max_connections = 1000, .on_error = log_error});

#include <exception>
#include <functional>
#include <limits>
#include <optional>

#include "eio/domain_mgr.hpp"
#include "eio/net/socket.hpp"
#include "eio/promise.hpp"
#include "eio/time.hpp"

namespace eio::net {

/// Extra domains that accept on the same listening socket in parallel (on other cores):
/// `count` domains started with `domain_mgr`.
struct Additional_domains {
  Domain_mgr* domain_mgr = nullptr;
  int count = 0;
};

/// What a server does with each connection.
using Connection_handler = std::function<void(Stream_socket& conn, const Sockaddr& peer)>;

/// Options of run_server.
struct Server_options {
  /// Connections handled at once, across all domains; the server stops accepting while
  /// this many are open (they wait in the kernel's backlog).
  int max_connections = std::numeric_limits<int>::max();
  /// Also accept on these domains (the handler then runs on several threads at once).
  Additional_domains additional_domains{};
  /// Called with an exception a handler threw (with "handling connection from <peer>" in
  /// its context if it is an Io_error), or an accept failure that the server survives
  /// (running out of descriptors). Runs in the failing fiber. Null: a handler's exception
  /// ends the server and run_server rethrows it.
  std::function<void(std::exception_ptr)> on_error{};
  /// Graceful stop: once this promise is resolved the server stops accepting, waits for
  /// the connections it has to finish, and returns.
  std::optional<Promise<void>> stop{};
  /// The clock that accept back-off sleeps on (null: the real monotonic clock); tests
  /// pass a mock clock.
  Mono_clock* clock = nullptr;
};

/// Accepts connections on `listening` until cancelled, or until `opts.stop` resolves,
/// running `handler(conn, peer)` in a new fiber for each; the connection is closed when
/// the handler returns. When accepting fails for lack of descriptors or memory (EMFILE,
/// ENFILE, ENOBUFS, ENOMEM), it reports that to on_error and backs off (10 ms, doubling
/// up to 1 s) instead of spinning; aborted handshakes are skipped. Other accept failures
/// end the server. Blocks the calling fiber; a cancellation point (cancelling it cancels
/// every handler). `handler` and `on_error` must be safe to call from every domain used.
void run_server(Listening_socket& listening, Connection_handler handler,
                const Server_options& opts = {});

}  // namespace eio::net
