// Buffered IO: parse a request with Buf_read parsers composed as plain C++ functions, and
// answer through a Buf_write that batches small writes into one vectored write.

#include <cstdio>
#include <map>
#include <string>

#include "eio/eio.hpp"

struct Request {
  std::string method, path;
  std::map<std::string, std::string> headers;
};

// A parser is any callable taking a Buf_read&: ordinary functions compose them.
Request parse_request(eio::Buf_read& r) {
  Request req;
  req.method = r.take_while1([](char c) { return c >= 'A' && c <= 'Z'; });
  r.expect_char(' ');
  req.path = r.take_while1([](char c) { return c != ' '; });
  r.expect_string(" HTTP/1.1");
  r.line();  // the rest of the request line: "" after a "\r\n"
  for (const std::string& header : r.lines()) {
    if (header.empty()) break;  // a blank line ends the headers
    auto colon = header.find(':');
    if (colon == std::string::npos) throw eio::Parse_error("header without ':'", 0);
    req.headers[header.substr(0, colon)] = header.substr(header.find_first_not_of(' ', colon + 1));
  }
  return req;
}

int main() {
  return eio::run([](eio::Env&) {
    eio::Switch::run([](eio::Switch& sw) {
      auto [source, sink] = eio::os::pipe(sw);
      eio::fiber::both(
          [&] {
            // The client sends its request in awkward pieces; the parser does not care.
            for (std::string_view piece :
                 {"GET /ind", "ex.html HTTP/1.1\r\nHo", "st: example\r", "\nAccept: */*\r\n\r\n"}) {
              sink.write(piece);
            }
            sink.close();
          },
          [&] {
            eio::Buf_read r(source, {.max_size = 8192});
            Request req = parse_request(r);
            std::printf("request: %s %s, %zu headers, host %s\n", req.method.c_str(),
                        req.path.c_str(), req.headers.size(), req.headers["Host"].c_str());
          });

      // Malformed input is a Parse_error naming the offset and what was expected.
      try {
        eio::parse_string(parse_request, "GET /x HTTP/1.0\r\n\r\n");
      } catch (const eio::Parse_error& e) {
        std::printf("bad request: %s\n", e.what());
      }

      // Twenty small writes become one write to the sink.
      struct Counting_sink : eio::flow::Sink {
        std::string data;
        int writes = 0;
        void do_write(std::span<const std::string_view> bufs) override {
          ++writes;
          for (std::string_view b : bufs) data += b;
        }
      } out;
      eio::Buf_write::with_flow(out, [](eio::Buf_write& w) {
        w.write("HTTP/1.1 200 OK\r\n");
        for (int i = 0; i < 18; ++i) w.printf("X-Header-%d: %d\r\n", i, i * i);
        w.write("\r\n");
      });
      std::printf("response: %zu bytes in %d sink write(s)\n", out.data.size(), out.writes);
    });
    return 0;
  });
}
