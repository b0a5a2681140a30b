#pragma once
// Work handed to a domain from other threads: wake-ups of its fibers and small tasks
// (cancel a context, ...). Any thread may push; only the owning scheduler drains.
//
// Protocol: a Treiber stack. push() links the node in front of the current head with a
// CAS (release, so the node's contents are visible to the drainer); drain() takes the
// whole list with one exchange (acquire) and reverses it, so items run in push order. No
// ABA problem arises because only the single consumer ever removes nodes, and it removes
// all of them at once.

#include <atomic>

namespace eio::detail {

struct Remote_node {
  Remote_node* next = nullptr;
  // Runs on the owning domain's thread, on whatever stack is current: it must not block
  // or switch fibers.
  void (*run)(Remote_node*) noexcept = nullptr;
};

class Remote_queue {
 public:
  // Returns true if the queue was empty before (informational).
  bool push(Remote_node* n) noexcept {
    Remote_node* head = head_.load(std::memory_order_relaxed);
    do {
      n->next = head;
      // seq_cst: pairs with the scheduler's store of its sleeping flag (see scheduler.cpp).
    } while (!head_.compare_exchange_weak(head, n, std::memory_order_seq_cst,
                                          std::memory_order_relaxed));
    return head == nullptr;
  }

  bool empty() const noexcept { return head_.load(std::memory_order_seq_cst) == nullptr; }

  // Runs every queued node in push order; returns whether there were any.
  bool drain() noexcept {
    if (head_.load(std::memory_order_relaxed) == nullptr) return false;
    Remote_node* n = head_.exchange(nullptr, std::memory_order_acquire);
    Remote_node* ordered = nullptr;
    while (n != nullptr) {
      Remote_node* next = n->next;
      n->next = ordered;
      ordered = n;
      n = next;
    }
    while (ordered != nullptr) {
      Remote_node* next = ordered->next;  // read first: run() may free the node
      ordered->run(ordered);
      ordered = next;
    }
    return true;
  }

 private:
  std::atomic<Remote_node*> head_{nullptr};
};

}  // namespace eio::detail
