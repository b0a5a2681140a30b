#pragma once
// A circular doubly linked list threaded through nodes embedded in the elements. Waiter
// nodes live on the waiting fiber's stack, so queueing one never allocates, and a cancelled
// waiter unlinks itself in O(1). An element that sits in several lists derives from one
// List_node<Tag> per list.

#include <cstddef>

namespace eio::detail {

template <class Tag = void>
struct List_node {
  List_node* prev = this;
  List_node* next = this;

  List_node() = default;
  List_node(const List_node&) = delete;
  List_node& operator=(const List_node&) = delete;

  bool is_linked() const noexcept { return next != this; }
  void unlink() noexcept {
    prev->next = next;
    next->prev = prev;
    prev = next = this;
  }
};

template <class T, class Tag = void>
class Intrusive_list {
  using Node = List_node<Tag>;

 public:
  Intrusive_list() = default;
  Intrusive_list(const Intrusive_list&) = delete;
  Intrusive_list& operator=(const Intrusive_list&) = delete;

  bool empty() const noexcept { return !head_.is_linked(); }
  void push_back(T& item) noexcept { insert_before(head_, node(item)); }
  void push_front(T& item) noexcept { insert_before(*head_.next, node(item)); }
  T& front() noexcept { return elem(head_.next); }
  T& back() noexcept { return elem(head_.prev); }
  T* pop_back() noexcept {
    if (empty()) return nullptr;
    T& item = back();
    node(item).unlink();
    return &item;
  }
  T* pop_front() noexcept {
    if (empty()) return nullptr;
    T& item = front();
    node(item).unlink();
    return &item;
  }
  static bool is_linked(T& item) noexcept { return node(item).is_linked(); }
  static void remove(T& item) noexcept { node(item).unlink(); }
  std::size_t size() const noexcept {
    std::size_t n = 0;
    for (auto* h = head_.next; h != &head_; h = h->next) ++n;
    return n;
  }

  // Calls fn on each element in order; fn may unlink the element it is given.
  template <class Fn>
  void for_each(Fn&& fn) {
    for (Node* h = head_.next; h != &head_;) {
      Node* next = h->next;
      fn(elem(h));
      h = next;
    }
  }

 private:
  static Node& node(T& item) noexcept { return static_cast<Node&>(item); }
  static T& elem(Node* n) noexcept { return static_cast<T&>(*n); }
  static void insert_before(Node& pos, Node& n) noexcept {
    n.prev = pos.prev;
    n.next = &pos;
    pos.prev->next = &n;
    pos.prev = &n;
  }

  Node head_;
};

}  // namespace eio::detail
