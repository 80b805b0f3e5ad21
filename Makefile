# The README's two quick-start commands are `make demo` and `make test`.
GO ?= go
BIN := bin

.PHONY: all build test demo lint fuzz bench man completions clean

all: build

build:
	$(GO) build -o $(BIN)/ ./cmd/keycrm-sync ./cmd/keycrm-mock

# The whole test suite, race detector on; then the memory tests, which measure
# allocation and so skip under the race detector, run without it. testreport
# prints what go test prints, plus a line per package that skipped tests (a
# laptop without ../shared/fixtures), which go test alone keeps quiet.
test: SHELL := /bin/bash
test: .SHELLFLAGS := -o pipefail -c
test:
	$(GO) test -race -count=1 -json ./... | $(GO) run ./internal/testenv/testreport
	$(GO) test -count=1 -run 'Memory' ./internal/...

# Runs the main job on the bundled emulator and demo data.
demo: build
	./scripts/demo.sh

lint:
	test -z "$$(gofmt -l $$(git ls-files '*.go'))"
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

# Go benchmarks of the hot paths (readers, planner, emulator, client decoding),
# each package on its own on one core, so that packages do not compete for the
# CPU; then the end-to-end comparisons with their Python and shell baselines
# measured in the same run, printing the ratios (bench/diff.sh, bench/xml.sh).
# BENCH_COUNT=1 for a quick look.
BENCH_COUNT ?= 5
bench:
	set -e; for pkg in $$(grep -l '^func Benchmark' $$(git ls-files '*_test.go') | xargs -n1 dirname | sort -u); do \
		$(GO) test -p 1 -cpu 1 -run '^$$' -bench . -benchmem -benchtime 1s -count $(BENCH_COUNT) ./$$pkg; \
	done
	RUNS=$(BENCH_COUNT) sh bench/diff.sh
	COUNT=$(BENCH_COUNT) sh bench/xml.sh
	ROUNDS=$(BENCH_COUNT) sh bench/xlsx.sh
	$(GO) run ./bench -startup 200

man:
	$(GO) run ./internal/tools/manpages manpages

completions: build
	mkdir -p completions
	for sh in bash zsh fish powershell; do $(BIN)/keycrm-sync completion $$sh > completions/keycrm-sync.$$sh; done

clean:
	rm -rf $(BIN) dist manpages completions
