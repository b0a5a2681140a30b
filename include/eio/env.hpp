#pragma once
// eio::Env (SPEC §1): the capabilities a program starts with. Code gets only what it is
// handed: a function given a Clock& cannot open files.

#include "eio/domain_mgr.hpp"
#include "eio/time.hpp"

namespace eio {

/// The capabilities eio::run hands to the main function. Safe to share across domains;
/// valid until eio::run returns.
class Env {
 public:
  Env(const Env&) = delete;
  Env& operator=(const Env&) = delete;

  /// The wall clock.
  Clock& clock() noexcept { return *clock_; }
  /// The monotonic clock.
  Mono_clock& mono_clock() noexcept { return *mono_clock_; }
  /// Starts new domains (OS threads with their own event loop).
  Domain_mgr& domain_mgr() noexcept { return domain_mgr_; }

 private:
  friend struct detail::Env_access;
  Env(Clock& clock, Mono_clock& mono, Domain_mgr dm)
      : clock_(&clock), mono_clock_(&mono), domain_mgr_(dm) {}

  Clock* clock_;
  Mono_clock* mono_clock_;
  Domain_mgr domain_mgr_;
};

}  // namespace eio
