#pragma once
// eio::Env (SPEC §1): the capabilities a program starts with. Code gets only what it is
// handed: a function given a Clock& cannot open files.

#include "eio/domain_mgr.hpp"
#include "eio/flow.hpp"
#include "eio/net/socket.hpp"
#include "eio/path.hpp"
#include "eio/process_mgr.hpp"
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
  /// The network: listening, connecting, resolving names (eio::net).
  net::Net& net() noexcept { return *net_; }
  /// The whole file system, unconfined: `env.fs() / "/etc/hosts"` (absolute paths from the
  /// root, relative ones from the working directory). See eio/path.hpp.
  const Path& fs() const noexcept { return *fs_; }
  /// The process's working directory as a confined capability: `..` above it, absolute
  /// paths and symlinks leading out of it are refused (`permission_denied`).
  const Path& cwd() const noexcept { return *cwd_; }
  /// Starting child processes (eio/process.hpp).
  process::Mgr& process_mgr() noexcept { return *process_mgr_; }
  /// The process's standard input (descriptor 0), never closed by eio. Reads suspend only
  /// the calling fiber, even if the descriptor is blocking. Usable from any domain (fibers
  /// reading at once get the input in arbitrary pieces).
  flow::Source& std_in() noexcept { return *std_in_; }
  /// The process's standard output (descriptor 1). Writes go straight to the descriptor,
  /// unbuffered; a closed reader gives eio::Io_error (broken_pipe). As std_in.
  flow::Sink& std_out() noexcept { return *std_out_; }
  /// The process's standard error (descriptor 2). As std_out.
  flow::Sink& std_err() noexcept { return *std_err_; }
  /// A source of cryptographically secure random bytes (getrandom(2)); never reaches
  /// end-of-file, never blocks once the kernel's pool is ready (early boot). Any domain.
  flow::Source& secure_random() noexcept { return *secure_random_; }

 private:
  friend struct detail::Env_access;
  struct Io {
    net::Net* net;
    flow::Source* std_in;
    flow::Sink* std_out;
    flow::Sink* std_err;
    flow::Source* secure_random;
    const Path* fs;
    const Path* cwd;
    process::Mgr* process_mgr;
  };
  Env(Clock& clock, Mono_clock& mono, Domain_mgr dm, const Io& io)
      : clock_(&clock),
        mono_clock_(&mono),
        domain_mgr_(dm),
        net_(io.net),
        std_in_(io.std_in),
        std_out_(io.std_out),
        std_err_(io.std_err),
        secure_random_(io.secure_random),
        fs_(io.fs),
        cwd_(io.cwd),
        process_mgr_(io.process_mgr) {}

  Clock* clock_;
  Mono_clock* mono_clock_;
  Domain_mgr domain_mgr_;
  net::Net* net_;
  flow::Source* std_in_;
  flow::Sink* std_out_;
  flow::Sink* std_err_;
  flow::Source* secure_random_;
  const Path* fs_;
  const Path* cwd_;
  process::Mgr* process_mgr_;
};

}  // namespace eio
