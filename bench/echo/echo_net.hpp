#pragma once
// Socket set-up shared by the plain-socket B6 peers (liburing, epoll) and the load generator:
// the port argument, the listening socket and the client connection, all on 127.0.0.1.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace echo {

[[noreturn]] inline void die(const char* what) {
  std::perror(what);
  std::exit(1);
}

// argv[1] as a TCP port, or exits with a usage message.
inline int port_arg(int argc, char** argv) {
  long port = argc == 2 ? std::strtol(argv[1], nullptr, 10) : 0;
  if (port <= 0 || port > 65535) {
    std::fprintf(stderr, "usage: %s <port>   (serves 127.0.0.1:<port> until SIGTERM)\n", argv[0]);
    std::exit(2);
  }
  return static_cast<int>(port);
}

inline sockaddr_in loopback(int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

// Small messages are answered at once; without this a split echo could wait for a delayed ACK.
inline void set_nodelay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

// A listening socket on 127.0.0.1:<port> with the largest backlog, so that hundreds of
// connections arriving at once are not dropped.
inline int listen_tcp(int port, bool nonblocking) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0), 0);
  if (fd < 0) die("socket");
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a = loopback(port);
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0) die("bind");
  if (listen(fd, SOMAXCONN) < 0) die("listen");
  return fd;
}

// A blocking connect to 127.0.0.1:<port>, then the socket is made non-blocking.
inline int connect_tcp(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket");
  sockaddr_in a = loopback(port);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0) die("connect");
  set_nodelay(fd);
  if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) die("fcntl");
  return fd;
}

}  // namespace echo
