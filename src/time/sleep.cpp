#include "time/sleep.hpp"

#include <time.h>

#include <cerrno>

#include "core/scheduler.hpp"
#include "core/timer_heap.hpp"
#include "eio/detail/cancel_point.hpp"
#include "eio/trigger.hpp"

namespace eio::detail {
namespace {

struct Sleeper : Timer {
  Trigger trigger;
};

void sleep_thread_until(std::int64_t deadline_ns) {
  timespec ts{static_cast<time_t>(deadline_ns / 1'000'000'000),
              static_cast<long>(deadline_ns % 1'000'000'000)};
  while (::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
  }
}

}  // namespace

void sleep_until_mono_ns(std::int64_t deadline_ns) {
  Scheduler* s = Scheduler::current();
  if (s == nullptr) {
    sleep_thread_until(deadline_ns);
    return;
  }
  check_cancelled();
  Sleeper sleeper;
  sleeper.deadline_ns = deadline_ns;
  sleeper.fire = [](Timer* t) noexcept { static_cast<Sleeper*>(t)->trigger.signal(); };
  s->timers().add(sleeper);
  bool woken = sleeper.trigger.await_unless_cancelled();
  if (sleeper.queued()) s->timers().remove(sleeper);
  if (!woken) throw_cancelled();
}

}  // namespace eio::detail
