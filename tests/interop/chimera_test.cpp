// The chimera (examples/chimera.hpp: an Asio server, a C++20 coroutine pipeline and eio
// fibers in one thread) serving a real TCP client that shares no code with it.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>

#include "chimera.hpp"
#include "support/eio_test.hpp"

namespace eio::test {
namespace {

class Chimera : public Backends {};
EIO_TEST_ON_BOTH_BACKENDS(Chimera);

// A blocking TCP client on 127.0.0.1, as any program might have: plain POSIX sockets, no
// eio, no Asio. A read gives up after 5 s, so that a broken server fails the test rather
// than hanging it.
class Client {
 public:
  explicit Client(std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    if (fd_ < 0) fail("socket");
    timeval timeout{.tv_sec = 5, .tv_usec = 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      int err = errno;
      ::close(fd_);
      errno = err;
      fail("connect");
    }
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  ~Client() { ::close(fd_); }

  void send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n < 0) fail("send");
      data.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  // The next line, without its "\n".
  std::string line() {
    for (std::size_t nl; (nl = buffered_.find('\n')) == std::string::npos;) {
      char buf[256];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n == 0) throw std::runtime_error("the server hung up");
      if (n < 0) fail("recv");
      buffered_.append(buf, static_cast<std::size_t>(n));
    }
    std::size_t nl = buffered_.find('\n');
    std::string l = buffered_.substr(0, nl);
    buffered_.erase(0, nl + 1);
    return l;
  }

  // Half-closes: the server sees the end of the input.
  void hang_up() { ::shutdown(fd_, SHUT_WR); }

  // Waits for the server to close the connection (true) or to send something (false).
  bool closed_by_server() {
    char c;
    ssize_t n = ::recv(fd_, &c, 1, 0);
    if (n < 0 && errno != ECONNRESET) fail("recv");
    return n <= 0;
  }

 private:
  [[noreturn]] static void fail(const char* what) {
    throw std::system_error(errno, std::generic_category(), what);
  }

  int fd_;
  std::string buffered_;
};

// The client's side of the scenario, on its own thread. Three connections are open at
// once, lines arrive whole, two to a write, or split across writes; one client hangs up
// mid-line (the partial line is dropped, not counted) and another closes without waiting.
// `a`, `b` and `c` stay open, c with half a line sent, for the server's cancellation.
void converse(chimera::Ports ports, Client& a, Client& b, Client& c, Trace& trace) {
  auto ask = [&](Client& client, const char* name, const std::string& line) {
    client.send(line + "\n");
    trace(std::string(name) + ": \"" + line + "\" -> \"" + client.line() + "\"");
  };
  ask(a, "a", "Hello, world!");
  ask(b, "b", "hello again");
  ask(c, "c", "World: HELLO");
  a.send("one\ntwo\n");
  std::string one = a.line();
  trace("a: two lines in one write -> \"" + one + "\", \"" + a.line() + "\"");
  b.send("spl");
  b.send("it\n");
  trace("b: a line in two writes -> \"" + b.line() + "\"");
  ask(c, "c", "?!");

  Client d(ports.lines);
  d.send("never fini");
  d.hang_up();
  trace(std::string("d: hung up mid-line -> ") +
        (d.closed_by_server() ? "closed by the server" : "answered"));
  {
    Client e(ports.lines);
    e.send("closed at on");  // and closed at once, without waiting for anything
  }

  trace("stats: " + Client(ports.stats).line());
  c.send("half a li");
}

// Several connections, several lines each, and clients hanging up, from a plain thread;
// then the test cancels the server, which must close the connections still open and end
// every fiber and session it started (the fixture checks that no fd or fiber is left).
TEST_P(Chimera, ChimeraServesARealClient) {
  Trace trace;
  run([&](Env& env) {
    auto [ports, listening] = Promise<chimera::Ports>::create();
    std::optional<Client> a, b, c;
    fiber::first([&] { chimera::serve(env, {}, listening); },
                 [&] {
                   chimera::Ports p = ports.await();
                   a.emplace(p.lines);
                   b.emplace(p.lines);
                   c.emplace(p.lines);
                   auto [conversation, finished] = Promise<void>::create();
                   std::jthread client([&, p, finished = finished]() mutable {
                     try {
                       converse(p, *a, *b, *c, trace);
                     } catch (const std::exception& e) {
                       trace(std::string("client failed: ") + e.what());
                     }
                     finished.resolve();
                   });
                   conversation.await();
                 });
    trace("server stopped");
    for (auto [name, client] : {std::pair{"a", &a}, std::pair{"b", &b}, std::pair{"c", &c}}) {
      trace(std::string(name) + ": " + ((*client)->closed_by_server() ? "closed" : "open"));
    }
  });
  EXPECT_EQ(trace.str(),
            "a: \"Hello, world!\" -> \"hello=1 world=1\"\n"
            "b: \"hello again\" -> \"hello=2 again=1\"\n"
            "c: \"World: HELLO\" -> \"world=2 hello=3\"\n"
            "a: two lines in one write -> \"one=1\", \"two=1\"\n"
            "b: a line in two writes -> \"split=1\"\n"
            "c: \"?!\" -> \"\"\n"
            "d: hung up mid-line -> closed by the server\n"
            "stats: 9 words, 6 distinct\n"
            "server stopped\n"
            "a: closed\nb: closed\nc: closed");
}

// A client sending lines as fast as the replies come while the test cancels the server: a
// line read as the server stops is answered or dropped, never left waiting, so the server
// still stops, and the client sees its connection close (not a time-out).
TEST_P(Chimera, ChimeraStopsWhileAClientKeepsSending) {
  Trace trace;
  run([&](Env& env) {
    auto [ports, listening] = Promise<chimera::Ports>::create();
    auto [client_done, finished] = Promise<std::string>::create();
    std::jthread client;
    fiber::first([&] { chimera::serve(env, {}, listening); },
                 [&] {
                   chimera::Ports p = ports.await();
                   auto [busy, started] = Promise<void>::create();
                   client = std::jthread([p, started = started, finished = finished]() mutable {
                     std::string how = "closed";
                     try {
                       Client f(p.lines);
                       f.send("warm up\n");
                       f.line();
                       started.resolve();
                       for (;;) {
                         f.send("more words\n");
                         f.line();
                       }
                     } catch (const std::system_error& e) {
                       if (e.code() == std::errc::resource_unavailable_try_again) how = "timed out";
                     } catch (const std::exception&) {
                     }
                     started.try_resolve();
                     finished.resolve(how);
                   });
                   busy.await();
                 });
    trace("server stopped");
    trace("client: " + client_done.await());
  });
  EXPECT_EQ(trace.str(), "server stopped\nclient: closed");
}

}  // namespace
}  // namespace eio::test
