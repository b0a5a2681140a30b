#pragma once
// A non-owning reference to a callable, for code that runs the callable before returning
// (Switch::run, cancel::sub, ...). It lets those templates forward to compiled code
// without allocating a std::function.

#include <memory>
#include <type_traits>
#include <utility>

namespace eio::detail {

template <class Sig>
class Function_ref;

template <class R, class... Args>
class Function_ref<R(Args...)> {
 public:
  template <class F>
  requires(!std::is_same_v<std::remove_cvref_t<F>, Function_ref> &&
           std::is_invocable_r_v<R, F&, Args...>) Function_ref(F&& f)
  noexcept  // NOLINT: implicit by design, like std::function_ref
      : obj_(const_cast<void*>(static_cast<const void*>(std::addressof(f)))),
        call_([](void* obj, Args... args) -> R {
          return (*static_cast<std::remove_reference_t<F>*>(obj))(std::forward<Args>(args)...);
        }) {}

  R operator()(Args... args) const { return call_(obj_, std::forward<Args>(args)...); }

 private:
  void* obj_;
  R (*call_)(void*, Args...);
};

}  // namespace eio::detail
