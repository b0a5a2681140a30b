// A program for the gdb test: a breakpoint in deep_in_fiber() is hit on a fiber's stack,
// and `bt` must walk that stack down to the fiber's entry function.

#include <cstdio>

#include "eio/eio.hpp"

extern "C" [[gnu::noinline]] int deep_in_fiber(int x) {
  asm volatile("" ::: "memory");
  return x + 1;
}

[[gnu::noinline]] void fiber_entry_function(int& out) {
  out = deep_in_fiber(41);
}

int main() {
  int out = 0;
  eio::run([&](eio::Env&) {
    eio::Switch::run(
        [&](eio::Switch& sw) { eio::fiber::fork(sw, [&] { fiber_entry_function(out); }); });
  });
  std::printf("out = %d\n", out);
  return out == 42 ? 0 : 1;
}
