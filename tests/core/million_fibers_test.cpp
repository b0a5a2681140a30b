// A million fibers alive at once, at the default vm.max_map_count (65,530): guarded stacks
// cost two mappings each, so past a budget they come from slabs of many stacks per
// mapping. Release builds only (it needs a few GiB and a few seconds).

#include <fstream>
#include <string>

#include "support/eio_test.hpp"

namespace eio::test {
namespace {

class Million : public Backends {};
EIO_TEST_ON_BOTH_BACKENDS(Million);

std::size_t map_count() {
  std::ifstream maps("/proc/self/maps");
  std::size_t n = 0;
  for (std::string line; std::getline(maps, line);) ++n;
  return n;
}

TEST_P(Million, OneMillionLiveFibers) {
  constexpr int kFibers = 1'000'000;
  int started = 0, finished = 0;
  std::size_t maps_while_alive = 0;
  run([&](Env&) {
    auto [go, release] = Promise<void>::create();
    Switch::run([&](Switch& sw) {
      for (int i = 0; i < kFibers; ++i) {
        fiber::fork(sw, [&, p = go] {
          ++started;
          p.await();
          ++finished;
        });
      }
      EXPECT_EQ(started, kFibers);
      EXPECT_EQ(finished, 0);
      maps_while_alive = map_count();
      release.resolve();
    });
  });
  EXPECT_EQ(finished, kFibers);
  EXPECT_LT(maps_while_alive, 65'530u);
}

}  // namespace
}  // namespace eio::test
