#pragma once
// The Buf_write fuzz check (after OCaml Eio's fuzz/fuzz_buf_write.ml): a fuzz input becomes
// an interleaving of writes (copied, viewed, formatted, integers), flushes, pauses, yields,
// close and abort, run through Buf_write::with_flow into a sink that yields part-way
// through its writes and may fail. The sink must receive exactly the concatenation of what
// was written, in order; each flush must return only once everything before it is in the
// sink. Shared by the libFuzzer target and the CTest replay.

#include <cstddef>
#include <cstdint>

namespace eio::fuzz {

/// Decodes `data` and checks Buf_write against the model inside eio::run (POSIX backend).
/// On a disagreement prints the scenario and what went wrong, then aborts.
void check_buf_write(const std::uint8_t* data, std::size_t size);

}  // namespace eio::fuzz
