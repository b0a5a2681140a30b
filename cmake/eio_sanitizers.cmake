# Sanitizer builds apply to everything in the tree (library, tests, examples) so that every
# stack switch is seen by an instrumented runtime. The fiber code annotates switches itself
# (src/core/context_switch.cpp).
#
# UBSan's vptr check is left out: the first time it meets a type it probes the object's
# memory through a pipe, so while descriptors run out (the EMFILE test, a real server under
# load) every polymorphic call is reported as an invalid vptr. ASan still catches calls
# through freed or out-of-bounds objects.
if(EIO_SANITIZE STREQUAL "address")
  add_compile_options(-fsanitize=address,undefined -fno-sanitize=vptr -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined -fno-sanitize=vptr)
elseif(EIO_SANITIZE STREQUAL "thread")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  # Boost.Asio's handler fences (atomic_thread_fence) draw g++'s -Wtsan: TSan does not model
  # fences. Asio also takes its scheduler's mutex on every cross-thread hand-off, which TSan
  # does see, so the warning says nothing about the code under test.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    add_compile_options(-Wno-tsan)
  endif()
  add_link_options(-fsanitize=thread)
elseif(NOT EIO_SANITIZE STREQUAL "")
  message(FATAL_ERROR "EIO_SANITIZE must be '', 'address' or 'thread', not '${EIO_SANITIZE}'")
endif()
