#pragma once
// The Buf_read fuzz check (after OCaml Eio's fuzz/fuzz_buf_read.ml): a fuzz input becomes
// an input string, a chunking (the sizes successive reads return), reader options and a
// sequence of parser calls; every call runs on a real eio::Buf_read and on a plain-string
// model (buf_read_string_model.hpp), and their results, exceptions and consumed_bytes()
// must agree whatever the chunking. Shared by the libFuzzer target and the CTest replay.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "buf_read_string_model.hpp"

namespace eio::fuzz {

/// One scenario: what check_buf_read makes of a fuzz input, or a hand-written case.
struct Read_scenario {
  std::size_t max_size = 0;  // Buf_read_options for the source reader and eio::parse
  std::size_t initial_size = 0;
  int string_reader = 0;  // 0: of_string(std::string&&), 1: of_string(view), 2: of_buffer
  std::vector<std::size_t> chunks{};  // sizes of successive reads, cycled; empty: as asked
  std::string input{};
  std::vector<Read_op> ops{};
};

/// Checks Buf_read against the model on `scenario`: over a chunked flow::Source, over a
/// string (of_string / of_buffer), and through eio::parse / eio::parse_string. Needs no
/// eio::run. On a disagreement prints the scenario and the two outcomes, then aborts.
void check_buf_read(const Read_scenario& scenario);

/// Decodes `data` into a scenario (any bytes make one) and checks it.
void check_buf_read(const std::uint8_t* data, std::size_t size);

}  // namespace eio::fuzz
