// Path operations on both backends, after Eio's fs.md: creating, loading and saving files,
// directories, renames, links, metadata, listings and the errors each raises.

#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "fs/fs_fixture.hpp"

namespace eio::test {
namespace {

class Paths : public Scratch_backends {};
EIO_TEST_ON_BOTH_BACKENDS(Paths);

TEST_P(Paths, SaveAndLoadWithEachCreateMode) {
  with_dir([&](Path& dir) {
    Path f = dir / "test-file";
    EXPECT_EQ(io_error_of([&] { path::save(f, "x"); }), std::errc::no_such_file_or_directory);
    path::save(f, "first", {.create = path::Create::exclusive(0666)});
    EXPECT_EQ(io_error_of([&] { path::save(f, "x", {.create = path::Create::exclusive(0666)}); }),
              std::errc::file_exists);
    path::save(f, "FI", {.create = path::Create::if_missing(0666)});
    EXPECT_EQ(path::load(f), "FIrst");
    path::save(f, "new", {.create = path::Create::or_truncate(0666)});
    EXPECT_EQ(path::load(f), "new");
    path::save(f, "+more", {.create = path::Create::never, .append = true});
    EXPECT_EQ(path::load(f), "new+more");
    path::save(f, "!", {.append = true});
    EXPECT_EQ(tmp.read("test-file"), "new+more!");
  });
}

TEST_P(Paths, CreatedFilesGetThePermissionsAskedFor) {
  ::umask(022);
  with_dir([&](Path& dir) {
    path::save(dir / "private", "s", {.create = path::Create::exclusive(0600)});
    EXPECT_EQ(path::stat(dir / "private").perm, 0600u);
    path::chmod(dir / "private", 0640);
    EXPECT_EQ(path::stat(dir / "private").perm, 0640u);
  });
}

TEST_P(Paths, LoadsEmptyGrowingAndProcFiles) {
  tmp.write("empty", "");
  tmp.write("big", std::string(300000, 'b'));
  run([&](Env& env) {
    EXPECT_EQ(path::load(env.fs() / (tmp / "empty")), "");
    EXPECT_EQ(path::load(env.fs() / (tmp / "big")).size(), 300000u);
    // /proc files report size 0 but have contents.
    EXPECT_NE(path::load(env.fs() / "/proc/self/status").find("Name:"), std::string::npos);
  });
}

TEST_P(Paths, DirectoriesAreMadeListedAndRemoved) {
  with_dir([&](Path& dir) {
    path::mkdir(dir / "subdir");
    EXPECT_EQ(io_error_of([&] { path::mkdir(dir / "subdir"); }), std::errc::file_exists);
    path::mkdirs(dir / "a/b/c");
    path::mkdirs(dir / "a/b/c", {.exists_ok = true});
    EXPECT_EQ(io_error_of([&] { path::mkdirs(dir / "a/b/c"); }), std::errc::file_exists);
    path::save(dir / "a/file", "f", {.create = path::Create::exclusive(0644)});
    EXPECT_EQ(io_error_of([&] { path::mkdirs(dir / "a/file", {.exists_ok = true}); }),
              std::errc::file_exists);
    EXPECT_EQ(path::read_dir(dir), (std::vector<std::string>{"a", "subdir"}));
    EXPECT_EQ(path::read_dir(dir / "a"), (std::vector<std::string>{"b", "file"}));
    EXPECT_EQ(io_error_of([&] { path::rmdir(dir / "a"); }), std::errc::directory_not_empty);
    EXPECT_EQ(io_error_of([&] { path::read_dir(dir / "a/file"); }), std::errc::not_a_directory);
    path::rmdir(dir / "subdir");
    EXPECT_EQ(io_error_of([&] { path::rmdir(dir / "subdir"); }),
              std::errc::no_such_file_or_directory);
    path::rmtree(dir / "a");
    path::rmtree(dir / "a", {.missing_ok = true});
    EXPECT_EQ(io_error_of([&] { path::rmtree(dir / "a"); }), std::errc::no_such_file_or_directory);
    EXPECT_TRUE(path::read_dir(dir).empty());
  });
}

TEST_P(Paths, DirEntriesCarryKindsAndStreamInBatches) {
  tmp.mkdir("d");
  for (int i = 0; i < 2000; ++i) tmp.write("d/f" + std::to_string(i), "");
  tmp.mkdir("d/sub");
  tmp.symlink("d/link", "f1");
  with_dir([&](Path& dir) {
    int files = 0;
    std::vector<std::string> others;
    path::with_dir_entries(dir / "d", [&](const path::Dir_entry& e) {
      if (e.kind == File_kind::regular_file) {
        ++files;
      } else {
        others.push_back(e.name + ":" + to_string(e.kind));
      }
    });
    EXPECT_EQ(files, 2000);
    std::sort(others.begin(), others.end());
    EXPECT_EQ(others, (std::vector<std::string>{"link:symbolic_link", "sub:directory"}));
    auto entries = path::read_dir_entries(dir / "d");
    ASSERT_EQ(entries.size(), 2002u);
    EXPECT_EQ(entries.front().name, "f0");
  });
}

TEST_P(Paths, RenameMovesAndReplaces) {
  tmp.write("one", "1");
  tmp.write("two", "2");
  tmp.mkdir("sub");
  with_dir([&](Path& dir) {
    path::rename(dir / "one", dir / "sub/uno");
    EXPECT_EQ(path::load(dir / "sub/uno"), "1");
    path::rename(dir / "two", dir / "sub/uno");
    EXPECT_EQ(path::load(dir / "sub/uno"), "2");
    std::string what;
    EXPECT_EQ(io_error_of([&] { path::rename(dir / "missing", dir / "x"); }, &what),
              std::errc::no_such_file_or_directory);
    EXPECT_NE(what.find("missing"), std::string::npos) << what;
  });
}

TEST_P(Paths, SymlinksAndHardLinks) {
  tmp.write("target", "t");
  with_dir([&](Path& dir) {
    path::symlink(dir / "link", "target");
    EXPECT_EQ(path::read_link(dir / "link"), "target");
    EXPECT_EQ(path::load(dir / "link"), "t");
    EXPECT_EQ(path::kind(dir / "link", {.follow = false}), File_kind::symbolic_link);
    EXPECT_EQ(path::kind(dir / "link"), File_kind::regular_file);
    EXPECT_EQ(io_error_of([&] { path::read_link(dir / "target"); }), std::errc::invalid_argument);
    path::symlink(dir / "dangling", "nowhere");
    EXPECT_EQ(path::kind(dir / "dangling"), File_kind::not_found);
    EXPECT_FALSE(path::is_file(dir / "dangling"));
    path::hard_link(dir / "hard", dir / "target");
    EXPECT_EQ(path::stat(dir / "target").nlink, 2u);
    path::unlink(dir / "link");
    EXPECT_TRUE(tmp.exists("target"));
    EXPECT_EQ(io_error_of([&] { path::chmod(dir / "dangling", 0600, {.follow = false}); }),
              std::errc::operation_not_supported);
  });
}

TEST_P(Paths, StatReportsKindsSizesAndTimes) {
  tmp.write("file", "12345");
  tmp.mkdir("dir");
  with_dir([&](Path& dir) {
    Stat s = path::stat(dir / "file");
    EXPECT_EQ(s.kind, File_kind::regular_file);
    EXPECT_EQ(s.size, 5u);
    EXPECT_EQ(s.nlink, 1u);
    EXPECT_EQ(s.uid, ::getuid());
    EXPECT_GT(s.mtime.time_since_epoch().count(), 0);
    EXPECT_TRUE(path::is_directory(dir / "dir"));
    EXPECT_TRUE(path::is_file(dir / "file"));
    EXPECT_FALSE(path::is_directory(dir / "file"));
    EXPECT_EQ(path::kind(dir / "nothing"), File_kind::not_found);
    EXPECT_EQ(path::stat(dir).kind, File_kind::directory);
    EXPECT_EQ(io_error_of([&] { path::stat(dir / "nothing"); }),
              std::errc::no_such_file_or_directory);
  });
  run([&](Env& env) {
    EXPECT_EQ(path::kind(env.fs() / "/dev/null"), File_kind::character_special);
  });
}

TEST_P(Paths, ChownToOurselvesSucceeds) {
  tmp.write("file", "");
  with_dir([&](Path& dir) {
    path::chown(dir / "file", ::getuid(), ::getgid());
    path::chown(dir / "file", static_cast<std::uint32_t>(-1), ::getgid(), {.follow = false});
    EXPECT_EQ(path::stat(dir / "file").gid, ::getgid());
  });
}

TEST_P(Paths, WithLinesReadsLineByLine) {
  tmp.write("lines", "one\ntwo\r\nthree");
  with_dir([&](Path& dir) {
    std::vector<std::string> got;
    path::with_lines(dir / "lines", [&](auto lines) {
      for (const std::string& l : lines) got.push_back(l);
    });
    EXPECT_EQ(got, (std::vector<std::string>{"one", "two", "three"}));
  });
}

TEST_P(Paths, NamesSplitsAndNativePaths) {
  run([&](Env& env) {
    Path p = env.fs() / "/srv" / "www" / "index.html";
    EXPECT_EQ(p.to_string(), "<fs:/srv/www/index.html>");
    EXPECT_EQ(p.native(), "/srv/www/index.html");
    EXPECT_EQ((env.cwd() / "a" / "b").to_string(), "<cwd:a/b>");
    EXPECT_EQ((env.cwd() / "a" / "/abs").relative(), "/abs");
    auto s = path::split(p);
    ASSERT_TRUE(s.has_value());
    EXPECT_EQ(s->first.relative(), "/srv/www");
    EXPECT_EQ(s->second, "index.html");
    EXPECT_EQ(path::split(env.cwd() / "top/")->second, "top");
    EXPECT_EQ(path::split(env.cwd() / "top")->first.relative(), ".");
    EXPECT_FALSE(path::split(env.fs()).has_value());
    EXPECT_FALSE(path::split(env.cwd()).has_value());
    EXPECT_FALSE(env.fs().is_confined());
    EXPECT_TRUE(env.cwd().is_confined());
    path::with_open_dir(env.fs() / tmp.path(), [&](Path& dir) {
      EXPECT_EQ((dir / "x").native(), tmp / "x");
      EXPECT_EQ((dir / "x").to_string(), "<dir:" + tmp.path() + ":x>");
    });
  });
}

TEST_P(Paths, ErrorsNameThePathAsWritten) {
  with_dir([&](Path& dir) {
    std::string what;
    EXPECT_EQ(io_error_of([&] { path::load(dir / "conf/app.ini"); }, &what),
              std::errc::no_such_file_or_directory);
    EXPECT_NE(what.find("opening <dir:" + tmp.path() + ":conf/app.ini>"), std::string::npos)
        << what;
  });
}

TEST_P(Paths, OpenDirOnAFileIsNotADirectory) {
  tmp.write("file", "");
  run([&](Env& env) {
    Switch::run([&](Switch& sw) {
      EXPECT_EQ(io_error_of([&] { path::open_dir(sw, env.fs() / (tmp / "file")); }),
                std::errc::not_a_directory);
    });
  });
}

TEST_P(Paths, DirectoryClosedWithItsSwitch) {
  tmp.write("file", "x");
  run([&](Env& env) {
    std::optional<Path> kept;
    Switch::run([&](Switch& sw) { kept = path::open_dir(sw, env.fs() / tmp.path()); });
    EXPECT_THROW(path::load(*kept / "file"), Closed);
  });
}

TEST_P(Paths, WithFunctionsCloseWhatTheyOpen) {
  with_dir([&](Path& dir) {
    std::size_t n = path::with_open_out(dir / "w", path::Create::exclusive(0644), [](File& f) {
      f.write("abc");
      return f.size();
    });
    EXPECT_EQ(n, 3u);
    n = path::with_open_out(dir / "w", {.append = true}, [](File& f) {
      f.write("d");
      return f.size();
    });
    EXPECT_EQ(n, 4u);
    EXPECT_EQ(path::with_open_in(dir / "w", [](File& f) { return flow::read_all(f); }), "abcd");
    EXPECT_THROW(
        path::with_open_in(dir / "w", [](File&) -> int { throw std::runtime_error("inside"); }),
        std::runtime_error);
    path::with_subtree(dir, [&](Path& sub) { EXPECT_EQ(path::load(sub / "w"), "abcd"); });
  });
}

TEST_P(Paths, WrongKindsGiveTypedErrors) {
  tmp.mkdir("dir");
  tmp.write("file", "f");
  with_dir([&](Path& dir) {
    EXPECT_EQ(io_error_of([&] { path::unlink(dir / "dir"); }), std::errc::is_a_directory);
    EXPECT_EQ(io_error_of([&] { path::rmdir(dir / "file"); }), std::errc::not_a_directory);
    EXPECT_EQ(io_error_of([&] { path::mkdir(dir / "file/sub"); }), std::errc::not_a_directory);
    EXPECT_EQ(io_error_of([&] { path::load(dir / "dir"); }), std::errc::is_a_directory);
    EXPECT_EQ(io_error_of([&] {
                path::save(dir / "dir", "x", {.create = path::Create::if_missing(0644)});
              }),
              std::errc::is_a_directory);
    EXPECT_EQ(io_error_of([&] { path::read_dir(dir / "missing"); }),
              std::errc::no_such_file_or_directory);
    EXPECT_EQ(io_error_of([&] { path::mkdir(dir / "."); }), std::errc::file_exists);
    EXPECT_EQ(io_error_of([&] { path::rename(dir / "dir", dir / "dir/inside"); }),
              std::errc::invalid_argument);
  });
}

}  // namespace
}  // namespace eio::test
