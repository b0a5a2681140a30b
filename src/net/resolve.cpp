// getaddrinfo/getnameinfo on helper threads. The lookup's state is shared with the helper
// thread, so a cancelled caller can leave at once: the thread finishes the lookup into
// state nobody reads any more and frees it.

#include "eio/net/resolve.hpp"

#include <netdb.h>
#include <sys/socket.h>

#include <atomic>
#include <cstring>
#include <memory>

#include "eio/trigger.hpp"
#include "net/resolve_hook.hpp"
#include "net/sockaddr_os.hpp"
#include "os/systhread_pool.hpp"

namespace eio::net {
namespace {

class Resolver_category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "resolver"; }
  std::string message(int code) const override { return ::gai_strerror(code); }
};

std::atomic<detail::Getaddrinfo_fn> getaddrinfo_fn{&::getaddrinfo};

struct Lookup {
  std::string host;
  std::string service;
  Trigger done;
  int rc = 0;
  int err = 0;  // errno, for EAI_SYSTEM
  addrinfo* res = nullptr;
  ~Lookup() {
    if (res != nullptr) ::freeaddrinfo(res);
  }
};

[[noreturn]] void throw_resolver_error(int rc, int err, std::string context) {
  if (rc == EAI_SYSTEM) throw Io_error(std::error_code(err, std::generic_category()), context);
  throw Io_error(std::error_code(rc, resolver_category()), std::move(context));
}

std::string host_service(std::string_view host, std::string_view service) {
  return std::string(host) + ":" + std::string(service);
}

}  // namespace

const std::error_category& resolver_category() noexcept {
  static const Resolver_category category;
  return category;
}

namespace detail {
Getaddrinfo_fn set_getaddrinfo_for_testing(Getaddrinfo_fn fn) noexcept {
  return getaddrinfo_fn.exchange(fn != nullptr ? fn : &::getaddrinfo);
}
}  // namespace detail

std::vector<Sockaddr> getaddrinfo(Net&, std::string_view host, std::string_view service) {
  auto lookup = std::make_shared<Lookup>();
  lookup->host = host;
  lookup->service = service;
  os::detail::post_detached([lookup] {
    addrinfo hints{};
    const char* svc = lookup->service.empty() ? nullptr : lookup->service.c_str();
    lookup->rc = getaddrinfo_fn.load()(lookup->host.c_str(), svc, &hints, &lookup->res);
    lookup->err = errno;
    lookup->done.signal();
  });
  lookup->done.await();  // Cancelled: the helper thread still owns `lookup`
  std::string context = "resolving " + host_service(host, service);
  if (lookup->rc != 0) throw_resolver_error(lookup->rc, lookup->err, context);
  std::vector<Sockaddr> out;
  for (addrinfo* ai = lookup->res; ai != nullptr; ai = ai->ai_next) {
    if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) continue;
    Sockaddr::Kind kind;
    if (ai->ai_socktype == SOCK_STREAM) {
      kind = Sockaddr::Kind::tcp;
    } else if (ai->ai_socktype == SOCK_DGRAM) {
      kind = Sockaddr::Kind::udp;
    } else {
      continue;
    }
    sockaddr_storage ss{};
    std::memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
    out.push_back(detail::from_os(ss, ai->ai_addrlen, kind));
  }
  if (out.empty()) throw Io_error(std::error_code(EAI_NONAME, resolver_category()), context);
  return out;
}

namespace {
std::vector<Sockaddr> keep(std::vector<Sockaddr> all, Sockaddr::Kind kind, std::string context) {
  std::erase_if(all, [&](const Sockaddr& a) { return a.kind() != kind; });
  if (all.empty()) throw Io_error(std::error_code(EAI_NONAME, resolver_category()), context);
  return all;
}
}  // namespace

std::vector<Sockaddr> getaddrinfo_stream(Net& net, std::string_view host,
                                         std::string_view service) {
  return keep(getaddrinfo(net, host, service), Sockaddr::Kind::tcp,
              "resolving " + host_service(host, service) + " (TCP)");
}

std::vector<Sockaddr> getaddrinfo_datagram(Net& net, std::string_view host,
                                           std::string_view service) {
  return keep(getaddrinfo(net, host, service), Sockaddr::Kind::udp,
              "resolving " + host_service(host, service) + " (UDP)");
}

std::pair<std::string, std::string> getnameinfo(Net&, const Sockaddr& addr) {
  if (!addr.is_ip()) {
    throw std::invalid_argument("eio::net::getnameinfo: " + addr.to_string() +
                                " is not an IP address");
  }
  struct Reverse {
    sockaddr_storage ss{};
    socklen_t len = 0;
    bool dgram = false;
    char host[NI_MAXHOST] = {};
    char service[NI_MAXSERV] = {};
    Trigger done;
    int rc = 0;
    int err = 0;
  };
  auto r = std::make_shared<Reverse>();
  r->len = detail::to_os(addr, r->ss);
  r->dgram = addr.kind() == Sockaddr::Kind::udp;
  os::detail::post_detached([r] {
    r->rc = ::getnameinfo(reinterpret_cast<sockaddr*>(&r->ss), r->len, r->host, sizeof r->host,
                          r->service, sizeof r->service, r->dgram ? NI_DGRAM : 0);
    r->err = errno;
    r->done.signal();
  });
  r->done.await();
  if (r->rc != 0) throw_resolver_error(r->rc, r->err, "looking up the name of " + addr.to_string());
  return {r->host, r->service};
}

namespace detail_ {

Stream_socket connect_any(Switch& sw, Net& net, std::string_view host, std::string_view service,
                          const Tcp_connect_options& opts) {
  std::vector<Sockaddr> addrs = getaddrinfo_stream(net, host, service);
  std::exception_ptr last;
  for (const Sockaddr& addr : addrs) {
    try {
      if (opts.clock == nullptr) return connect(sw, net, addr);
      return time::with_timeout_exn(*opts.clock, opts.timeout,
                                    [&] { return connect(sw, net, addr); });
    } catch (const Io_error&) {
      last = std::current_exception();
    } catch (const Timeout&) {
      last = std::make_exception_ptr(
          Io_error(std::errc::timed_out, "connecting to " + addr.to_string()));
    }
  }
  try {
    std::rethrow_exception(last);
  } catch (Io_error& e) {
    e.add_context("connecting to " + host_service(host, service));
    throw;
  }
}

}  // namespace detail_
}  // namespace eio::net
