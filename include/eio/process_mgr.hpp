#pragma once
// The capability to start child processes (SPEC §1, env.process_mgr()); the functions
// that use it are in eio/process.hpp.

namespace eio::detail {
struct Env_access;
}

namespace eio::process {

/// The capability to start child processes: code that is not handed a Mgr cannot spawn.
/// Safe to share across domains.
class Mgr {
 public:
  Mgr(const Mgr&) = delete;
  Mgr& operator=(const Mgr&) = delete;

 private:
  friend struct eio::detail::Env_access;
  Mgr() = default;
};

}  // namespace eio::process
