#pragma once
// A scripted flow for tests (Eio_mock.Flow): every read and write does what the test
// said, in order, and is logged, so short reads, partial writes, end-of-file mid-frame,
// hang-ups and slow peers can be tested exactly.
//
//   eio::mock::Flow peer("peer");
//   peer.on_read({eio::mock::Action::give("HTTP/1.1 2"), eio::mock::Action::give("00 OK\r\n"),
//                 eio::mock::Action::end_of_file()});
//   peer.on_write({eio::mock::Action::take(3), eio::mock::Action::take_all()});

#include <cstddef>
#include <exception>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "eio/flow.hpp"
#include "eio/promise.hpp"

namespace eio::mock {

/// One step of a mock flow's script: what the next read or write call does.
class Action {
 public:
  /// Read: return these bytes (if the caller's buffer is smaller, the rest is returned by
  /// the following reads before the script moves on).
  static Action give(std::string bytes);
  /// Read: throw eio::End_of_file.
  static Action end_of_file();
  /// Write: accept the first `n` bytes offered (a partial write); the writer goes on with
  /// the rest, which the next action handles.
  static Action take(std::size_t n);
  /// Write: accept everything offered.
  static Action take_all();
  /// Read or write: throw `error` (for example an Io_error with `connection_reset`).
  static Action fail(std::exception_ptr error);
  /// Read or write: suspend until `released` is resolved (a cancellation point), then
  /// carry out the next action.
  static Action wait_for(Promise<void> released);
  /// Read or write: yield to other fibers first, then carry out `then`.
  static Action yield_then(Action then);

 private:
  friend class Flow;
  enum class Kind { give, end_of_file, take, take_all, fail, wait_for };
  Kind kind_ = Kind::take_all;
  std::string bytes_;
  std::size_t n_ = 0;
  std::exception_ptr error_;
  std::optional<Promise<void>> released_;
  bool yield_first_ = false;
};

/// A two-way flow driven by scripts. With its read script empty, reads see end-of-file;
/// with its write script empty, writes are taken whole. A write action in the read script
/// (or the reverse) throws std::logic_error. Every call is logged
/// ("peer: read \"abc\"", "peer: wrote \"ab\"", "peer: shutdown send"). Domain-local.
class Flow final : public flow::Two_way {
 public:
  /// `name` prefixes the log lines; `shared_log`, if given, receives them too, so several
  /// mocks can write one transcript.
  explicit Flow(std::string name, std::vector<std::string>* shared_log = nullptr);

  /// Appends to the read script.
  void on_read(std::vector<Action> actions);
  /// Appends to the write script.
  void on_write(std::vector<Action> actions);
  /// Everything writes delivered, in order.
  const std::string& written() const noexcept { return written_; }
  /// This flow's log lines.
  const std::vector<std::string>& log() const noexcept { return log_; }

 protected:
  std::size_t do_read_some(std::span<char> buf) override;
  void do_write(std::span<const std::string_view> bufs) override;
  void do_shutdown(flow::Shutdown how) override;

 private:
  // Runs the waits and yields at the head of `script`; returns its first real action, or
  // null once the script has run out.
  Action* next(std::vector<Action>& script, std::size_t& pos);
  void say(std::string line);

  std::string name_;
  std::vector<std::string>* shared_log_;
  std::vector<std::string> log_;
  std::vector<Action> reads_;
  std::size_t read_pos_ = 0;
  std::vector<Action> writes_;
  std::size_t write_pos_ = 0;
  std::string written_;
};

}  // namespace eio::mock
