// B10 fd read: each fiber reads /dev/zero through its own descriptor in 64 KiB chunks for
// 2 s; the figure is the total bytes per second (GB = 1e9 bytes), the median of 3 runs,
// with 1 and with 4 fibers on one domain. bench/dd_bench measures dd doing the same.

#include <fcntl.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "eio/eio.hpp"

namespace {

constexpr std::size_t kChunk = 64 * 1024;
constexpr double kSeconds = 2.0;

double read_zero_gbps(eio::Backend backend, int fibers) {
  return eio::run(
      [&](eio::Env&) {
        std::uint64_t bytes = 0;
        bool stop = false;
        auto t0 = bench::Clock::now();
        eio::Switch::run([&](eio::Switch& sw) {
          for (int i = 0; i < fibers; ++i) {
            eio::fiber::fork(sw, [&] {
              eio::os::Fd_source zero(eio::os::Fd(sw, ::open("/dev/zero", O_RDONLY | O_CLOEXEC)));
              auto buf = std::make_unique_for_overwrite<char[]>(kChunk);
              while (!stop) {
                bytes += zero.read_some(std::span(buf.get(), kChunk));
                if (bench::seconds_since(t0) >= kSeconds) stop = true;
              }
            });
          }
        });
        return static_cast<double>(bytes) / bench::seconds_since(t0) / 1e9;
      },
      bench::run_options(backend));
}

}  // namespace

int main(int argc, char** argv) {
  bench::Filter want(argc, argv);
  int reps = bench::reps(3);
  for (int fibers : {1, 4}) {
    for (const auto& impl : bench::eio_impls) {
      if (!want(impl.name)) continue;
      double gbps = bench::median_of(reps, [&] { return read_zero_gbps(impl.backend, fibers); });
      bench::print("B10.read", impl.name, "fibers=" + std::to_string(fibers), gbps, "GB_per_s");
    }
  }
  return 0;
}
