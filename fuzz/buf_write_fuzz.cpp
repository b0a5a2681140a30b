// libFuzzer target: Buf_write against its string model (buf_write_model.hpp). Built by the
// `fuzz` preset; `make fuzz` runs it.

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "buf_write_model.hpp"

// Most inputs throw many exceptions: recording a backtrace for each would halve the speed.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  ::setenv("EIO_BACKTRACE", "0", 1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  eio::fuzz::check_buf_write(data, size);
  return 0;
}
