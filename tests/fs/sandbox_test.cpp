// The sandbox escape suite: a directory opened with open_dir (or env.cwd()) must not let
// any operation reach outside it, whichever way the path tries: `..`, absolute paths,
// symlinks to `/` or to a sibling, relative chains that climb out, a symlink swapped in
// between two calls, magic links under /proc. Every refusal is `permission_denied`; a
// canary file and a sibling directory outside the sandbox prove nothing was read, written
// or removed. Each scenario runs on both backends, with openat2 and with the user-space
// walk used where openat2 is missing.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "fs/beneath.hpp"
#include "fs/fs_fixture.hpp"

namespace eio::test {
namespace {

class Sandbox_base : public Backends {
 public:
  Scratch_dir tmp;  // holds canary, sibling/secret, and sb (the sandbox)

  void SetUp() override {
    Backends::SetUp();
    tmp.write("canary", "canary");
    tmp.mkdir("sibling");
    tmp.write("sibling/secret", "secret");
    tmp.mkdir("sb/sub");
    tmp.write("sb/file", "inside");
    before_ = snapshot();
  }
  void TearDown() override {
    EXPECT_EQ(snapshot(), before_) << "something outside the sandbox changed";
    detail::force_walk_for_testing(false);
    Backends::TearDown();
  }

  // Runs `body(sandbox)` with the sandbox opened through env.fs().
  template <class F>
  void in_sandbox(F&& body) {
    run([&](Env& env) {
      path::with_open_dir(env.fs() / (tmp / "sb"), [&](Path& sb) { body(sb); });
    });
  }
  template <class F>
  void run_in(F&& fn) {
    run(std::forward<F>(fn));
  }

