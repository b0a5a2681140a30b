#pragma once
// A queue as another library might write it, knowing nothing of fibers or event loops:
// a lock-free bounded ring of items (Vyukov's MPMC queue) plus a list of parked consumers.
// It touches eio only through eio::Trigger, which is all it needs to block and wake eio
// fibers on any domain as well as plain threads (OCaml's domain-local-await, in C++).
//
//   Foreign_queue<int> q(1024);
//   q.push(42);             // any thread or fiber; never blocks (false when full)
//   int v = q.pop();        // a fiber suspends (cancellable), a plain thread blocks

#include <atomic>
#include <cstddef>
#include <memory>
#include <optional>
#include <vector>

#include "eio/cancel.hpp"
#include "eio/trigger.hpp"

template <class T>
class Foreign_queue {
 public:
  // `capacity` must be a power of two.
  explicit Foreign_queue(std::size_t capacity)
      : mask_(capacity - 1), cells_(std::make_unique<Cell[]>(capacity)) {
    for (std::size_t i = 0; i < capacity; ++i) cells_[i].seq.store(i, std::memory_order_relaxed);
  }

  // Adds `value`; false if the queue is full. Wakes one parked consumer.
  bool push(T value) {
    if (!try_push(std::move(value))) return false;
    wake_one();
    return true;
  }

  // Takes the oldest item, waiting for one if the queue is empty. In a fiber this is a
  // cancellation point (eio::Cancelled); a plain thread just blocks.
  T pop() {
    for (;;) {
      if (std::optional<T> v = try_pop()) return std::move(*v);
      Waiter w;
      park(w);
      // Re-check after parking: a push between the failed try_pop and park() woke nobody.
      if (std::optional<T> v = try_pop()) {
        if (!unpark(w)) wake_one();  // a producer's wake-up meant for us goes on
        return std::move(*v);
      }
      try {
        w.trigger.await();
      } catch (const eio::Cancelled&) {
        // If a producer already chose us, its wake-up must go to someone else.
        if (!unpark(w)) wake_one();
        throw;
      }
      unpark(w);  // returns once the producer is done signalling (it holds the lock)
    }
  }

  std::optional<T> try_pop() {
    std::size_t pos = head_.load(std::memory_order_relaxed);
    for (;;) {
      Cell& c = cells_[pos & mask_];
      // acquire: the producer's write of c.value happened before its release of c.seq.
      std::size_t seq = c.seq.load(std::memory_order_acquire);
      auto diff = static_cast<std::ptrdiff_t>(seq) - static_cast<std::ptrdiff_t>(pos + 1);
      if (diff == 0) {
        if (head_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
          T v = std::move(*c.value);
          c.value.reset();
          // release: our read of c.value happens before a producer reuses the cell.
          c.seq.store(pos + mask_ + 1, std::memory_order_release);
          return v;
        }
      } else if (diff < 0) {
        return std::nullopt;  // empty
      } else {
        pos = head_.load(std::memory_order_relaxed);
      }
    }
  }

 private:
  struct Cell {
    std::atomic<std::size_t> seq;
    std::optional<T> value;
  };
  struct Waiter {
    eio::Trigger trigger;
    bool parked = false;  // under lock_
  };

  bool try_push(T value) {
    std::size_t pos = tail_.load(std::memory_order_relaxed);
    for (;;) {
      Cell& c = cells_[pos & mask_];
      std::size_t seq = c.seq.load(std::memory_order_acquire);  // the consumer's release
      auto diff = static_cast<std::ptrdiff_t>(seq) - static_cast<std::ptrdiff_t>(pos);
      if (diff == 0) {
        if (tail_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
          c.value.emplace(std::move(value));
          c.seq.store(pos + 1, std::memory_order_release);  // publishes c.value
          return true;
        }
      } else if (diff < 0) {
        return false;  // full
      } else {
        pos = tail_.load(std::memory_order_relaxed);
      }
    }
  }

  // The parked list is short and touched only on the slow path: a spinlock suffices.
  void lock() {
    while (lock_.test_and_set(std::memory_order_acquire)) {
    }
  }
  void unlock() { lock_.clear(std::memory_order_release); }

  void park(Waiter& w) {
    lock();
    w.parked = true;
    parked_.push_back(&w);
    unlock();
  }

  // Removes `w` if still parked; false if a producer took it (and has signalled it, since
  // producers signal under the lock).
  bool unpark(Waiter& w) {
    lock();
    bool was = w.parked;
    if (was) {
      w.parked = false;
      std::erase(parked_, &w);
    }
    unlock();
    return was;
  }

  void wake_one() {
    lock();
    if (!parked_.empty()) {
      Waiter* w = parked_.front();
      parked_.erase(parked_.begin());
      w->parked = false;
      w->trigger.signal();  // under the lock: `w` cannot be gone yet
    }
    unlock();
  }

  const std::size_t mask_;
  std::unique_ptr<Cell[]> cells_;
  alignas(64) std::atomic<std::size_t> head_{0};
  alignas(64) std::atomic<std::size_t> tail_{0};
  std::atomic_flag lock_ = ATOMIC_FLAG_INIT;
  std::vector<Waiter*> parked_;  // under lock_, oldest first
};
