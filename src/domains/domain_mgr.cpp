#include "eio/domain_mgr.hpp"

#include <thread>

#include "domains/remote_call.hpp"
#include "eio/detail/cancel_point.hpp"
#include "runtime/domain.hpp"

namespace eio {

void Domain_mgr::run_raw(detail::Function_ref<void()> body) {
  detail::check_cancelled();  // a cancelled caller starts no domain
  detail::Remote_call call;
  std::thread thread([&] {
    try {
      // run_here catches everything the body throws, so run_domain returns null.
      (void)detail::run_domain(backend_, [&] { call.run_here(body); });
    } catch (...) {
      call.fail(std::current_exception());  // the domain could not start (no ring, ...)
    }
  });
  try {
    call.await();
  } catch (...) {
    thread.join();
    throw;
  }
  thread.join();
}

}  // namespace eio
