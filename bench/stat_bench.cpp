// B11 stat: stat every file of a tree of 100,000 files, in thousands of stats per second.
//
// The tree is /tmp/eio-b11-tree/dNN/fNNNN: 100 directories of 1000 empty files (made once
// if d99/f0999 is missing; kept for later runs). Before measuring, the parent stats every
// file once (warm dentry and inode caches). Each case stats all 100,000 files (timed,
// including the making of each eio::Path); `fibers` is how many fibers (for eio: each
// takes a contiguous slice) or requests in flight (for liburing: a completed request is
// followed by the next file) share the work.
//
//   eio-uring, eio-posix  mode=fs: eio::path::stat(env.fs() / "/tmp/eio-b11-tree/dNN/fNNNN")
//                         (unconfined: one statx); mode=dir: `dir = eio::path::open_dir(sw,
//                         env.fs() / "/tmp/eio-b11-tree")` once, then stat(dir / "dNN/fNNNN")
//                         (confined, following symlinks: openat2(O_PATH, RESOLVE_BENEATH),
//                         statx of that descriptor, close). fibers=1 and fibers=16.
//   fstatat               mode=fs: fstatat(AT_FDCWD, absolute path, &st, 0), the peer of
//                         the issue; mode=dir: fstatat(dir_fd, "dNN/fNNNN", &st, 0).
//   openat2-statx         mode=dir: the confined stat done by hand, openat2(dir_fd,
//                         "dNN/fNNNN", O_PATH, RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS),
//                         statx(fd, "", AT_EMPTY_PATH), close: what eio's mode=dir does.
//   liburing-statx        mode=fs: raw liburing, io_uring_prep_statx of the absolute path,
//                         1 or 16 requests in flight: what io_uring itself costs (the
//                         ring set up as eio's: SINGLE_ISSUER | DEFER_TASKRUN).
//
// Each case checks the sum of the inode numbers against the warm-up's. Each figure is the
// median of 5 repetitions, the cases taking turns, each repetition in a fresh process
// (bench/turns.hpp); the range goes to stderr. Run with impl names to run only those;
// BENCH_REPS=n changes the repetitions.

#include <fcntl.h>
#include <liburing.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "eio/eio.hpp"
#include "file/file_bench.hpp"

namespace {

using bench::file::die;
using bench::file::fail;

constexpr const char* kRoot = "/tmp/eio-b11-tree";
constexpr int kDirs = 100;
constexpr int kPerDir = 1000;
constexpr std::size_t kFiles = std::size_t{kDirs} * kPerDir;
constexpr const char* kId = "B11-stat";

std::vector<std::string> g_rel;  // "dNN/fNNNN"
std::vector<std::string> g_abs;  // "/tmp/eio-b11-tree/dNN/fNNNN"
std::uint64_t g_ino_sum = 0;

void make_names() {
  char name[32];
  for (int d = 0; d < kDirs; ++d) {
    for (int f = 0; f < kPerDir; ++f) {
      std::snprintf(name, sizeof name, "d%02d/f%04d", d, f);
      g_rel.emplace_back(name);
      g_abs.push_back(std::string(kRoot) + "/" + name);
    }
  }
}

// Makes the tree in order, so that its last file existing means it is complete.
void ensure_tree() {
  if (::access(g_abs.back().c_str(), F_OK) == 0) return;
  std::fprintf(stderr, "# %s: making %s (100,000 files)\n", kId, kRoot);
  if (::mkdir(kRoot, 0755) != 0 && errno != EEXIST) die(kRoot);
  for (std::size_t i = 0; i < kFiles; ++i) {
    if (i % kPerDir == 0) {
      std::string dir = g_abs[i].substr(0, g_abs[i].rfind('/'));
      if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) die(dir.c_str());
    }
    int fd = ::open(g_abs[i].c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) die(g_abs[i].c_str());
    ::close(fd);
  }
}

void warm_up() {
  for (const std::string& p : g_abs) {
    struct stat st;
    if (::fstatat(AT_FDCWD, p.c_str(), &st, 0) != 0) die(p.c_str());
    g_ino_sum += st.st_ino;
  }
}

double kstat_per_s(const char* impl, std::uint64_t ino_sum, double seconds) {
  if (ino_sum != g_ino_sum) fail(impl, "saw other inode numbers");
  return static_cast<double>(kFiles) / seconds / 1e3;
}

int open_root() {
  int fd = ::open(kRoot, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) die(kRoot);
  return fd;
}

double plain_fstatat(bool relative, const char* impl) {
  int dir = relative ? open_root() : AT_FDCWD;
  const std::vector<std::string>& names = relative ? g_rel : g_abs;
  std::uint64_t sum = 0;
  auto t0 = bench::Clock::now();
  for (const std::string& p : names) {
    struct stat st;
    if (::fstatat(dir, p.c_str(), &st, 0) != 0) die(p.c_str());
    sum += st.st_ino;
  }
  double seconds = bench::seconds_since(t0);
  if (relative) ::close(dir);
  return kstat_per_s(impl, sum, seconds);
}

