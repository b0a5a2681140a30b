// B6 peer: a libuv echo server, one loop.
//     echo_libuv <port>   serves 127.0.0.1:<port>; SIGTERM's default action ends it.
// Each read is echoed with uv_try_write, as a libuv server in a hurry does; only what the
// socket does not take at once is copied and queued with uv_write (which keeps the order).

#include <uv.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

namespace {

struct Conn {
  uv_tcp_t tcp;
  char buf[4096];
};

struct Pending_write {
  uv_write_t req;
  char data[4096];
};

void check(int r, const char* what) {
  if (r < 0) {
    std::fprintf(stderr, "echo_libuv: %s: %s\n", what, uv_strerror(r));
    std::exit(1);
  }
}

void on_close(uv_handle_t* h) {
  delete static_cast<Conn*>(h->data);
}

void close_conn(uv_stream_t* s) {
  if (!uv_is_closing(reinterpret_cast<uv_handle_t*>(s))) {
    uv_close(reinterpret_cast<uv_handle_t*>(s), on_close);
  }
}

void on_alloc(uv_handle_t* h, std::size_t, uv_buf_t* buf) {
  auto* c = static_cast<Conn*>(h->data);
  *buf = uv_buf_init(c->buf, sizeof c->buf);
}

void on_write(uv_write_t* req, int status) {
  auto* w = reinterpret_cast<Pending_write*>(req);
  if (status < 0) close_conn(req->handle);
  delete w;
}

void on_read(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
  if (nread < 0) return close_conn(s);  // UV_EOF or an error
  if (nread == 0) return;               // EAGAIN
  uv_buf_t out = uv_buf_init(buf->base, static_cast<unsigned>(nread));
  int n = uv_try_write(s, &out, 1);
  if (n == nread) return;
  if (n < 0 && n != UV_EAGAIN) return close_conn(s);
  std::size_t done = n < 0 ? 0 : static_cast<std::size_t>(n);
  auto* w = new Pending_write;
  std::size_t rest = static_cast<std::size_t>(nread) - done;
  std::memcpy(w->data, buf->base + done, rest);
  uv_buf_t pending = uv_buf_init(w->data, static_cast<unsigned>(rest));
  check(uv_write(&w->req, s, &pending, 1, on_write), "uv_write");
}

void on_connection(uv_stream_t* server, int status) {
  check(status, "listen");
  auto* c = new Conn;
  check(uv_tcp_init(server->loop, &c->tcp), "uv_tcp_init");
  c->tcp.data = c;
  auto* s = reinterpret_cast<uv_stream_t*>(&c->tcp);
  if (uv_accept(server, s) < 0) return close_conn(s);
  uv_tcp_nodelay(&c->tcp, 1);
  check(uv_read_start(s, on_alloc, on_read), "uv_read_start");
}

}  // namespace

int main(int argc, char** argv) {
  long port = argc == 2 ? std::strtol(argv[1], nullptr, 10) : 0;
  if (port <= 0 || port > 65535) {
    std::fprintf(stderr, "usage: %s <port>   (serves 127.0.0.1:<port> until SIGTERM)\n", argv[0]);
    return 2;
  }
  uv_loop_t* loop = uv_default_loop();
  uv_tcp_t server;
  check(uv_tcp_init(loop, &server), "uv_tcp_init");
  sockaddr_in addr;
  check(uv_ip4_addr("127.0.0.1", static_cast<int>(port), &addr), "uv_ip4_addr");
  // libuv sets SO_REUSEADDR on bind.
  check(uv_tcp_bind(&server, reinterpret_cast<const sockaddr*>(&addr), 0), "uv_tcp_bind");
  check(uv_listen(reinterpret_cast<uv_stream_t*>(&server), SOMAXCONN, on_connection), "uv_listen");
  return uv_run(loop, UV_RUN_DEFAULT);
}
