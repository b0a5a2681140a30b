// The timer heap: a million pending timers, fired in (deadline, insertion) order, with
// removals in the middle (cancelled sleeps) costing O(log n) and leaving no tombstones.

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "core/timer_heap.hpp"

namespace eio::test {
namespace {

struct Recorded : eio::detail::Timer {
  int id = 0;
  std::vector<int>* fired = nullptr;
};

TEST(TimerHeap, MillionTimersFireInDeadlineOrderAfterRandomRemovals) {
  constexpr int kTimers = 1'000'000;
  std::vector<Recorded> timers(kTimers);
  std::vector<int> fired;
  fired.reserve(kTimers);
  std::mt19937 rng(42);
  std::uniform_int_distribution<std::int64_t> deadline(0, 50'000);  // many equal deadlines
  eio::detail::Timer_heap heap;
  for (int i = 0; i < kTimers; ++i) {
    timers[i].id = i;
    timers[i].fired = &fired;
    timers[i].deadline_ns = deadline(rng);
    timers[i].fire = [](eio::detail::Timer* t) noexcept {
      auto* r = static_cast<Recorded*>(t);
      r->fired->push_back(r->id);
    };
    heap.add(timers[i]);
  }
  // Cancel every third timer, in a scattered order.
  std::vector<int> cancelled;
  for (int i = 0; i < kTimers; i += 3) cancelled.push_back(i);
  std::shuffle(cancelled.begin(), cancelled.end(), rng);
  for (int i : cancelled) heap.remove(timers[i]);
  EXPECT_EQ(heap.size(), static_cast<std::size_t>(kTimers) - cancelled.size());

  // Fire in two steps, as a loop waking twice would.
  EXPECT_GT(heap.fire_due(25'000), 0u);
  heap.fire_due(50'000);
  EXPECT_TRUE(heap.empty());

  std::vector<int> expected;
  for (int i = 0; i < kTimers; ++i) {
    if (i % 3 != 0) expected.push_back(i);
  }
  std::stable_sort(expected.begin(), expected.end(),
                   [&](int a, int b) { return timers[a].deadline_ns < timers[b].deadline_ns; });
  EXPECT_EQ(fired, expected);
  EXPECT_EQ(
      std::count_if(timers.begin(), timers.end(), [](const Recorded& t) { return t.queued(); }), 0);
}

}  // namespace
}  // namespace eio::test
