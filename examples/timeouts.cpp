// Timeouts and the mock clock: a slow operation is cut short by with_timeout, and the same
// logic is tested deterministically by advancing a mock clock by hand.

#include <cstdio>

#include "eio/eio.hpp"

using namespace std::chrono_literals;

// Code under test takes its clock as a capability, so a test can hand it a mock.
std::optional<int> fetch_with_deadline(eio::Mono_clock& clock, std::chrono::milliseconds work) {
  return eio::time::with_timeout(clock, 100ms, [&] {
    eio::time::sleep(clock, work);  // stands for a slow request
    return 200;
  });
}

int main() {
  return eio::run([](eio::Env& env) {
    auto fast = fetch_with_deadline(env.mono_clock(), 1ms);
    std::printf("real clock, 1 ms of work: %s\n", fast ? "status 200" : "timed out");

    eio::mock::Mono_clock clock;
    std::optional<int> slow;
    eio::fiber::both([&] { slow = fetch_with_deadline(clock, 5s); },
                     [&] {
                       clock.advance();  // jumps to the first deadline: the 100 ms timeout
                     });
    std::printf("mock clock, 5 s of work: %s after %lld ms of mock time\n",
                slow ? "status 200" : "timed out",
                static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                           clock.now().time_since_epoch())
                                           .count()));
    return fast && !slow ? 0 : 1;
  });
}
