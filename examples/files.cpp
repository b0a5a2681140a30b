// Files and confined directories: a "site" directory handed to code that can reach only
// what is inside it.
//
// Prints:
//   site: index.html (13 bytes), notes.txt (3 lines)
//   notes: 3 lines, first "fibers"
//   header: <html>
//   escape refused: Permission denied
//   removed the site

#include <unistd.h>

#include <iostream>
#include <string>

#include "eio/eio.hpp"

namespace {

// Gets only `site`: it cannot name anything outside that directory.
void describe_site(const eio::Path& site) {
  std::cout << "site:";
  for (const eio::path::Dir_entry& e : eio::path::read_dir_entries(site)) {
    if (e.name == "notes.txt") {
      int lines = eio::path::with_lines(site / e.name, [](auto range) {
        int n = 0;
        for (const std::string& line : range) n += line.empty() ? 0 : 1;
        return n;
      });
      std::cout << " " << e.name << " (" << lines << " lines)";
    } else {
      std::cout << " " << e.name << " (" << eio::path::stat(site / e.name).size << " bytes),";
    }
  }
  std::cout << "\n";
}

}  // namespace

int main() {
  return eio::run([](eio::Env& env) {
    eio::Path root = env.fs() / ("/tmp/eio-files-example-" + std::to_string(::getpid()));
    eio::path::mkdirs(root / "site");
    eio::Switch::run([&](eio::Switch& sw) {
      eio::Path site = eio::path::open_dir(sw, root / "site");
      eio::path::save(site / "index.html", "<html></html>",
                      {.create = eio::path::Create::or_truncate(0644)});
      eio::path::save(site / "notes.txt", "fibers\nswitches\ncapabilities\n",
                      {.create = eio::path::Create::exclusive(0644)});
      describe_site(site);

      std::string notes = eio::path::load(site / "notes.txt");
      std::cout << "notes: 3 lines, first \"" << notes.substr(0, notes.find('\n')) << "\"\n";

      eio::File f = eio::path::open_in(sw, site / "index.html");
      char head[6];
      f.pread_exact(0, head);  // positioned: reads bytes 0..5
      std::cout << "header: " << std::string(head, 6) << "\n";

      try {
        eio::path::load(site / "../../etc/passwd");
      } catch (const eio::Io_error& e) {
        std::cout << "escape refused: " << e.code().message() << "\n";
      }
    });
    eio::path::rmtree(root);
    std::cout << "removed the site\n";
    return 0;
  });
}
