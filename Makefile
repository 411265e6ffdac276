# devagent: the two commands that matter are `make run` and `make test`.
#   make run      install dependencies, build (Release), serve on 127.0.0.1:8080
#   make test     install dependencies, build, run every test suite
#   make build    build only; the binary is build/devagent
#   make sanitize build with ASan+UBSan in build-sanitize/ and run the C++ tests there
#   make bench    build and run the benchmarks
#   make coverage build with --coverage in build-coverage/, run the tests, report with gcovr
#                 (fails under COVERAGE_MIN percent of lines, default 90)
#   make fuzz     build the libFuzzer targets with clang in build-fuzz/ and run each for FUZZ_SECONDS

BUILD_DIR ?= build
SANITIZE_DIR ?= build-sanitize
COVERAGE_DIR ?= build-coverage
COVERAGE_MIN ?= 90
FUZZ_DIR ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= sse_parser ndjson_parser json_schema planner manifests http_request
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
WERROR ?= ON
export CCACHE_DIR ?= $(CURDIR)/.cache/ccache
# Paths under the checkout are hashed relative to it, so build dirs (and
# clones) share cached objects.
export CCACHE_BASEDIR ?= $(CURDIR)

.PHONY: all deps node-deps build run test sanitize fuzz coverage bench clean format

all: build

deps:
	@scripts/install-deps.sh

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release -DDEVAGENT_WERROR=$(WERROR) $(CMAKE_FLAGS)

build: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	$(BUILD_DIR)/devagent serve $(ARGS)

# npm packages for the Node suites, exactly as locked.
node-deps: tests/node/node_modules/.package-lock.json

tests/node/node_modules/.package-lock.json: tests/node/package-lock.json tests/node/package.json
	npm ci --prefix tests/node --no-audit --no-fund
	@touch $@

test: build node-deps
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

sanitize: deps node-deps
	cmake -S . -B $(SANITIZE_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DDEVAGENT_SANITIZE=ON \
	  -DDEVAGENT_WERROR=$(WERROR) -DDEVAGENT_BENCH=OFF $(CMAKE_FLAGS)
	cmake --build $(SANITIZE_DIR) -j $(JOBS)
	cd $(SANITIZE_DIR) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j $(JOBS)

# libFuzzer needs clang; -O1 -g keeps the build short and the stacks readable.
# docs/security.md, "Fuzzing".
fuzz: deps
	CXX=clang++ cmake -S . -B $(FUZZ_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g" -DDEVAGENT_FUZZ=ON -DDEVAGENT_TESTS=OFF -DDEVAGENT_BENCH=OFF \
	  -DDEVAGENT_WERROR=$(WERROR) $(CMAKE_FLAGS)
	cmake --build $(FUZZ_DIR) -j $(JOBS) --target $(addprefix fuzz_,$(FUZZ_TARGETS))
	scripts/run-fuzzers.sh $(FUZZ_DIR) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# Line coverage of src/ by every test suite. Counters from earlier runs are
# cleared first, so the report is this run's alone. Counters are updated
# atomically: the server's threads race on them otherwise, and a count torn
# below zero stops gcovr ("branch taken -1").
coverage: deps node-deps
	cmake -S . -B $(COVERAGE_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DDEVAGENT_BENCH=OFF \
	  -DDEVAGENT_WERROR=$(WERROR) "-DCMAKE_CXX_FLAGS=--coverage -fprofile-update=atomic" \
	  -DCMAKE_EXE_LINKER_FLAGS=--coverage $(CMAKE_FLAGS)
	cmake --build $(COVERAGE_DIR) -j $(JOBS)
	find $(COVERAGE_DIR) -name '*.gcda' -delete
	cd $(COVERAGE_DIR) && ctest --output-on-failure -j $(JOBS)
	mkdir -p $(COVERAGE_DIR)/coverage
	gcovr --root . --object-directory $(COVERAGE_DIR) --filter 'src/' -j $(JOBS) --print-summary \
	  --html-details $(COVERAGE_DIR)/coverage/index.html --xml $(COVERAGE_DIR)/coverage.xml \
	  --fail-under-line $(COVERAGE_MIN)

bench: build
	scripts/run-benchmarks.sh $(BUILD_DIR)

clean:
	rm -rf $(BUILD_DIR) $(SANITIZE_DIR) $(FUZZ_DIR) $(COVERAGE_DIR)

format:
	clang-format -i $$(git ls-files '*.cpp' '*.h')
