#include "core/stack.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
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
constexpr std::size_t kCanaryZone = 64;  // room above a slab piece for the next one's canary
// A domain keeps every stack its fibers release, so that a burst of forks costs system
// calls only the first time; trim() gives back what exceeds this when the domain is idle.
constexpr std::size_t kKeepWhenIdle = 1024;

#if defined(EIO_SANITIZE_ADDRESS) || defined(EIO_SANITIZE_THREAD)
constexpr std::size_t kSanitizerFactor = 4;
#else
constexpr std::size_t kSanitizerFactor = 1;
#endif

std::size_t round_to_page(std::size_t n) {
  return (n + kPage - 1) & ~(kPage - 1);
}
char* page_down(char* p) {
  return reinterpret_cast<char*>(reinterpret_cast<std::uintptr_t>(p) & ~(kPage - 1));
}
char* page_up(char* p) {
  return page_down(p + kPage - 1);
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

// Commits the page holding `addr` now. A fresh fiber touches its top page at once, and a
// page fault costs far more than this system call (about 20 us against 3 us in the VMs
// measured here; still a gain on bare metal). Kernels before 5.14 lack the flag: then
// the page faults in as usual.
void populate(char* addr) noexcept {
  auto page = reinterpret_cast<std::uintptr_t>(addr) & ~(kPage - 1);
  ::madvise(reinterpret_cast<void*>(page), kPage, MADV_POPULATE_WRITE);
}

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
  populate(s.top() - 1);
  annotate_stack_created(s);
  return s;
}

// Carves canary stacks out of slabs: one mapping holds kStacksPerSlab stacks. Each
// piece's canary sits in the top page of the piece below it (the page that fiber touches
// anyway), so a canary costs no page of its own; the slab's first page holds the first
// piece's canary.
//
//   | canary page | piece 0 ........ top0 | piece 1 ........ top1 | ...
//             limit0 ^               limit1 ^ (= top0, kCanaryZone below a page boundary)
struct Slab_carver {
  std::mutex lock;
  std::size_t piece_size = 0;
  char* next = nullptr;  // limit of the next piece to hand out
  std::size_t left = 0;

  // Pieces given back decommitted (a piece cannot be unmapped alone): reused before any
  // new slab is mapped, so that bursts of fibers do not pile up mappings.
  std::vector<Stack> decommitted;

  void give_back(const Stack& s) {
    std::scoped_lock guard(lock);
    decommitted.push_back(s);
  }

  Stack carve(std::size_t size) {
    std::scoped_lock guard(lock);
    if (!decommitted.empty() && decommitted.back().size == size) {
      Stack s = decommitted.back();
      decommitted.pop_back();
      populate(s.top() - 1);
      return s;
    }
    if (left == 0 || piece_size != size) {
      char* base = map_or_throw(size * kStacksPerSlab + kPage);
      next = base + kPage - kCanaryZone;
      populate(next);
      left = kStacksPerSlab;
      piece_size = size;
    }
    Stack s{next, size, Stack::Kind::canary, true};
    populate(s.top() - 1);
    next += size;
    --left;
    annotate_stack_created(s);
    return s;
  }
};
Slab_carver slab_carver;

// Default-size stacks left over by finished domains, for the next domain: unmapping costs
// a TLB shootdown per stack, which is dear (~100 us in a VM), and programs and tests start
// domains over and over.
struct Depot {
  static constexpr std::size_t kCapacity = 4096;
  std::mutex lock;
  std::vector<Stack> stacks;

  bool take(Stack& out) {
    std::scoped_lock guard(lock);
    if (stacks.empty()) return false;
    out = stacks.back();
    stacks.pop_back();
    return true;
  }
  // Returns false if full (the caller disposes of the stack).
  bool put(const Stack& s) {
    std::scoped_lock guard(lock);
    if (stacks.size() >= kCapacity) return false;
    stacks.push_back(s);
    return true;
  }
};
Depot depot;

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

std::size_t default_stack_size() noexcept {
  return 256 * 1024 * kSanitizerFactor;
}

struct Stack_pool::Free_stack {
  Stack stack;
  Free_stack* next;
};

Stack_pool::~Stack_pool() {
  std::vector<Stack> leftover_slab_pieces;
  for (Free_stack** list : {&guarded_, &canary_}) {
    while (Free_stack* f = *list) {
      *list = f->next;
      Stack s = f->stack;
      if (depot.put(s)) continue;
      if (s.from_slab) {
        leftover_slab_pieces.push_back(s);
      } else {
        unmap(s);
      }
    }
  }
  // Slab pieces stay mapped (their neighbours may be in use): drop their memory, one
  // madvise per run of adjacent pieces. A run's pages hold only its own pieces and their
  // canaries, except the first (the top page of the piece below) and the last (which holds
  // the canary of the piece above): those two are kept, as those neighbours may be live.
  std::sort(leftover_slab_pieces.begin(), leftover_slab_pieces.end(),
            [](const Stack& a, const Stack& b) { return a.limit < b.limit; });
  for (std::size_t i = 0; i < leftover_slab_pieces.size();) {
    char* begin = page_up(leftover_slab_pieces[i].limit);
    char* end = leftover_slab_pieces[i].top();
    std::size_t first = i;
    for (++i; i < leftover_slab_pieces.size() && leftover_slab_pieces[i].limit == end; ++i) {
      end = leftover_slab_pieces[i].top();
    }
    end = page_down(end);
    if (end > begin) ::madvise(begin, static_cast<std::size_t>(end - begin), MADV_DONTNEED);
    for (std::size_t j = first; j < i; ++j) slab_carver.give_back(leftover_slab_pieces[j]);
  }
}

Stack Stack_pool::acquire(std::size_t size) {
  std::size_t want = size == 0 ? default_stack_size() : round_to_page(size * kSanitizerFactor);
  // Cached stacks are all of the default size; custom sizes are mapped afresh.
  if (want == default_stack_size()) {
    for (Free_stack** list : {&guarded_, &canary_}) {
      if (Free_stack* f = *list) {
        *list = f->next;
        Stack s = f->stack;
        --cached_;
        if (s.kind == Stack::Kind::canary) arm_canary(s);
        return s;
      }
    }
  }
  if (want == default_stack_size()) {
    Stack s;
    if (depot.take(s)) {
      if (s.kind == Stack::Kind::canary) arm_canary(s);
      return s;
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
    s = slab_carver.carve(want);
  } else {
    s = Stack{map_or_throw(want), want, Stack::Kind::canary, false};
    annotate_stack_created(s);
  }
  arm_canary(s);
  return s;
}

void Stack_pool::release(Stack s) noexcept {
  if (s.size != default_stack_size()) {
    unmap(s);
    return;
  }
  auto* f = reinterpret_cast<Free_stack*>(s.top() - sizeof(Free_stack));
  f->stack = s;
  Free_stack*& list = s.kind == Stack::Kind::guarded ? guarded_ : canary_;
  f->next = list;
  list = f;
  ++cached_;
}

// Only guarded stacks are trimmed while the domain runs: unmapping frees one whole. A slab
// piece's top page also holds the canary of the piece above, which may be live, so its
// memory can only be dropped with its neighbours', when the domain ends.
void Stack_pool::trim(std::size_t max_released) noexcept {
  for (; max_released > 0 && cached_ > kKeepWhenIdle && guarded_ != nullptr; --max_released) {
    Free_stack* f = guarded_;
    guarded_ = f->next;
    --cached_;
    unmap(f->stack);
  }
}

}  // namespace eio::detail
