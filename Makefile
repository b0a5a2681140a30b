# Two commands on a fresh Debian 12 machine: `make run` and `make test`.
# Each installs what is missing (apt-get), configures with CMake presets and builds.

JOBS ?= $(shell nproc)
PRESET ?= release
DEBIAN_PACKAGES := g++ cmake make pkg-config git liburing-dev libboost-context1.81-dev \
  libboost-fiber1.81-dev libgtest-dev libgmock-dev libbenchmark-dev libdw-dev gdb clang clang-format \
  libuv1-dev libclang-rt-14-dev
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: all deps configure build run test test-asan test-tsan bench fuzz format check-format clean

all: build

deps:
	@missing=$$(for p in $(DEBIAN_PACKAGES); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; \
	  done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing:" $$missing; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

build/%/CMakeCache.txt: CMakeLists.txt CMakePresets.json | deps
	cmake --preset $* >/dev/null

configure: build/$(PRESET)/CMakeCache.txt

build: deps build/$(PRESET)/CMakeCache.txt
	cmake --build --preset $(PRESET) -j $(JOBS)

run: build
	./build/$(PRESET)/examples/fibers_and_switches

test: build
	ctest --preset $(PRESET) -j $(JOBS)

test-asan: deps build/asan/CMakeCache.txt
	cmake --build --preset asan -j $(JOBS)
	ctest --preset asan -j $(JOBS)

test-tsan: deps build/tsan/CMakeCache.txt
	cmake --build --preset tsan -j $(JOBS)
	ctest --preset tsan -j $(JOBS)

bench: build
	./bench/run_all build/$(PRESET)

# Runs each libFuzzer target for FUZZ_SECONDS in turn, keeping its corpus in
# build/fuzz/corpus/<target>; a crash is saved in build/fuzz/artifacts/<target>/ and fails.
FUZZ_SECONDS ?= 600
FUZZ_TARGETS := buf_read_fuzz buf_write_fuzz
fuzz: deps build/fuzz/CMakeCache.txt
	cmake --build --preset fuzz -j $(JOBS)
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p build/fuzz/corpus/$$t build/fuzz/artifacts/$$t || exit 1; \
	  echo "=== fuzzing $$t for $(FUZZ_SECONDS) s"; \
	  ./build/fuzz/fuzz/$$t -max_total_time=$(FUZZ_SECONDS) -timeout=30 -print_final_stats=1 \
	    -artifact_prefix=build/fuzz/artifacts/$$t/ build/fuzz/corpus/$$t || exit 1; \
	done

format:
	git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

check-format: deps
	git ls-files '*.cpp' '*.hpp' | xargs clang-format --dry-run -Werror

clean:
	rm -rf build
