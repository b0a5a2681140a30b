// B5-lines: read 100 MB of 80-byte lines (79 characters and '\n') from a file in /tmp (made
// once, removed at exit), one line at a time, in GB/s (1e9 bytes of file per second).
//
// eio: eio::Buf_read over eio::os::Fd_source of open(2)'s descriptor, with line() (api=line,
// a new std::string per line), line_into() (api=line_into, one reused std::string, like
// std::getline) and line_view() (api=line_view, a view into the buffer), on
// both backends, with Buf_read's default options (initial_size=default: 4 KiB, doubling after
// two full reads in a row up to 64 KiB) and with {.initial_size = 65536}.
// Peers, in the same binary:
//   std-getline  std::getline on a std::ifstream into one reused std::string;
//   getline3     getline(3) on a FILE* into one reused malloc'd buffer.
// Every loop reads to the end of the file and checks the number of lines, their total
// length and the sum of each line's first byte. Each figure is the median of 5 repetitions,
// all the cases taking turns (bench::buf::Group). Run with impl names to run only those.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>

#include "bench_util.hpp"
#include "buf/buf_bench.hpp"
#include "eio/eio.hpp"

namespace {

using namespace bench::buf;

constexpr std::size_t kBytes = 100'000'000;
constexpr std::size_t kWidth = 80;  // with the '\n'
constexpr const char* kId = "B5-lines";

struct Tally {
  std::uint64_t lines = 0;
  std::uint64_t bytes = 0;  // without the '\n's
  std::uint64_t first = 0;  // sum of each line's first byte

  void add(std::string_view line) {
    ++lines;
    bytes += line.size();
    if (!line.empty()) first += static_cast<unsigned char>(line[0]);
  }
  bool operator==(const Tally&) const = default;
};

struct Input {
  Tally want;
  Temp_file file;
  explicit Input(const std::string& text) : want(tally(text)), file(text) {}
  static Tally tally(std::string_view text) {
    Tally t;
    while (!text.empty()) {
      std::size_t nl = text.find('\n');
      t.add(text.substr(0, nl));
      text.remove_prefix(nl + 1);
    }
    return t;
  }
};

void check(const char* impl, const Tally& got, const Tally& want) {
  if (got != want)
    wrong(impl, got.lines * 1'000'003 + got.first, want.lines * 1'000'003 + want.first);
  bench::keep(got);
}

double gbps(bench::Clock::time_point t0) {
  return static_cast<double>(kBytes) / bench::seconds_since(t0) / 1e9;
}

enum class Api { line, line_into, line_view };

double eio_lines(eio::Backend backend, const Input& in, Api api, std::size_t buf) {
  return eio::run(
      [&](eio::Env&) {
        return eio::Switch::run([&](eio::Switch& sw) {
          auto t0 = bench::Clock::now();
          eio::os::Fd_source src(eio::os::Fd(sw, in.file.open_read()));
          eio::Buf_read_options o;
          o.initial_size = buf;  // 0: the default
          eio::Buf_read r(src, o);
          Tally t;
          if (api == Api::line) {
            while (!r.at_end_of_input()) {
              std::string line = r.line();
              t.add(line);
            }
          } else if (api == Api::line_into) {
            std::string line;
            while (!r.at_end_of_input()) {
              r.line_into(line);
              t.add(line);
            }
          } else {
            while (!r.at_end_of_input()) t.add(r.line_view());
          }
          double v = gbps(t0);
          check("eio", t, in.want);
          return v;
        });
      },
      bench::run_options(backend));
}

double std_getline(const Input& in) {
  auto t0 = bench::Clock::now();
  std::ifstream f(in.file.path(), std::ios::binary);
  if (!f) die("ifstream");
  std::string line;
  Tally t;
  while (std::getline(f, line)) t.add(line);
  double v = gbps(t0);
  check("std-getline", t, in.want);
  return v;
}

double getline3(const Input& in) {
  auto t0 = bench::Clock::now();
  std::FILE* f = std::fopen(in.file.path(), "rb");
  if (f == nullptr) die("fopen");
  char* buf = nullptr;
  std::size_t cap = 0;
  Tally t;
  for (;;) {
    ssize_t n = ::getline(&buf, &cap, f);
    if (n < 0) break;
    std::size_t len = static_cast<std::size_t>(n);
    if (len > 0 && buf[len - 1] == '\n') --len;
    t.add(std::string_view(buf, len));
  }
  double v = gbps(t0);
  std::free(buf);
  std::fclose(f);
  check("getline3", t, in.want);
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  bench::Filter want(argc, argv);
  const int reps = bench::reps(5);
  static Input in(make_lines(kBytes, kWidth));  // static: its file is removed on exit() too
  const std::string p = "bytes=" + std::to_string(kBytes) + " line=" + std::to_string(kWidth);
  Group g(want, kId, "GB_per_s");
  for (Api api : {Api::line, Api::line_into, Api::line_view}) {
    const char* api_name = api == Api::line        ? "api=line "
                           : api == Api::line_into ? "api=line_into "
                                                   : "api=line_view ";
    for (std::size_t buf : {std::size_t{0}, kChunk}) {
      const std::string pb = std::string(api_name) + p + " initial_size=" +
                             (buf ? std::to_string(buf) : std::string("default"));
      for (const auto& impl : bench::eio_impls) {
        g.add(impl.name, pb, [&, impl, api, buf] { return eio_lines(impl.backend, in, api, buf); });
      }
    }
  }
  g.add("std-getline", p, [&] { return std_getline(in); });
  g.add("getline3", p, [&] { return getline3(in); });
  g.run(reps);
  return 0;
}
