// Built against an installed eio through find_package(eio CONFIG).
#include <eio/eio.hpp>

#include <cstdio>

int main() {
  return eio::run([](eio::Env&) {
    auto [a, b] = eio::fiber::pair([] { return 20; }, [] { return 22; });
    std::printf("consumer: %d\n", a + b);
    return a + b == 42 ? 0 : 1;
  });
}
