#!/usr/bin/env bash
# Starts bin/dynago on a free port with a fresh data directory and SigV4
# verification on (--credentials with the example's keys), runs the boto3
# example against it (every request signed by botocore and verified by
# Dynago), checks that a wrong secret is refused, and stops the server.
set -euo pipefail
bin=${1:-bin/dynago}
dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
printf '# the keys of examples/orders.py\nexample example\n' > "$dir/credentials"
"$bin" serve --addr "127.0.0.1:$port" --data-dir "$dir/data" --credentials "$dir/credentials" --log-level warn &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 1 100); do
  if python3 -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$port/', timeout=1)" 2>/dev/null; then break; fi
  sleep 0.05
done
DYNAGO_ENDPOINT="http://127.0.0.1:$port" python3 examples/orders.py
DYNAGO_ENDPOINT="http://127.0.0.1:$port" python3 - <<'PY'
import os, sys
import boto3
from botocore.exceptions import ClientError
c = boto3.client("dynamodb", endpoint_url=os.environ["DYNAGO_ENDPOINT"], region_name="us-east-1",
                 aws_access_key_id="example", aws_secret_access_key="not-the-secret")
try:
    c.list_tables()
except ClientError as e:
    code = e.response["Error"]["Code"]
    if code != "InvalidSignatureException":
        sys.exit("FAILED: a wrong secret got %s, want InvalidSignatureException" % code)
    print("ok: a wrong secret is refused (InvalidSignatureException)")
else:
    sys.exit("FAILED: a request signed with a wrong secret was accepted")
PY
