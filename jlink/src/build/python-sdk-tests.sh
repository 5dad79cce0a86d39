#!/usr/bin/env bash
# Runs the official Python SDK's own integration tests (sdk/python/tests/test_integration.py of an upstream FlyMQ
# checkout) against a broker of the linked image, started with dead letter queues and strict schema enforcement on.
#   jlink/src/build/python-sdk-tests.sh UPSTREAM_CHECKOUT            # the SDK's tests as shipped
#   SDK_ERRATA=1 jlink/src/build/python-sdk-tests.sh UPSTREAM_CHECKOUT
# With SDK_ERRATA=1 a pytest plugin (python-sdk-shim/sdk_errata.py) makes the SDK's RecordMetadata and
# ConsumedMessage stand for the offset and the bytes its tests still expect (docs/protocol.md, "SDK errata"), so
# the run checks what the broker answers rather than that mismatch inside the SDK.
# Needs python3 with pytest and pydantic; PyPI is not needed: python-sdk-shim/reactivex stands in for the one
# import (reactivex) that no integration test uses.
set -uo pipefail
sdk=${1:?usage: python-sdk-tests.sh UPSTREAM_CHECKOUT (a clone of github.com/firefly-oss/flymq)}/sdk/python
here=$(cd "$(dirname "$0")" && pwd)
flymq="$here/../../target/flymq/bin/flymq"
[ -x "$flymq" ] || { echo "python-sdk-tests: build the image first (./mvnw -B -q install -DskipTests)" >&2; exit 1; }
[ -f "$sdk/tests/test_integration.py" ] || { echo "python-sdk-tests: no $sdk/tests/test_integration.py" >&2; exit 1; }
work=$(mktemp -d /tmp/flymq-python-sdk.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
echo '{"dlq": {"enabled": true}, "schema": {"enabled": true, "validation": "strict"}}' >"$work/flymq.json"
"$flymq" server start --config "$work/flymq.json" --bind-addr "127.0.0.1:$port" --data-dir "$work/data" \
  --metrics-addr 127.0.0.1:0 --health-addr 127.0.0.1:0 >"$work/broker.log" 2>&1 &
broker=$!
trap 'kill $broker 2>/dev/null; wait $broker 2>/dev/null; rm -rf "$work/data"' EXIT
source "$here/bench-lib.sh"
bench_wait_ready "$work/broker.log" || exit 1
plugin=()
[ -n "${SDK_ERRATA:-}" ] && plugin=(-p sdk_errata)
cd "$sdk" && PYTHONPATH="$here/python-sdk-shim:." FLYMQ_HOST=127.0.0.1 FLYMQ_PORT=$port \
  timeout 300 python3 -m pytest "${plugin[@]}" -p no:cacheprovider -rA -q --tb=line tests/test_integration.py
