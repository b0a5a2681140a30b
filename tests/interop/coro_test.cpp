// eio::coro::await: fibers awaiting C++20 awaitables of every shape (SPEC §12), resumed at
// once, by another thread, or through a lazy task's continuation.

#include <atomic>
#include <coroutine>
#include <stdexcept>
#include <string>
#include <thread>

#include "eio/coro.hpp"
#include "support/eio_test.hpp"

namespace eio::test {
namespace {

class Coro : public Backends {};
EIO_TEST_ON_BOTH_BACKENDS(Coro);

// Completes without suspending.
struct Ready {
  bool await_ready() const noexcept { return true; }
  void await_suspend(std::coroutine_handle<>) const noexcept {}
  int await_resume() const noexcept { return 7; }
};

// Resumed by a plain thread once `go` is set: the fiber must be woken across threads.
struct From_thread {
  std::thread* thread;
  std::atomic<bool>* go;
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) const {
    *thread = std::thread([h, g = go] {
      while (!g->load()) std::this_thread::yield();
      h.resume();
    });
  }
  std::string await_resume() const { return "from a thread"; }
};

// An awaitable through operator co_await, whose result is an exception.
struct Failing {
  struct Awaiter {
    bool await_ready() const noexcept { return false; }
    bool await_suspend(std::coroutine_handle<>) const noexcept { return false; }  // resume now
    int await_resume() const { throw std::runtime_error("awaitable failed"); }
  };
  Awaiter operator co_await() const noexcept { return {}; }
};

// A lazy task in the style of cppcoro: starts when awaited, resumes its awaiter by
// symmetric transfer when done.
template <class T>
class Task {
 public:
  struct promise_type {
    T value{};
    std::exception_ptr error;
    std::coroutine_handle<> continuation;
    Task get_return_object() {
      return Task(std::coroutine_handle<promise_type>::from_promise(*this));
    }
    std::suspend_always initial_suspend() noexcept { return {}; }
    struct Final {
      bool await_ready() noexcept { return false; }
      std::coroutine_handle<> await_suspend(std::coroutine_handle<promise_type> h) noexcept {
        return h.promise().continuation;
      }
      void await_resume() noexcept {}
    };
    Final final_suspend() noexcept { return {}; }
    void return_value(T v) { value = std::move(v); }
    void unhandled_exception() { error = std::current_exception(); }
  };
  explicit Task(std::coroutine_handle<promise_type> h) : h_(h) {}
  Task(Task&& o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
  ~Task() {
    if (h_) h_.destroy();
  }
  bool await_ready() const noexcept { return false; }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<> awaiter) {
    h_.promise().continuation = awaiter;
    return h_;
  }
  T await_resume() {
    if (h_.promise().error) std::rethrow_exception(h_.promise().error);
    return std::move(h_.promise().value);
  }

 private:
  std::coroutine_handle<promise_type> h_;
};

Task<int> add(int a, int b) {
  co_return a + co_await Ready{} + b;
}

Task<int> chain() {
  int x = co_await add(1, 2);  // 10
  co_return x * 2;
}

TEST_P(Coro, AwaitAnyAwaitableFromFiber) {
  run([&](Env&) {
    EXPECT_EQ(coro::await(Ready{}), 7);
    EXPECT_EQ(coro::await(chain()), 20);
    Task<int> lvalue = add(2, 3);
    EXPECT_EQ(coro::await(lvalue), 12);
    coro::await(std::suspend_never{});  // void
    EXPECT_THROW(coro::await(Failing{}), std::runtime_error);
  });
}

TEST_P(Coro, OtherFibersRunWhileOneAwaitsAThread) {
  run([&](Env&) {
    std::thread resumer;
    std::atomic<bool> go{false};
    int ticks = 0;
    std::string got;
    fiber::both(
        [&] {
          got = coro::await(From_thread{&resumer, &go});
        },
        [&] {
          // The domain is free while the first fiber waits for the thread.
          for (; ticks < 100; ++ticks) fiber::yield();
          go = true;
        });
    resumer.join();
    EXPECT_EQ(got, "from a thread");
    EXPECT_EQ(ticks, 100);
  });
}

TEST_P(Coro, CancellationWaitsForTheAwaitableThenShows) {
  run([&](Env&) {
    std::thread resumer;
    std::atomic<bool> go{false};
    std::string got;
    std::string outcome = cancel_while_blocked([&] {
      // Cancelled while suspended: the await still completes (there is no standard way to
      // cancel an awaitable), and the cancellation shows at the next blocking call.
      go = true;
      got = coro::await(From_thread{&resumer, &go});
      fiber::yield();
    });
    resumer.join();
    EXPECT_EQ(got, "from a thread");
    EXPECT_EQ(outcome, "cancelled");
  });
}

Task<int> uses_eio() {
  int a = co_await coro::as_awaitable([] {
    fiber::yield();  // direct-style eio code, on the fiber running this coroutine
    return 20;
  });
  std::string s = co_await coro::as_awaitable([] { return std::string("!!"); });
  co_return a + static_cast<int>(s.size());
}

Task<int> fails_in_eio() {
  co_return co_await coro::as_awaitable([]() -> int { throw std::runtime_error("in fn"); });
}

TEST_P(Coro, CoroutineAwaitsEioCodeOnItsFiber) {
  run([&](Env&) {
    EXPECT_EQ(coro::await(uses_eio()), 22);
    EXPECT_THROW(coro::await(fails_in_eio()), std::runtime_error);
  });
  // Off any fiber there is nothing to suspend: a clear error, not a hang.
  auto outside = coro::as_awaitable([] { return 1; });
  EXPECT_THROW(outside.await_resume(), std::logic_error);
}

}  // namespace
}  // namespace eio::test
