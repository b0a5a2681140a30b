#pragma once
// Holds the value a callable returned, so that a template front end can run the callable
// through a Function_ref<void()> in compiled code and hand the value back afterwards.

#include <optional>
#include <type_traits>
#include <utility>

namespace eio::detail {

template <class R>
class Result_slot {
 public:
  template <class F, class... Args>
  void run(F&& f, Args&&... args) {
    value_.emplace(std::forward<F>(f)(std::forward<Args>(args)...));
  }
  bool has_value() const noexcept { return value_.has_value(); }
  R take() { return std::move(*value_); }

 private:
  std::optional<R> value_;
};

template <class R>
class Result_slot<R&> {
 public:
  template <class F, class... Args>
  void run(F&& f, Args&&... args) {
    value_ = &std::forward<F>(f)(std::forward<Args>(args)...);
  }
  bool has_value() const noexcept { return value_ != nullptr; }
  R& take() { return *value_; }

 private:
  R* value_ = nullptr;
};

template <>
class Result_slot<void> {
 public:
  template <class F, class... Args>
  void run(F&& f, Args&&... args) {
    std::forward<F>(f)(std::forward<Args>(args)...);
    done_ = true;
  }
  bool has_value() const noexcept { return done_; }
  void take() {}

 private:
  bool done_ = false;
};

}  // namespace eio::detail
