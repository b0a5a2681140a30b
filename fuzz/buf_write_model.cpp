// The Buf_write fuzz check. The model is a string of everything written so far (the
// expected output) and the writer's documented state (paused, closed, aborted, failed); the
// sink checks every byte it receives against that string as it arrives, and the writer
// checks what each call returned or threw.

#include "buf_write_model.hpp"

#include <cstdarg>
#include <cstdio>
#include <deque>
#include <exception>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "eio/buf_write.hpp"
#include "eio/cancel.hpp"
#include "eio/errors.hpp"
#include "eio/fiber.hpp"
#include "eio/run.hpp"
#include "fuzz_input.hpp"

namespace eio::fuzz {
namespace {

constexpr std::size_t kMaxOps = 200;
constexpr std::size_t kNever = static_cast<std::size_t>(-1);

enum class Write_kind : std::uint8_t {
  write,
  write_char,
  write_view,
  printf,
  uint8,
  be16,
  be32,
  be64,
  le16,
  le32,
  le64,
  flush,
  pause,
  unpause,
  yield,
  close,
  abort,
  pending
};
const char* const kKindNames[] = {"write", "write_char", "write_view",   "printf",  "uint8",
                                  "be16",  "be32",       "be64",         "le16",    "le32",
                                  "le64",  "flush",      "pause",        "unpause", "yield",
                                  "close", "abort",      "pending_bytes"};

// Writes are common, ending the writer (close, abort) rare.
constexpr Write_kind kOpTable[32] = {
    Write_kind::write,      Write_kind::write,      Write_kind::write,      Write_kind::write,
    Write_kind::write_char, Write_kind::write_char, Write_kind::write_view, Write_kind::write_view,
    Write_kind::write_view, Write_kind::printf,     Write_kind::printf,     Write_kind::printf,
    Write_kind::uint8,      Write_kind::be16,       Write_kind::be32,       Write_kind::be64,
    Write_kind::le16,       Write_kind::le32,       Write_kind::le64,       Write_kind::flush,
    Write_kind::flush,      Write_kind::flush,      Write_kind::pause,      Write_kind::pause,
    Write_kind::unpause,    Write_kind::unpause,    Write_kind::yield,      Write_kind::yield,
    Write_kind::yield,      Write_kind::close,      Write_kind::abort,      Write_kind::pending};

struct Write_op {
  Write_kind kind = Write_kind::yield;
  std::size_t len = 0;  // bytes for write / write_view / printf
  int format = 0;       // which printf
  std::uint64_t value = 0;
};

struct Write_config {
  std::size_t initial_size = 0;
  std::vector<std::uint8_t> sink_script;  // per sink write, cycled: yields and splits
  std::size_t fail_at = kNever;           // the sink write that fails
  bool fn_throws = false;
  bool close_at_end = false;
  std::vector<Write_op> ops;
};

// Bytes in order: initial_size, the sink's script (a length, then one byte per sink write:
// yields before, split with a yield, yields after), which sink write fails, how the writer
// ends, then one call per byte (and its argument bytes) until the end.
Write_config decode(Fuzz_input& in) {
  Write_config cfg;
  cfg.initial_size = std::size_t{in.byte()} * 4;
  std::size_t script = in.byte() % 8;
  for (std::size_t i = 0; i < script; ++i) cfg.sink_script.push_back(in.byte());
  std::uint8_t f = in.byte();
  if (f >= 240) cfg.fail_at = f - 240;
  std::uint8_t end = in.byte();
  cfg.fn_throws = (end & 1) != 0;
  cfg.close_at_end = (end & 2) != 0;
  while (!in.empty() && cfg.ops.size() < kMaxOps) {
    Write_op op;
    op.kind = kOpTable[in.byte() % 32];
    if (op.kind == Write_kind::write || op.kind == Write_kind::write_view ||
        op.kind == Write_kind::printf) {
      std::uint8_t b = in.byte();
      op.len = b < 200 ? b % 20 : std::size_t{b - 200u} * 50;
    }
    if (op.kind == Write_kind::printf) op.format = in.byte() % 6;
    if (op.kind >= Write_kind::write_char && op.kind <= Write_kind::le64 &&
        op.kind != Write_kind::write_view) {
      op.value = in.number(8);
    }
    cfg.ops.push_back(op);
  }
  return cfg;
}

// The bytes written at stream offsets [at, at + n): printable, never '\0' (printf's "%s"),
// and varied enough that a misplaced piece shows.
std::string content(std::size_t at, std::size_t n) {
  std::string out(n, '\0');
  for (std::size_t i = 0; i < n; ++i)
    out[i] = static_cast<char>(33 + ((at + i) * 37 + (at + i) / 89) % 94);
  return out;
}

std::string formatted(const char* format, ...) __attribute__((format(printf, 1, 2)));
std::string formatted(const char* format, ...) {
  std::va_list args;
  va_start(args, format);
  std::va_list again;
  va_copy(again, args);
  int n = std::vsnprintf(nullptr, 0, format, args);
  va_end(args);
  std::string out(static_cast<std::size_t>(n) + 1, '\0');
  std::vsnprintf(out.data(), out.size(), format, again);
  va_end(again);
  out.pop_back();
  return out;
}

// The printf calls, made with `print` (Buf_write::printf or formatted()).
template <class Print>
void run_printf(const Write_op& op, const std::string& text, Print&& print) {
  auto v = op.value;
  switch (op.format) {
    case 0:
      print("%s", text.c_str());
      break;
    case 1:
      print("[%d|%u]", static_cast<int>(v), static_cast<unsigned>(v >> 32));
      break;
    case 2:
      print("%*s|", static_cast<int>(op.len), "");
      break;
    case 3:
      print("%c%c", static_cast<char>(v), static_cast<char>(v >> 8));
      break;  // may be '\0'
    case 4:
      print("%.*s", static_cast<int>(op.len / 2), text.c_str());
      break;
    default:
      print("%llx-%llo%%", static_cast<unsigned long long>(v),
            static_cast<unsigned long long>(v >> 7));
  }
}

std::string integer_bytes(std::uint64_t v, std::size_t size, bool big_endian) {
  std::string out(size, '\0');
  for (std::size_t i = 0; i < size; ++i) {
    out[big_endian ? size - 1 - i : i] = static_cast<char>(v >> (8 * i));
  }
  return out;
}

struct Sink_failure : std::runtime_error {
  Sink_failure() : std::runtime_error("scripted sink failure") {}
};
struct Fn_failure : std::runtime_error {
  Fn_failure() : std::runtime_error("scripted writer failure") {}
};

class Write_check;

class Scripted_sink final : public flow::Sink {
 public:
  explicit Scripted_sink(Write_check& check) : check_(check) {}

