#pragma once
// Running a domain: a scheduler on the calling thread with `main` as its first fiber.
// Shared by eio::run and Domain_mgr.

#include <exception>
#include <string_view>

#include "eio/detail/function_ref.hpp"
#include "eio/env.hpp"
#include "eio/run.hpp"

namespace eio::detail {

// Runs `main` as the main fiber of a new domain on this thread, until it returns. Returns
// what `main` threw (null if it returned). Throws what setting the domain up throws.
std::exception_ptr run_domain(eio::Backend backend, Function_ref<void()> main);

struct Env_access {
  static Domain_mgr domain_mgr(eio::Backend b) { return Domain_mgr(b); }
  static Env make(Clock& clock, Mono_clock& mono, Domain_mgr dm);
  static net::Net& net() {
    static net::Net n;
    return n;
  }
  static process::Mgr& process_mgr() {
    static process::Mgr m;
    return m;
  }
};

}  // namespace eio::detail