 private:
  // Everything outside the sandbox: names, kinds and contents.
  std::string snapshot() const {
    std::string s;
    for (const char* name : {"canary", "sibling/secret"}) s += tmp.read(name) + "|";
    for (const char* name : {"", "sibling"}) {
      std::vector<std::string> names;
      for (auto& e : std::filesystem::directory_iterator(tmp / name)) {
        names.push_back(e.path().filename().string());
      }
      std::sort(names.begin(), names.end());
      for (auto& n : names) s += n + ",";
      s += "|";
    }
    struct stat st;
    ::stat((tmp / "canary").c_str(), &st);
    s += std::to_string(st.st_mode) + "|" + std::to_string(st.st_nlink);
    return s;
  }
  std::string before_;
};

class Sandbox : public Sandbox_base {};
class Sandbox_walk : public Sandbox_base {
 public:
  void SetUp() override {
    Sandbox_base::SetUp();
    detail::force_walk_for_testing(true);
  }
};
EIO_TEST_ON_BOTH_BACKENDS(Sandbox);
EIO_TEST_ON_BOTH_BACKENDS(Sandbox_walk);

// One scenario, run by both fixtures.
#define SANDBOX_TEST(Name)               \
  void Name##_scenario(Sandbox_base& t); \
  TEST_P(Sandbox, Name) {                \
    Name##_scenario(*this);              \
  }                                      \
  TEST_P(Sandbox_walk, Name) {           \
    Name##_scenario(*this);              \
  }                                      \
  void Name##_scenario(Sandbox_base& t)

template <class F>
void expect_denied(F&& fn, const std::string& mentions) {
  std::string what;
  EXPECT_EQ(io_error_of(std::forward<F>(fn), &what), std::errc::permission_denied) << what;
  EXPECT_NE(what.find(mentions), std::string::npos) << what;
}

SANDBOX_TEST(DotDotAboveTheRootIsRefused) {
  t.in_sandbox([&](Path& sb) {
    expect_denied([&] { path::load(sb / "../canary"); }, "../canary");
    expect_denied([&] { path::load(sb / "sub/../../canary"); }, "sub/../../canary");
    expect_denied([&] { path::load(sb / ".."); }, "..");
    expect_denied([&] { path::read_dir(sb / "sub/../.."); }, "sub/../..");
    expect_denied(
        [&] { path::save(sb / "../canary", "x", {.create = path::Create::or_truncate(0644)}); },
        "../canary");
    EXPECT_EQ(path::load(sb / "sub/../file"), "inside");  // staying inside is fine
  });
}

SANDBOX_TEST(AbsolutePathsAreRefused) {
  t.in_sandbox([&](Path& sb) {
    expect_denied([&] { path::load(sb / (t.tmp / "canary")); }, "canary");
    expect_denied([&] { path::load(sb / "/etc/passwd"); }, "/etc/passwd");
    expect_denied([&] { path::stat(sb / "/"); }, "/");
  });
  t.run_in([&](Env& env) {
    expect_denied([&] { path::load(env.cwd() / "/etc/passwd"); }, "<cwd:/etc/passwd>");
    expect_denied([&] { path::stat(env.cwd() / "../../.."); }, "<cwd:../../..>");
  });
}

SANDBOX_TEST(SymlinksToRootOrSiblingAreRefused) {
  t.tmp.symlink("sb/root", "/");
  t.tmp.symlink("sb/sib_abs", t.tmp / "sibling");
  t.tmp.symlink("sb/sib_rel", "../sibling");
  t.in_sandbox([&](Path& sb) {
    expect_denied([&] { path::load(sb / "root/etc/passwd"); }, "root/etc/passwd");
    expect_denied([&] { path::load(sb / "sib_abs/secret"); }, "sib_abs/secret");
    expect_denied([&] { path::load(sb / "sib_rel/secret"); }, "sib_rel/secret");
    expect_denied([&] { path::read_dir(sb / "sib_rel"); }, "sib_rel");
    Switch::run(
        [&](Switch& sw) { expect_denied([&] { path::open_dir(sw, sb / "sib_rel"); }, "sib_rel"); });
  });
}

SANDBOX_TEST(RelativeChainsThatClimbOutAreRefused) {
  t.tmp.mkdir("sb/a/b");
  t.tmp.symlink("sb/a/b/up", "../../up2");       // -> sb/up2
  t.tmp.symlink("sb/up2", "sub/../../sibling");  // climbs out through a real dir
  t.tmp.symlink("sb/a/b/ok", "../../sub/../file");
  t.tmp.symlink("sb/loop1", "loop2");
  t.tmp.symlink("sb/loop2", "loop1");
  t.in_sandbox([&](Path& sb) {
    expect_denied([&] { path::load(sb / "a/b/up/secret"); }, "a/b/up/secret");
    EXPECT_EQ(path::load(sb / "a/b/ok"), "inside");  // a chain that stays inside resolves
    EXPECT_EQ(io_error_of([&] { path::load(sb / "loop1"); }),
              std::errc::too_many_symbolic_link_levels);
  });
}

SANDBOX_TEST(SymlinkSwappedInBetweenCallsIsRefused) {
  t.tmp.mkdir("sb/swap");
  t.tmp.write("sb/swap/secret", "decoy");
  t.in_sandbox([&](Path& sb) {
    EXPECT_EQ(path::load(sb / "swap/secret"), "decoy");
    std::filesystem::remove_all(t.tmp / "sb/swap");
    t.tmp.symlink("sb/swap", "../sibling");
    expect_denied([&] { path::load(sb / "swap/secret"); }, "swap/secret");
    expect_denied([&] { path::unlink(sb / "swap/secret"); }, "swap/secret");
    expect_denied(
        [&] { path::save(sb / "swap/new", "x", {.create = path::Create::if_missing(0644)}); },
        "swap/new");
  });
}

SANDBOX_TEST(MagicLinksAreRefused) {
  t.tmp.symlink("sb/magic", "/proc/self/root");
  t.in_sandbox([&](Path& sb) {
    expect_denied([&] { path::load(sb / "magic/etc/passwd"); }, "magic/etc/passwd");
  });
  t.run_in([&](Env& env) {
    path::with_open_dir(env.fs() / "/proc/self", [&](Path& proc) {
      expect_denied([&] { path::load(proc / "root/etc/passwd"); }, "root/etc/passwd");
      expect_denied([&] { path::read_dir(proc / "cwd"); }, "cwd");
      expect_denied([&] { path::stat(proc / "exe"); }, "exe");
    });
  });
}

SANDBOX_TEST(RenameSymlinkAndMkdirsOutsideAreRefused) {
  t.tmp.symlink("sb/sib", "../sibling");
  t.in_sandbox([&](Path& sb) {
    expect_denied([&] { path::rename(sb / "file", sb / "../moved"); }, "../moved");
    expect_denied([&] { path::rename(sb / "../canary", sb / "stolen"); }, "../canary");
    expect_denied([&] { path::rename(sb / "file", sb / "sib/moved"); }, "sib/moved");
    expect_denied([&] { path::symlink(sb / "../newlink", "x"); }, "../newlink");
    expect_denied([&] { path::symlink(sb / "sib/newlink", "x"); }, "sib/newlink");
    expect_denied([&] { path::mkdirs(sb / "../newdir/deeper"); }, "../newdir");
    expect_denied([&] { path::mkdirs(sb / "sib/newdir"); }, "sib/newdir");
    expect_denied([&] { path::mkdir(sb / "sub/../../newdir"); }, "sub/../../newdir");
    expect_denied([&] { path::hard_link(sb / "h", sb / "../canary"); }, "../canary");
    expect_denied([&] { path::hard_link(sb / "sib/h", sb / "file"); }, "sib/h");
  });
  EXPECT_TRUE(t.tmp.exists("sb/file"));
}

SANDBOX_TEST(MetadataCallsThroughEscapesAreRefused) {
  t.tmp.symlink("sb/out", "../canary");
  t.tmp.symlink("sb/sib", "../sibling");
  t.in_sandbox([&](Path& sb) {
    expect_denied([&] { path::chmod(sb / "../canary", 0600); }, "../canary");
    expect_denied([&] { path::chmod(sb / "out", 0600); }, "out");
    expect_denied([&] { path::chmod(sb / "sib/secret", 0600); }, "sib/secret");
    expect_denied([&] { path::chown(sb / "out", ::getuid(), ::getgid()); }, "out");
    expect_denied([&] { path::chown(sb / "../canary", ::getuid(), ::getgid(), {.follow = false}); },
                  "../canary");
    expect_denied([&] { path::stat(sb / "out"); }, "out");
    expect_denied([&] { path::stat(sb / "../canary", {.follow = false}); }, "../canary");
    expect_denied([&] { path::kind(sb / "out"); }, "out");
    expect_denied([&] { path::read_link(sb / "sib/anything"); }, "sib/anything");
    expect_denied([&] { path::rmtree(sb / "../sibling"); }, "../sibling");
    expect_denied([&] { path::rmtree(sb / "sib/secret"); }, "sib/secret");
    // The links themselves are inside: they may be looked at, and removed.
    EXPECT_EQ(path::kind(sb / "out", {.follow = false}), File_kind::symbolic_link);
    EXPECT_EQ(path::read_link(sb / "out"), "../canary");
    path::rmtree(sb / "sib");  // removes the link, not the sibling's contents
    path::unlink(sb / "out");
  });
  EXPECT_FALSE(t.tmp.exists("sb/sib"));
  EXPECT_FALSE(t.tmp.exists("sb/out"));
}

SANDBOX_TEST(SaveThroughADanglingSymlinkOutIsRefused) {
  t.tmp.symlink("sb/dangle_rel", "../created");
  t.tmp.symlink("sb/dangle_abs", t.tmp / "created");
  t.in_sandbox([&](Path& sb) {
    auto create = path::Create::if_missing(0644);
    expect_denied([&] { path::save(sb / "dangle_rel", "x", {.create = create}); }, "dangle_rel");
    expect_denied([&] { path::save(sb / "dangle_abs", "x", {.create = create}); }, "dangle_abs");
    // Exclusive creation never follows the link: the name exists.
    EXPECT_EQ(io_error_of([&] {
                path::save(sb / "dangle_rel", "x", {.create = path::Create::exclusive(0644)});
              }),
              std::errc::file_exists);
  });
  EXPECT_FALSE(t.tmp.exists("created"));
}

SANDBOX_TEST(InsideEverythingStillWorks) {
  t.tmp.symlink("sb/to_sub", "sub");
  t.tmp.symlink("sb/to_file", "./sub/../file");
  t.in_sandbox([&](Path& sb) {
    path::save(sb / "to_sub/new", "n", {.create = path::Create::exclusive(0644)});
    EXPECT_EQ(path::load(sb / "sub/new"), "n");
    EXPECT_EQ(path::load(sb / "to_file"), "inside");
    EXPECT_EQ(path::stat(sb / "to_file").size, 6u);
    path::chmod(sb / "to_file", 0600);
    EXPECT_EQ(path::stat(sb / "file").perm, 0600u);
    path::mkdirs(sb / "to_sub/x/y");
    path::rename(sb / "to_sub/x", sb / "x");
    EXPECT_TRUE(path::is_directory(sb / "x/y"));
    path::rmtree(sb / "x");
    EXPECT_EQ(path::read_dir(sb / "to_sub"), (std::vector<std::string>{"new"}));
    EXPECT_EQ(path::stat(sb / ".").kind, File_kind::directory);
    EXPECT_EQ(path::stat(sb / "sub/..").kind, File_kind::directory);
    Switch::run([&](Switch& sw) {
      Path inner = path::open_dir(sw, sb / "sub");
      EXPECT_EQ(path::load(inner / "new"), "n");
      expect_denied([&] { path::load(inner / "../file"); }, "../file");  // confined to sub now
    });
  });
}

}  // namespace
}  // namespace eio::test
