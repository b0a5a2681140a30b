#pragma once
// Fiber stacks. A stack is address space reserved with MAP_NORESERVE, so only the pages a
// fiber touches cost memory. While the process-wide budget of guarded stacks lasts, each
// stack has a PROT_NONE guard page below it (a hit is reported by overflow_handler.cpp).
// Each guarded stack costs two kernel mappings and vm.max_map_count bounds them, so past
// the budget stacks are carved from slabs of many stacks in one mapping, with a canary at
// the bottom that the scheduler checks at every switch.

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace eio::detail {

// Written at the bottom of canary stacks; a fiber that ran over it overflowed.
inline constexpr std::uint64_t kStackCanary = 0x6569'6f5f'6361'6e79;  // "eio_cany"

struct Stack {
  enum class Kind : std::uint8_t { guarded, canary };

  char* limit = nullptr;  // lowest usable byte
  std::size_t size = 0;   // usable bytes; the stack grows down from limit + size
  Kind kind = Kind::guarded;
  bool from_slab = false;  // carved from a slab: never unmapped on its own

  char* top() const noexcept { return limit + size; }
  bool canary_intact() const noexcept {
    std::uint64_t v;
    std::memcpy(&v, limit, sizeof v);
    return v == kStackCanary;
  }
};

// Default usable size of a fiber stack, in bytes of address space (only touched pages are
// committed). Sanitizer builds multiply it, as their frames are several times larger.
std::size_t default_stack_size() noexcept;

// Per-domain cache of stacks, so that forking a fiber usually costs no system call.
// Not thread-safe: each scheduler owns one.
class Stack_pool {
 public:
  Stack_pool() = default;
  Stack_pool(const Stack_pool&) = delete;
  Stack_pool& operator=(const Stack_pool&) = delete;
  ~Stack_pool();

  // Returns a stack of at least `size` usable bytes (0 = default). Throws std::system_error
  // when the kernel refuses the memory.
  Stack acquire(std::size_t size);
  void release(Stack stack) noexcept;
  // Gives back up to `max_released` cached stacks beyond a small reserve; called when the
  // domain is about to sleep, so that a burst of fibers does not pin its memory for good.
  void trim(std::size_t max_released) noexcept;

 private:
  struct Free_stack;  // a node written at the top of a cached stack
  Free_stack* guarded_ = nullptr;
  Free_stack* canary_ = nullptr;
  std::size_t cached_ = 0;
};

}  // namespace eio::detail
