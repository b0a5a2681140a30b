#pragma once
// A chimera, as in the OCaml Eio talk: three styles of concurrent code in one thread,
// passing data between them. Each line a client sends goes through all three:
//
//   Asio      session(): an ordinary Asio coroutine reads the line from its tcp::socket
//     | co_await eio::asio::run_eio(..., use_awaitable)
//   eio       a fiber runs the line through the coroutine pipeline
//     | eio::coro::await(reply_to(line))
//   C++20     reply_to(): coroutine stages; the last asks the Tally fiber for each word's
//             count, calling blocking eio code through eio::coro::as_awaitable
//
// and the reply goes back to the client through Asio. eio also serves a stats port with
// its own sockets, and its switch supervises the Asio sessions: cancelling serve() cancels
// each session through Asio's own cancellation slots, and nothing outlives the call.
//
//   $ printf 'Hello, world!\nhello again\n' | nc -q1 127.0.0.1 <port>
//   hello=1 world=1
//   hello=2 again=1

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <cctype>
#include <coroutine>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "eio/eio.hpp"
#include "eio/interop/asio.hpp"

namespace chimera {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// ---- C++20 coroutines ---------------------------------------------------------------

// A lazy coroutine task, as a coroutine library would provide one (cppcoro's task<T>): it
// starts when awaited and resumes its awaiter, by symmetric transfer, when it finishes.
template <class T>
class Task {
 public:
  struct promise_type {
    std::optional<T> value;
    std::exception_ptr error;
    std::coroutine_handle<> awaiter;

    Task get_return_object() {
      return Task(std::coroutine_handle<promise_type>::from_promise(*this));
    }
    std::suspend_always initial_suspend() noexcept { return {}; }
    struct Resume_awaiter {
      bool await_ready() noexcept { return false; }
      std::coroutine_handle<> await_suspend(std::coroutine_handle<promise_type> h) noexcept {
        return h.promise().awaiter;
      }
      void await_resume() noexcept {}
    };
    Resume_awaiter final_suspend() noexcept { return {}; }
    void return_value(T v) { value.emplace(std::move(v)); }
    void unhandled_exception() { error = std::current_exception(); }
  };

  Task(Task&& other) noexcept : h_(std::exchange(other.h_, nullptr)) {}
  ~Task() {
    if (h_) h_.destroy();
  }

  bool await_ready() const noexcept { return false; }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<> awaiter) noexcept {
    h_.promise().awaiter = awaiter;
    return h_;
  }
  T await_resume() {
    if (h_.promise().error) std::rethrow_exception(h_.promise().error);
    return std::move(*h_.promise().value);
  }

 private:
  explicit Task(std::coroutine_handle<promise_type> h) : h_(h) {}
  std::coroutine_handle<promise_type> h_;
};

// ---- eio ----------------------------------------------------------------------------

// The word counts belong to one fiber, which answers requests in order; other fibers ask
// through an eio::Stream and wait for the answer on an eio::Promise.
class Tally {
 public:
  // Answers requests until cancelled. Run it on a fiber.
  void run() {
    for (;;) requests_.take()();
  }
  // How many times `word` has been seen, this time included. Blocks this fiber until the
  // tally answers; a cancellation point.
  int count(std::string word) {
    return ask<int>([this, word] { return ++seen_[word]; });
  }
  // "<words> words, <distinct> distinct". Blocks like count().
  std::string summary() {
    return ask<std::string>([this] {
      int words = 0;
      for (const auto& [word, n] : seen_) words += n;
      return std::to_string(words) + " words, " + std::to_string(seen_.size()) + " distinct";
    });
  }

 private:
  template <class R, class F>
  R ask(F question) {
    auto [answer, resolver] = eio::Promise<R>::create();
    // By value: if the asker is cancelled, the request still runs safely later.
    requests_.add([question, resolver]() mutable { resolver.resolve(question()); });
    return answer.await();
  }

  eio::Stream<std::function<void()>> requests_{16};
  std::map<std::string, int> seen_;
};

// ---- The coroutine pipeline, run on an eio fiber ------------------------------------

