#pragma once
// The network (SPEC §6): addresses, sockets, name resolution and the server loop.

#include "eio/net/resolve.hpp"
#include "eio/net/server.hpp"
#include "eio/net/sockaddr.hpp"
#include "eio/net/socket.hpp"
