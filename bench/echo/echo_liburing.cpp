// B6 peer: a raw liburing echo server, the practical limit for an io_uring echo loop.
//     echo_liburing <port>   serves 127.0.0.1:<port>; SIGTERM's default action ends it.
// One ring, one thread: a multishot accept (kernel 5.19; re-armed single-shot where it is
// refused), then per connection a recv SQE, a send SQE of what was received, repeat. Every
// pass submits all new SQEs and waits for completions in one io_uring_enter.

#include <liburing.h>

#include <cerrno>
#include <cstdint>

#include "echo_net.hpp"

namespace {

enum Op : uintptr_t { op_accept = 0, op_recv = 1, op_send = 2 };
constexpr uintptr_t op_mask = 3;

// Aligned so that the low bits of its address are free to carry the Op in user_data.
struct alignas(64) Conn {
  explicit Conn(int f) : fd(f) {}
  int fd;
  unsigned off = 0, len = 0;  // buf[off, len) is still to be sent
  char buf[4096];
};

io_uring ring;
int listener;
bool multishot_accept = true;

io_uring_sqe* next_sqe() {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring);
  while (sqe == nullptr) {  // the SQ is full: hand it to the kernel and retry
    io_uring_submit(&ring);
    sqe = io_uring_get_sqe(&ring);
  }
  return sqe;
}

void arm_accept() {
  io_uring_sqe* sqe = next_sqe();
  if (multishot_accept) {
    io_uring_prep_multishot_accept(sqe, listener, nullptr, nullptr, SOCK_CLOEXEC);
  } else {
    io_uring_prep_accept(sqe, listener, nullptr, nullptr, SOCK_CLOEXEC);
  }
  io_uring_sqe_set_data64(sqe, op_accept);
}

void post(Conn* c, Op op) {
  io_uring_sqe* sqe = next_sqe();
  if (op == op_recv) {
    io_uring_prep_recv(sqe, c->fd, c->buf, sizeof c->buf, 0);
  } else {
    io_uring_prep_send(sqe, c->fd, c->buf + c->off, c->len - c->off, MSG_NOSIGNAL);
  }
  io_uring_sqe_set_data64(sqe, reinterpret_cast<uintptr_t>(c) | op);
}

// Each connection has exactly one operation in flight, so it can go as soon as one fails.
void close_conn(Conn* c) {
  close(c->fd);
  delete c;
}

void on_accept(const io_uring_cqe* cqe) {
  if (cqe->res >= 0) {
    echo::set_nodelay(cqe->res);
    post(new Conn(cqe->res), op_recv);
  } else if (cqe->res == -EINVAL && multishot_accept) {
    multishot_accept = false;  // a kernel before 5.19
  }
  if (!(cqe->flags & IORING_CQE_F_MORE)) arm_accept();
}

void on_complete(const io_uring_cqe* cqe) {
  uintptr_t data = io_uring_cqe_get_data64(cqe);
  auto op = static_cast<Op>(data & op_mask);
  if (op == op_accept) return on_accept(cqe);
  auto* c = reinterpret_cast<Conn*>(data & ~op_mask);
  if (cqe->res <= 0) return close_conn(c);  // EOF or error
  if (op == op_recv) {
    c->off = 0;
    c->len = static_cast<unsigned>(cqe->res);
    return post(c, op_send);
  }
  c->off += static_cast<unsigned>(cqe->res);
  post(c, c->off < c->len ? op_send : op_recv);
}

// One thread submits and reaps, so the kernel may skip its cross-thread care (6.0, 6.1);
// older kernels get cooperative task work (5.19) or nothing.
void setup_ring() {
  const unsigned flag_sets[] = {IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
                                IORING_SETUP_COOP_TASKRUN, 0};
  for (unsigned flags : flag_sets) {
    io_uring_params p{};
    p.flags = flags;
    int r = io_uring_queue_init_params(2048, &ring, &p);
    if (r == 0) return;
    if (r != -EINVAL) {
      errno = -r;
      echo::die("io_uring_queue_init_params");
    }
  }
  echo::die("io_uring_queue_init_params");
}

}  // namespace

int main(int argc, char** argv) {
  listener = echo::listen_tcp(echo::port_arg(argc, argv), false);
  setup_ring();
  arm_accept();
  for (;;) {
    int r = io_uring_submit_and_wait(&ring, 1);
    if (r < 0 && r != -EINTR && r != -EAGAIN && r != -EBUSY) {
      errno = -r;
      echo::die("io_uring_submit_and_wait");
    }
    unsigned head, seen = 0;
    io_uring_cqe* cqe;
    io_uring_for_each_cqe(&ring, head, cqe) {
      on_complete(cqe);
      ++seen;
    }
    io_uring_cq_advance(&ring, seen);
  }
}
