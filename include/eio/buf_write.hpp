#pragma once
// Buffered writing (SPEC §5): eio::Buf_write collects small writes in memory and a
// background fiber writes them to a flow::Sink, many at a time, as one vectored write.
//
//   eio::Buf_write::with_flow(socket, [](eio::Buf_write& w) {
//     w.write("HTTP/1.1 200 OK\r\n");
//     w.printf("Content-Length: %zu\r\n\r\n", body.size());
//     w.write_view(body);   // not copied: body must outlive the write (see write_view)
//   });                     // returns once everything is written

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <string_view>
#include <type_traits>

#include "eio/detail/function_ref.hpp"
#include "eio/detail/intrusive_list.hpp"
#include "eio/detail/result_slot.hpp"
#include "eio/flow.hpp"

namespace eio {

class Trigger;

/// Options for eio::Buf_write::with_flow. `initial_size` is the first buffer's size; later
/// buffers double (up to 1 MiB each) while unwritten bytes pile up.
struct Buf_write_options {
  std::size_t initial_size = 4096;
};

/// A write buffer drained to a sink by a background fiber. Writes never block: they copy
/// into the buffer (or queue a view) and return; the background fiber runs when the writer
/// blocks or yields, and writes out everything queued so far in one vectored write. There is
/// no limit on buffered bytes: a producer that never blocks should flush() now and then.
///
/// Domain-local: use it only from fibers of the domain that created it. Writes after
/// close()/abort() throw eio::Closed.
class Buf_write {
 public:
  /// Runs `fn(writer)` with a writer that flushes to `sink`, then closes the writer and
  /// returns (what `fn` returned) once everything written has reached the sink. If `fn`
  /// throws, what it wrote is still flushed (unless the fiber is cancelled) and the
  /// exception is rethrown. If the sink fails, `with_flow` throws that error, `fn`'s fiber
  /// is cancelled, and pending flush() calls throw eio::Flush_aborted. Blocks; a
  /// cancellation point (cancelling it abandons unwritten bytes).
  template <class F>
  static auto with_flow(flow::Sink& sink, F&& fn, Buf_write_options options = {})
      -> std::invoke_result_t<F&, Buf_write&> {
    detail::Result_slot<std::invoke_result_t<F&, Buf_write&>> result;
    with_flow_impl(
        sink, [&](Buf_write& w) { result.run(fn, w); }, options);
    return result.take();
  }

  Buf_write(const Buf_write&) = delete;
  Buf_write& operator=(const Buf_write&) = delete;

  // --- Writing: never blocks, never a cancellation point ----------------------------------

  /// Copies `s` into the buffer.
  void write(std::string_view s) {
    // `<`, not `<=`: a closed writer has no room, and even an empty write must throw.
    if (s.size() < room()) [[likely]] {
      std::memcpy(write_ptr_, s.data(), s.size());
      wrote(s.size());
    } else {
      write_slow(s);
    }
  }
  /// Copies one byte into the buffer.
  void write_char(char c) {
    if (room() == 0) [[unlikely]]
      make_room(1);
    *write_ptr_ = c;
    wrote(1);
  }
  /// Queues `s` without copying it. The caller must keep the bytes alive and unchanged until
  /// they are written: until a later flush() returns, or until with_flow returns. Worth it
  /// for large strings (a file's contents, a cached response); small ones are cheaper to copy.
  void write_view(std::string_view s);
  /// Writes the formatted text (as std::printf would print it).
  void printf(const char* format, ...) __attribute__((format(printf, 2, 3)));
  /// Unsigned integers: one byte, and 2, 4 and 8 bytes big- or little-endian.
  void uint8(std::uint8_t v) { write_char(static_cast<char>(v)); }
  void be16(std::uint16_t v) { write_int<true>(v); }
  void be32(std::uint32_t v) { write_int<true>(v); }
  void be64(std::uint64_t v) { write_int<true>(v); }
  void le16(std::uint16_t v) { write_int<false>(v); }
  void le32(std::uint32_t v) { write_int<false>(v); }
  void le64(std::uint64_t v) { write_int<false>(v); }

