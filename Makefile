# The two commands a newcomer needs: `make run` and `make test`. Each installs what is missing
# (scripts/bootstrap.sh, apt-get) and builds first.
BUILD ?= build
DATA ?= var
LISTEN ?= 127.0.0.1:8080
JOBS ?= $(shell nproc)
# Extra cmake options for the first configure of $(BUILD), e.g. CMAKE_ARGS=-DDIPR_WERROR=ON (CI).
CMAKE_ARGS ?=

.PHONY: all build bootstrap run test unit bench clean format tidy

all: build

bootstrap:
	@bash scripts/bootstrap.sh

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_ARGS)

build: bootstrap $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

run: build
	$(BUILD)/dipr serve --data $(DATA) --listen $(LISTEN)

# Every test: unit, storage conformance, HTTP integration, interop (Go), crash.
test:
	@bash scripts/bootstrap.sh --test
	@$(MAKE) --no-print-directory build
	bash scripts/test.sh $(BUILD)

# Unit tests only (fast inner loop).
unit: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -LE slow

bench:
	@bash scripts/bootstrap.sh --bench
	@$(MAKE) --no-print-directory build
	bash bench/run.sh $(BUILD)

# The same files and the same pinned clang-format as the CI's check (scripts/check_format.sh).
format:
	bash scripts/check_format.sh --fix

tidy: build
	run-clang-tidy -p $(BUILD) -quiet src/

clean:
	rm -rf $(BUILD)
