#pragma once
// A plain OS thread (one not running eio::run) for the sync tests: the "domain-local
// await" side of SPEC §3, where a Stream, Promise or Trigger blocks the thread itself.

#include <exception>
#include <optional>
#include <thread>
#include <utility>

#include "eio/promise.hpp"

namespace eio::test {

// Starts `fn` on a new std::thread at once. join() first awaits, as a fiber, a promise the
// thread resolves as its very last act, so a fiber never blocks its domain on a thread
// that still needs that domain to make progress. An exception from `fn` is rethrown by
// join().
class Plain_thread {
 public:
  template <class F>
  explicit Plain_thread(F fn) {
    auto [done, finished] = Promise<void>::create();
    done_.emplace(std::move(done));
    thread_ = std::thread([fn = std::move(fn), finished = std::move(finished)]() mutable {
      try {
        fn();
        finished.resolve();
      } catch (...) {
        finished.reject(std::current_exception());
      }
    });
  }
  Plain_thread(const Plain_thread&) = delete;
  Plain_thread& operator=(const Plain_thread&) = delete;
  ~Plain_thread() {
    if (thread_.joinable()) thread_.join();
  }

  // Waits (suspending only the calling fiber, or blocking a plain thread) for the thread to
  // finish, then rethrows what it threw.
  void join() {
    try {
      done_->await();
    } catch (...) {
      thread_.join();
      throw;
    }
    thread_.join();
  }

 private:
  std::optional<Promise<void>> done_;
  std::thread thread_;
};

}  // namespace eio::test
