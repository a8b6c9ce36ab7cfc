# Dynago — a DynamoDB-compatible database server.
#   make run    serve on 127.0.0.1:8000 with data in ./dynago-data
#   make test   run every test (unit, storage contract, end-to-end, boto3 example)
#   make build  build bin/dynago

GO      ?= go
BIN     := bin/dynago
ADDR    ?= 127.0.0.1:8000
DATA    ?= ./dynago-data
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
PYTHON  ?= python3

.PHONY: all build run test test-go test-race test-python deps fmt lint vet fuzz bench clean difftest

all: build

deps:
	@$(GO) version >/dev/null 2>&1 || { echo "Go is required (https://go.dev/dl/)"; exit 1; }
	$(GO) mod download

build: deps
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w -X main.Version=$(VERSION)" -o $(BIN) ./cmd/dynago

run: build
	./$(BIN) serve --addr $(ADDR) --data-dir $(DATA)

# Every test: vet, the Go suites (unit, storage contract, randomized, end-to-end
# through aws-sdk-go-v2), the race detector on the concurrent packages, and the
# boto3 example against a real server.
test: deps vet test-go test-race test-python

vet:
	$(GO) vet ./...

test-go:
	$(GO) test -count=1 -timeout 20m ./...

test-race:
	$(GO) test -count=1 -race -timeout 20m ./storage/... ./table/... ./api/...

python-deps:
	@$(PYTHON) -c "import boto3" 2>/dev/null || $(PYTHON) -m pip install --quiet boto3 || \
	  { echo "boto3 is needed for the Python example test"; exit 1; }

test-python: build python-deps
	./scripts/test-python.sh $(BIN)

fmt:
	gofmt -w $$(git ls-files '*.go')

lint: vet
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# Short fuzzing runs of every fuzz target (not part of `make test`).
FUZZTIME ?= 30s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# Differential test against AWS's DynamoDB Local (needs Java; not part of
# `make test`): the corpus in difftest/testdata is sent to Dynago and to a fresh
# DynamoDB Local and the answers compared; the report goes to stdout and
# bin/difftest-report.txt. DIFF_A=/DIFF_B= pick other endpoints (a URL,
# "dynago" or "ddblocal"); see scripts/difftest.sh.
difftest:
	GO=$(GO) ./scripts/difftest.sh

clean:
	rm -rf bin
