// eio::File on both backends: positioned and streaming IO, metadata, truncation, sync,
// errors (ENOSPC, closed files), cancellation, and io_uring without file system opcodes.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "backends/uring/loop.hpp"
#include "fs/fs_fixture.hpp"

namespace eio::test {
namespace {

class Files : public Scratch_backends {
 protected:
  void TearDown() override {
    uring::hide_opcodes_for_testing(0);
    Scratch_backends::TearDown();
  }
};
EIO_TEST_ON_BOTH_BACKENDS(Files);

TEST_P(Files, PositionedReadsAndWritesLeaveThePositionAlone) {
  with_dir([&](Path& dir) {
    Switch::run([&](Switch& sw) {
      File f = path::open_out(sw, dir / "data", path::Create::exclusive(0644));
      f.write("hello world");
      EXPECT_EQ(f.seek(0, Seek_from::current), 11u);
      f.pwrite(6, "WORLD");
      f.pwrite(20, "tail");  // beyond the end: a hole of zeros
      EXPECT_EQ(f.seek(0, Seek_from::current), 11u);
      EXPECT_EQ(f.size(), 24u);
      char buf[5];
      f.pread_exact(6, buf);
      EXPECT_EQ(std::string(buf, 5), "WORLD");
      EXPECT_EQ(f.pread(22, buf), 2u);
      EXPECT_THROW(f.pread(24, buf), End_of_file);
      EXPECT_THROW(f.pread_exact(20, std::span<char>(buf, 5)), End_of_file);
      EXPECT_EQ(f.seek(0), 0u);
      std::string all = flow::read_all(f);
      EXPECT_EQ(all, std::string("hello WORLD") + std::string(9, '\0') + "tail");
      EXPECT_EQ(f.seek(-4, Seek_from::end), 20u);
    });
  });
}

TEST_P(Files, TruncateAllocateAndSync) {
  with_dir([&](Path& dir) {
    Switch::run([&](Switch& sw) {
      File f = path::open_out(sw, dir / "t", {.create = path::Create::or_truncate(0600)});
      f.write(std::string(10000, 'x'));
      f.truncate(100);
      EXPECT_EQ(f.stat().size, 100u);
      f.allocate(0, 1 << 20);
      EXPECT_EQ(f.size(), 1u << 20);
      f.sync();
      f.sync(true);
      Stat s = f.stat();
      EXPECT_EQ(s.kind, File_kind::regular_file);
      EXPECT_EQ(s.perm, 0600u);
    });
  });
}

TEST_P(Files, AppendModeWritesAtTheEnd) {
  tmp.write("log", "one\n");
  with_dir([&](Path& dir) {
    Switch::run([&](Switch& sw) {
      File f = path::open_out(sw, dir / "log", {.append = true});
      f.write("two\n");
      f.pwrite(0, "three\n");  // O_APPEND: Linux appends whatever the offset says
    });
    EXPECT_EQ(path::load(dir / "log"), "one\ntwo\nthree\n");
  });
}

TEST_P(Files, CopyingBetweenFilesKeepsEveryByte) {
  std::string data;
  for (int i = 0; i < 200000; ++i) data += static_cast<char>('a' + i % 26);
  tmp.write("src", data);
  with_dir([&](Path& dir) {
    Switch::run([&](Switch& sw) {
      File in = path::open_in(sw, dir / "src");
      File out = path::open_out(sw, dir / "dst", path::Create::exclusive(0644));
      out.copy_from(in);
    });
  });
  EXPECT_EQ(tmp.read("dst"), data);
}

TEST_P(Files, NoSpaceIsATypedError) {
  run([&](Env& env) {
    Switch::run([&](Switch& sw) {
      File full = path::open_out(sw, env.fs() / "/dev/full");
      std::string what;
      EXPECT_EQ(io_error_of([&] { full.write("x"); }, &what), std::errc::no_space_on_device);
    });
  });
}

TEST_P(Files, ReadOnlyFileRefusesWritesAndClosedFileThrows) {
  tmp.write("ro", "r");
  with_dir([&](Path& dir) {
    std::optional<File> kept;
    Switch::run([&](Switch& sw) {
      File f = path::open_in(sw, dir / "ro");
      EXPECT_EQ(io_error_of([&] { f.write("x"); }), std::errc::bad_file_descriptor);
      File g = path::open_in(sw, dir / "ro");
      g.close();
      EXPECT_THROW(g.stat(), Closed);
      kept.emplace(path::open_in(sw, dir / "ro"));
    });
    EXPECT_THROW(kept->pread(0, std::span<char>()), Closed);
  });
}

TEST_P(Files, ReadOnAFifoIsCancellable) {
  ASSERT_EQ(::mkfifo((tmp / "fifo").c_str(), 0600), 0);
  with_dir([&](Path& dir) {
    Switch::run([&](Switch& sw) {
      // Read-write, so the open does not wait for a writer.
      File f = path::open_out(sw, dir / "fifo");
      EXPECT_EQ(cancel_while_blocked([&] {
                  char c;
                  f.read_some(std::span<char>(&c, 1));
                }),
                "cancelled");
    });
  });
}

TEST_P(Files, ReadsAFileEvictedFromThePageCache) {
  std::string data;
  for (int i = 0; i < 1 << 20; ++i) data += static_cast<char>('a' + i % 23);
  tmp.write("cold", data);
  // Written back and dropped: reads must wait for the disk (on the POSIX backend, on a
  // helper thread after RWF_NOWAIT said EAGAIN).
  int fd = ::open((tmp / "cold").c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  ::fsync(fd);
  ASSERT_EQ(::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED), 0);
  ::close(fd);
  with_dir([&](Path& dir) {
    Switch::run([&](Switch& sw) {
      File f = path::open_in(sw, dir / "cold");
      std::string tail(100, '\0');
      f.pread_exact(data.size() - 100, tail);
      EXPECT_EQ(tail, data.substr(data.size() - 100));
      EXPECT_EQ(flow::read_all(f), data);
    });
  });
}

TEST_P(Files, UringWithoutFileSystemOpcodesUsesHelperThreads) {
  // Hide OPENAT2 .. FSYNC (Io_op kinds 9 to 16): the ring then emulates them.
  uring::hide_opcodes_for_testing(0x1ffu << 9);
  tmp.mkdir("sb");
  with_dir([&](Path& dir) {
    path::save(dir / "sb/f", "data", {.create = path::Create::exclusive(0644)});
    EXPECT_EQ(path::load(dir / "sb/f"), "data");
    path::mkdir(dir / "sb/d");
    path::rename(dir / "sb/d", dir / "sb/e");
    path::symlink(dir / "sb/l", "f");
    EXPECT_EQ(path::stat(dir / "sb/l").size, 4u);
    EXPECT_EQ(io_error_of([&] { path::load(dir / "sb/../../x"); }), std::errc::permission_denied);
    path::rmtree(dir / "sb");
    EXPECT_FALSE(tmp.exists("sb"));
  });
}

}  // namespace
}  // namespace eio::test
