#pragma once
// The process-wide flows behind env.std_in(), std_out(), std_err() and secure_random().

#include "eio/flow.hpp"

namespace eio::detail {

flow::Source& stdin_source();
flow::Sink& stdout_sink();
flow::Sink& stderr_sink();
flow::Source& secure_random_source();

}  // namespace eio::detail
