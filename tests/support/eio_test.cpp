#include "support/eio_test.hpp"

#include <dirent.h>

#include "core/scheduler.hpp"

namespace eio::test {

std::string Trace::str() const {
  std::string out;
  for (const auto& l : lines_) {
    if (!out.empty()) out += "\n";
    out += l;
  }
  return out;
}

std::size_t open_fd_count() {
  std::size_t n = 0;
  if (DIR* d = ::opendir("/proc/self/fd")) {
    while (::readdir(d) != nullptr) ++n;
    ::closedir(d);
  }
  return n;
}

std::size_t stranded_fiber_count() {
  return eio::detail::stranded_fibers.load(std::memory_order_relaxed);
}

void Backends::SetUp() {
  fds_before_ = open_fd_count();
  stranded_before_ = stranded_fiber_count();
}

void Backends::TearDown() {
  EXPECT_EQ(open_fd_count(), fds_before_) << "a file descriptor leaked";
  EXPECT_EQ(stranded_fiber_count(), stranded_before_) << "a fiber outlived eio::run";
}

std::string backend_label(const ::testing::TestParamInfo<eio::Backend>& info) {
  return info.param == eio::Backend::uring ? "uring" : "posix";
}

std::string what(const std::exception_ptr& e) {
  return eio::describe(e);
}

}  // namespace eio::test
