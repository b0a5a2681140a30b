// Flows: a pipe between two fibers, copying between flows, and testing a parser with a
// scripted mock flow that delivers its input in awkward pieces.

#include <cstdio>
#include <string>

#include "eio/eio.hpp"

// Reads one length-prefixed frame: "<n>:<n bytes>". Written against eio::flow::Source, so
// it works on a socket, a pipe or a mock alike.
std::string read_frame(eio::flow::Source& src) {
  std::string len;
  char c;
  while (eio::flow::read_exact(src, std::span(&c, 1)), c != ':') len += c;
  std::string body(std::stoul(len), '\0');
  eio::flow::read_exact(src, body);
  return body;
}

int main() {
  return eio::run([](eio::Env& env) {
    eio::Switch::run([&](eio::Switch& sw) {
      // A pipe: one fiber writes frames, the other reads them.
      auto [source, sink] = eio::os::pipe(sw);
      eio::fiber::both(
          [&] {
            std::string_view frames[] = {"5:hello", "6:flows!"};
            sink.write(frames);  // one vectored write
            sink.close();        // the reader sees end-of-file after the frames
          },
          [&] {
            std::string a = read_frame(source);
            std::string b = read_frame(source);
            std::printf("pipe: %s %s\n", a.c_str(), b.c_str());
          });

      // The same parser against a peer that sends one byte, then the rest in two pieces.
      using eio::mock::Action;
      eio::mock::Flow peer("peer");
      peer.on_read({Action::give("1"), Action::give("1:split "), Action::give("frame")});
      std::string frame = read_frame(peer);
      std::printf("mock: %s after %zu reads\n", frame.c_str(), peer.log().size());

      // copy moves everything from a source to a sink; here to standard output, which
      // eio writes directly (unbuffered), so flush what printf still holds first.
      std::fflush(stdout);
      eio::flow::copy(eio::flow::string_source("copied to stdout\n"), env.std_out());
    });
    return 0;
  });
}
