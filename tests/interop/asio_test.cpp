// eio::asio (SPEC §12): Asio operations awaited from fibers, eio code awaited from Asio
// coroutines and callbacks, cancellation both ways, and one thread that sleeps when both
// sides are idle.

#include <sys/resource.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>

#include "eio/interop/asio.hpp"
#include "support/eio_test.hpp"

namespace eio::test {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

class Asio : public Backends {};
EIO_TEST_ON_BOTH_BACKENDS(Asio);

// A connected pair of Asio sockets on loopback, made from a fiber with use_fiber.
struct Socket_pair {
  tcp::socket client;
  tcp::socket server;
  explicit Socket_pair(net::io_context& io) : client(io), server(io) {
    tcp::acceptor acceptor(io, tcp::endpoint(net::ip::address_v4::loopback(), 0));
    client.async_connect(acceptor.local_endpoint(), eio::asio::use_fiber);
    acceptor.async_accept(server, eio::asio::use_fiber);
  }
};

TEST_P(Asio, AsioSocketReadFromFiber) {
  Trace trace;
  run([&](Env&) {
    net::io_context io;
    eio::asio::with_event_loop(io, [&] {
      Socket_pair pair(io);
      fiber::both(
          [&] {
            char buf[64];
            std::size_t n =
                net::async_read(pair.server, net::buffer(buf, 11), eio::asio::use_fiber);
            trace("read: " + std::string(buf, n));
            try {
              (void)pair.server.async_read_some(net::buffer(buf), eio::asio::use_fiber);
            } catch (const End_of_file&) {
              trace("end of file");
            }
          },
          [&] {
            trace("write " + std::to_string(net::async_write(pair.client, net::buffer("hello ", 6),
                                                             eio::asio::use_fiber)));
            net::async_write(pair.client, net::buffer("world", 5), eio::asio::use_fiber);
            pair.client.shutdown(tcp::socket::shutdown_send);
          });
      // as_tuple: the error code comes back instead of being thrown.
      char byte;
      auto [ec, n] =
          pair.server.async_read_some(net::buffer(&byte, 1), net::as_tuple(eio::asio::use_fiber));
      trace("as_tuple: " + ec.message() + ", " + std::to_string(n));
    });
  });
  EXPECT_EQ(trace.str(), "write 6\nread: hello world\nend of file\nas_tuple: End of file, 0");
}

TEST_P(Asio, AsioErrorsBecomeIoErrors) {
  run([&](Env&) {
    net::io_context io;
    eio::asio::with_event_loop(io, [&] {
      tcp::socket sock(io);
      tcp::acceptor acceptor(io, tcp::endpoint(net::ip::address_v4::loopback(), 0));
      auto port = acceptor.local_endpoint().port();
      acceptor.close();
      try {
        sock.async_connect(tcp::endpoint(net::ip::address_v4::loopback(), port),
                           eio::asio::use_fiber);
        ADD_FAILURE() << "connected to a closed port";
      } catch (const Io_error& e) {
        EXPECT_EQ(e.code(), std::errc::connection_refused) << e.what();
        EXPECT_NE(std::string(e.what()).find("eio::asio::use_fiber"), std::string::npos);
      }
    });
  });
}

TEST_P(Asio, FiberCancelCancelsAsioOperation) {
  run([&](Env&) {
    net::io_context io;
    eio::asio::with_event_loop(io, [&] {
      Socket_pair pair(io);
      char buf[16];
      EXPECT_EQ(cancel_while_blocked([&] {
                  (void)pair.server.async_read_some(net::buffer(buf), eio::asio::use_fiber);
                }),
                "cancelled");
      // The socket is still usable: the cancelled read took nothing.
      net::async_write(pair.client, net::buffer("x", 1), eio::asio::use_fiber);
      EXPECT_EQ(pair.server.async_read_some(net::buffer(buf), eio::asio::use_fiber), 1u);

      net::steady_timer timer(io, 1h);
      EXPECT_EQ(cancel_while_blocked([&] { timer.async_wait(eio::asio::use_fiber); }), "cancelled");
      // Cancelled before it starts: the operation is not even initiated.
      cancel::sub([&](cancel::Context& cc) {
        cc.cancel(std::make_exception_ptr(std::runtime_error("stop")));
        EXPECT_THROW(timer.async_wait(eio::asio::use_fiber), Cancelled);
      });
    });
  });
}

TEST_P(Asio, AsioCoroutineAwaitsEioFunction) {
  run([&](Env&) {
    net::io_context io;
    eio::asio::with_event_loop(io, [&] {
      auto [promise, resolver] = Promise<int>::create();
      auto coroutine = [&]() -> net::awaitable<int> {
        int v = co_await eio::asio::run_eio([&] { return promise.await(); }, net::use_awaitable);
        try {
          co_await eio::asio::run_eio([]() -> int { throw std::runtime_error("eio failed"); },
                                      net::use_awaitable);
        } catch (const std::runtime_error& e) {
          EXPECT_STREQ(e.what(), "eio failed");
          v += 1;
        }
        co_return v * 2;
      };
      Switch::run([&](Switch& sw) {
        fiber::fork(sw,
                    [&] { EXPECT_EQ(net::co_spawn(io, coroutine(), eio::asio::use_fiber), 86); });
        resolver.resolve(42);  // the coroutine's eio fiber is waiting for it
      });
      // A callback instead of a coroutine.
      std::string got;
      Trigger called;
      eio::asio::run_eio([] { return std::string("from a fiber"); },
                         [&](std::exception_ptr ep, std::string s) {
                           EXPECT_FALSE(ep);
                           got = s;
                           called.signal();
                         });
      called.await();
      EXPECT_EQ(got, "from a fiber");
    });
  });
}

TEST_P(Asio, AsioCancelCancelsEioFiber) {
  Trace trace;
  run([&](Env&) {
    net::io_context io;
    eio::asio::with_event_loop(io, [&] {
      // An explicit cancellation signal, emitted from an Asio handler.
      net::cancellation_signal signal;
      Trigger completed;
      eio::asio::run_eio(
          [&] {
            trace("fiber blocks");
            auto [never, keep] = Promise<int>::create();
            try {
              never.await();
            } catch (const Cancelled&) {
              trace("fiber cancelled");
              throw;
            }
          },
          net::bind_cancellation_slot(signal.slot(), [&](std::exception_ptr ep) {
            trace("handler: " + what(ep));
            completed.signal();
          }));
      net::post(io, [&] { signal.emit(net::cancellation_type::terminal); });
      completed.await();

      // awaitable_operators: the timer wins the race, so Asio cancels run_eio's fiber.
      using namespace net::experimental::awaitable_operators;
      auto race = [&]() -> net::awaitable<void> {
        net::steady_timer timer(io, 0s);
        auto winner = co_await (eio::asio::run_eio(
                                    [&] {
                                      auto [never, keep] = Promise<int>::create();
                                      return never.await();
                                    },
                                    net::use_awaitable) ||
                                timer.async_wait(net::use_awaitable));
        trace("race won by #" + std::to_string(winner.index()));
      };
      net::co_spawn(io, race(), eio::asio::use_fiber);
    });
  });
  EXPECT_EQ(trace.str(),
            "fiber blocks\nfiber cancelled\n"
            "handler: eio::asio::run_eio: Operation canceled [system:125]\nrace won by #1");
}

// Once with_event_loop's switch is cancelled, no fiber can start, but Asio handlers still
// run while it winds down: a run_eio they make must complete (as aborted) rather than
// leave its Asio code waiting forever, e.g. a session that reads a line as its server stops.
TEST_P(Asio, RunEioAfterTheLoopIsCancelledIsAborted) {
  Trace trace;
  run([&](Env&) {
    net::io_context io;
    Trigger completed;
    try {
      cancel::sub([&](cancel::Context& cc) {
        eio::asio::with_event_loop(io, [&] {
          net::post(io, [&] {
            eio::asio::run_eio([&] { trace("fn ran"); },
                               [&](std::exception_ptr ep) {
                                 trace("handler: " + what(ep));
                                 completed.signal();
                               });
          });
          cc.cancel(std::make_exception_ptr(std::runtime_error("stop")));
          completed.await_uncancellable();
        });
      });
    } catch (const Cancelled&) {
      trace("with_event_loop cancelled");
    }
  });
  EXPECT_EQ(trace.str(),
            "handler: eio::asio::run_eio: Operation canceled [system:125]\n"
            "with_event_loop cancelled");
}

// Both sides idle for a second: the thread must sleep (inside Asio's epoll_wait, which
// also watches eio's backend), not spin.
TEST_P(Asio, LoopSleepsWhenBothSidesIdle) {
  run([&](Env&) {
    net::io_context io;
    eio::asio::with_event_loop(io, [&] {
      auto cpu_ns = [] {
        rusage ru{};
        ::getrusage(RUSAGE_THREAD, &ru);
        auto ns = [](const timeval& tv) { return tv.tv_sec * 1'000'000'000L + tv.tv_usec * 1000L; };
        return ns(ru.ru_utime) + ns(ru.ru_stime);
      };
      auto idle = [&] {
        net::steady_timer timer(io, 1s);
        auto start = std::chrono::steady_clock::now();
        long cpu_before = cpu_ns();
        timer.async_wait(eio::asio::use_fiber);
        long cpu = cpu_ns() - cpu_before;
        EXPECT_GE(std::chrono::steady_clock::now() - start, 1s);
        RecordProperty("idle_cpu_ns", std::to_string(cpu));
        EXPECT_LT(cpu, 50'000'000L) << "CPU time over an idle second: " << cpu << " ns";
      };
      idle();
    });
  });
}

// Whichever side has the event wakes the sleeping thread: eio IO, a Trigger signalled by
// a plain thread, an Asio post from a plain thread.
TEST_P(Asio, EitherSideWakesTheSleepingThread) {
  Trace trace;
  run([&](Env&) {
    net::io_context io;
    eio::asio::with_event_loop(io, [&] {
      net::steady_timer far(io, 1h);  // Asio has work, but nothing ready
      far.async_wait([](const boost::system::error_code&) {});
      Switch::run([&](Switch& sw) {
        auto [src, sink] = os::pipe(sw);
        std::atomic<int> step{0};
        Trigger from_thread;
        Trigger asio_posted;
        std::thread helper([&] {
          while (step.load() != 1) std::this_thread::yield();
          from_thread.signal();
          while (step.load() != 2) std::this_thread::yield();
          net::post(io, [&] { asio_posted.signal(); });
          while (step.load() != 3) std::this_thread::yield();
          std::uint64_t one = 1;
          (void)::write(sink.fd().get(), &one, 1);
        });
        step = 1;
        from_thread.await();
        trace("thread's signal");
        step = 2;
        asio_posted.await();
        trace("thread's Asio post");
        step = 3;
        char c;
        trace("pipe: " + std::to_string(src.read_some({&c, 1})));
        helper.join();
        far.cancel();
      });
    });
  });
  EXPECT_EQ(trace.str(), "thread's signal\nthread's Asio post\npipe: 1");
}

// Neither side starves the other: a handler that re-posts itself forever, and a fiber that
// only yields, each let the other run.
TEST_P(Asio, NeitherSideStarvesTheOther) {
  run([&](Env&) {
    net::io_context io;
    eio::asio::with_event_loop(io, [&] {
      bool stop = false;
      long reposts = 0;
      std::function<void()> again = [&] {
        ++reposts;
        if (!stop) net::post(io, again);
      };
      net::post(io, again);
      for (int i = 0; i < 100; ++i) fiber::yield();
      stop = true;
      EXPECT_GT(reposts, 0);

      bool asio_ran = false;
      net::post(io, [&] { asio_ran = true; });
      long yields = 0;
      while (!asio_ran) {
        fiber::yield();
        ++yields;
      }
      EXPECT_LT(yields, 1000);
    });
  });
}

TEST_P(Asio, AsioHandlerFailureFailsTheLoop) {
  Trace trace;
  run([&](Env&) {
    net::io_context io;
    try {
      eio::asio::with_event_loop(io, [&] {
        net::post(io, [] { throw std::runtime_error("handler failed"); });
        try {
          auto [never, keep] = Promise<int>::create();
          never.await();
        } catch (const Cancelled&) {
          trace("fn cancelled");
          throw;
        }
      });
    } catch (const std::runtime_error& e) {
      trace(std::string("with_event_loop: ") + e.what());
    }
  });
  EXPECT_EQ(trace.str(), "fn cancelled\nwith_event_loop: handler failed");
}

TEST_P(Asio, MisuseIsReported) {
  run([&](Env&) {
    net::io_context io;
    EXPECT_THROW(eio::asio::run_eio([] {}, [](std::exception_ptr) {}), std::logic_error);
    eio::asio::with_event_loop(io, [&] {
      EXPECT_THROW(eio::asio::with_event_loop(io, [] {}), std::logic_error);
      net::steady_timer timer(io, 0s);
      std::thread plain(
          [&] { EXPECT_THROW(timer.async_wait(eio::asio::use_fiber), std::logic_error); });
      plain.join();
    });
  });
}

}  // namespace
}  // namespace eio::test
