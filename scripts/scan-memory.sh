#!/usr/bin/env bash
# Measures that a Scan of a table much larger than a page keeps memory
# bounded by the page: loads GB gigabytes (default 1) of 4 KB items into a
# Pebble store, pages through all of them with Scan, and prints the peak Go
# heap and process RSS during the scan. The store is kept in DIR (default a
# temporary directory, removed afterwards) so that a second run can skip
# loading: scripts/scan-memory.sh 1 /var/tmp/scanmem
set -euo pipefail
gb=${1:-1}
dir=${2:-}
if [ -z "$dir" ]; then
  dir=$(mktemp -d)
  trap 'rm -rf "$dir"' EXIT
fi
DYNAGO_SCAN_GB="$gb" DYNAGO_SCAN_DIR="$dir" \
  go test ./table -run '^$' -bench '^BenchmarkScanMemory$' -benchtime 1x -timeout 2h -v
