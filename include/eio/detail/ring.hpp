#pragma once
// A FIFO ring buffer that grows by doubling, for Stream's buffered items.

#include <cstddef>
#include <memory>
#include <new>
#include <utility>

namespace eio::detail {

template <class T>
class Ring {
 public:
  Ring() = default;
  Ring(const Ring&) = delete;
  Ring& operator=(const Ring&) = delete;
  ~Ring() {
    while (size_ > 0) pop();
    ::operator delete (slots_, std::align_val_t{alignof(T)});
  }

  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }

  void push(T&& v) {
    if (size_ == cap_) grow();
    ::new (slot((head_ + size_) & (cap_ - 1))) T(std::move(v));
    ++size_;
  }
  T pop() noexcept {
    T* p = slot(head_);
    T v = std::move(*p);
    p->~T();
    head_ = (head_ + 1) & (cap_ - 1);
    --size_;
    return v;
  }

 private:
  T* slot(std::size_t i) noexcept { return static_cast<T*>(slots_) + i; }
  void grow() {
    std::size_t cap = cap_ == 0 ? 4 : cap_ * 2;
    void* mem = ::operator new (cap * sizeof(T), std::align_val_t{alignof(T)});
    for (std::size_t i = 0; i < size_; ++i) {
      T* from = slot((head_ + i) & (cap_ - 1));
      ::new (static_cast<T*>(mem) + i) T(std::move(*from));
      from->~T();
    }
    ::operator delete (slots_, std::align_val_t{alignof(T)});
    slots_ = mem;
    cap_ = cap;
    head_ = 0;
  }

  void* slots_ = nullptr;
  std::size_t cap_ = 0;  // a power of two
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace eio::detail
