#pragma once
// Sockets and descriptors from and to the rest of the OS (SPEC §10): adopting a socket
// made elsewhere, socket pairs, and passing descriptors over Unix sockets (SCM_RIGHTS).

#include <cstddef>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "eio/net/socket.hpp"
#include "eio/os/fd.hpp"

namespace eio::os {

/// Adopts `raw`, a connected stream socket made outside eio (inherited, from another
/// library), as a Stream_socket attached to `sw`; eio now owns and will close it. Blocking
/// or not, both work. Throws std::invalid_argument for a negative `raw`.
net::Stream_socket import_socket_stream(Switch& sw, int raw);
/// As above, for a descriptor already wrapped.
net::Stream_socket import_socket_stream(Fd fd);

/// A connected pair of Unix stream sockets, both attached to `sw`: what one end writes,
/// the other reads. Throws eio::Io_error.
std::pair<net::Stream_socket, net::Stream_socket> socketpair_stream(Switch& sw);

/// Sends `data` (at least one byte) over a Unix stream socket together with copies of the
/// descriptors `fds` (the caller keeps its own). Suspends until the data is sent; a
/// cancellation point. Throws eio::Io_error (e.g. `too_many_files_open` past the kernel's
/// limit of 253 descriptors per message) or eio::Closed.
void send_with_fds(net::Stream_socket& sock, std::string_view data, std::span<const int> fds);

/// What recv_with_fds received: how many bytes were stored and the descriptors that came
/// with them, attached to the switch given.
struct Received {
  std::size_t size;
  std::vector<Fd> fds;
};

/// Receives bytes into `buf` (non-empty) and up to `max_fds` descriptors sent with them,
/// attached to `sw` (close-on-exec). Descriptors beyond `max_fds` are discarded by the
/// kernel. A cancellation point. Throws eio::End_of_file, eio::Io_error or eio::Closed.
Received recv_with_fds(Switch& sw, net::Stream_socket& sock, std::span<char> buf, int max_fds);

}  // namespace eio::os
