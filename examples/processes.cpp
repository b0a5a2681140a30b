// Child processes: capturing output, feeding input, parsing output, exit statuses, and a
// switch that kills the child it owns.

#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include "eio/eio.hpp"

int main() {
  return eio::run([](eio::Env& env) {
    eio::process::Mgr& mgr = env.process_mgr();

    // Output into any sink; input from any source.
    eio::flow::Buffer_sink out;
    eio::flow::String_source in("hello processes\n");
    eio::process::run(mgr, {"tr", "a-z", "A-Z"}, {.stdin = in, .stdout = out});
    std::printf("tr: %s", out.str().c_str());

    // Output parsed as it arrives; the exit status is checked afterwards.
    auto lines = eio::process::parse_out(mgr,
                                         [](eio::Buf_read& r) {
                                           std::vector<std::string> v;
                                           while (!r.at_end_of_input()) v.push_back(r.line());
                                           return v;
                                         },
                                         {"sh", "-c", "echo one; echo two; echo three"});
    std::printf("parse_out: %zu lines, last \"%s\"\n", lines.size(), lines.back().c_str());

    // A failing child is an eio::process::Child_error naming the command.
    try {
      eio::process::run(mgr, {"sh", "-c", "exit 3"});
    } catch (const eio::process::Child_error& e) {
      std::printf("run: %s (%s)\n", e.status().to_string().c_str(), e.context().front().c_str());
    }

    // A child belongs to its switch: signal it, await it, or leave it to the switch.
    eio::Switch::run([&](eio::Switch& sw) {
      eio::process::Process p = eio::process::spawn(sw, mgr, {"sleep", "1000"});
      p.signal(SIGTERM);
      std::printf("spawn: %s\n", p.await().to_string().c_str());
      eio::process::spawn(sw, mgr, {"sleep", "1000"});  // killed when the switch finishes
    });
    std::printf("switch finished: no child left behind\n");
    return 0;
  });
}
