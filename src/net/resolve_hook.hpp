#pragma once
// A test hook: replace the system getaddrinfo (to make a lookup hang, or fail).

#include <netdb.h>

namespace eio::net::detail {

using Getaddrinfo_fn = int (*)(const char*, const char*, const addrinfo*, addrinfo**);

// Makes getaddrinfo call `fn` (null: the system's again); returns the previous one. The
// replacement must return results that freeaddrinfo can free, or an error.
Getaddrinfo_fn set_getaddrinfo_for_testing(Getaddrinfo_fn fn) noexcept;

}  // namespace eio::net::detail
