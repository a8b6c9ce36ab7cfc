#!/usr/bin/env bash
# Throughput and latency of put, get and query on the etcd engine next to
# Pebble, on this machine: a three-member etcd cluster on loopback
# (scripts/etcd-cluster.sh), one Dynago on it and one Dynago on Pebble
# (fsync on), both driven by `dynago bench` in turn, ROUNDS times each.
#
#   make build etcd && scripts/bench-etcd.sh        (ROUNDS=3 DURATION=10s C=8)
#
# Prints one JSON line per run (see `dynago bench --help`) and a summary.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
C=${C:-8}
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  DYNAGO_ETCD_PORT_BASE=24790 ./scripts/etcd-cluster.sh stop "$work/etcd" >/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

DYNAGO_ETCD_PORT_BASE=24790 ./scripts/etcd-cluster.sh start "$work/etcd" >/dev/null
bin/dynago serve --addr 127.0.0.1:24821 --store etcd://127.0.0.1:24791,127.0.0.1:24792,127.0.0.1:24793 \
  --log-level warn 2>"$work/etcd-node.log" &
pids+=($!)
bin/dynago serve --addr 127.0.0.1:24822 --data-dir "$work/pebble" --log-level warn 2>"$work/pebble-node.log" &
pids+=($!)
for port in 24821 24822; do
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
    sleep 0.1
  done
done

results=$work/results
for op in put get query; do
  for round in $(seq 1 "$ROUNDS"); do
    for store in etcd pebble; do
      port=24821
      [ $store = pebble ] && port=24822
      setup=""
      [ "$round" = 1 ] && setup=--setup
      line=$(bin/dynago bench --endpoint http://127.0.0.1:$port $setup --op $op -c "$C" -d "$DURATION" --json)
      echo "$store $line"
      echo "$store $line" >>"$results"
    done
  done
done

echo
echo "median of $ROUNDS runs, $C clients, $DURATION each (load avg now: $(cut -d' ' -f1-3 /proc/loadavg))"
printf '%-7s %-7s %10s %10s %10s\n' op store ops/s p50_ms p99_ms
for op in put get query; do
  for store in etcd pebble; do
    grep "^$store " "$results" | grep "\"op\":\"$op\"" | sed 's/^[a-z]* //' |
      python3 -c '
import json, sys, statistics
rs = [json.loads(l) for l in sys.stdin]
med = lambda k: statistics.median(r[k] for r in rs)
print("%-7s %-7s %10.0f %10.2f %10.2f" % (sys.argv[1], sys.argv[2], med("ops_per_s"), med("p50_us")/1000, med("p99_us")/1000))
' "$op" "$store"
  done
done
