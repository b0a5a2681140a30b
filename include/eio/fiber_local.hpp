#pragma once
// Fiber-local storage (SPEC §2): values bound for the duration of a call, seen by the
// fiber and by the fibers it forks (not by other domains).

#include <optional>
#include <type_traits>
#include <utility>

#include "eio/detail/binding.hpp"
#include "eio/detail/result_slot.hpp"

namespace eio::fiber {

/// Identifies a fiber-local value of type T; the key object's address is its identity.
///
///     static eio::fiber::Key<std::string> request_id;
///     eio::fiber::with_binding(request_id, std::string("r-17"), [&] { handle(); });
///     // inside handle(), and in fibers it forks: eio::fiber::get(request_id) == "r-17"
template <class T>
class Key {
 public:
  Key() = default;
  Key(const Key&) = delete;
  Key& operator=(const Key&) = delete;
};

namespace detail_ {
template <class T>
struct Binding_of final : eio::detail::Binding_node {
  T stored;
  Binding_of(const void* key, eio::detail::Binding_node* parent, T v)
      : Binding_node(key, parent, nullptr), stored(std::move(v)) {
    value = &stored;
  }
};

// Installs `node` for the duration of fn, then restores the previous bindings.
template <class F>
auto with_node(eio::detail::Binding_node* node, F& fn) -> std::invoke_result_t<F&> {
  eio::detail::retain(node->parent);
  eio::detail::Binding_node* previous = eio::detail::exchange_bindings(node);
  struct Restore {
    eio::detail::Binding_node* previous;
    ~Restore() { eio::detail::release(eio::detail::exchange_bindings(previous)); }
  } restore{previous};
  return fn();
}
}  // namespace detail_

/// Runs `fn()` with `key` bound to `value` in the calling fiber (and fibers it forks
/// meanwhile, which keep the binding for their whole life), then restores the previous
/// binding. Returns what `fn` returns. Not a cancellation point.
template <class T, class F>
auto with_binding(const Key<T>& key, T value, F&& fn) -> std::invoke_result_t<F&> {
  auto* node = new detail_::Binding_of<T>(&key, eio::detail::current_bindings(), std::move(value));
  return detail_::with_node(node, fn);
}

/// Runs `fn()` with `key` unbound.
template <class T, class F>
auto without_binding(const Key<T>& key, F&& fn) -> std::invoke_result_t<F&> {
  auto* node = new eio::detail::Binding_node(&key, eio::detail::current_bindings(), nullptr);
  return detail_::with_node(node, fn);
}

/// The value bound to `key` in the calling fiber, or nullopt.
template <class T>
std::optional<T> get(const Key<T>& key) {
  for (auto* n = eio::detail::current_bindings(); n != nullptr; n = n->parent) {
    if (n->key == &key) {
      if (n->value == nullptr) return std::nullopt;
      return *static_cast<const T*>(n->value);
    }
  }
  return std::nullopt;
}

}  // namespace eio::fiber
