// Pools: resources created on demand and reused, at most n at once, validated before
// reuse, returned on failure. Scenarios follow Eio's tests/pool.md.

#include <algorithm>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/eio_test.hpp"

namespace eio::test {
namespace {

class PoolTest : public Backends {};
EIO_TEST_ON_BOTH_BACKENDS(PoolTest);

struct Failed : std::runtime_error {
  explicit Failed(const std::string& s) : std::runtime_error(s) {}
};

// Creates items numbered 0, 1, 2, ... and says so.
std::function<int()> numbered_items(Trace& trace) {
  return [&trace, next = 0]() mutable {
    trace("creating item " + std::to_string(next));
    return next++;
  };
}

// A user that narrates which item it got, yields while holding it, and says when it is done.
std::function<void()> user(Trace& trace, Pool<int>& pool, const std::string& name) {
  return [&trace, &pool, name] {
    pool.use([&](int& x) {
      trace(name + ": using item " + std::to_string(x));
      fiber::yield();
      trace(name + " done");
    });
  };
}

// With one slot, the one item is created once and reused.
TEST_P(PoolTest, ReusesTheItem) {
  Trace trace;
  run([&](Env&) {
    Pool<int> pool(1, numbered_items(trace));
    for (int i = 0; i < 2; ++i) pool.use([&](int& x) { trace("using item " + std::to_string(x)); });
  });
  EXPECT_EQ(trace.str(), "creating item 0\nusing item 0\nusing item 0");
}

// With one slot, a second user waits for the first to give the item back.
TEST_P(PoolTest, SecondUserWaitsForTheOnlyItem) {
  Trace trace;
  run([&](Env&) {
    Pool<int> pool(1, numbered_items(trace));
    fiber::both(user(trace, pool, "A"), user(trace, pool, "B"));
  });
  EXPECT_EQ(trace.str(), "creating item 0\nA: using item 0\nA done\nB: using item 0\nB done");
}

// With two slots, two users run side by side, each with its own item.
TEST_P(PoolTest, TwoSlotsServeTwoUsersAtOnce) {
  Trace trace;
  run([&](Env&) {
    Pool<int> pool(2, numbered_items(trace));
    fiber::both(user(trace, pool, "A"), user(trace, pool, "B"));
  });
  EXPECT_EQ(trace.str(),
            "creating item 0\nA: using item 0\ncreating item 1\nB: using item 1\nA done\nB done");
}

// Six users of a pool of two: never more than two items exist or are in use at once.
TEST_P(PoolTest, AtMostNResources) {
  Trace trace;
  run([&](Env&) {
    int created = 0, in_use = 0, peak = 0;
    Pool<int> pool(2, [&] { return created++; });
    std::vector<std::function<void()>> users;
    for (int i = 0; i < 6; ++i) {
      users.emplace_back([&] {
        pool.use([&](int&) {
          peak = std::max(peak, ++in_use);
          fiber::yield();
          fiber::yield();
          --in_use;
        });
      });
    }
    fiber::all(users);
    trace("created " + std::to_string(created) + ", peak in use " + std::to_string(peak));
  });
  EXPECT_EQ(trace.str(), "created 2, peak in use 2");
}

// A user that throws still gives its item back, for the next user.
TEST_P(PoolTest, ItemIsReturnedWhenTheUserThrows) {
  Trace trace;
  run([&](Env&) {
    Pool<int> pool(1, numbered_items(trace));
    try {
      pool.use([&](int& x) {
        trace("using item " + std::to_string(x));
        throw Failed("simulated error");
      });
    } catch (const Failed& e) {
      trace(std::string("failed: ") + e.what());
    }
    pool.use([&](int& x) { trace("using item " + std::to_string(x)); });
  });
  EXPECT_EQ(trace.str(), "creating item 0\nusing item 0\nfailed: simulated error\nusing item 0");
}

// An idle item is validated before reuse; a stale one is disposed of and replaced.
TEST_P(PoolTest, ValidateAndDispose) {
  Trace trace;
  run([&](Env&) {
    Pool<int> pool(1, numbered_items(trace),
                   {.validate =
                        [&](int& x) {
                          bool ok = x % 2 == 1;
                          trace("validate " + std::to_string(x) + ": " + (ok ? "ok" : "stale"));
                          return ok;
                        },
                    .dispose = [&](int& x) { trace("dispose " + std::to_string(x)); }});
    for (const char* name : {"A", "B", "C"}) {
      pool.use([&](int& x) { trace(std::string(name) + ": using item " + std::to_string(x)); });
    }
  });
  EXPECT_EQ(trace.str(),
            "creating item 0\nA: using item 0\nvalidate 0: stale\ndispose 0\n"
            "creating item 1\nB: using item 1\nvalidate 1: ok\nC: using item 1");
}

// If creating an item fails, that user gets the error and its slot goes to the next
// waiting user, which tries again.
TEST_P(PoolTest, FailedCreationFreesTheSlot) {
  Trace trace;
  run([&](Env&) {
    int next = 0;
    Pool<int> pool(1, [&] {
      int n = next++;
      trace("creating item " + std::to_string(n));
      if (n == 0) {
        fiber::yield();
        throw Failed("creation failed");
      }
      return n;
    });
    fiber::both(
        [&] {
          try {
            pool.use([&](int&) { trace("A got an item!"); });
          } catch (const Failed& e) {
            trace(std::string("A: ") + e.what());
          }
        },
        [&] { pool.use([&](int& x) { trace("B: using item " + std::to_string(x)); }); });
  });
  EXPECT_EQ(trace.str(), "creating item 0\nA: creation failed\ncreating item 1\nB: using item 1");
}

// A user cancelled while waiting for a slot takes none; the item it waited for goes to the
// next user, and nothing new is created.
TEST_P(PoolTest, CancelledWaiterLeavesThePoolIntact) {
  Trace trace;
  run([&](Env&) {
    Pool<int> pool(1, numbered_items(trace));
    auto [release, let_go] = Promise<void>::create();
    Switch::run([&](Switch& sw) {
      fiber::fork(sw, [&, release = release] {
        pool.use([&](int& x) {
          trace("A: holding item " + std::to_string(x));
          release.await();
        });
      });
      int r = fiber::first(
          [&] {
            pool.use([&](int&) { trace("B got an item!"); });
            return 1;
          },
          [] { return 2; });
      trace("B gave up: first returned " + std::to_string(r));
      let_go.resolve();
    });
    pool.use([&](int& x) { trace("C: using item " + std::to_string(x)); });
  });
  EXPECT_EQ(trace.str(),
            "creating item 0\nA: holding item 0\nB gave up: first returned 2\nC: using item 0");
}

TEST_P(PoolTest, ZeroSizeIsRejected) {
  Trace trace;
  run([&](Env&) {
    try {
      Pool<int> pool(0, [] { return 0; });
      trace("created!");
    } catch (const std::invalid_argument& e) {
      trace(e.what());
    }
  });
  EXPECT_EQ(trace.str(), "eio::Pool: size must be positive");
}

}  // namespace
}  // namespace eio::test
