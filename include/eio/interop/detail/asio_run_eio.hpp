#pragma once
// eio::asio::run_eio's request: the function, the Asio handler, and the link between the
// handler's cancellation slot and the fiber's cancellation context.

#include <boost/asio/append.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/system/system_error.hpp>

#include <exception>
#include <type_traits>
#include <utility>

#include "eio/cancel.hpp"
#include "eio/detail/result_slot.hpp"
#include "eio/interop/detail/asio_loop.hpp"

namespace eio::asio::detail {

// Asio code understands operation_aborted; eio::Cancelled means nothing to it.
inline std::exception_ptr asio_aborted() {
  return std::make_exception_ptr(
      boost::system::system_error(boost::asio::error::operation_aborted, "eio::asio::run_eio"));
}

// The completion signature of run_eio(fn, token) for fn returning R.
template <class R>
struct Run_eio_signature {
  using type = void(std::exception_ptr, R);
};
template <>
struct Run_eio_signature<void> {
  using type = void(std::exception_ptr);
};

template <class Handler, class F>
class Run_eio final : public Request {
 public:
  using R = std::invoke_result_t<F&>;

  Run_eio(Loop& loop, Handler handler, F fn)
      : loop_(loop),
        handler_(std::move(handler)),
        fn_(std::move(fn)),
        work_(boost::asio::make_work_guard(handler_, loop.io().get_executor())) {
    auto slot = boost::asio::get_associated_cancellation_slot(handler_);
    if (slot.is_connected()) {
      slot.assign([this](boost::asio::cancellation_type type) {
        if (type == boost::asio::cancellation_type::none) return;
        cancel_requested_ = true;
        if (context_ != nullptr) context_->cancel(asio_aborted());
      });
    }
  }

  void run() noexcept override {
    eio::detail::Result_slot<R> result;
    std::exception_ptr error;
    try {
      eio::cancel::sub([&](eio::cancel::Context& cc) {
        context_ = &cc;
        if (cancel_requested_) cc.cancel(asio_aborted());
        result.run(fn_);
        context_ = nullptr;
      });
    } catch (const eio::Cancelled&) {
      error = asio_aborted();
    } catch (...) {
      error = std::current_exception();
    }
    context_ = nullptr;
    complete(error, result);
  }

  void abandon() noexcept override {
    eio::detail::Result_slot<R> none;
    complete(asio_aborted(), none);
  }

 private:
  // Hands the outcome to the handler through its executor, then frees the request.
  void complete(std::exception_ptr error, eio::detail::Result_slot<R>& result) noexcept {
    auto slot = boost::asio::get_associated_cancellation_slot(handler_);
    if (slot.is_connected()) slot.clear();
    auto ex = boost::asio::get_associated_executor(handler_, loop_.io().get_executor());
    try {
      if constexpr (std::is_void_v<R>) {
        boost::asio::post(ex, boost::asio::append(std::move(handler_), error));
      } else if (result.has_value()) {
        boost::asio::post(ex, boost::asio::append(std::move(handler_), error, result.take()));
      } else {
        boost::asio::post(ex, boost::asio::append(std::move(handler_), error, R{}));
      }
    } catch (...) {
      // post() allocates; with no memory left the handler cannot be told. Nothing better
      // than dropping it (and its work guard) is possible here.
    }
    delete this;
  }

  Loop& loop_;
  Handler handler_;
  F fn_;
  decltype(boost::asio::make_work_guard(
      std::declval<Handler&>(), std::declval<boost::asio::io_context::executor_type>())) work_;
  eio::cancel::Context* context_ = nullptr;
  bool cancel_requested_ = false;
};

struct Initiate_run_eio {
  template <class Handler, class F>
  void operator()(Handler&& handler, F&& fn) const {
    Loop& loop = Loop::current();
    auto* request = new Run_eio<std::decay_t<Handler>, std::decay_t<F>>(loop, std::move(handler),
                                                                        std::move(fn));
    loop.submit(*request);
  }
};

}  // namespace eio::asio::detail
