#pragma once
// A fiber or thread queued on a synchronisation type, living in the waiter's own frame.
//
// The protocol every eio sync type follows: the waiter links itself under the type's lock,
// unlocks, and awaits its Trigger. The waker unlinks it, hands over whatever it is owed
// (an item, the lock, a permit) and signals it, all while holding the lock. A waiter whose
// wait was cancelled takes the lock and looks: still linked means nothing was handed over,
// so it unlinks itself and raises Cancelled; unlinked means the hand-over happened, and it
// returns the result normally. Signalling under the lock matters: the waiter cannot leave
// (and free its frame) until it has taken the lock itself.

#include "eio/detail/cancel_point.hpp"
#include "eio/detail/intrusive_list.hpp"
#include "eio/detail/spinlock.hpp"
#include "eio/trigger.hpp"

namespace eio::detail {

struct Waiter : List_node<> {
  Trigger trigger;
};

// An operation in a cancelled context must have no effect, so blocking operations check
// before queueing. Called with `lock` held; releases it if it throws.
inline void check_cancelled_before_queueing(Spinlock& lock) {
  try {
    check_cancelled();
  } catch (...) {
    lock.unlock();
    throw;
  }
}

// Waits for `w` (linked under `lock`, which the caller has released). Returns normally if
// the hand-over happened; throws eio::Cancelled otherwise.
template <class W>
void await_hand_over(Spinlock& lock, W& w) {
  if (w.trigger.await_unless_cancelled()) return;
  lock.lock();
  bool abandoned = w.is_linked();
  if (abandoned) w.unlink();
  lock.unlock();
  if (abandoned) throw_cancelled();
}

}  // namespace eio::detail
