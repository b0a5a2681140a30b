# Warnings every eio target is built with. -Werror is on by default so CI stays strict;
# packagers can turn it off with -DEIO_WERROR=OFF.
add_library(eio_warnings INTERFACE)
target_compile_options(eio_warnings INTERFACE -Wall -Wextra -Wshadow=local -Wnon-virtual-dtor
                       $<$<BOOL:${EIO_WERROR}>:-Werror>)
