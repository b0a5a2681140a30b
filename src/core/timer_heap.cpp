#include "core/timer_heap.hpp"

#include <time.h>

namespace eio::detail {

std::int64_t mono_now_ns() noexcept {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

void Timer_heap::add(Timer& t) {
  t.seq = next_seq_++;
  heap_.push_back(&t);
  auto i = static_cast<std::uint32_t>(heap_.size() - 1);
  t.index = i;
  sift_up(i);
}

void Timer_heap::remove(Timer& t) noexcept {
  std::uint32_t i = t.index;
  t.index = Timer::kNotQueued;
  Timer* last = heap_.back();
  heap_.pop_back();
  if (last == &t) return;
  place(last, i);
  sift_up(i);
  sift_down(last->index);
}

std::size_t Timer_heap::fire_due(std::int64_t now_ns) noexcept {
  std::size_t fired = 0;
  while (!heap_.empty() && heap_.front()->deadline_ns <= now_ns) {
    Timer* t = heap_.front();
    remove(*t);
    t->fire(t);
    ++fired;
  }
  return fired;
}

void Timer_heap::sift_up(std::uint32_t i) noexcept {
  Timer* t = heap_[i];
  while (i > 0) {
    std::uint32_t parent = (i - 1) / 2;
    if (!before(t, heap_[parent])) break;
    place(heap_[parent], i);
    i = parent;
  }
  place(t, i);
}

void Timer_heap::sift_down(std::uint32_t i) noexcept {
  Timer* t = heap_[i];
  auto n = static_cast<std::uint32_t>(heap_.size());
  for (;;) {
    std::uint32_t child = 2 * i + 1;
    if (child >= n) break;
    if (child + 1 < n && before(heap_[child + 1], heap_[child])) ++child;
    if (!before(heap_[child], t)) break;
    place(heap_[child], i);
    i = child;
  }
  place(t, i);
}

}  // namespace eio::detail
