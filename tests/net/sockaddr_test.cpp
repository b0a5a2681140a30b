// Address parsing and printing: plain values, no event loop.

#include <stdexcept>

#include "support/eio_test.hpp"

namespace eio::test {
namespace {

using net::Ipaddr;
using net::Sockaddr;

TEST(Sockaddr, PrintsEioStyle) {
  EXPECT_EQ(Sockaddr::tcp(Ipaddr::v4_loopback(), 8080).to_string(), "tcp:127.0.0.1:8080");
  EXPECT_EQ(Sockaddr::udp(Ipaddr::v6_loopback(), 53).to_string(), "udp:[::1]:53");
  EXPECT_EQ(Sockaddr::tcp(Ipaddr::v6_any(), 0).to_string(), "tcp:[::]:0");
  EXPECT_EQ(Sockaddr::unix_path("/tmp/x.sock").to_string(), "unix:/tmp/x.sock");
  EXPECT_EQ(Sockaddr::unix_abstract("eio-test").to_string(), "unix:@eio-test");
}

TEST(Sockaddr, ParsesWhatItPrints) {
  for (const char* text : {"tcp:127.0.0.1:80", "udp:[2001:db8::1]:65535", "tcp:[::]:0",
                           "unix:/run/a.sock", "unix:@name"}) {
    EXPECT_EQ(Sockaddr::parse(text).to_string(), text);
  }
  EXPECT_EQ(Sockaddr::parse("tcp:10.0.0.1:443"), Sockaddr::tcp(Ipaddr::v4(10, 0, 0, 1), 443));
}

TEST(Sockaddr, RejectsMalformedText) {
  for (const char* text :
       {"", "127.0.0.1:80", "tcp:127.0.0.1", "tcp:127.0.0.1:", "tcp:127.0.0.1:65536",
        "tcp:127.0.0.1:-1", "tcp:127.0.0.1:8x", "tcp:::1:80", "tcp:[::1]80", "tcp:[127.0.0.1]:80",
        "tcp:256.0.0.1:80", "tcp:localhost:80", "sctp:1.2.3.4:5", "unix:"}) {
    EXPECT_THROW(Sockaddr::parse(text), std::invalid_argument) << text;
  }
}

TEST(Sockaddr, RejectsUnixPathsTheKernelCannotTake) {
  EXPECT_THROW(Sockaddr::unix_path(std::string(108, 'a')), std::invalid_argument);
  EXPECT_NO_THROW(Sockaddr::unix_path(std::string(107, 'a')));
  EXPECT_THROW(Sockaddr::unix_path(std::string("a\0b", 3)), std::invalid_argument);
  EXPECT_THROW(Sockaddr::unix_abstract(std::string(108, 'a')), std::invalid_argument);
  EXPECT_NO_THROW(Sockaddr::unix_abstract(std::string(107, 'a')));
}

TEST(Ipaddr, ParsesBothFamiliesStrictly) {
  EXPECT_TRUE(Ipaddr::parse("192.0.2.1").is_v4());
  EXPECT_EQ(Ipaddr::parse("2001:DB8:0:0:0:0:0:1").to_string(), "2001:db8::1");
  EXPECT_EQ(Ipaddr::parse("::ffff:1.2.3.4").to_string(), "::ffff:1.2.3.4");
  EXPECT_EQ(Ipaddr::parse("0.0.0.0"), Ipaddr::v4_any());
  for (const char* text :
       {"", "1.2.3", "01.2.3.4x", "1.2.3.4.5", "::1::", "[::1]", "fe80::1%eth0"}) {
    EXPECT_THROW(Ipaddr::parse(text), std::invalid_argument) << text;
  }
  EXPECT_THROW(Ipaddr::parse(std::string("1.2.3.4\0", 8)), std::invalid_argument);
}

}  // namespace
}  // namespace eio::test
