# Two commands matter: `make demo` and `make check`. Everything they need is installed by
# scripts/install-deps.sh (Debian packages) and `npm ci` (the design system, browser tests).
SHELL := /bin/bash
BUILD ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= 2
FUZZ_SECONDS ?= 20
WEB_SOURCES := $(shell find web -type f) scripts/build-web.mjs package-lock.json
# ccache: paths under the checkout are hashed relative to it, so a fresh clone (as CI makes) reuses
# what an earlier build of the same sources compiled.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1

.PHONY: all deps build demo check test test-unit test-browser fuzz lint format bench clean

all: build

deps:
	@bash scripts/install-deps.sh

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

$(BUILD)/build.ninja: CMakeLists.txt
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)

$(BUILD)/web/.stamp: node_modules/.package-lock.json $(WEB_SOURCES)
	node scripts/build-web.mjs $(BUILD)/web
	@touch $@

build: deps node_modules/.package-lock.json $(BUILD)/build.ninja $(BUILD)/web/.stamp
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	bash scripts/demo.sh $(BUILD)

# Unit, HTTP and storage tests run once; the storage, jobs and server suites run on SQLite and
# on a throw-away PostgreSQL cluster that scripts/with-postgres.sh creates and removes.
test-unit: build
	GUICHET_REQUIRE_PG=1 bash scripts/with-postgres.sh bash -c \
	  'ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS) && bash scripts/report-backends.sh $(BUILD)'

test-browser: build
	bash scripts/with-postgres.sh node --test --test-concurrency=1 test/browser/

test: test-unit test-browser

fuzz: deps
	cmake -S . -B $(BUILD)-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
	  -DGUICHET_BUILD_FUZZ=ON -DGUICHET_BUILD_TESTS=OFF -DGUICHET_BUILD_BENCH=OFF
	cmake --build $(BUILD)-fuzz -j $(JOBS) --target fuzz_request fuzz_definition fuzz_extract fuzz_jws
	mkdir -p $(BUILD)-fuzz/corpus $(BUILD)-fuzz/corpus-definition $(BUILD)-fuzz/corpus-extract $(BUILD)-fuzz/corpus-jws
	$(BUILD)-fuzz/fuzz/fuzz_request -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -print_final_stats=1 -artifact_prefix=$(BUILD)-fuzz/ \
	  -dict=fuzz/http.dict \
	  $(BUILD)-fuzz/corpus fuzz/corpus
	$(BUILD)-fuzz/fuzz/fuzz_definition -max_total_time=$(FUZZ_SECONDS) -max_len=16384 -print_final_stats=1 -artifact_prefix=$(BUILD)-fuzz/ \
	  $(BUILD)-fuzz/corpus-definition fuzz/corpus-definition
	@# A smaller ASan quarantine: the Lua interpreter's many short-lived allocations otherwise hold
	@# 1.5 GB of freed memory in it within a minute (with 16 MB: about 200 MB, nothing leaked).
	ASAN_OPTIONS=quarantine_size_mb=32 $(BUILD)-fuzz/fuzz/fuzz_extract -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -print_final_stats=1 -artifact_prefix=$(BUILD)-fuzz/ \
	  $(BUILD)-fuzz/corpus-extract fuzz/corpus-extract
	$(BUILD)-fuzz/fuzz/fuzz_jws -max_total_time=$(FUZZ_SECONDS) -max_len=2048 -print_final_stats=1 -artifact_prefix=$(BUILD)-fuzz/ \
	  $(BUILD)-fuzz/corpus-jws fuzz/corpus-jws

lint: build
	bash scripts/lint.sh $(BUILD)

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')

check: test lint fuzz
	@echo "make check: all checks passed"

bench: build
	bash bench/http/run.sh $(BUILD)
	$(BUILD)/bench/network_bench

clean:
	rm -rf $(BUILD) $(BUILD)-fuzz
