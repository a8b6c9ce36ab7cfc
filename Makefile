# Dynago — a DynamoDB-compatible database server.
#   make run    serve on 127.0.0.1:8000 with data in ./dynago-data
#   make test   run every test (unit, storage contract, end-to-end, boto3 example;
#               the etcd engine's on a real three-member etcd cluster)
#   make build  build bin/dynago
#   make etcd   build bin/etcd (the etcd server, from etcd's Go module)
#   make etcd-cluster / etcd-cluster-stop   a local three-member etcd cluster

GO      ?= go
BIN     := bin/dynago
ADDR    ?= 127.0.0.1:8000
DATA    ?= ./dynago-data
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
PYTHON  ?= python3

.PHONY: all build run test test-go test-race test-python test-etcd etcd etcd-cluster etcd-cluster-stop deps fmt lint vet fuzz bench clean difftest perf-compare

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
test: deps vet etcd test-go test-race test-python test-etcd

vet:
	$(GO) vet ./...

test-go: etcd
	$(GO) test -count=1 -timeout 20m ./...

test-race:
	$(GO) test -count=1 -race -timeout 20m ./storage/... ./table/... ./api/... ./server/http1/...

# The etcd server for the etcd engine's tests and local clusters: built from
# etcd's own Go module (scripts/etcd, a module of its own, so that the server's
# dependencies stay out of Dynago's go.mod) at the version its go.mod names.
ETCD := bin/etcd
etcd: $(ETCD)
$(ETCD): scripts/etcd/go.mod scripts/etcd/go.sum scripts/etcd/main.go
	CGO_ENABLED=0 $(GO) build -C scripts/etcd -trimpath -o ../../$(ETCD) .

# The end-to-end suite once more, every server on a three-member etcd cluster
# that the suite starts (storage/etcd/etcdtest). test-go has already run the
# storage contract suite and the multi-node and fault tests on real clusters.
test-etcd: etcd
	DYNAGO_E2E_ETCD=1 $(GO) test -count=1 -timeout 20m ./e2e/

etcd-cluster: etcd
	./scripts/etcd-cluster.sh start

etcd-cluster-stop:
	./scripts/etcd-cluster.sh stop

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

# Performance comparison (issue 8; not part of `make test`; several minutes):
# Dynago (durable, and --sync=false), DynamoDB Local, dynalite and a trivial
# fixed-response Go server under the same `dynago bench` workloads,
# interleaved; one table with ratios, start-up time and memory. Report in
# bin/perf-report.txt; PERF_* settings in scripts/perf-compare.sh.
perf-compare:
	GO=$(GO) ./scripts/perf-compare.sh

clean:
	rm -rf bin
