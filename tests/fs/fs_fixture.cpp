#include "fs/fs_fixture.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace eio::test {

Scratch_dir::Scratch_dir() {
  char tmpl[] = "/tmp/eio-fs-test-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

Scratch_dir::~Scratch_dir() {
  std::error_code ec;
  // Tests may leave read-only directories behind: make everything removable first.
  for (auto it = std::filesystem::recursive_directory_iterator(path_, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_directory(ec) && !it->is_symlink(ec)) ::chmod(it->path().c_str(), 0755);
  }
  std::filesystem::remove_all(path_, ec);
}

void Scratch_dir::write(const std::string& rel, const std::string& data) const {
  std::ofstream(*this / rel, std::ios::binary) << data;
}

std::string Scratch_dir::read(const std::string& rel) const {
  std::ifstream in(*this / rel, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void Scratch_dir::mkdir(const std::string& rel) const {
  std::filesystem::create_directories(*this / rel);
}

void Scratch_dir::symlink(const std::string& rel, const std::string& target) const {
  if (::symlink(target.c_str(), (*this / rel).c_str()) != 0) {
    throw std::runtime_error("symlink failed: " + rel);
  }
}

bool Scratch_dir::exists(const std::string& rel) const {
  struct stat st;
  return ::lstat((*this / rel).c_str(), &st) == 0;
}

}  // namespace eio::test
