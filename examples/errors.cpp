// Errors are never lost: two failing fibers give Multiple_errors, each error keeps the
// backtrace of its throw site, and cancellation is not mistaken for an error.

#include <cstdio>
#include <stdexcept>

#include "eio/eio.hpp"

[[gnu::noinline]] void parse_config() {
  throw std::runtime_error("config: missing port");
}
[[gnu::noinline]] void open_database() {
  throw std::runtime_error("database: unreachable");
}

int main() {
  return eio::run([](eio::Env&) {
    try {
      eio::fiber::both(
          [] {
            eio::cancel::protect([] { eio::fiber::yield(); });  // both get to fail
            parse_config();
          },
          [] {
            eio::cancel::protect([] { eio::fiber::yield(); });
            open_database();
          });
    } catch (const eio::Multiple_errors& e) {
      std::printf("%s\n", e.what());
      auto bt = eio::backtrace_of(e.errors().front());
      bool named = bt && bt->find("parse_config") != std::string::npos;
      std::printf("first error thrown in parse_config: %s\n", named ? "yes" : "no");
    }
    return 0;
  });
}
