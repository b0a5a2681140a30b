#include "fs/dir.hpp"
#include "os/stdio.hpp"
#include "runtime/domain.hpp"

namespace eio::detail {

Env Env_access::make(Clock& clock, Mono_clock& mono, Domain_mgr dm) {
  return Env(
      clock, mono, dm,
      Env::Io{&net(), &stdin_source(), &stdout_sink(), &stderr_sink(), &secure_random_source(),
              &Path_access::fs(), &Path_access::cwd(), &process_mgr()});
}

}  // namespace eio::detail