 protected:
  void do_write(std::span<const std::string_view> bufs) override;

 private:
  Write_check& check_;
};

class Write_check {
 public:
  explicit Write_check(const Write_config& cfg) : cfg_(cfg) {}

  // Runs the scenario; inside eio::run.
  void run() {
    Scripted_sink sink(*this);
    std::string result;
    try {
      int n = Buf_write::with_flow(sink, [&](Buf_write& w) { return writer(w); },
                                   {.initial_size = cfg_.initial_size});
      result = "returned " + std::to_string(n);
    } catch (const Sink_failure&) {
      result = "Sink_failure";
    } catch (const Fn_failure&) {
      result = "Fn_failure";
    } catch (const Multiple_errors&) {
      result = "Multiple_errors";  // the writer threw, then the sink failed flushing
    } catch (...) {
      result = "unexpected " + what_was_thrown();
    }
    op_ = cfg_.ops.size();
    std::string expected_result = failed_ && fn_threw_ ? "Multiple_errors"
                                  : failed_            ? "Sink_failure"
                                  : fn_threw_          ? "Fn_failure"
                                                       : "returned " + std::to_string(op_);
    if (result != expected_result)
      mismatch("with_flow: " + result + ", expected " + expected_result);
    if (in_write_) mismatch("with_flow returned during a sink write");
    if (failed_) return;  // a prefix was checked byte by byte
    std::string_view want = expected_;
    if (final_len_ != kNever) want = want.substr(0, final_len_);
    // After abort a flush returns at once, so a throwing writer's with_flow may cancel the
    // sink write in progress: then a prefix of it is all there is.
    bool cut = final_len_ != kNever && fn_threw_ && output_.size() <= want.size();
    if (output_ != want && !cut) {
      mismatch("the sink got " + std::to_string(output_.size()) + " bytes, expected " +
               std::to_string(want.size()) + " (checked as they came, so the tail is missing)");
    }
  }

  void sink_write(std::span<const std::string_view> bufs) {
    ++activity_;
    if (paused_) mismatch("the sink was written while the writer was paused");
    if (aborted_) mismatch("the sink was written after abort()");
    if (in_write_) mismatch("two sink writes at once");
    std::uint8_t script =
        cfg_.sink_script.empty() ? 0 : cfg_.sink_script[writes_ % cfg_.sink_script.size()];
    std::size_t call = writes_++;
    std::size_t total = 0;
    for (std::string_view b : bufs) total += b.size();
    in_write_ = true;
    write_end_ = output_.size() + total;
    struct Done {
      bool& flag;
      ~Done() { flag = false; }
    } done{in_write_};
    yields(script & 3);
    if (call == cfg_.fail_at) {
      append(bufs[0].substr(0, bufs[0].size() / 2));
      failed_ = true;
      throw Sink_failure();
    }
    for (std::string_view b : bufs) {
      if ((script & 4) != 0) {  // take it in two parts, letting the writer run between
        append(b.substr(0, b.size() / 2));
        yields(1);
        append(b.substr(b.size() / 2));
      } else {
        append(b);
      }
    }
    yields((script >> 3) & 3);
    completed_ = output_.size();
    ++activity_;
  }

