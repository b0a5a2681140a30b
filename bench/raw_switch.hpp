#pragma once
// The floor of B1 and B2: a raw Boost.Context fiber resumed back and forth with the main
// context, each resume() one switch (into the fiber or back out of it).

#include <boost/context/fiber.hpp>
#include <cstdint>

#include "bench_util.hpp"

namespace bench {

inline double raw_context_switch_ns(std::int64_t switches) {
  namespace ctx = boost::context;
  ctx::fiber f{[](ctx::fiber&& back) {
    for (;;) back = std::move(back).resume();
    return std::move(back);
  }};
  double ns = time_ns([&] {
    for (std::int64_t i = 0; i < switches / 2; ++i) f = std::move(f).resume();
  });
  // The fiber never finishes; ctx::fiber unwinds it when destroyed.
  return ns / static_cast<double>(switches);
}

}  // namespace bench
