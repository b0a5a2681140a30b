// B6 peer: a plain epoll echo server, level-triggered and non-blocking, one thread.
//     echo_epoll <port>   serves 127.0.0.1:<port>; SIGTERM's default action ends it.
// Each readable connection is read once and what was read is written back at once; a short
// write parks the rest and waits for EPOLLOUT instead of EPOLLIN.

#include <sys/epoll.h>

#include <cerrno>

#include "echo_net.hpp"

namespace {

struct Conn {
  explicit Conn(int f) : fd(f) {}
  int fd;
  std::size_t off = 0, len = 0;  // the part of buf still to be written
  char buf[4096];
};

int ep;

void watch(Conn* c, int op, uint32_t events) {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = c;
  if (epoll_ctl(ep, op, c->fd, &ev) < 0) echo::die("epoll_ctl");
}

void close_conn(Conn* c) {
  close(c->fd);  // also removes it from the epoll set
  delete c;
}

void accept_all(int listener) {
  for (;;) {
    int fd = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED) return;
      echo::die("accept4");
    }
    echo::set_nodelay(fd);
    watch(new Conn(fd), EPOLL_CTL_ADD, EPOLLIN);
  }
}

// Writes buf[off, len); false if the connection failed.
bool flush(Conn* c) {
  while (c->off < c->len) {
    ssize_t n = write(c->fd, c->buf + c->off, c->len - c->off);
    if (n < 0) return errno == EAGAIN;
    c->off += static_cast<std::size_t>(n);
  }
  return true;
}

void serve(Conn* c, uint32_t events) {
  if (c->off < c->len) {  // waiting for EPOLLOUT
    if (!flush(c)) return close_conn(c);
    if (c->off == c->len) watch(c, EPOLL_CTL_MOD, EPOLLIN);
    return;
  }
  if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR))) return;
  ssize_t n = read(c->fd, c->buf, sizeof c->buf);
  if (n < 0 && errno == EAGAIN) return;
  if (n <= 0) return close_conn(c);
  c->off = 0;
  c->len = static_cast<std::size_t>(n);
  if (!flush(c)) return close_conn(c);
  if (c->off < c->len) watch(c, EPOLL_CTL_MOD, EPOLLOUT);
}

}  // namespace

int main(int argc, char** argv) {
  int listener = echo::listen_tcp(echo::port_arg(argc, argv), true);
  ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) echo::die("epoll_create1");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = nullptr;  // the listener
  if (epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev) < 0) echo::die("epoll_ctl");
  epoll_event events[256];
  for (;;) {
    int n = epoll_wait(ep, events, 256, -1);
    if (n < 0 && errno != EINTR) echo::die("epoll_wait");
    for (int i = 0; i < n; ++i) {
      auto* c = static_cast<Conn*>(events[i].data.ptr);
      if (c == nullptr) {
        accept_all(listener);
      } else {
        serve(c, events[i].events);
      }
    }
  }
}
