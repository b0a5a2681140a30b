// Fiber stacks: forking allocates nothing, overflows are reported naming the fiber, and a
// million fibers can be alive at once at the default vm.max_map_count.

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>

#include "core/scheduler.hpp"
#include "support/eio_test.hpp"

// Counts every global allocation made by this test binary. The replacements pair malloc
// with free; once inlined, g++ cannot see that and warns about new/free pairs.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
namespace {
std::atomic<long> allocations{0};
}

// Every unaligned form is replaced, so that each allocation and release pair up (the
// aligned forms are left to the library, which pairs them itself).
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n == 0 ? 1 : n);
}
void* operator new(std::size_t n) {
  if (void* p = operator new(n, std::nothrow)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
  return operator new(n);
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept {
  return operator new(n, t);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}

namespace eio::test {
namespace {

class Stack : public Backends {};
EIO_TEST_ON_BOTH_BACKENDS(Stack);

// The callable lives on the fiber's own stack and stacks are cached per domain, so 10,000
// forks (after a warm-up that fills the cache) make no heap allocation at all.
TEST_P(Stack, ForkAllocatesNothing) {
  long during = -1;
  run([&](Env&) {
    Switch::run([&](Switch& sw) {
      int done = 0;
      for (int i = 0; i < 10; ++i) fiber::fork(sw, [&] { ++done; });  // warm the cache
      long before = allocations.load();
      for (int i = 0; i < 10'000; ++i) fiber::fork(sw, [&done, i] { done += i > 0; });
      during = allocations.load() - before;
    });
  });
  EXPECT_EQ(during, 0);
}

// Also with fibers that block, so that many stacks are in use at once.
TEST_P(Stack, ForkOfBlockingFibersAllocatesNothingOnceWarm) {
  long during = -1;
  run([&](Env&) {
    auto spawn_wave = [&](Switch& sw) {
      for (int i = 0; i < 500; ++i) fiber::fork(sw, [] { fiber::yield(); });
    };
    Switch::run(spawn_wave);  // leaves 500 stacks in the cache
    Switch::run([&](Switch& sw) {
      long before = allocations.load();
      spawn_wave(sw);
      during = allocations.load() - before;
    });
  });
  EXPECT_EQ(during, 0);
}

[[gnu::noinline]] int recurse(int depth) {
  volatile char frame[512];
  std::memset(const_cast<char*>(frame), depth, sizeof frame);
  return depth == 0 ? frame[7] : recurse(depth - 1) + frame[3];
}

// Running off the end of a guarded stack hits its guard page; the handler, on the
// alternate signal stack, names the fiber instead of letting memory be corrupted.
TEST(StackDeathTest, StackOverflowNamesTheFiber) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  for (auto backend : {Backend::uring, Backend::posix}) {
    EXPECT_DEATH(eio::run(
                     [](Env&) {
                       Switch::run([](Switch& sw) {
                         fiber::fork(sw, [] { recurse(1'000'000); },
                                     {.name = "deep-recursion", .stack_size = 64 * 1024});
                       });
                     },
                     {.backend = backend}),
                 "stack overflow in fiber deep-recursion#[0-9]+ \\(hit the guard page\\)");
  }
}

// Past the budget of guarded stacks, stacks have a canary at the bottom instead, checked
// at every switch. Overwriting it (as an overflow would) is reported at the next switch.
TEST(StackDeathTest, CanaryOverwriteIsReportedAtNextSwitch) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        ::setenv("EIO_GUARDED_STACKS", "0", 1);  // read once, by this fresh process
        eio::run([](Env&) {
          Switch::run([](Switch& sw) {
            fiber::fork(sw,
                        [] {
                          eio::detail::Fiber* self = eio::detail::current_fiber();
                          ASSERT_EQ(self->stack.kind, eio::detail::Stack::Kind::canary);
                          std::memset(self->stack.limit, 0, 8);
                          fiber::yield();
                        },
                        {.name = "scribbler"});
          });
        });
      },
      "stack overflow in fiber scribbler#[0-9]+ \\(its stack canary was overwritten\\)");
}

}  // namespace
}  // namespace eio::test
