#pragma once
// eio::asio::use_fiber as an Asio completion token: the initiating fiber waits for the
// completion handler, which stores the arguments in the fiber's frame and signals it.

#include <boost/asio/async_result.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/error.hpp>
#include <boost/system/error_code.hpp>

#include <exception>
#include <optional>
#include <system_error>
#include <tuple>
#include <type_traits>
#include <utility>

#include "eio/detail/cancel_point.hpp"
#include "eio/detail/spinlock.hpp"
#include "eio/errors.hpp"
#include "eio/trigger.hpp"

namespace eio::asio {
/// The type of eio::asio::use_fiber.
struct Use_fiber_t {
  constexpr Use_fiber_t() noexcept = default;
};
}  // namespace eio::asio

namespace eio::asio::detail {

// Throws std::logic_error naming `what` unless called on an eio fiber.
void require_fiber(const char* what);

// What a fiber gets back for completion arguments Args...: a leading error_code or
// exception_ptr is turned into a throw, and the rest is returned (void, one value, or a
// tuple).
template <class... Ts>
struct Values {
  using type = std::tuple<Ts...>;
  static type take(std::tuple<Ts...>&& t) { return std::move(t); }
};
template <>
struct Values<> {
  using type = void;
  static void take(std::tuple<>&&) {}
};
template <class T>
struct Values<T> {
  using type = T;
  static T take(std::tuple<T>&& t) { return std::get<0>(std::move(t)); }
};

template <class... Args>
struct Outcome : Values<Args...> {
  static constexpr bool has_status = false;
};
template <class... Rest>
struct Outcome<boost::system::error_code, Rest...> : Values<Rest...> {
  static constexpr bool has_status = true;
};
template <class... Rest>
struct Outcome<std::exception_ptr, Rest...> : Values<Rest...> {
  static constexpr bool has_status = true;
};

[[noreturn]] void throw_asio_error(const boost::system::error_code& ec);

inline void raise(const boost::system::error_code& ec, bool cancelled) {
  if (!ec) return;
  if (cancelled && ec == boost::asio::error::operation_aborted) eio::detail::throw_cancelled();
  throw_asio_error(ec);
}
inline void raise(const std::exception_ptr& ep, bool cancelled) {
  if (!ep) return;
  if (cancelled) {
    try {
      std::rethrow_exception(ep);
    } catch (const boost::system::system_error& e) {
      if (e.code() == boost::asio::error::operation_aborted) eio::detail::throw_cancelled();
      throw;
    }
  }
  std::rethrow_exception(ep);
}

// Lives in the waiting fiber's frame. The handler signals under `lock`, and the fiber
// takes `lock` once before leaving, so the frame outlives the handler's last touch even
// when the io_context runs on another thread.
template <class... Args>
class Fiber_wait {
 public:
  using Result = typename Outcome<Args...>::type;

  class Handler {
   public:
    explicit Handler(Fiber_wait* w) noexcept : w_(w) {}
    using cancellation_slot_type = boost::asio::cancellation_slot;
    cancellation_slot_type get_cancellation_slot() const noexcept { return w_->signal_.slot(); }
    template <class... Vs>
    void operator()(Vs&&... vs) {
      Fiber_wait* w = w_;
      w->args_.emplace(std::forward<Vs>(vs)...);
      w->lock_.lock();
      w->completed_ = true;
      (w->cancelling_ ? w->after_cancel_ : w->done_).signal();
      w->lock_.unlock();
    }

   private:
    Fiber_wait* w_;
  };

  template <class Init, class... InitArgs>
  Result run(Init&& init, InitArgs&&... init_args) {
    require_fiber("eio::asio::use_fiber");
    eio::detail::check_cancelled();
    std::forward<Init>(init)(Handler(this), std::forward<InitArgs>(init_args)...);
    bool cancelled = !done_.await_unless_cancelled();
    if (cancelled) {
      lock_.lock();
      bool in_flight = !completed_;
      cancelling_ = in_flight;
      lock_.unlock();
      // Terminal cancellation, then wait: the operation may still use the caller's buffers.
      if (in_flight) {
        signal_.emit(boost::asio::cancellation_type::terminal);
        after_cancel_.await_uncancellable();
      }
    }
    lock_.lock();  // the handler has let go of this frame
    lock_.unlock();
    std::tuple<Args...>& args = *args_;
    if constexpr (Outcome<Args...>::has_status) {
      raise(std::get<0>(args), cancelled);
      return take_rest(std::move(args), std::make_index_sequence<sizeof...(Args) - 1>{});
    } else {
      if (cancelled) eio::detail::throw_cancelled();
      return Outcome<Args...>::take(std::move(args));
    }
  }

 private:
  template <std::size_t... I>
  static Result take_rest(std::tuple<Args...>&& t, std::index_sequence<I...>) {
    return Outcome<Args...>::take(std::tuple<std::tuple_element_t<I + 1, std::tuple<Args...>>...>(
        std::get<I + 1>(std::move(t))...));
  }

  std::optional<std::tuple<Args...>> args_;
  boost::asio::cancellation_signal signal_;
  eio::detail::Spinlock lock_;
  bool completed_ = false;
  bool cancelling_ = false;
  Trigger done_;
  Trigger after_cancel_;
};

}  // namespace eio::asio::detail

namespace boost::asio {
template <class R, class... Args>
class async_result<eio::asio::Use_fiber_t, R(Args...)> {
 public:
  using return_type = typename eio::asio::detail::Fiber_wait<std::decay_t<Args>...>::Result;
  template <class Init, class... InitArgs>
  static return_type initiate(Init&& init, eio::asio::Use_fiber_t, InitArgs&&... args) {
    eio::asio::detail::Fiber_wait<std::decay_t<Args>...> wait;
    return wait.run(std::forward<Init>(init), std::forward<InitArgs>(args)...);
  }
};
}  // namespace boost::asio