 private:
  void yields(int n) {
    for (int i = 0; i < n; ++i) fiber::yield();
  }

  void append(std::string_view bytes) {
    ++activity_;
    if (output_.size() + bytes.size() > expected_.size() ||
        expected_.compare(output_.size(), bytes.size(), bytes) != 0) {
      std::size_t at = output_.size();
      std::string_view written = std::string_view(expected_).substr(at, bytes.size());
      mismatch("at offset " + std::to_string(at) + " the sink got " + quoted(bytes.substr(0, 64)) +
               "\nbut what was written there is " + quoted(written.substr(0, 64)));
    }
    output_ += bytes;
  }

  int writer(Buf_write& w) {
    for (op_ = 0; op_ < cfg_.ops.size(); ++op_) apply(w, cfg_.ops[op_]);
    if (cfg_.close_at_end) w.close();
    closed_ = true;  // with_flow closes the writer once fn has returned or thrown
    paused_ = false;
    if (cfg_.fn_throws && !failed_) {  // not on top of a sink failure
      fn_threw_ = true;
      throw Fn_failure();
    }
    return static_cast<int>(cfg_.ops.size());
  }

  // One call: what it returned or threw must be what the model expects.
  void apply(Buf_write& w, const Write_op& op) {
    bool blocks = op.kind == Write_kind::flush || op.kind == Write_kind::yield;
    std::string want = "ok";
    if (!blocks && op.kind < Write_kind::flush)
      want = failed_ ? "Cancelled" : closed_ ? "Closed" : "ok";
    std::uint64_t before = activity_;
    std::string got = "ok";
    std::exception_ptr thrown;
    try {
      call(w, op, want == "ok");
    } catch (...) {
      got = what_was_thrown();
      thrown = std::current_exception();
    }
    if (op.kind == Write_kind::flush) {
      want = failed_ ? "Cancelled" : aborted_ ? "Flush_aborted" : "ok";
      if (failed_ && got == "Flush_aborted") want = got;  // either, once the sink failed
    } else if (op.kind == Write_kind::yield) {
      want = failed_ ? "Cancelled" : "ok";
    }
    if (got != want)
      mismatch("it " + (got == "ok" ? "returned" : "threw " + got) + ", expected " + want);
    if (!blocks && activity_ != before) mismatch("a call that never blocks let the sink run");
    if (op.kind == Write_kind::flush && got == "ok") flushed();
    if (thrown && failed_) std::rethrow_exception(thrown);  // the writer is being cancelled
  }

  void call(Buf_write& w, const Write_op& op, bool accepted) {
    std::size_t at = expected_.size();
    // Bytes are expected before the call, as the sink may only check what was written.
    auto expect = [&](std::string bytes) {
      if (accepted) expected_ += bytes;
    };
    switch (op.kind) {
      case Write_kind::write: {
        std::string s = content(at, op.len);
        expect(s);
        w.write(s);
        break;
      }
      case Write_kind::write_char: {
        char c = content(at, 1)[0];
        expect(std::string(1, c));
        w.write_char(c);
        break;
      }
      case Write_kind::write_view: {
        views_.push_back(std::make_unique<std::string>(content(at, op.len)));
        expect(*views_.back());
        w.write_view(*views_.back());
        break;
      }
      case Write_kind::printf: {
        std::string text = content(at, op.len);
        run_printf(op, text, [&](const char* f, auto... args) { expect(formatted(f, args...)); });
        run_printf(op, text, [&](const char* f, auto... args) { w.printf(f, args...); });
        break;
      }
      case Write_kind::uint8:
        expect(integer_bytes(op.value, 1, true));
        w.uint8(static_cast<std::uint8_t>(op.value));
        break;
      case Write_kind::be16:
        expect(integer_bytes(op.value, 2, true));
        w.be16(static_cast<std::uint16_t>(op.value));
        break;
      case Write_kind::be32:
        expect(integer_bytes(op.value, 4, true));
        w.be32(static_cast<std::uint32_t>(op.value));
        break;
      case Write_kind::be64:
        expect(integer_bytes(op.value, 8, true));
        w.be64(op.value);
        break;
      case Write_kind::le16:
        expect(integer_bytes(op.value, 2, false));
        w.le16(static_cast<std::uint16_t>(op.value));
        break;
      case Write_kind::le32:
        expect(integer_bytes(op.value, 4, false));
        w.le32(static_cast<std::uint32_t>(op.value));
        break;
      case Write_kind::le64:
        expect(integer_bytes(op.value, 8, false));
        w.le64(op.value);
        break;
      case Write_kind::flush:
        if (!aborted_) paused_ = false;  // flush unpauses first
        w.flush();
        break;
      case Write_kind::pause:
        w.pause();
        if (!closed_) paused_ = true;
        break;
      case Write_kind::unpause:
        w.unpause();
        paused_ = false;
        break;
      case Write_kind::yield:
        fiber::yield();
        break;
      case Write_kind::close:
        w.close();
        closed_ = true;
        paused_ = false;
        break;
      case Write_kind::abort:
        if (!aborted_ && !failed_) final_len_ = in_write_ ? write_end_ : completed_;
        w.abort();
        aborted_ = closed_ = true;
        paused_ = false;
        break;
      case Write_kind::pending:
        if (!aborted_ && !failed_ && w.pending_bytes() != expected_.size() - completed_) {
          mismatch("pending_bytes() is " + std::to_string(w.pending_bytes()) + ", expected " +
                   std::to_string(expected_.size() - completed_));
        }
        break;
    }
  }

