#pragma once
// Fiber-local bindings: an immutable linked list of (key, value) nodes per fiber. A forked
// fiber shares its parent's list (one reference count increment, no allocation);
// with_binding pushes a node for the duration of a call. Nodes never cross domains, so
// the reference count is a plain integer.

#include <cstdint>

namespace eio::detail {

struct Binding_node {
  const void* key;
  Binding_node* parent;
  const void* value;  // null: the key is explicitly unbound here (without_binding)
  std::uint32_t refs = 1;

  Binding_node(const void* k, Binding_node* p, const void* v) noexcept
      : key(k), parent(p), value(v) {}
  virtual ~Binding_node() = default;
};

// The running fiber's bindings (or the plain thread's).
Binding_node* current_bindings() noexcept;
// Installs `b` for the running fiber, returning the previous list (ownership moves).
Binding_node* exchange_bindings(Binding_node* b) noexcept;
void retain(Binding_node* b) noexcept;
void release(Binding_node* b) noexcept;

}  // namespace eio::detail
