#pragma once
// Which sanitizer this translation unit is built with, for the code that must tell them
// about fiber stacks. g++ defines __SANITIZE_ADDRESS__ / __SANITIZE_THREAD__; clang 14 does
// not (its fuzz builds use ASan), it answers __has_feature instead.

#if defined(__SANITIZE_ADDRESS__)
#define EIO_SANITIZE_ADDRESS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define EIO_SANITIZE_ADDRESS 1
#endif
#endif

#if defined(__SANITIZE_THREAD__)
#define EIO_SANITIZE_THREAD 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define EIO_SANITIZE_THREAD 1
#endif
#endif
