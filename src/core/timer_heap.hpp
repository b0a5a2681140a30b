#pragma once
// Pending timers of one domain, in a binary min-heap ordered by (deadline, sequence). Each
// timer records its index so that a cancelled sleep removes its timer in O(log n): a
// million pending timers cost a million pointers, and no tombstones pile up when
// `with_timeout` calls finish early.

#include <cstdint>
#include <vector>

namespace eio::detail {

struct Timer {
  static constexpr std::uint32_t kNotQueued = UINT32_MAX;

  std::int64_t deadline_ns = 0;  // on the monotonic clock
  std::uint64_t seq = 0;         // equal deadlines fire in insertion order
  std::uint32_t index = kNotQueued;
  void (*fire)(Timer*) noexcept = nullptr;

  bool queued() const noexcept { return index != kNotQueued; }
};

class Timer_heap {
 public:
  bool empty() const noexcept { return heap_.empty(); }
  std::size_t size() const noexcept { return heap_.size(); }
  std::int64_t next_deadline() const noexcept { return heap_.front()->deadline_ns; }

  void add(Timer& t);
  void remove(Timer& t) noexcept;
  // Fires every timer due at `now_ns`, in deadline order. Returns how many fired.
  std::size_t fire_due(std::int64_t now_ns) noexcept;

 private:
  static bool before(const Timer* a, const Timer* b) noexcept {
    return a->deadline_ns < b->deadline_ns || (a->deadline_ns == b->deadline_ns && a->seq < b->seq);
  }
  void place(Timer* t, std::uint32_t i) noexcept {
    heap_[i] = t;
    t->index = i;
  }
  void sift_up(std::uint32_t i) noexcept;
  void sift_down(std::uint32_t i) noexcept;

  std::vector<Timer*> heap_;
  std::uint64_t next_seq_ = 0;
};

// The monotonic clock the timers use, in nanoseconds (CLOCK_MONOTONIC, as steady_clock).
std::int64_t mono_now_ns() noexcept;

}  // namespace eio::detail