  // A flush returned: everything written is in the sink, and the bytes lent by write_view
  // are the caller's again (scribbled over and freed, so that a later use shows).
  void flushed() {
    if (completed_ != expected_.size() || in_write_) {
      mismatch("flush returned with " + std::to_string(expected_.size() - completed_) +
               " bytes not yet written by the sink");
    }
    for (auto& v : views_) v->assign(v->size(), '#');
    views_.clear();
  }

  static std::string what_was_thrown() {
    try {
      throw;
    } catch (const Cancelled&) {
      return "Cancelled";
    } catch (const Closed&) {
      return "Closed";
    } catch (const Flush_aborted&) {
      return "Flush_aborted";
    } catch (const std::exception& e) {
      return std::string("exception: ") + e.what();
    } catch (...) {
      return "an unknown exception";
    }
  }

  [[noreturn]] void mismatch(const std::string& what) const {
    std::string report =
        "Buf_write, initial_size " + std::to_string(cfg_.initial_size) + ", sink script";
    for (std::uint8_t s : cfg_.sink_script) report += " " + std::to_string(s);
    if (cfg_.fail_at != kNever) report += ", sink write " + std::to_string(cfg_.fail_at) + " fails";
    if (cfg_.fn_throws) report += ", the writer throws at the end";
    if (cfg_.close_at_end) report += ", the writer closes at the end";
    report += "\nops:";
    for (std::size_t i = 0; i < cfg_.ops.size(); ++i) {
      const Write_op& op = cfg_.ops[i];
      report +=
          (i == op_ ? "\n  >> " : "\n     ") + std::string(kKindNames[static_cast<int>(op.kind)]);
      if (op.len != 0) report += " len " + std::to_string(op.len);
      if (op.kind == Write_kind::printf) report += " format " + std::to_string(op.format);
      if (op.value != 0) report += " value " + std::to_string(op.value);
    }
    fail(report + "\nat op " + std::to_string(op_) + ": " + what);
  }

  const Write_config& cfg_;
  std::string expected_;       // everything the writer wrote, in order
  std::string output_;         // what the sink received
  std::size_t completed_ = 0;  // output_.size() when the last sink write returned
  std::size_t write_end_ = 0;  // where the sink write in progress will end
  bool in_write_ = false;
  std::size_t writes_ = 0;
  std::uint64_t activity_ = 0;  // bumped by everything the sink does
  bool paused_ = false;
  bool closed_ = false;
  bool aborted_ = false;
  bool failed_ = false;
  bool fn_threw_ = false;
  std::size_t final_len_ = kNever;  // after abort: what the sink will have
  std::deque<std::unique_ptr<std::string>> views_;
  std::size_t op_ = 0;
};

void Scripted_sink::do_write(std::span<const std::string_view> bufs) {
  check_.sink_write(bufs);
}

}  // namespace

void check_buf_write(const std::uint8_t* data, std::size_t size) {
  Fuzz_input in(data, size);
  Write_config cfg = decode(in);
  Write_check check(cfg);
  try {
    eio::run([&](Env&) { check.run(); }, {.backend = Backend::posix, .report_uncaught = false});
  } catch (const std::exception& e) {
    fail(std::string("eio::run threw: ") + e.what());
  }
}

}  // namespace eio::fuzz
