// run_server: one accept loop per domain, each with its own descriptor for the listening
// socket (dup(2) of it, so each domain owns and can close its copy), sharing one semaphore
// that bounds the connections open across all of them.

#include "eio/net/server.hpp"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <utility>

#include "eio/errors.hpp"
#include "eio/fiber.hpp"
#include "eio/semaphore.hpp"
#include "eio/switch.hpp"
#include "os/fd_state.hpp"
#include "time/real_clocks.hpp"

namespace eio::net {
namespace {

using namespace std::chrono_literals;

constexpr auto kFirstBackoff = 10ms;
constexpr auto kMaxBackoff = 1000ms;

struct Server {
  Connection_handler handler;
  const Server_options& opts;
  Semaphore permits;
  Mono_clock& clock;
};

// A connection slot, given back however the connection ends (even if its fiber never runs).
class Permit {
 public:
  explicit Permit(Semaphore& s) : sem_(&s) { s.acquire(); }
  Permit(Permit&& o) noexcept : sem_(std::exchange(o.sem_, nullptr)) {}
  Permit& operator=(Permit&&) = delete;
  ~Permit() {
    if (sem_ != nullptr) sem_->release();
  }

 private:
  Semaphore* sem_;
};

bool out_of_resources(const std::error_code& ec) {
  return ec == std::errc::too_many_files_open || ec == std::errc::too_many_files_open_in_system ||
         ec == std::errc::no_buffer_space || ec == std::errc::not_enough_memory;
}

// The handshake failed before accept returned it: nothing to handle, nothing wrong here.
bool aborted_handshake(const std::error_code& ec) {
  return ec == std::errc::connection_aborted || ec == std::errc::protocol_error ||
         ec == std::errc::connection_reset;
}

void handle(Server& s, Stream_socket& conn, const Sockaddr& peer) {
  try {
    s.handler(conn, peer);
  } catch (const Cancelled&) {
    throw;
  } catch (Io_error& e) {
    if (!s.opts.on_error) throw;
    e.add_context("handling connection from " + peer.to_string());
    s.opts.on_error(std::current_exception());
  } catch (...) {
    if (!s.opts.on_error) throw;
    s.opts.on_error(std::current_exception());
  }
}

void accept_loop(Server& s, Switch& conns, Listening_socket& listening) {
  auto backoff = std::chrono::nanoseconds(kFirstBackoff);
  for (;;) {
    Permit permit(s.permits);
    std::optional<std::pair<Stream_socket, Sockaddr>> accepted;
    try {
      accepted.emplace(accept(conns, listening));
    } catch (const Io_error& e) {
      if (aborted_handshake(e.code())) continue;
      if (!out_of_resources(e.code())) throw;
      if (s.opts.on_error) s.opts.on_error(std::current_exception());
      time::sleep(s.clock, backoff);
      backoff = std::min<std::chrono::nanoseconds>(backoff * 2, kMaxBackoff);
      continue;
    }
    backoff = kFirstBackoff;
    fiber::fork(conns, [&s, permit = std::move(permit), conn = std::move(accepted->first),
                        peer = accepted->second]() mutable { handle(s, conn, peer); });
  }
}

void serve(Server& s, Listening_socket& listening) {
  Switch::run([&](Switch& conns) {
    if (!s.opts.stop) return accept_loop(s, conns, listening);
    fiber::first([&] { accept_loop(s, conns, listening); }, [&] { s.opts.stop->await(); });
  });
}

// Another domain's accept loop, on its own copy of the listening descriptor.
void serve_copy(Server& s, Listening_socket& listening) {
  int copy = ::dup(listening.fd().get());
  if (copy < 0) detail::throw_errno(errno, "copying the listening socket for another domain");
  Switch::run([&](Switch& sw) {
    Listening_socket mine(os::Fd(sw, copy), listening.listening_addr(), listening.nodelay());
    serve(s, mine);
  });
}

}  // namespace

void run_server(Listening_socket& listening, Connection_handler handler,
                const Server_options& opts) {
  if (opts.max_connections < 1)
    throw std::invalid_argument("eio::net::run_server: max_connections < 1");
  const Additional_domains& extra = opts.additional_domains;
  if (extra.count < 0 || (extra.count > 0 && extra.domain_mgr == nullptr)) {
    throw std::invalid_argument("eio::net::run_server: additional_domains needs a domain_mgr");
  }
  static eio::detail::Steady_clock real_clock;
  Server s{std::move(handler), opts, Semaphore(opts.max_connections),
           opts.clock != nullptr ? *opts.clock : real_clock};
  listening.fd().get();  // throws Closed now rather than in every domain
  Switch::run([&](Switch& sw) {
    for (int i = 0; i < extra.count; ++i) {
      fiber::fork(sw, [&] { extra.domain_mgr->run([&] { serve_copy(s, listening); }); });
    }
    serve(s, listening);
  });
}

}  // namespace eio::net
