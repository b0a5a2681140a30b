// Buf_write's buffer management and its background fiber.
//
// Memory: small writes are copied into the current chunk. Copied bytes are "sealed" into a
// piece of the queue lazily (when the flusher takes a batch, a view is queued, or the chunk
// fills up), so a run of small writes costs one memcpy each and becomes one iovec. A chunk
// counts the queued pieces that point into it; the flusher lends the first pieces to the
// sink and releases them only after the sink's write returned, so no byte the kernel may
// still read is ever overwritten or freed. A current chunk whose pieces were all written
// starts again from its beginning; a full one is replaced (doubling up to kMaxChunk while a
// backlog lasts) and freed once its last piece is written, keeping one spare for reuse.

#include "eio/buf_write.hpp"

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <vector>

#include "eio/detail/cancel_point.hpp"
#include "eio/errors.hpp"
#include "eio/fiber.hpp"
#include "eio/switch.hpp"
#include "eio/trigger.hpp"

namespace eio {
namespace {
constexpr std::size_t kMinChunk = 64;
constexpr std::size_t kMaxChunk = std::size_t{1} << 20;
// Pieces per vectored write; flow::Sink splits further past the kernel's IOV_MAX.
constexpr std::size_t kMaxBatch = 1024;
}  // namespace

struct Buf_write::Chunk {
  std::unique_ptr<char[]> bytes;
  std::size_t capacity;
  std::size_t pieces = 0;  // queued pieces pointing into bytes
};

struct Buf_write::Flush_waiter : detail::List_node<> {
  std::uint64_t target = 0;  // done once written_total_ reaches it
  bool aborted = false;
  Trigger trigger;
};

Buf_write::Buf_write(Buf_write_options options)
    : next_chunk_size_(std::max(options.initial_size, kMinChunk)) {
  chunk_ = new Chunk{std::make_unique_for_overwrite<char[]>(next_chunk_size_), next_chunk_size_};
  reset_chunk();
}

Buf_write::~Buf_write() {
  in_flight_ = 0;
  for (const Piece& p : queue_) release(p);
  delete chunk_;
  delete spare_;
}

void Buf_write::with_flow_impl(flow::Sink& sink, detail::Function_ref<void(Buf_write&)> fn,
                               Buf_write_options options) {
  Buf_write w(options);
  Switch::run([&](Switch& sw) {
    fiber::fork(sw, [&] { w.run_flusher(sink); });
    try {
      fn(w);
    } catch (...) {
      // Write out what fn wrote before failing; if cancelled, flush throws at once.
      w.close();
      try {
        w.flush();
      } catch (...) {
      }
      throw;
    }
    w.close();
  });
}

void Buf_write::run_flusher(flow::Sink& sink) {
  try {
    flush_until_closed(sink);
  } catch (...) {
    // Failed or cancelled: nothing will be written any more, so nobody may wait for it.
    in_flight_ = 0;  // the sink has given the buffers back
    abort();
    throw;
  }
}

void Buf_write::flush_until_closed(flow::Sink& sink) {
  std::vector<std::string_view> batch;
  for (;;) {
    if (aborted_) return;
    seal();
    if (queue_.empty() || paused_) {
      if (closed_ && queue_.empty()) return;
      Trigger work;
      idle_flusher_ = &work;
      if (!work.await_unless_cancelled()) {
        idle_flusher_ = nullptr;
        detail::throw_cancelled();
      }
      continue;
    }
    in_flight_ = std::min(queue_.size(), kMaxBatch);
    batch.clear();
    for (std::size_t i = 0; i < in_flight_; ++i) batch.emplace_back(queue_[i].data, queue_[i].size);
    sink.write(batch);
    written(in_flight_);
  }
}

void Buf_write::written(std::size_t pieces) noexcept {
  for (std::size_t i = 0; i < pieces; ++i) {
    written_total_ += queue_.front().size;
    release(queue_.front());
    queue_.pop_front();
  }
  in_flight_ = 0;
  if (chunk_->pieces == 0 && sealed_ptr_ == write_ptr_) reset_chunk();
  while (!flushes_.empty() && flushes_.front().target <= written_total_) {
    Flush_waiter* w = flushes_.pop_front();
    w->trigger.signal();
  }
}

void Buf_write::release(const Piece& piece) noexcept {
  Chunk* c = piece.chunk;
  if (c != nullptr && --c->pieces == 0 && c != chunk_) recycle(c);
}

// Keeps the biggest unused chunk as the spare, so a steady stream of writes stops allocating.
void Buf_write::recycle(Chunk* c) noexcept {
  if (spare_ == nullptr || spare_->capacity < c->capacity) std::swap(spare_, c);
  delete c;
}

void Buf_write::reset_chunk() noexcept {
  write_ptr_ = sealed_ptr_ = chunk_->bytes.get();
  write_end_ = closed_ ? write_ptr_ : write_ptr_ + chunk_->capacity;
}

void Buf_write::seal() noexcept {
  if (write_ptr_ == sealed_ptr_) return;
  std::size_t n = static_cast<std::size_t>(write_ptr_ - sealed_ptr_);
  queue_.push_back({sealed_ptr_, n, chunk_});
  ++chunk_->pieces;
  sealed_total_ += n;
  sealed_ptr_ = write_ptr_;
}

void Buf_write::wake_flusher() noexcept {
  if (idle_flusher_ == nullptr || paused_) return;
  Trigger* t = std::exchange(idle_flusher_, nullptr);
  t->signal();
}

void Buf_write::check_open() {
  if (!closed_) return;
  // After the sink failed the writer's fiber is normally being cancelled: say so.
  if (aborted_) fiber::check();
  throw Closed("eio::Buf_write: write after close");
}

void Buf_write::write_slow(std::string_view s) {
  make_room(s.size());
  std::memcpy(write_ptr_, s.data(), s.size());
  wrote(s.size());
}

void Buf_write::make_room(std::size_t n) {
  check_open();
  seal();
  if (chunk_->pieces == 0) reset_chunk();  // all of it was written: start again
  if (room() >= n) return;
  Chunk* full = chunk_;
  // A chunk filled up before the flusher emptied it: a backlog, so buffer in bigger chunks.
  next_chunk_size_ = std::min(next_chunk_size_ * 2, kMaxChunk);
  std::size_t size = std::max(n, next_chunk_size_);
  if (spare_ != nullptr && spare_->capacity >= size) {
    chunk_ = std::exchange(spare_, nullptr);
  } else {
    chunk_ = new Chunk{std::make_unique_for_overwrite<char[]>(size), size};
  }
  if (full->pieces == 0) recycle(full);
  reset_chunk();
}

void Buf_write::write_view(std::string_view s) {
  check_open();
  if (s.empty()) return;
  seal();
  queue_.push_back({s.data(), s.size(), nullptr});
  sealed_total_ += s.size();
  wake_flusher();
}

void Buf_write::printf(const char* format, ...) {
  std::va_list args;
  va_start(args, format);
  std::va_list again;
  va_copy(again, args);
  int n = std::vsnprintf(write_ptr_, room(), format, args);
  va_end(args);
  if (n >= 0 && static_cast<std::size_t>(n) >= room()) {
    try {
      make_room(static_cast<std::size_t>(n) + 1);  // vsnprintf also writes a '\0'
    } catch (...) {
      va_end(again);
      throw;
    }
    n = std::vsnprintf(write_ptr_, room(), format, again);
  }
  va_end(again);
  if (n < 0) throw std::invalid_argument("eio::Buf_write::printf: bad format or argument");
  wrote(static_cast<std::size_t>(n));
}

void Buf_write::flush() {
  if (aborted_) {
    fiber::check();
    throw Flush_aborted();
  }
  seal();
  unpause();
  if (written_total_ >= sealed_total_) return;
  Flush_waiter w;
  w.target = sealed_total_;
  flushes_.push_back(w);
  wake_flusher();
  if (!w.trigger.await_unless_cancelled() && w.is_linked()) {
    // Cancelled before the bytes were written: they stay queued, only the wait ends.
    w.unlink();
    detail::throw_cancelled();
  }
  if (w.aborted) {
    fiber::check();
    throw Flush_aborted();
  }
}

void Buf_write::pause() noexcept {
  if (!closed_) paused_ = true;
}

void Buf_write::unpause() noexcept {
  paused_ = false;
  wake_flusher();
}

void Buf_write::close() noexcept {
  if (closed_) return;
  closed_ = true;
  paused_ = false;
  seal();
  write_end_ = write_ptr_;
  wake_flusher();
}

void Buf_write::abort() noexcept {
  close();
  if (aborted_) return;
  aborted_ = true;
  while (queue_.size() > in_flight_) {
    sealed_total_ -= queue_.back().size;
    release(queue_.back());
    queue_.pop_back();
  }
  while (!flushes_.empty()) {
    Flush_waiter* w = flushes_.pop_front();
    w->aborted = true;
    w->trigger.signal();
  }
  if (idle_flusher_ != nullptr) std::exchange(idle_flusher_, nullptr)->signal();
}

std::size_t Buf_write::pending_bytes() const noexcept {
  return static_cast<std::size_t>(sealed_total_ - written_total_) +
         static_cast<std::size_t>(write_ptr_ - sealed_ptr_);
}

}  // namespace eio
