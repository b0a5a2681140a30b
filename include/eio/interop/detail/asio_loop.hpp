#pragma once
// eio::asio::with_event_loop's machinery: the io_context as the domain's foreign loop
// (see eio/detail/foreign_loop.hpp), and the queue through which Asio code running
// outside any fiber asks for eio fibers (run_eio).

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <stdexcept>

#include "eio/detail/foreign_loop.hpp"
#include "eio/detail/intrusive_list.hpp"
#include "eio/fiber.hpp"
#include "eio/switch.hpp"
#include "eio/trigger.hpp"

namespace eio::asio::detail {

// A function that Asio code asked to run on an eio fiber. run() is called on that fiber;
// abandon() instead if the fiber cannot be started (the event loop is finishing). Either
// completes the Asio handler and frees the request.
struct Request : eio::detail::List_node<> {
  virtual void run() noexcept = 0;
  virtual void abandon() noexcept = 0;

 protected:
  ~Request() = default;
};

class Loop final : public eio::detail::Foreign_loop {
 public:
  explicit Loop(boost::asio::io_context& io)
      : io_(io), work_(io.get_executor()), watch_(io), watching_(std::make_shared<bool>(false)) {}
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;
  ~Loop() {
    while (Request* r = requests_.pop_front()) r->abandon();
    // Leaves eio's fd open (it is not ours); a pending wait completes as aborted, later,
    // and touches only the shared flag.
    if (watch_.is_open()) watch_.release();
  }

  boost::asio::io_context& io() noexcept { return io_; }

  // The loop driving Asio on the calling thread; throws std::logic_error if none.
  static Loop& current() {
    if (current_ == nullptr) {
      throw std::logic_error(
          "eio::asio::run_eio: call it on a thread whose io_context runs inside "
          "eio::asio::with_event_loop");
    }
    return *current_;
  }

  // A bounded batch: io.poll() would keep going while handlers re-post themselves, and
  // starve the fibers.
  void run_ready() noexcept override {
    guard([&] {
      for (int i = 0; i < kHandlersPerPoll && io_.poll_one() != 0; ++i) {
      }
    });
  }

  bool sleep(int fd, std::int64_t timeout_ns) noexcept override {
    if (io_.stopped()) return false;
    if (!*watching_) {
      try {
        if (!watch_.is_open()) watch_.assign(fd);
        *watching_ = true;
        watch_.async_wait(boost::asio::posix::descriptor_base::wait_read,
                          [w = watching_](const boost::system::error_code&) { *w = false; });
      } catch (...) {
        return false;  // Asio could not watch the fd: let eio sleep by itself
      }
    }
    guard([&] {
      if (timeout_ns < 0) {
        io_.run_one();
      } else {
        io_.run_one_for(std::chrono::nanoseconds(timeout_ns));
      }
    });
    return true;
  }

  // Runs on a daemon fiber of with_event_loop's switch: starts the fibers Asio code asks
  // for, and fails the switch with the first exception an Asio handler threw. While it is
  // not running (the switch was cancelled before it could start, or is cancelled or
  // finishing), no fiber can be started, yet Asio handlers run until the switch has
  // finished: a request made then is abandoned at once, or its Asio code would wait for it
  // forever.
  void serve(Switch& sw) {
    closed_ = false;
    struct Close {
      Loop& loop;
      ~Close() {
        loop.closed_ = true;
        while (Request* r = loop.requests_.pop_front()) r->abandon();
      }
    } close{*this};
    for (;;) {
      if (requests_.empty() && !failure_) {
        Trigger wake;
        waiting_ = &wake;
        struct Clear {
          Trigger*& slot;
          ~Clear() { slot = nullptr; }
        } clear{waiting_};
        wake.await();
      }
      if (failure_) std::rethrow_exception(std::exchange(failure_, nullptr));
      while (Request* r = requests_.pop_front()) {
        struct Owner {
          Request* r;
          explicit Owner(Request* req) : r(req) {}
          Owner(Owner&& o) noexcept : r(std::exchange(o.r, nullptr)) {}
          ~Owner() {
            if (r != nullptr) r->abandon();
          }
        };
        eio::fiber::fork(
            sw, [owner = Owner(r)]() mutable noexcept { std::exchange(owner.r, nullptr)->run(); });
      }
    }
  }

  void submit(Request& r) noexcept {
    if (closed_) {
      r.abandon();
      return;
    }
    requests_.push_back(r);
    poke();
  }

  // After the switch: a failure that came too late for serve() to raise.
  void rethrow_late_failure() {
    if (failure_) std::rethrow_exception(std::exchange(failure_, nullptr));
  }

  struct Scope {
    Loop& loop;
    Loop* outer;
    explicit Scope(Loop& l) : loop(l), outer(current_) {
      eio::detail::attach_foreign_loop(l);
      current_ = &l;
    }
    ~Scope() {
      current_ = outer;
      eio::detail::detach_foreign_loop(loop);
    }
  };

 private:
  template <class F>
  void guard(F&& f) noexcept {
    try {
      f();
    } catch (...) {
      if (!failure_) failure_ = std::current_exception();
      poke();
    }
  }
  void poke() noexcept {
    if (waiting_ != nullptr) std::exchange(waiting_, nullptr)->signal();
  }

  static constexpr int kHandlersPerPoll = 64;
  static inline thread_local Loop* current_ = nullptr;

  boost::asio::io_context& io_;
  // Keeps poll() from stopping the io_context when it runs out of work.
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  boost::asio::posix::stream_descriptor watch_;  // eio's backend fd, never closed here
  std::shared_ptr<bool> watching_;               // a wait on watch_ is pending
  eio::detail::Intrusive_list<Request> requests_;
  Trigger* waiting_ = nullptr;  // serve() sleeps on it
  bool closed_ = true;          // serve() is not running
  std::exception_ptr failure_;
};

}  // namespace eio::asio::detail
