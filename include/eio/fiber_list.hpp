#pragma once
// Concurrent list operations (SPEC §2): eio::fiber::list::map / iter / filter.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <type_traits>
#include <vector>

#include "eio/detail/function_ref.hpp"

namespace eio::fiber::list {

/// Options for the list operations: at most `max_fibers` items are processed at once.
struct Options {
  std::size_t max_fibers = SIZE_MAX;
};

namespace detail_ {
// Calls body(i) for i in [0, n), each in its own fiber, at most max_fibers at once.
void for_each_index(std::size_t n, std::size_t max_fibers,
                    eio::detail::Function_ref<void(std::size_t)> body);
}  // namespace detail_

/// Calls `fn(item)` for every item concurrently (each in its own fiber, at most
/// `opts.max_fibers` at once) and waits for all. If one fails, the others are cancelled,
/// those not started never start, and the error is rethrown. Throws std::invalid_argument
/// if max_fibers is 0.
template <class T, class F>
void iter(const std::vector<T>& items, F&& fn, const Options& opts = {}) {
  detail_::for_each_index(items.size(), opts.max_fibers, [&](std::size_t i) { fn(items[i]); });
}

/// Like iter, returning the results in the order of `items`.
template <class T, class F>
auto map(const std::vector<T>& items, F&& fn, const Options& opts = {})
    -> std::vector<std::invoke_result_t<F&, const T&>> {
  std::vector<std::optional<std::invoke_result_t<F&, const T&>>> slots(items.size());
  detail_::for_each_index(items.size(), opts.max_fibers,
                          [&](std::size_t i) { slots[i].emplace(fn(items[i])); });
  std::vector<std::invoke_result_t<F&, const T&>> out;
  out.reserve(items.size());
  for (auto& s : slots) out.push_back(std::move(*s));
  return out;
}

/// The items for which `pred(item)` (run concurrently, as in iter) returned true, in order.
template <class T, class F>
std::vector<T> filter(const std::vector<T>& items, F&& pred, const Options& opts = {}) {
  std::vector<char> keep(items.size(), 0);
  detail_::for_each_index(items.size(), opts.max_fibers,
                          [&](std::size_t i) { keep[i] = pred(items[i]) ? 1 : 0; });
  std::vector<T> out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (keep[i]) out.push_back(items[i]);
  }
  return out;
}

}  // namespace eio::fiber::list
