#pragma once
// The clocks env.clock() and env.mono_clock() hand out.

#include "eio/time.hpp"

namespace eio::detail {

class System_clock final : public Clock {
 public:
  time_point now() override;
  void sleep_until(time_point t) override;
};

class Steady_clock final : public Mono_clock {
 public:
  time_point now() override;
  void sleep_until(time_point t) override;
};

}  // namespace eio::detail
