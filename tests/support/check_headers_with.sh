#!/usr/bin/env bash
# Compiles every public header alone with the given compiler (clang++ here: the headers
# must build with both g++ and clang++).
set -euo pipefail
cxx=$1 include_dir=$2
status=0
while IFS= read -r header; do
  rel=${header#"$include_dir"/}
  if ! echo "#include <$rel>" | "$cxx" -std=c++20 -fsyntax-only -Wall -Wextra -Werror \
       -I"$include_dir" -x c++ - 2>/tmp/header_check.$$; then
    echo "FAIL: $rel"; cat /tmp/header_check.$$; status=1
  fi
done < <(find "$include_dir" -name '*.hpp' | sort)
rm -f /tmp/header_check.$$
[ $status -eq 0 ] && echo "all public headers compile alone with $cxx"
exit $status
