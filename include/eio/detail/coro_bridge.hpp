#pragma once
// The coroutine behind eio::coro::await: it co_awaits the user's awaitable, stores the
// outcome in the waiting fiber's frame and signals its Trigger from final_suspend, where
// the coroutine is already suspended (so the fiber may destroy it as soon as it wakes).

#include <coroutine>
#include <exception>
#include <type_traits>
#include <utility>

#include "eio/detail/result_slot.hpp"
#include "eio/trigger.hpp"

namespace eio::coro::detail {

// Throws std::logic_error naming `what` unless the calling code runs on an eio fiber.
void require_fiber(const char* what);

// The awaiter `co_await a` uses: a.operator co_await(), operator co_await(a), or a itself.
template <class A>
decltype(auto) get_awaiter(A&& a) {
  if constexpr (requires { static_cast<A&&>(a).operator co_await(); }) {
    return static_cast<A&&>(a).operator co_await();
  } else if constexpr (requires { operator co_await(static_cast<A&&>(a)); }) {
    return operator co_await(static_cast<A&&>(a));
  } else {
    return static_cast<A&&>(a);
  }
}

template <class A>
struct Await_result {
  using type = decltype(get_awaiter(std::declval<A>()).await_resume());
};

template <class R>
class Bridge;

// return_value or return_void, as R requires.
template <class R>
struct Bridge_returns {
  eio::detail::Result_slot<R>* slot = nullptr;
  void return_value(R v) {
    slot->run([&]() -> R { return static_cast<R>(v); });
  }
};
template <>
struct Bridge_returns<void> {
  eio::detail::Result_slot<void>* slot = nullptr;
  void return_void() {
    slot->run([] {});
  }
};

template <class R>
class Bridge {
 public:
  struct promise_type : Bridge_returns<R> {
    std::exception_ptr* error = nullptr;
    Trigger* done = nullptr;

    Bridge get_return_object() noexcept {
      return Bridge(std::coroutine_handle<promise_type>::from_promise(*this));
    }
    std::suspend_always initial_suspend() noexcept { return {}; }
    struct Final {
      bool await_ready() noexcept { return false; }
      void await_suspend(std::coroutine_handle<promise_type> h) noexcept {
        h.promise().done->signal();  // last touch of anything: the fiber may now go on
      }
      void await_resume() noexcept {}
    };
    Final final_suspend() noexcept { return {}; }
    void unhandled_exception() noexcept { *error = std::current_exception(); }
  };

  Bridge(const Bridge&) = delete;
  Bridge& operator=(const Bridge&) = delete;
  ~Bridge() { destroy(); }

  // Runs the coroutine until the awaitable suspends it (or to the end).
  void start(eio::detail::Result_slot<R>& slot, std::exception_ptr& error, Trigger& done) {
    promise_type& p = handle_.promise();
    p.slot = &slot;
    p.error = &error;
    p.done = &done;
    handle_.resume();
  }
  // Frees the coroutine; only once it has signalled `done`.
  void destroy() noexcept {
    if (handle_) handle_.destroy();
    handle_ = nullptr;
  }

 private:
  explicit Bridge(std::coroutine_handle<promise_type> h) noexcept : handle_(h) {}
  std::coroutine_handle<promise_type> handle_;
};

template <class R, class A>
Bridge<R> bridge(A&& awaitable) {
  if constexpr (std::is_void_v<R>) {
    co_await static_cast<A&&>(awaitable);
  } else {
    co_return co_await static_cast<A&&>(awaitable);
  }
}

}  // namespace eio::coro::detail