  // --- Control ----------------------------------------------------------------------------

  /// Waits until every byte written before the call has been written by the sink (the
  /// sink's write returned), unpausing first. Returns at once if nothing is pending. A
  /// cancellation point: a cancelled flush still leaves its bytes queued, to be written
  /// later. Throws eio::Flush_aborted if the writer is aborted or its sink fails first.
  void flush();
  /// Stops the background fiber from writing (writes are still buffered) until unpause(),
  /// flush() or close(). Never blocks.
  void pause() noexcept;
  /// Lets the background fiber write again. Never blocks.
  void unpause() noexcept;
  /// Ends writing: later writes throw eio::Closed; what is buffered is still written out.
  /// Idempotent; never blocks.
  void close() noexcept;
  /// Closes and discards everything not yet handed to the sink; pending and later flush()
  /// calls throw eio::Flush_aborted. Never blocks.
  void abort() noexcept;
  /// Whether close() or abort() was called (or the sink failed).
  bool is_closed() const noexcept { return closed_; }
  /// Bytes written or queued but not yet written by the sink.
  std::size_t pending_bytes() const noexcept;

 private:
  struct Chunk;
  struct Piece {
    const char* data;
    std::size_t size;
    Chunk* chunk;  // null for a write_view
  };
  struct Flush_waiter;

  explicit Buf_write(Buf_write_options options);
  ~Buf_write();
  static void with_flow_impl(flow::Sink& sink, detail::Function_ref<void(Buf_write&)> fn,
                             Buf_write_options options);
  void run_flusher(flow::Sink& sink);
  void flush_until_closed(flow::Sink& sink);

  std::size_t room() const noexcept { return static_cast<std::size_t>(write_end_ - write_ptr_); }
  void wrote(std::size_t n) noexcept {
    write_ptr_ += n;
    if (idle_flusher_ != nullptr) [[unlikely]]
      wake_flusher();
  }
  template <bool big_endian, class T>
  void write_int(T v) {
    if constexpr (big_endian != (std::endian::native == std::endian::big)) {
      if constexpr (sizeof(T) == 2) v = __builtin_bswap16(v);
      if constexpr (sizeof(T) == 4) v = __builtin_bswap32(v);
      if constexpr (sizeof(T) == 8) v = __builtin_bswap64(v);
    }
    if (room() < sizeof v) [[unlikely]]
      make_room(sizeof v);
    std::memcpy(write_ptr_, &v, sizeof v);
    wrote(sizeof v);
  }
  void write_slow(std::string_view s);
  void make_room(std::size_t n);
  void seal() noexcept;
  void wake_flusher() noexcept;
  void written(std::size_t pieces) noexcept;
  void release(const Piece& piece) noexcept;
  void recycle(Chunk* c) noexcept;
  void check_open();
  void reset_chunk() noexcept;

  // Bytes flow: write_ptr_ advances through the current chunk; [sealed_ptr_, write_ptr_) is
  // written but not yet queued; queue_ holds pieces in order, the first in_flight_ of them
  // lent to the sink's write. The counters only grow: sealed_total_ counts queued bytes and
  // written_total_ bytes the sink has taken, so a flush waits for written_total_ to reach
  // the sealed_total_ it saw.
  char* write_ptr_ = nullptr;
  char* write_end_ = nullptr;  // == write_ptr_ once closed, so writes take the slow path
  char* sealed_ptr_ = nullptr;
  Chunk* chunk_ = nullptr;
  Chunk* spare_ = nullptr;
  std::size_t next_chunk_size_ = 0;
  std::deque<Piece> queue_;
  std::size_t in_flight_ = 0;
  std::uint64_t sealed_total_ = 0;
  std::uint64_t written_total_ = 0;
  detail::Intrusive_list<Flush_waiter> flushes_;
  Trigger* idle_flusher_ = nullptr;  // set while the background fiber waits for work
  bool paused_ = false;
  bool closed_ = false;
  bool aborted_ = false;
};

}  // namespace eio
