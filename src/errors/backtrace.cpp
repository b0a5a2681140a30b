// Backtraces for exceptions of any type.
//
// Capture: we define __cxa_throw, which every `throw` expression calls, record the call
// stack, and forward to libstdc++'s own (found with dlsym(RTLD_NEXT)). The record is keyed
// by the exception object's address, which std::exception_ptr keeps, and is removed when
// the object is destroyed: we substitute our own destructor for the object's and call the
// original from it. Rethrowing (`throw;`, std::rethrow_exception) does not go through
// __cxa_throw, so the original throw site is kept.
//
// Cost: backtrace() unwinds with the same DWARF tables as the throw itself; frames are
// capped, and eio::Cancelled, the exception of cancellation, is never recorded.
//
// Symbolisation uses elfutils' libdw: it names static and inlined-away functions from the
// full symbol table, with file and line from DWARF, without -rdynamic and without running
// addr2line. It happens only when a backtrace is asked for.

#include "eio/backtrace.hpp"

#include <dlfcn.h>
#include <execinfo.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <typeinfo>

#include "eio/cancel.hpp"

namespace eio {
namespace detail {
std::string symbolise(void* const* pcs, int frames);  // symbolise.cpp
}

namespace {

constexpr int kMaxFrames = 32;
constexpr std::size_t kShards = 64;

struct Record {
  void* object;
  void (*destroy)(void*);
  Record* next;
  int frames;
  void* pcs[kMaxFrames];
};

// Sharded by object address so that throws on different threads rarely contend.
struct Shard {
  std::mutex m;
  Record* head = nullptr;
};
std::array<Shard, kShards> shards;

Shard& shard_of(const void* obj) {
  return shards[(reinterpret_cast<std::uintptr_t>(obj) >> 4) % kShards];
}

bool capture_enabled() {
  static const bool on = [] {
    const char* v = std::getenv("EIO_BACKTRACE");
    return v == nullptr || std::strcmp(v, "0") != 0;
  }();
  return on;
}

Record* take_record(void* obj) {
  Shard& s = shard_of(obj);
  std::scoped_lock lock(s.m);
  for (Record** p = &s.head; *p != nullptr; p = &(*p)->next) {
    if ((*p)->object == obj) {
      Record* r = *p;
      *p = r->next;
      return r;
    }
  }
  return nullptr;
}

void destroy_with_record(void* obj) {
  Record* r = take_record(obj);
  void (*destroy)(void*) = r != nullptr ? r->destroy : nullptr;
  std::free(r);
  if (destroy != nullptr) destroy(obj);
}

using Cxa_throw = void (*)(void*, void*, void (*)(void*));

Cxa_throw real_cxa_throw() {
  static const auto fn = reinterpret_cast<Cxa_throw>(::dlsym(RTLD_NEXT, "__cxa_throw"));
  return fn;
}

}  // namespace

namespace detail {
// Referenced by eio::run so that a static link always pulls this file (and the hook) in.
void link_backtrace_hook() {}
}  // namespace detail

std::optional<std::string> backtrace_of(const std::exception_ptr& e) {
  if (!e) return std::nullopt;
  // libstdc++'s exception_ptr is a single pointer to the thrown object.
  void* obj;
  static_assert(sizeof(e) == sizeof(obj));
  std::memcpy(&obj, &e, sizeof obj);
  int frames = 0;
  void* pcs[kMaxFrames];
  {
    Shard& s = shard_of(obj);
    std::scoped_lock lock(s.m);
    for (Record* r = s.head; r != nullptr; r = r->next) {
      if (r->object == obj) {
        frames = r->frames;
        std::memcpy(pcs, r->pcs, sizeof(void*) * static_cast<std::size_t>(frames));
        break;
      }
    }
  }
  if (frames == 0) return std::nullopt;
  return detail::symbolise(pcs, frames);
}

}  // namespace eio

// The hook itself, with the signature g++ gives the builtin declaration (<cxxabi.h> spells
// the second parameter std::type_info*).
extern "C" void __cxa_throw(void* obj, void* type_erased, void (*destroy)(void*)) {
  using namespace eio;
  auto* type = static_cast<std::type_info*>(type_erased);
  if (capture_enabled() && *type != typeid(eio::Cancelled)) {
    if (auto* r = static_cast<Record*>(std::malloc(sizeof(Record)))) {
      r->object = obj;
      r->destroy = destroy;
      // Skip this frame: the trace starts at the throw expression's function.
      void* raw[kMaxFrames + 1];
      int n = ::backtrace(raw, kMaxFrames + 1);
      r->frames = n > 0 ? n - 1 : 0;
      std::memcpy(r->pcs, raw + 1, sizeof(void*) * static_cast<std::size_t>(r->frames));
      Shard& s = shard_of(obj);
      {
        std::scoped_lock lock(s.m);
        r->next = s.head;
        s.head = r;
      }
      destroy = destroy_with_record;
    }
  }
  real_cxa_throw()(obj, type, destroy);
  __builtin_unreachable();
}
