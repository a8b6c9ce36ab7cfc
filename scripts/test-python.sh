#!/usr/bin/env bash
# Starts bin/dynago on a free port with a fresh data directory, runs the
# boto3 example against it, and stops the server.
set -euo pipefail
bin=${1:-bin/dynago}
dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
"$bin" serve --addr "127.0.0.1:$port" --data-dir "$dir/data" --log-level warn &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 1 100); do
  if python3 -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$port/', timeout=1)" 2>/dev/null; then break; fi
  sleep 0.05
done
DYNAGO_ENDPOINT="http://127.0.0.1:$port" python3 examples/orders.py
