#include <algorithm>
#include <stdexcept>

#include "eio/detail/cancel_point.hpp"
#include "eio/fiber.hpp"
#include "eio/mock/clock.hpp"

namespace eio::mock {
namespace detail {

std::int64_t Mock_time::now_ns() const {
  lock_.lock();
  std::int64_t t = now_;
  lock_.unlock();
  return t;
}

std::size_t Mock_time::sleepers() const {
  lock_.lock();
  std::size_t n = sleepers_.size();
  lock_.unlock();
  return n;
}

void Mock_time::sleep_until_ns(std::int64_t t) {
  eio::detail::check_cancelled();
  Trigger trigger;
  lock_.lock();
  if (t <= now_) {
    lock_.unlock();
    fiber::yield();  // as a real clock: a sleep always lets others run
    return;
  }
  sleepers_.push_back({t, next_seq_++, &trigger});
  lock_.unlock();
  if (trigger.await_unless_cancelled()) return;
  lock_.lock();
  auto it = std::find_if(sleepers_.begin(), sleepers_.end(),
                         [&](const Sleeper& s) { return s.trigger == &trigger; });
  if (it != sleepers_.end()) sleepers_.erase(it);
  lock_.unlock();
  eio::detail::throw_cancelled();
}

void Mock_time::set_time_ns(std::int64_t t) {
  lock_.lock();
  now_ = t;
  auto due = std::partition(sleepers_.begin(), sleepers_.end(),
                            [&](const Sleeper& s) { return s.deadline > t; });
  std::sort(due, sleepers_.end(), [](const Sleeper& a, const Sleeper& b) {
    return a.deadline < b.deadline || (a.deadline == b.deadline && a.seq < b.seq);
  });
  // Signalled under the lock: a cancelled sleeper cannot leave (and free its trigger)
  // before it has taken the lock to look for itself.
  for (auto it = due; it != sleepers_.end(); ++it) it->trigger->signal();
  sleepers_.erase(due, sleepers_.end());
  lock_.unlock();
}

void Mock_time::advance() {
  lock_.lock();
  if (sleepers_.empty()) {
    lock_.unlock();
    throw std::logic_error("eio::mock clock: advance() with no sleepers (no further events)");
  }
  std::int64_t next =
      std::min_element(sleepers_.begin(), sleepers_.end(), [](const Sleeper& a, const Sleeper& b) {
        return a.deadline < b.deadline;
      })->deadline;
  lock_.unlock();
  set_time_ns(next);
}

}  // namespace detail

namespace {
template <class TP>
std::int64_t to_ns(TP t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}
template <class TP>
TP from_ns(std::int64_t ns) {
  return TP(std::chrono::duration_cast<typename TP::duration>(std::chrono::nanoseconds(ns)));
}
}  // namespace

Clock::time_point Clock::now() {
  return from_ns<time_point>(time_.now_ns());
}
void Clock::sleep_until(time_point t) {
  time_.sleep_until_ns(to_ns(t));
}
void Clock::set_time(time_point t) {
  time_.set_time_ns(to_ns(t));
}
void Clock::advance() {
  time_.advance();
}

Mono_clock::time_point Mono_clock::now() {
  return from_ns<time_point>(time_.now_ns());
}
void Mono_clock::sleep_until(time_point t) {
  time_.sleep_until_ns(to_ns(t));
}
void Mono_clock::set_time(time_point t) {
  time_.set_time_ns(to_ns(t));
}
void Mono_clock::advance() {
  time_.advance();
}

}  // namespace eio::mock
