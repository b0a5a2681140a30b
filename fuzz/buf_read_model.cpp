// The harness of the Buf_read fuzz check: decoding, a source that returns reads of scripted
// sizes, and the comparison of each call (result or exception, consumed_bytes, what is
// buffered, and whether earlier views survived) with String_model.

#include "buf_read_model.hpp"

#include <algorithm>
#include <cstring>
#include <exception>
#include <limits>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "buf_read_string_model.hpp"
#include "eio/buf_read.hpp"
#include "eio/errors.hpp"
#include "fuzz_input.hpp"

namespace eio::fuzz {
namespace {

constexpr std::size_t kUnlimited = std::numeric_limits<std::size_t>::max();
constexpr std::size_t kMaxOps = 64;

// Known bugs, tolerated so that the checks keep finding new ones; set to false once fixed.
// Most bytes come from a small alphabet so that lines, runs and matches happen often.
char input_char(std::uint8_t b) {
  static constexpr char kAlphabet[] = {'a', '1', '\n', '\r', ' ', '0', '\0', '\xff'};
  return b < 224 ? kAlphabet[b % 8] : static_cast<char>(b);
}

// Mostly around small limits, sometimes big, sometimes past anything.
std::size_t size_arg(std::uint8_t b) {
  if (b < 192) return b % 24;
  if (b < 250) return b;
  return kUnlimited - (b - 250);
}

Read_op decode_op(Fuzz_input& in) {
  Read_op op;
  op.kind = static_cast<Read_kind>(in.byte() % static_cast<int>(Read_kind::count));
  switch (op.kind) {
    case Read_kind::ensure:
    case Read_kind::take:
    case Read_kind::take_view:
    case Read_kind::skip:
      op.n = size_arg(in.byte());
      break;
    case Read_kind::seq_take:
      op.n = std::max<std::size_t>(1, size_arg(in.byte()));
      break;
    case Read_kind::consume:
      op.n = in.byte() % 12;
      break;
    case Read_kind::expect_char:
      op.c = input_char(in.byte());
      break;
    case Read_kind::expect_string: {
      std::uint8_t b = in.byte();
      std::size_t len = b < 240 ? b % 8 : 8 + (b - 240) * 3;
      for (std::size_t i = 0; i < len; ++i) op.s += input_char(in.byte());
      break;
    }
    case Read_kind::take_while:
    case Read_kind::take_while_view:
    case Read_kind::take_while1:
    case Read_kind::take_while1_view:
    case Read_kind::skip_while:
    case Read_kind::skip_while1:
      op.pred = in.byte() % 5;
      break;
    default:
      break;
  }
  return op;
}

// Bytes in order: max_size, initial_size, which string reader, the input's length (two
// bytes), the input, the number of read sizes and the sizes, then one call per byte (and its
// argument bytes) until the end.
Read_scenario decode(Fuzz_input& in) {
  Read_scenario cfg;
  std::uint8_t m = in.byte();
  cfg.max_size = m == 255 ? 0 : m >= 224 ? std::size_t{1} << 20 : m >= 192 ? 4096 : 1 + m % 32;
  std::uint8_t i = in.byte();
  cfg.initial_size = i % 4 == 0 ? 0 : i / 4;
  cfg.string_reader = in.byte() % 3;
  std::size_t len = in.byte();
  len *= 1 + (in.byte() >> 6);
  for (std::size_t k = 0; k < len && !in.empty(); ++k) cfg.input += input_char(in.byte());
  std::size_t chunks = in.byte() % 9;
  for (std::size_t k = 0; k < chunks; ++k) {
    std::uint8_t b = in.byte();
    cfg.chunks.push_back(b < 128 ? 1 + b % 4 : b < 240 ? 1 + b % 32 : 1000 + b);
  }
  while (!in.empty() && cfg.ops.size() < kMaxOps) cfg.ops.push_back(decode_op(in));
  return cfg;
}

// Gives `data` in reads of the scripted sizes (never more than asked for).
class Chunked_source final : public flow::Source {
 public:
  Chunked_source(std::string_view data, const std::vector<std::size_t>& chunks)
      : data_(data), chunks_(chunks) {}
  // How many times read_some was called (including the one that found the end).
  std::size_t calls() const noexcept { return calls_; }