double openat2_statx() {
  int dir = open_root();
  open_how how{};
  how.flags = O_PATH | O_CLOEXEC;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  std::uint64_t sum = 0;
  auto t0 = bench::Clock::now();
  for (const std::string& p : g_rel) {
    long fd = ::syscall(SYS_openat2, dir, p.c_str(), &how, sizeof how);
    if (fd < 0) die("openat2");
    struct statx sx;
    if (::statx(static_cast<int>(fd), "", AT_EMPTY_PATH, STATX_BASIC_STATS, &sx) != 0) {
      die("statx");
    }
    ::close(static_cast<int>(fd));
    sum += sx.stx_ino;
  }
  double seconds = bench::seconds_since(t0);
  ::close(dir);
  return kstat_per_s("openat2-statx", sum, seconds);
}

// `depth` statx requests in flight; request k's slot starts the next file when it completes.
double raw_liburing(unsigned depth) {
  io_uring ring;
  bench::file::ring_init(ring, depth);
  std::vector<struct statx> out(depth);
  std::uint64_t sum = 0;
  std::size_t next = 0;
  unsigned in_flight = 0;
  auto submit = [&](unsigned k) {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring);
    io_uring_prep_statx(sqe, AT_FDCWD, g_abs[next].c_str(), 0, STATX_BASIC_STATS, &out[k]);
    io_uring_sqe_set_data64(sqe, k);
    ++next;
    ++in_flight;
  };
  auto t0 = bench::Clock::now();
  for (unsigned k = 0; k < depth && next < kFiles; ++k) submit(k);
  while (in_flight > 0) {
    if (int r = io_uring_submit_and_wait(&ring, 1); r < 0) {
      errno = -r;
      die("io_uring_submit_and_wait");
    }
    io_uring_cqe* cqe;
    unsigned head, seen = 0;
    io_uring_for_each_cqe(&ring, head, cqe) {
      ++seen;
      --in_flight;
      if (cqe->res < 0) {
        errno = -cqe->res;
        die("io_uring statx");
      }
      auto k = static_cast<unsigned>(io_uring_cqe_get_data64(cqe));
      sum += out[k].stx_ino;
      if (next < kFiles) submit(k);
    }
    io_uring_cq_advance(&ring, seen);
  }
  double seconds = bench::seconds_since(t0);
  io_uring_queue_exit(&ring);
  return kstat_per_s("liburing-statx", sum, seconds);
}

// eio: `fibers` fibers, fiber k statting files [k * n / fibers, (k + 1) * n / fibers).
double eio_stat(eio::Backend backend, bool confined, unsigned fibers, const char* impl) {
  std::uint64_t sum = 0;
  double seconds = eio::run(
      [&](eio::Env& env) {
        auto t0 = bench::Clock::now();
        eio::Switch::run([&](eio::Switch& sw) {
          eio::Path base = confined ? eio::path::open_dir(sw, env.fs() / kRoot) : env.fs();
          const std::vector<std::string>& names = confined ? g_rel : g_abs;
          auto slice = [&](std::size_t from, std::size_t to) {
            for (std::size_t i = from; i < to; ++i) sum += eio::path::stat(base / names[i]).ino;
          };
          if (fibers == 1) {
            slice(0, kFiles);
            return;
          }
          eio::Switch::run([&](eio::Switch& workers) {
            for (unsigned k = 0; k < fibers; ++k) {
              eio::fiber::fork(workers,
                               [&, k] { slice(k * kFiles / fibers, (k + 1) * kFiles / fibers); });
            }
          });
        });
        return bench::seconds_since(t0);
      },
      bench::run_options(backend));
  return kstat_per_s(impl, sum, seconds);
}

}  // namespace

int main(int argc, char** argv) {
  bench::Filter want(argc, argv);
  make_names();
  ensure_tree();
  warm_up();
  bench::file::Turns group(want, kId, "kstat/s");
  const std::string common = "files=" + std::to_string(kFiles) + " ";
  for (unsigned fibers : {1u, 16u}) {
    for (bool confined : {false, true}) {
      for (const auto& impl : bench::eio_impls) {
        const char* name = impl.name;
        eio::Backend b = impl.backend;
        std::string params =
            common + (confined ? "mode=dir" : "mode=fs") + " fibers=" + std::to_string(fibers);
        group.add(name, params, [=] { return eio_stat(b, confined, fibers, name); });
      }
    }
  }
  group.add("fstatat", common + "mode=fs fibers=1", [] { return plain_fstatat(false, "fstatat"); });
  group.add("fstatat", common + "mode=dir fibers=1", [] { return plain_fstatat(true, "fstatat"); });
  group.add("openat2-statx", common + "mode=dir fibers=1", [] { return openat2_statx(); });
  group.add("liburing-statx", common + "mode=fs fibers=1", [] { return raw_liburing(1); });
  group.add("liburing-statx", common + "mode=fs fibers=16", [] { return raw_liburing(16); });
  group.run(bench::reps(5));
  return 0;
}
