#pragma once
// eio::Stream (SPEC §3): a bounded FIFO queue between fibers and threads of any domain.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <utility>

#include "eio/detail/cancel_point.hpp"
#include "eio/detail/ring.hpp"
#include "eio/detail/spinlock.hpp"
#include "eio/detail/waiter.hpp"

namespace eio {

/// A queue of at most `capacity` items; capacity 0 makes every `add` wait for a `take`
/// (a rendezvous), and Stream<T>::unbounded never makes `add` wait.
///
///     eio::Stream<std::string> jobs(16);
///     eio::fiber::fork(sw, [&] { for (;;) handle(jobs.take()); });
///     jobs.add("first");
///
/// Safe to share across domains and plain threads (a plain thread blocks the thread).
/// Items are delivered in order, and waiters are served first come, first served. A
/// cancelled `add` or `take` never loses, duplicates or leaks an item: either it completed
/// (and returns normally) or it had no effect (and throws eio::Cancelled).
template <class T>
class Stream {
 public:
  static constexpr std::ptrdiff_t unbounded = PTRDIFF_MAX;

  /// Throws std::invalid_argument if `capacity` is negative.
  explicit Stream(std::ptrdiff_t capacity) : capacity_(checked(capacity)) {}
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  /// Adds `item`, waiting while the stream is full (always, for capacity 0, until a taker
  /// has it). A cancellation point: if cancelled while waiting, the item is not added.
  void add(T item) {
    lock_.lock();
    if (Taker* t = takers_.pop_front()) {
      t->item.emplace(std::move(item));
      t->trigger.signal();
      lock_.unlock();
      return;
    }
    if (items_.size() < capacity_) {
      items_.push(std::move(item));
      lock_.unlock();
      return;
    }
    Adder a;
    a.item = &item;
    enqueue_locked(adders_, a);
    detail::await_hand_over(lock_, a);
  }

  /// Removes and returns the oldest item, waiting while there is none. A cancellation
  /// point: if cancelled while waiting, no item is consumed.
  T take() {
    lock_.lock();
    if (std::optional<T> v = take_locked()) {
      lock_.unlock();
      return std::move(*v);
    }
    Taker t;
    enqueue_locked(takers_, t);
    detail::await_hand_over(lock_, t);
    return std::move(*t.item);
  }

  /// Removes and returns the oldest item if there is one, without waiting.
  std::optional<T> take_nonblocking() {
    lock_.lock();
    std::optional<T> v = take_locked();
    lock_.unlock();
    return v;
  }

  /// The number of buffered items (not counting adders still waiting).
  std::size_t length() const {
    lock_.lock();
    std::size_t n = items_.size();
    lock_.unlock();
    return n;
  }
  bool is_empty() const { return length() == 0; }

 private:
  struct Taker : detail::Waiter {
    std::optional<T> item;
  };
  struct Adder : detail::Waiter {
    T* item = nullptr;  // in the adder's frame, valid while it waits
  };

  static std::size_t checked(std::ptrdiff_t capacity) {
    if (capacity < 0) throw std::invalid_argument("eio::Stream: negative capacity");
    return static_cast<std::size_t>(capacity);
  }

  std::optional<T> take_locked() {
    if (!items_.empty()) {
      std::optional<T> v(items_.pop());
      if (Adder* a = adders_.pop_front()) {
        items_.push(std::move(*a->item));
        a->trigger.signal();
      }
      return v;
    }
    if (Adder* a = adders_.pop_front()) {  // capacity 0: straight from the adder
      std::optional<T> v(std::move(*a->item));
      a->trigger.signal();
      return v;
    }
    return std::nullopt;
  }

  template <class List, class W>
  void enqueue_locked(List& list, W& w) {
    detail::check_cancelled_before_queueing(lock_);
    list.push_back(w);
    lock_.unlock();
  }

  mutable detail::Spinlock lock_;
  std::size_t capacity_;
  detail::Ring<T> items_;
  detail::Intrusive_list<Taker> takers_;
  detail::Intrusive_list<Adder> adders_;
};

}  // namespace eio
