// `make run`: fibers, switches, cancellation and timeouts at work.
//
// Two workers share a switch; when one fails, the other is cancelled at its next blocking
// call and the switch reports the failure. Then a slow call is cut short by a timeout.

#include <cstdio>
#include <stdexcept>

#include "eio/eio.hpp"

using namespace std::chrono_literals;

int main() {
  return eio::run([](eio::Env& env) {
    auto& clock = env.mono_clock();
    std::printf("backend: %s\n", std::string(eio::backend_name()).c_str());

    try {
      eio::Switch::run([&](eio::Switch& sw) {
        eio::fiber::fork(sw, [&] {
          for (int i = 1;; ++i) {
            std::printf("worker A: tick %d\n", i);
            eio::time::sleep(clock, 10ms);
          }
        });
        eio::fiber::fork(sw, [&] {
          eio::time::sleep(clock, 25ms);
          std::printf("worker B: giving up\n");
          throw std::runtime_error("worker B failed");
        });
      });
    } catch (const std::exception& e) {
      std::printf("switch failed: %s (worker A was cancelled)\n", e.what());
    }

    auto answer = eio::time::with_timeout(clock, 20ms, [&] {
      eio::time::sleep(clock, 1s);
      return 42;
    });
    std::printf("slow call: %s\n", answer ? "finished" : "timed out after 20ms");

    auto [a, b] = eio::fiber::pair([] { return 6; }, [] { return 7; });
    std::printf("pair: %d * %d = %d\n", a, b, a * b);
    return 0;
  });
}