// Stage 1: the words of a line, lower-cased, without punctuation.
inline Task<std::vector<std::string>> words_of(std::string line) {
  std::vector<std::string> words;
  std::string word;
  for (unsigned char c : line + " ") {
    if (std::isalnum(c)) {
      word += static_cast<char>(std::tolower(c));
    } else if (!word.empty()) {
      words.push_back(std::exchange(word, {}));
    }
  }
  co_return words;
}

// Stage 2: each word with its count so far, "hello=2 world=1\n". The coroutine runs on the
// fiber that awaits it, so it may call eio's blocking functions through as_awaitable.
inline Task<std::string> reply_to(std::string line, Tally& tally) {
  std::vector<std::string> words = co_await words_of(std::move(line));
  std::string reply;
  for (const std::string& word : words) {
    int seen = co_await eio::coro::as_awaitable([&] { return tally.count(word); });
    reply += (reply.empty() ? "" : " ") + word + "=" + std::to_string(seen);
  }
  co_return reply + "\n";
}

// ---- Asio ---------------------------------------------------------------------------

// One connection, in plain Asio style: read a line, have eio answer it, write the reply.
inline asio::awaitable<void> session(tcp::socket socket, Tally& tally) {
  std::string buffer;
  try {
    for (;;) {
      std::size_t n = co_await asio::async_read_until(socket, asio::dynamic_buffer(buffer), '\n',
                                                      asio::use_awaitable);
      std::string line = buffer.substr(0, n - 1);
      buffer.erase(0, n);
      std::string reply = co_await eio::asio::run_eio(
          [&] { return eio::coro::await(reply_to(line, tally)); }, asio::use_awaitable);
      co_await asio::async_write(socket, asio::buffer(reply), asio::use_awaitable);
    }
  } catch (const boost::system::system_error&) {
    // The client hung up (a partial line is dropped), or the session was cancelled.
  }
}

// ---- All three together -------------------------------------------------------------

// The chimera's TCP ports on 127.0.0.1: lines (Asio) and stats (eio).
struct Ports {
  std::uint16_t lines = 0;
  std::uint16_t stats = 0;
};

// Serves on 127.0.0.1 until cancelled: each line sent to `ports.lines` is answered with
// its words' counts; a connection to `ports.stats` gets Tally::summary(). Port 0 picks a
// free port; `listening` is resolved with the ports once both listen. Must run on a fiber;
// blocks it. Throws eio::Cancelled when cancelled, once every session has ended.
inline void serve(eio::Env& env, Ports ports, eio::Resolver<Ports> listening) {
  asio::io_context io;
  Tally tally;
  eio::asio::with_event_loop(io, [&] {
    eio::Switch::run([&](eio::Switch& sw) {
      eio::fiber::fork_daemon(sw, [&] { tally.run(); });
      tcp::acceptor acceptor(io, {asio::ip::address_v4::loopback(), ports.lines});
      auto stats = eio::net::listen(
          sw, env.net(), eio::net::Sockaddr::tcp(eio::net::Ipaddr::v4_loopback(), ports.stats),
          {.reuse_addr = true});
      listening.resolve(Ports{acceptor.local_endpoint().port(), stats.listening_addr().port()});
      eio::fiber::both(
          [&] {
            eio::net::run_server(stats, [&](eio::net::Stream_socket& conn, const auto&) {
              conn.write(tally.summary() + "\n");
            });
          },
          [&] {
            for (;;) {
              tcp::socket socket = acceptor.async_accept(eio::asio::use_fiber);
              // A fiber per session: the switch owns it, and cancelling the fiber cancels
              // the coroutine through co_spawn's cancellation slot. (bind_executor makes
              // Asio deliver that cancellation through `io`: cancelled directly before its
              // coroutine has started, Asio 1.81's co_spawn would never complete.)
              eio::fiber::fork(sw, [&, socket = std::move(socket)]() mutable {
                asio::co_spawn(io, session(std::move(socket), tally),
                               asio::bind_executor(io, eio::asio::use_fiber));
              });
            }
          });
    });
  });
}

}  // namespace chimera
