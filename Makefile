# devagent: the two commands that matter are `make run` and `make test`.
#   make run      install dependencies, build (Release), serve on 127.0.0.1:8080
#   make test     install dependencies, build, run every test suite
#   make build    build only; the binary is build/devagent
#   make sanitize build with ASan+UBSan in build-sanitize/ and run the C++ tests there
#   make bench    build and run the benchmarks

BUILD_DIR ?= build
SANITIZE_DIR ?= build-sanitize
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
WERROR ?= ON
export CCACHE_DIR ?= $(CURDIR)/.cache/ccache

.PHONY: all deps node-deps build run test sanitize bench clean format

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

bench: build
	scripts/run-benchmarks.sh $(BUILD_DIR)

clean:
	rm -rf $(BUILD_DIR) $(SANITIZE_DIR)

format:
	clang-format -i $$(git ls-files '*.cpp' '*.h')
