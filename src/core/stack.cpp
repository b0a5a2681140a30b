#include "core/stack.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <system_error>
#include <vector>

#include "core/context_switch.hpp"

namespace eio::detail {
namespace {

constexpr std::size_t kPage = 4096;
constexpr std::size_t kStacksPerSlab = 64;
// Cached stacks above this count go back to the kernel (guarded) or are decommitted
// (slab pieces), so an idle domain does not keep a burst's worth of memory.
constexpr std::size_t kMaxCached = 1024;

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr std::size_t kSanitizerFactor = 4;
#else
constexpr std::size_t kSanitizerFactor = 1;
#endif

std::size_t round_to_page(std::size_t n) {
  return (n + kPage - 1) & ~(kPage - 1);
}

[[noreturn]] void throw_errno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

// How many guarded stacks the process may hold at once: a quarter of vm.max_map_count
// (each costs two mappings), leaving the rest for the heap, libraries and slabs.
// EIO_GUARDED_STACKS overrides it.
std::size_t guarded_budget() {
  if (const char* s = std::getenv("EIO_GUARDED_STACKS")) return std::strtoull(s, nullptr, 10);
  std::size_t max_maps = 65530;
  std::ifstream f("/proc/sys/vm/max_map_count");
  f >> max_maps;
  return max_maps / 4;
}

std::atomic<std::size_t> guarded_in_use{0};

char* map_or_throw(std::size_t bytes) {
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
  if (p == MAP_FAILED) throw_errno("mmap of a fiber stack");
  return static_cast<char*>(p);
}

Stack map_guarded(std::size_t size) {
  char* base = map_or_throw(size + kPage);
  if (::mprotect(base, kPage, PROT_NONE) != 0) {
    int err = errno;
    ::munmap(base, size + kPage);
    errno = err;
    throw_errno("mprotect of a fiber stack guard page");
  }
  Stack s{base + kPage, size, Stack::Kind::guarded, false};
  annotate_stack_created(s);
  return s;
}

// Slab pieces are shared by all domains of the process once released by one.
struct Slab_depot {
  std::mutex lock;
  std::size_t piece_size = 0;
  char* next = nullptr;  // unused part of the newest slab
  std::size_t left = 0;
  std::vector<Stack> returned;  // pieces given back by finished domains

  Stack carve(std::size_t size) {
    std::scoped_lock guard(lock);
    if (!returned.empty()) {
      Stack s = returned.back();
      returned.pop_back();
      return s;
    }
    if (left == 0 || piece_size != size) {
      next = map_or_throw(size * kStacksPerSlab);
      left = kStacksPerSlab;
      piece_size = size;
    }
    Stack s{next, size, Stack::Kind::canary, true};
    next += size;
    --left;
    annotate_stack_created(s);
    return s;
  }

  void give_back(Stack s) {
    ::madvise(s.limit, s.size, MADV_DONTNEED);
    std::scoped_lock guard(lock);
    returned.push_back(s);
  }
};
Slab_depot slab_depot;

void unmap(const Stack& s) noexcept {
  annotate_stack_destroyed(s);
  if (s.kind == Stack::Kind::guarded) {
    ::munmap(s.limit - kPage, s.size + kPage);
    guarded_in_use.fetch_sub(1, std::memory_order_relaxed);
  } else {
    ::munmap(s.limit, s.size);
  }
}

void arm_canary(Stack& s) {
  std::memcpy(s.limit, &kStackCanary, sizeof kStackCanary);
}

}  // namespace

bool Stack::canary_intact() const noexcept {
  std::uint64_t v;
  std::memcpy(&v, limit, sizeof v);
  return v == kStackCanary;
}

std::size_t default_stack_size() noexcept {
  return 256 * 1024 * kSanitizerFactor;
}

struct Stack_pool::Free_stack {
  Stack stack;
  Free_stack* next;
};

Stack_pool::~Stack_pool() {
  for (Free_stack** list : {&guarded_, &canary_}) {
    while (Free_stack* f = *list) {
      *list = f->next;
      Stack s = f->stack;
      // Slab pieces stay mapped (their neighbours may be in use by other domains) and go
      // back to the depot for the next domain.
      if (s.from_slab) {
        slab_depot.give_back(s);
      } else {
        unmap(s);
      }
    }
  }
}

Stack Stack_pool::acquire(std::size_t size) {
  std::size_t want = size == 0 ? default_stack_size() : round_to_page(size * kSanitizerFactor);
  // Cached stacks are all of the default size; custom sizes are mapped afresh.
  if (want == default_stack_size()) {
    for (Free_stack** list : {&guarded_, &canary_}) {
      if (Free_stack* f = *list) {
        *list = f->next;
        --cached_;
        Stack s = f->stack;
        if (s.kind == Stack::Kind::canary) arm_canary(s);
        return s;
      }
    }
  }
  static const std::size_t budget = guarded_budget();
  if (guarded_in_use.fetch_add(1, std::memory_order_relaxed) < budget) {
    try {
      return map_guarded(want);
    } catch (...) {
      guarded_in_use.fetch_sub(1, std::memory_order_relaxed);
      throw;
    }
  }
  guarded_in_use.fetch_sub(1, std::memory_order_relaxed);
  Stack s;
  if (want == default_stack_size()) {
    s = slab_depot.carve(want);
  } else {
    s = Stack{map_or_throw(want), want, Stack::Kind::canary, false};
    annotate_stack_created(s);
  }
  arm_canary(s);
  return s;
}

void Stack_pool::release(Stack s) noexcept {
  if (s.size == default_stack_size()) {
    if (cached_ >= kMaxCached && s.from_slab) {
      // Keep the address space (slab pieces cannot be unmapped alone) but not the memory.
      ::madvise(s.limit, s.size, MADV_DONTNEED);
    }
    if (cached_ < kMaxCached || s.from_slab) {
      auto* f = reinterpret_cast<Free_stack*>(s.top() - sizeof(Free_stack));
      f->stack = s;
      Free_stack*& list = s.kind == Stack::Kind::guarded ? guarded_ : canary_;
      f->next = list;
      list = f;
      ++cached_;
      return;
    }
  }
  unmap(s);
}

}  // namespace eio::detail
