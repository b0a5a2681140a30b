#pragma once
// Converting eio::net::Sockaddr to and from the kernel's sockaddr structures.

#include <sys/socket.h>

#include "eio/net/sockaddr.hpp"

namespace eio::net::detail {

// Fills `out` and returns the length to pass to bind/connect/sendmsg.
socklen_t to_os(const Sockaddr& addr, sockaddr_storage& out) noexcept;
// The address the kernel returned (accept, getsockname, recvmsg). `kind` says tcp or udp
// for IP families; Unix families become unix_path or unix_abstract (an unnamed Unix
// socket, such as one end of a socketpair, is the empty abstract name "unix:@").
Sockaddr from_os(const sockaddr_storage& in, socklen_t len, Sockaddr::Kind kind);
// The AF_ family of an address.
int family_of(const Sockaddr& addr) noexcept;

}  // namespace eio::net::detail
