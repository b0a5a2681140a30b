// Datagram sockets on both backends.

#include <string>

#include "support/eio_test.hpp"

namespace eio::test {
namespace {

using net::Ipaddr;
using net::Sockaddr;

class Udp : public Backends {};
EIO_TEST_ON_BOTH_BACKENDS(Udp);

TEST_P(Udp, RoundTripKnowsTheSender) {
  run([&](Env& env) {
    Switch::run([&](Switch& sw) {
      auto a = net::datagram_socket(sw, env.net(), Sockaddr::udp(Ipaddr::v4_loopback(), 0));
      auto b = net::datagram_socket(sw, env.net(), Sockaddr::udp(Ipaddr::v4_loopback(), 0));
      EXPECT_NE(a.local_addr().port(), 0);
      fiber::both(
          [&] {
            char buf[64];
            auto got = net::recv(b, buf);
            EXPECT_EQ(std::string(buf, got.size), "ping");
            EXPECT_EQ(got.from, a.local_addr());
            net::send(b, got.from, "pong");
          },
          [&] {
            net::send(a, b.local_addr(), "ping");
            char buf[64];
            auto got = net::recv(a, buf);
            EXPECT_EQ(std::string(buf, got.size), "pong");
            EXPECT_EQ(got.from, b.local_addr());
          });
    });
  });
}

TEST_P(Udp, RoundTripOverIpv6AndALongDatagramIsTruncated) {
  run([&](Env& env) {
    Switch::run([&](Switch& sw) {
      auto a = net::datagram_socket(sw, env.net(), Sockaddr::udp(Ipaddr::v6_loopback(), 0));
      auto b = net::datagram_socket(sw, env.net(), Sockaddr::udp(Ipaddr::v6_loopback(), 0));
      net::send(a, b.local_addr(), "0123456789");
      char buf[4];
      auto got = net::recv(b, buf);
      EXPECT_EQ(got.size, 4u);
      EXPECT_EQ(std::string(buf, 4), "0123");
      EXPECT_EQ(got.from.to_string(), a.local_addr().to_string());
    });
  });
}

TEST_P(Udp, OversizedDatagramIsMessageSize) {
  run([&](Env& env) {
    Switch::run([&](Switch& sw) {
      auto a = net::datagram_socket(sw, env.net(), Sockaddr::udp(Ipaddr::v4_loopback(), 0));
      try {
        net::send(a, a.local_addr(), std::string(70'000, 'x'));
        ADD_FAILURE() << "sent a datagram larger than UDP allows";
      } catch (const Io_error& e) {
        EXPECT_EQ(e.code(), std::errc::message_size);
      }
      EXPECT_THROW(net::datagram_socket(sw, env.net(), Sockaddr::tcp(Ipaddr::v4_loopback(), 0)),
                   std::invalid_argument);
    });
  });
}

}  // namespace
}  // namespace eio::test
