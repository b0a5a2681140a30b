// The B6 load generator: plain epoll, no eio, so that it is neutral between the servers.
//
//     echo_load <port> <conns> <duration_s> <warmup_s> [server_pid]
//
// Opens <conns> connections to 127.0.0.1:<port>; each plays ping-pong: send a 64-byte
// message, wait for all 64 bytes to come back (checking them), send the next. After
// <warmup_s> it measures for <duration_s> and prints one line,
//     msgs=<n> secs=<s> msgs_per_s=<x> server_cpu_s=<c> msgs_per_cpu_s=<y> p50_us=<a> p99_us=<b>
// server_cpu_s is the utime+stime of <server_pid> (all its threads, from /proc/<pid>/stat)
// spent inside the measured window; it is read here, at the window's edges, so that the
// figure covers exactly the messages counted. Without a pid it is 0.

#include <poll.h>
#include <sys/epoll.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "echo_net.hpp"

namespace {

constexpr int msg_bytes = 64;

struct Conn {
  int fd = -1;
  int got = 0;  // bytes of the current echo received so far
  uint64_t sent_ns = 0;
  char buf[msg_bytes];
};

char message[msg_bytes];

uint64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
}

// utime + stime of a process in seconds, or 0 without a pid.
double process_cpu_s(long pid) {
  if (pid <= 0) return 0;
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::size_t paren = s.rfind(')');  // the command name may hold spaces and parentheses
  if (paren == std::string::npos) {
    std::fprintf(stderr, "echo_load: cannot read /proc/%ld/stat\n", pid);
    std::exit(1);
  }
  std::istringstream in(s.substr(paren + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && in >> field; ++i) {  // fields 14 and 15 of proc(5)
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// A 64-byte send on a socket with nothing else in flight does not come back short in
// practice; waiting for POLLOUT keeps it correct if it ever does.
void send_message(Conn& c) {
  int off = 0;
  while (off < msg_bytes) {
    ssize_t n = send(c.fd, message + off, static_cast<size_t>(msg_bytes - off), MSG_NOSIGNAL);
    if (n > 0) {
      off += static_cast<int>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      pollfd p{c.fd, POLLOUT, 0};
      poll(&p, 1, -1);
    } else {
      echo::die("echo_load: send");
    }
  }
}

// Reads what has arrived of the echo; true when all 64 bytes are in.
bool receive(Conn& c) {
  ssize_t n = recv(c.fd, c.buf + c.got, static_cast<size_t>(msg_bytes - c.got), 0);
  if (n == 0) {
    std::fprintf(stderr, "echo_load: the server closed a connection\n");
    std::exit(1);
  }
  if (n < 0) {
    if (errno == EAGAIN || errno == EINTR) return false;
    echo::die("echo_load: recv");
  }
  c.got += static_cast<int>(n);
  if (c.got < msg_bytes) return false;
  if (std::memcmp(c.buf, message, msg_bytes) != 0) {
    std::fprintf(stderr, "echo_load: the echo differs from the message sent\n");
    std::exit(1);
  }
  c.got = 0;
  return true;
}

// Nearest-rank percentile of latencies in ns, returned in µs.
double percentile_us(std::vector<uint32_t>& v, double p) {
  if (v.empty()) return 0;
  auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(v.size())));
  auto it = v.begin() + static_cast<std::ptrdiff_t>(std::max<std::size_t>(rank, 1) - 1);
  std::nth_element(v.begin(), it, v.end());
  return *it / 1000.0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5 || argc > 6) {
    std::fprintf(stderr, "usage: %s <port> <conns> <duration_s> <warmup_s> [server_pid]\n",
                 argv[0]);
    return 2;
  }
  int port = std::atoi(argv[1]);
  int nconns = std::atoi(argv[2]);
  double duration_s = std::atof(argv[3]);
  double warmup_s = std::atof(argv[4]);
  long server_pid = argc == 6 ? std::atol(argv[5]) : 0;
  if (port <= 0 || nconns <= 0 || duration_s <= 0 || warmup_s < 0) {
    std::fprintf(stderr, "%s: bad arguments\n", argv[0]);
    return 2;
  }
  for (int i = 0; i < msg_bytes; ++i) message[i] = static_cast<char>('a' + i % 26);

  int ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) echo::die("epoll_create1");
  std::vector<Conn> conns(static_cast<std::size_t>(nconns));
  for (Conn& c : conns) {
    c.fd = echo::connect_tcp(port);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = &c;
    if (epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev) < 0) echo::die("epoll_ctl");
  }

  std::vector<uint32_t> latencies_ns;
  latencies_ns.reserve(1u << 22);
  uint64_t start = now_ns();
  uint64_t window_begin = start + static_cast<uint64_t>(warmup_s * 1e9);
  uint64_t window_end = window_begin + static_cast<uint64_t>(duration_s * 1e9);
  bool measuring = false;
  double cpu_begin = 0, cpu_end = 0;
  uint64_t measured_begin = 0, measured_end = 0;
  for (Conn& c : conns) {
    c.sent_ns = now_ns();
    send_message(c);
  }

  std::vector<epoll_event> events(static_cast<std::size_t>(std::min(nconns, 1024)));
  for (;;) {
    uint64_t now = now_ns();
    if (!measuring && now >= window_begin) {
      measuring = true;
      cpu_begin = process_cpu_s(server_pid);
      measured_begin = now_ns();
    }
    if (measuring && now >= window_end) {
      measured_end = now_ns();
      cpu_end = process_cpu_s(server_pid);
      break;
    }
    uint64_t next = measuring ? window_end : window_begin;
    int timeout_ms = static_cast<int>((next - now + 999999) / 1000000);
    int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), timeout_ms);
    if (n < 0 && errno != EINTR) echo::die("epoll_wait");
    for (int i = 0; i < n; ++i) {
      Conn& c = *static_cast<Conn*>(events[static_cast<std::size_t>(i)].data.ptr);
      if (!receive(c)) continue;
      uint64_t t = now_ns();
      if (measuring) {
        latencies_ns.push_back(
            static_cast<uint32_t>(std::min<uint64_t>(t - c.sent_ns, UINT32_MAX)));
      }
      c.sent_ns = t;
      send_message(c);
    }
  }
  for (Conn& c : conns) close(c.fd);
  close(ep);

  double secs = static_cast<double>(measured_end - measured_begin) / 1e9;
  double cpu_s = cpu_end - cpu_begin;
  auto msgs = static_cast<double>(latencies_ns.size());
  std::printf("msgs=%.0f secs=%.3f msgs_per_s=%.1f server_cpu_s=%.2f msgs_per_cpu_s=%.1f ", msgs,
              secs, msgs / secs, cpu_s, cpu_s > 0 ? msgs / cpu_s : 0.0);
  std::printf("p50_us=%.2f p99_us=%.2f\n", percentile_us(latencies_ns, 0.50),
              percentile_us(latencies_ns, 0.99));
  return 0;
}
