#pragma once
// eio::Pool (SPEC §3): a bounded set of reusable resources (connections, buffers).

#include <cstddef>
#include <functional>
#include <memory>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

#include "eio/detail/spinlock.hpp"
#include "eio/semaphore.hpp"

namespace eio {

/// Options for eio::Pool: `validate` is asked before an idle resource is reused (false:
/// dispose of it and create a fresh one); `dispose` is called on a resource being dropped.
template <class T>
struct Pool_options {
  std::function<bool(T&)> validate;
  std::function<void(T&)> dispose;
};

/// Up to `n` resources, created on demand by `create` and reused.
///
///     eio::Pool<Connection> conns(8, [&] { return Connection(addr); });
///     conns.use([](Connection& c) { c.query("..."); });
///
/// Safe to share across domains. Idle resources are destroyed with the pool.
template <class T>
class Pool {
 public:
  /// Throws std::invalid_argument unless n > 0.
  Pool(std::size_t n, std::function<T()> create, Pool_options<T> opts = {})
      : slots_(checked(n)), create_(std::move(create)), opts_(std::move(opts)) {
    idle_.reserve(n);  // so that giving a resource back never allocates
  }
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  /// Runs `fn(resource)` with a resource of the pool, waiting while all `n` are in use (a
  /// cancellation point). The resource goes back to the pool when `fn` returns or throws.
  template <class F>
  auto use(F&& fn) -> std::invoke_result_t<F&, T&> {
    slots_.acquire();
    struct Slot_guard {
      Semaphore& s;
      ~Slot_guard() { s.release(); }
    } slot{slots_};
    std::unique_ptr<T> res = checkout();
    struct Return_guard {
      Pool& pool;
      std::unique_ptr<T>& res;
      ~Return_guard() { pool.give_back(std::move(res)); }
    } back{*this, res};
    return fn(*res);
  }

 private:
  static std::int64_t checked(std::size_t n) {
    if (n == 0) throw std::invalid_argument("eio::Pool: size must be positive");
    return static_cast<std::int64_t>(n);
  }

  std::unique_ptr<T> checkout() {
    for (;;) {
      lock_.lock();
      if (idle_.empty()) {
        lock_.unlock();
        return std::make_unique<T>(create_());
      }
      std::unique_ptr<T> res = std::move(idle_.back());
      idle_.pop_back();
      lock_.unlock();
      if (!opts_.validate || opts_.validate(*res)) return res;
      if (opts_.dispose) opts_.dispose(*res);
    }
  }

  void give_back(std::unique_ptr<T> res) noexcept {
    lock_.lock();
    idle_.push_back(std::move(res));
    lock_.unlock();
  }

  Semaphore slots_;
  std::function<T()> create_;
  Pool_options<T> opts_;
  detail::Spinlock lock_;
  std::vector<std::unique_ptr<T>> idle_;
};

}  // namespace eio
