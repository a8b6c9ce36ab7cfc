#!/usr/bin/env bash
# A three-member etcd cluster on this machine's loopback, for trying Dynago
# on etcd (`make etcd-cluster`) and for benchmarks. Not for production: see
# the README's "Several nodes on etcd" for a real deployment.
#
#   scripts/etcd-cluster.sh start [DIR]   start members m1..m3 (data and logs in DIR,
#                                         default bin/etcd-cluster); prints the --store
#   scripts/etcd-cluster.sh stop  [DIR]   stop them (the data stays)
#   scripts/etcd-cluster.sh status [DIR]
#
# Client ports 23791-23793, peer ports 23801-23803 (DYNAGO_ETCD_PORT_BASE=23790
# moves both). The members run with the settings Dynago needs:
# --max-txn-ops 8192, --max-request-bytes 8 MiB, a 4 GiB quota and
# periodic auto-compaction (see the README). bin/etcd comes from `make etcd`.
set -euo pipefail
cd "$(dirname "$0")/.."

cmd=${1:-start}
dir=${2:-bin/etcd-cluster}
base=${DYNAGO_ETCD_PORT_BASE:-23790}
bin=${DYNAGO_ETCD_BIN:-bin/etcd}
names=(m1 m2 m3)

client_url() { echo "http://127.0.0.1:$((base + $1))"; }
peer_url() { echo "http://127.0.0.1:$((base + 10 + $1))"; }

initial=""
for i in 1 2 3; do
  initial+="${initial:+,}m$i=$(peer_url "$i")"
done
endpoints="127.0.0.1:$((base + 1)),127.0.0.1:$((base + 2)),127.0.0.1:$((base + 3))"

running() { [ -f "$dir/$1.pid" ] && kill -0 "$(cat "$dir/$1.pid")" 2>/dev/null; }

case "$cmd" in
start)
  [ -x "$bin" ] || { echo "no $bin: run 'make etcd' first" >&2; exit 1; }
  mkdir -p "$dir"
  for i in 1 2 3; do
    name=m$i
    if running "$name"; then
      echo "$name already running (pid $(cat "$dir/$name.pid"))"
      continue
    fi
    state=new
    [ -d "$dir/$name/member" ] && state=existing
    "$bin" --name "$name" --data-dir "$dir/$name" \
      --listen-client-urls "$(client_url "$i")" --advertise-client-urls "$(client_url "$i")" \
      --listen-peer-urls "$(peer_url "$i")" --initial-advertise-peer-urls "$(peer_url "$i")" \
      --initial-cluster "$initial" --initial-cluster-state "$state" --initial-cluster-token dynago-local \
      --max-txn-ops 8192 --max-request-bytes 8388608 --quota-backend-bytes 4294967296 \
      --auto-compaction-mode periodic --auto-compaction-retention 10m \
      --log-level warn >"$dir/$name.log" 2>&1 &
    echo $! >"$dir/$name.pid"
  done
  # Wait until the client port of every member answers.
  for i in 1 2 3; do
    for _ in $(seq 1 100); do
      if (exec 3<>"/dev/tcp/127.0.0.1/$((base + i))") 2>/dev/null; then break; fi
      sleep 0.1
    done
  done
  echo "etcd cluster running; serve Dynago on it with:"
  echo "  bin/dynago serve --store etcd://$endpoints"
  ;;
stop)
  for name in "${names[@]}"; do
    if running "$name"; then
      kill "$(cat "$dir/$name.pid")"
    fi
    rm -f "$dir/$name.pid"
  done
  ;;
status)
  for name in "${names[@]}"; do
    if running "$name"; then echo "$name running (pid $(cat "$dir/$name.pid"))"; else echo "$name stopped"; fi
  done
  echo "endpoints: $endpoints"
  ;;
*)
  echo "usage: $0 start|stop|status [DIR]" >&2
  exit 2
  ;;
esac