 protected:
  std::size_t do_read_some(std::span<char> buf) override {
    ++calls_;
    if (pos_ == data_.size()) throw End_of_file();
    std::size_t chunk = chunks_.empty() ? kUnlimited : chunks_[reads_++ % chunks_.size()];
    std::size_t n = std::min({chunk, buf.size(), data_.size() - pos_});
    std::memcpy(buf.data(), data_.data() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  std::string_view data_;
  const std::vector<std::size_t>& chunks_;
  std::size_t pos_ = 0;
  std::size_t reads_ = 0;
  std::size_t calls_ = 0;
};

// What a call did: a value, or an exception (its type, Parse_error's offset, its message).
// The exception is classified where it is caught: unwinding is most of the check's cost.
struct Outcome {
  std::string value;
  std::string error;
  std::string message;
  std::exception_ptr thrown;
};

template <class F>
Outcome outcome_of(F&& f) {
  Outcome o;
  try {
    o.value = f();
    return o;
  } catch (const End_of_file&) {
    o.error = "End_of_file";
  } catch (const Buffer_limit_exceeded&) {
    o.error = "Buffer_limit_exceeded";
  } catch (const Parse_error& e) {
    o.error = "Parse_error at " + std::to_string(e.offset());
    o.message = e.what();
  } catch (const std::invalid_argument&) {
    o.error = "std::invalid_argument";
  } catch (const std::logic_error&) {
    o.error = "std::logic_error";
  } catch (const std::exception& e) {
    o.error = std::string("unexpected exception: ") + e.what();
  } catch (...) {
    o.error = "unexpected exception";
  }
  o.thrown = std::current_exception();
  return o;
}

// The outcome as compared: the message only for the messages the header documents.
std::string show(const Outcome& o, bool with_message) {
  if (o.error.empty()) return "= " + quoted(o.value);
  return with_message && !o.message.empty() ? o.error + ": " + o.message : o.error;
}

bool message_documented(Read_kind k) {
  return k == Read_kind::expect_char || k == Read_kind::end_of_input;
}

// Runs `op` on the real reader; views it returns are added to `views`.
std::string run_real(Buf_read& r, const Read_op& op, std::vector<std::string_view>& views) {
  auto view = [&](std::string_view v) {
    views.push_back(v);
    return std::string(v);
  };
  auto pred = [p = op.pred](char c) { return read_pred(p, c); };
  auto list = [](auto&& range) {
    std::string out;
    for (const auto& item : range) out += std::to_string(item.size()) + ":" + item + ";";
    return out;
  };
  switch (op.kind) {
    case Read_kind::ensure:
      r.ensure(op.n);
      return "ok";
    case Read_kind::peek:
      view(r.peek());
      return "ok";
    case Read_kind::consume:
      r.consume(op.n);
      return "ok";
    case Read_kind::any_char:
      return std::string(1, r.any_char());
    case Read_kind::peek_char: {
      std::optional<char> c = r.peek_char();
      return c ? "some " + std::string(1, *c) : "none";
    }
    case Read_kind::expect_char:
      r.expect_char(op.c);
      return "ok";
    case Read_kind::expect_string:
      r.expect_string(op.s);
      return "ok";
    case Read_kind::uint8:
      return std::to_string(r.uint8());
    case Read_kind::be16:
      return std::to_string(r.be16());
    case Read_kind::be32:
      return std::to_string(r.be32());
    case Read_kind::be64:
      return std::to_string(r.be64());
    case Read_kind::le16:
      return std::to_string(r.le16());
    case Read_kind::le32:
      return std::to_string(r.le32());
    case Read_kind::le64:
      return std::to_string(r.le64());
    case Read_kind::line:
      return r.line();
    case Read_kind::line_view:
      return view(r.line_view());
    case Read_kind::take:
      return r.take(op.n);
    case Read_kind::take_view:
      return view(r.take_view(op.n));
    case Read_kind::take_all:
      return r.take_all();
    case Read_kind::take_all_view:
      return view(r.take_all_view());
    case Read_kind::take_while:
      return r.take_while(pred);
    case Read_kind::take_while_view:
      return view(r.take_while_view(pred));
    case Read_kind::take_while1:
      return r.take_while1(pred);
    case Read_kind::take_while1_view:
      return view(r.take_while1_view(pred));
    case Read_kind::skip_while:
      r.skip_while(pred);
      return "ok";
    case Read_kind::skip_while1:
      r.skip_while1(pred);
      return "ok";
    case Read_kind::skip:
      r.skip(op.n);
      return "ok";
    case Read_kind::at_end_of_input:
      return r.at_end_of_input() ? "true" : "false";
    case Read_kind::end_of_input:
      r.end_of_input();
      return "ok";
    case Read_kind::lines:
      return list(r.lines());
    case Read_kind::seq_take:
      return list(r.seq([n = op.n](Buf_read& b) { return b.take(n); }));
    case Read_kind::lines_stale: {
      auto range = r.lines();
      auto it = range.begin();
      if (it == std::default_sentinel) return "end";
      r.any_char();
      ++it;  // must throw std::logic_error
      return "stale range went on";
    }
    case Read_kind::move:
    case Read_kind::count:
      break;
  }
  return "ok";
}

// Whether `op` can be answered from the bytes in `buffered` without reading: such a call
// must not move them ("calls answered from buffered bytes never move them").
bool answered_from(std::string_view buffered, const Read_op& op) {
  auto has_stop = [&] {
    return std::any_of(buffered.begin(), buffered.end(),
                       [&](char c) { return !read_pred(op.pred, c); });
  };
  switch (op.kind) {
    case Read_kind::peek:
    case Read_kind::consume:
      return true;
    case Read_kind::ensure:
    case Read_kind::take:
    case Read_kind::take_view:
    case Read_kind::skip:
      return op.n <= buffered.size();
    case Read_kind::any_char:
    case Read_kind::peek_char:
    case Read_kind::expect_char:
    case Read_kind::uint8:
    case Read_kind::at_end_of_input:
    case Read_kind::end_of_input:
      return !buffered.empty();
    case Read_kind::be16:
    case Read_kind::le16:
      return buffered.size() >= 2;
    case Read_kind::be32:
    case Read_kind::le32:
      return buffered.size() >= 4;
    case Read_kind::be64:
    case Read_kind::le64:
      return buffered.size() >= 8;
    case Read_kind::expect_string: {
      std::size_t n = std::min(buffered.size(), op.s.size());
      return n == op.s.size() || buffered.substr(0, n) != std::string_view(op.s).substr(0, n);
    }
    case Read_kind::line:
    case Read_kind::line_view:
      return buffered.find('\n') != std::string_view::npos;
    case Read_kind::take_while:
    case Read_kind::take_while_view:
    case Read_kind::take_while1:
    case Read_kind::take_while1_view:
    case Read_kind::skip_while:
    case Read_kind::skip_while1:
      return has_stop();
    default:
      return false;
  }
}

struct Live_view {
  std::string_view view;
  std::string expected;
};

// Runs every op of `cfg` on one reader and on the model, comparing as it goes.
class Reader_check {
 public:
  // `source` is what the reader reads from, or null for a reader over a string.
  Reader_check(const Read_scenario& cfg, const char* variant, std::size_t max_size,
               const Chunked_source* source)
      : cfg_(cfg),
        variant_(variant),
        model_(cfg.input, max_size),
        max_(max_size),
        source_(source),
        refills_(source != nullptr) {}

  void run(Buf_read reader) {
    std::optional<Buf_read> slots[2];
    slots[0].emplace(std::move(reader));
    int cur = 0;
    check_state(*slots[cur]);
    for (op_ = 0; op_ < cfg_.ops.size(); ++op_) {
      const Read_op& op = cfg_.ops[op_];
      if (op.kind == Read_kind::move) {
        slots[1 - cur].emplace(std::move(*slots[cur]));
        slots[cur].reset();
        cur = 1 - cur;
        live_.clear();  // a short owned string moves with the reader
      } else {
        step(*slots[cur], op);
      }
      check_state(*slots[cur]);
    }
  }

  // One op on both sides. Returns the real outcome.
  Outcome step(Buf_read& r, const Read_op& op) {
    std::size_t buffered = r.buffered_bytes();
    std::string peek_before(r.peek());
    bool keeps_views = !refills_ || answered_from(r.peek(), op);
    std::size_t calls = source_ != nullptr ? source_->calls() : 0;
    std::vector<std::string_view> fresh;
    Outcome real = outcome_of([&] { return run_real(r, op, fresh); });
    Outcome model = outcome_of([&] { return model_.apply(op, buffered); });
    if (source_ != nullptr && keeps_views && source_->calls() != calls) {
      mismatch("a call answerable from the buffered bytes " + quoted(peek_before) +
               " read from the source");
    }
    bool msg = message_documented(op.kind);
    if (show(real, msg) != show(model, msg)) {
      mismatch("real: " + show(real, msg) + "\nmodel: " + show(model, msg));
    }
    if (op.kind == Read_kind::ensure && real.error.empty() && r.buffered_bytes() < op.n) {
      mismatch("ensure(n) returned with fewer than n bytes buffered");
    }
    if (!keeps_views) live_.clear();
    for (const Live_view& v : live_) {
      if (v.view != v.expected) {
        mismatch("an earlier view changed (" + quoted(v.expected) + " became " + quoted(v.view) +
                 ") in a call answered from buffered bytes");
      }
    }
    for (std::string_view v : fresh) {
      if (live_.size() < 32) live_.push_back({v, std::string(v)});
    }
    return real;
  }

  void check_state(const Buf_read& r) {
    std::string_view rest = model_.rest();
    if (r.consumed_bytes() != model_.consumed()) {
      mismatch("consumed_bytes() is " + std::to_string(r.consumed_bytes()) + ", model " +
               std::to_string(model_.consumed()));
    }
    if (r.buffered_bytes() != r.peek().size() || !rest.starts_with(r.peek())) {
      mismatch("peek() " + quoted(r.peek()) + " is not a prefix of the rest " + quoted(rest));
    }
    if (refills_ && r.buffered_bytes() > max_) mismatch("more than max_size bytes buffered");
    if ((!refills_ || model_.saw_end()) && r.buffered_bytes() != rest.size()) {
      mismatch("end of input was seen but peek() " + quoted(r.peek()) + " is not all of " +
               quoted(rest));
    }
  }

  [[noreturn]] void mismatch(const std::string& what) const {
    std::string report = std::string("Buf_read over ") + variant_ + ", max_size " +
                         std::to_string(cfg_.max_size) + ", initial_size " +
                         std::to_string(cfg_.initial_size) + "\ninput " + quoted(cfg_.input) +
                         "\nchunks";
    for (std::size_t c : cfg_.chunks) report += " " + std::to_string(c);
    report += "\nops:";
    for (std::size_t i = 0; i < cfg_.ops.size(); ++i) {
      report += (i == op_ ? "\n  >> " : "\n     ") + describe(cfg_.ops[i]);
    }
    fail(report + "\nat op " + std::to_string(op_) + ": " + what);
  }

  String_model& model() { return model_; }
  void set_op(std::size_t i) { op_ = i; }

 private:
  const Read_scenario& cfg_;
  const char* variant_;
  String_model model_;
  std::size_t max_;
  const Chunked_source* source_;
  bool refills_;
  std::size_t op_ = 0;
  std::vector<Live_view> live_;
};

void check_source_reader(const Read_scenario& cfg) {
  Chunked_source src(cfg.input, cfg.chunks);
  Buf_read_options opts{.max_size = cfg.max_size, .initial_size = cfg.initial_size};
  if (cfg.max_size == 0) {
    Outcome o = outcome_of([&] {
      Buf_read r(src, opts);
      return std::string("made");
    });
    if (show(o, false) != "std::invalid_argument") {
      fail("Buf_read with max_size 0: " + show(o, false) + ", expected std::invalid_argument");
    }
    return;
  }
  Reader_check(cfg, "a chunked source", cfg.max_size, &src).run(Buf_read(src, opts));
}

void check_string_reader(const Read_scenario& cfg) {
  switch (cfg.string_reader) {
    case 0:
      Reader_check(cfg, "of_string(string&&)", kUnlimited, nullptr)
          .run(Buf_read::of_string(std::string(cfg.input)));
      break;
    case 1:
      Reader_check(cfg, "of_string(string_view)", kUnlimited, nullptr)
          .run(Buf_read::of_string(std::string_view(cfg.input)));
      break;
    default:
      Reader_check(cfg, "of_buffer", kUnlimited, nullptr).run(Buf_read::of_buffer(cfg.input));
      break;
  }
}

// eio::parse / parse_string with a parser that makes the ops' calls (comparing each as it
// goes) and stops at the first exception, which parse then handles: End_of_file becomes
// Parse_error at the end of the input, and leftover input is a Parse_error.
void check_parse(const Read_scenario& cfg, bool from_string) {
  std::size_t max_size = from_string ? kUnlimited : cfg.max_size;
  Chunked_source src(cfg.input, cfg.chunks);
  Reader_check check(cfg, from_string ? "parse_string" : "parse", max_size,
                     from_string ? nullptr : &src);
  std::exception_ptr stopped;
  auto parser = [&](Buf_read& r) {
    std::string transcript;
    for (std::size_t i = 0; i < cfg.ops.size(); ++i) {
      if (cfg.ops[i].kind == Read_kind::move) continue;
      check.set_op(i);
      Outcome real = check.step(r, cfg.ops[i]);
      check.check_state(r);
      if (real.thrown) {
        stopped = real.thrown;
        std::rethrow_exception(real.thrown);
      }
      transcript += real.value + ";";
    }
    return transcript;
  };
  Outcome real = outcome_of([&] {
    if (from_string) return eio::parse_string(parser, cfg.input);
    return eio::parse(parser, src, {.max_size = cfg.max_size, .initial_size = cfg.initial_size});
  });
  check.set_op(cfg.ops.size());
  String_model& m = check.model();
  Outcome model;
  bool msg = true;
  if (max_size == 0) {
    model = outcome_of([]() -> std::string { throw std::invalid_argument("max_size"); });
  } else if (stopped) {
    model = outcome_of([&]() -> std::string { std::rethrow_exception(stopped); });
    if (model.error == "End_of_file") {
      model = outcome_of(
          [&]() -> std::string { throw Parse_error("unexpected end of input", cfg.input.size()); });
    } else {
      msg = false;  // passed through as it is
    }
  } else {
    model = outcome_of([&] {
      m.end_of_input();
      return real.value;  // the transcript was compared call by call
    });
  }
  if (show(real, msg) != show(model, msg)) {
    check.mismatch("parse returned " + show(real, msg) + "\nmodel: " + show(model, msg));
  }
}

}  // namespace

void check_buf_read(const Read_scenario& cfg) {
  check_source_reader(cfg);
  check_string_reader(cfg);
  check_parse(cfg, false);
  check_parse(cfg, true);
}

void check_buf_read(const std::uint8_t* data, std::size_t size) {
  Fuzz_input in(data, size);
  check_buf_read(decode(in));
}

}  // namespace eio::fuzz
