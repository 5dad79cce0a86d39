#!/usr/bin/env bash
# `bench produce --single` with read spinning on (the defaults) and off (broker network.read_spin_us=0, client
# --read-spin-us 0), alternating, each against a fresh broker from the linked image; optionally with BUSY CPU-bound
# loops running beside it, to show what spinning does on a machine with no CPU to spare. Bounded; cleans up.
#   jlink/src/build/bench-single.sh                 # idle machine
#   BUSY=2 jlink/src/build/bench-single.sh          # both CPUs of a 2-vCPU machine taken by busy loops
# Env: ROUNDS [3], RECORDS [100000], BUSY [0], PORT [19892]
set -euo pipefail
here=$(cd "$(dirname "$0")/../../.." && pwd)
flymq="$here/jlink/target/flymq/bin/flymq"
[ -x "$flymq" ] || { echo "bench-single: build the image first (./mvnw -B -q install -DskipTests)" >&2; exit 1; }
ROUNDS=${ROUNDS:-3}; RECORDS=${RECORDS:-100000}; BUSY=${BUSY:-0}; PORT=${PORT:-19892}
busy=()
cleanup() { for p in "${busy[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
for _ in $(seq 1 "$BUSY"); do (while :; do :; done) & busy+=($!); done
one() { # label, broker spin us, client spin us
  local data; data=$(mktemp -d /tmp/flymq-single.XXXXXX)
  "$flymq" server start --set bind_addr=127.0.0.1:$PORT --set data_dir="$data" --set network.read_spin_us="$2" \
    --set observability.metrics.addr=127.0.0.1:0 --set observability.health.addr=127.0.0.1:0 >"$data/log" 2>&1 &
  local b=$!
  for _ in $(seq 1 200); do grep -q '^ready' "$data/log" && break; sleep 0.1; done
  printf '%s (load %s): ' "$1" "$(cut -d' ' -f1 /proc/loadavg)"
  "$flymq" --server 127.0.0.1:$PORT bench produce --topic single --records "$RECORDS" --record-size 100 --single \
    --read-spin-us "$3" --output json 2>/dev/null
  kill -TERM $b; wait $b 2>/dev/null || true; rm -rf "$data"
}
echo "bench-single: $(date -u +%FT%TZ), $(nproc) CPUs, busy loops: $BUSY, rounds: $ROUNDS, records: $RECORDS"
for _ in $(seq 1 "$ROUNDS"); do
  one "spin (defaults)" 200 200
  one "no spin        " 0 0
done
