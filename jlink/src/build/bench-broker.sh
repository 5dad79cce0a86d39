#!/usr/bin/env bash
# Broker benchmark: starts the linked image's broker on loopback, runs `flymq bench` for the figures that
# docs/benchmarks.md compares with Kafka, records the broker's peak RSS, stops it. Bounded; cleans up after itself.
# commands.txt records each command with the machine's load (uptime) when it started.
#   jlink/src/build/bench-broker.sh                # then bench/kafka/run.sh, back to back (the Kafka peer)
# Env: PORT [19192], RECORDS [2000000], OUT [/tmp/flymq-bench-results/<timestamp>]
set -euo pipefail
here=$(cd "$(dirname "$0")/../../.." && pwd)
flymq="$here/jlink/target/flymq/bin/flymq"
[ -x "$flymq" ] || { echo "bench-broker: build the image first (./mvnw -B -q install -DskipTests)" >&2; exit 1; }
PORT=${PORT:-19192}
RECORDS=${RECORDS:-2000000}
OUT=${OUT:-/tmp/flymq-bench-results/$(date +%Y%m%dT%H%M%S)}
mkdir -p "$OUT"
data=$(mktemp -d /tmp/flymq-bench-data.XXXXXX)
"$flymq" server start --set bind_addr=127.0.0.1:$PORT --set data_dir="$data" \
  --set observability.metrics.addr=127.0.0.1:0 --set observability.health.addr=127.0.0.1:0 >"$OUT/broker.log" 2>&1 &
broker=$!
trap 'kill -TERM $broker 2>/dev/null; wait $broker 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 1 200); do grep -q '^ready' "$OUT/broker.log" && break; sleep 0.1; done
grep -q '^ready' "$OUT/broker.log" || { cat "$OUT/broker.log" >&2; exit 1; }
jpid=$(pgrep -P $broker java || echo $broker)
peak=0
run_peak=0
sample_rss() {
  local r; r=$(awk '/VmRSS/{print $2}' /proc/$jpid/status 2>/dev/null || echo 0)
  ((r > peak)) && peak=$r; ((r > run_peak)) && run_peak=$r; return 0
}
run() { # name, args...
  local name=$1; shift
  echo "$name: flymq bench $*  # $(uptime)" >>"$OUT/commands.txt"
  run_peak=0
  "$flymq" --server 127.0.0.1:$PORT bench "$@" --output json >"$OUT/$name.json" 2>"$OUT/$name.err" &
  local b=$!
  while kill -0 $b 2>/dev/null; do sample_rss; sleep 0.5; done
  wait $b
  echo "$name broker peak RSS $((run_peak / 1024)) MiB" >>"$OUT/rss.txt"
  echo "$name $(cat "$OUT/$name.json") rss_peak_mib=$((run_peak / 1024))"
}
run warmup   produce --topic warm     --records 200000     --record-size 100
run p_leader produce --topic bench    --records "$RECORDS" --record-size 100 --throughput -1 --acks leader --linger-ms 5 --batch-size 65536 --partitions 1
run p_all    produce --topic benchall --records "$RECORDS" --record-size 100 --throughput -1 --acks all --linger-ms 5 --batch-size 65536 --partitions 1
run p_3part  produce --topic bench3   --records "$RECORDS" --record-size 100 --throughput -1 --acks leader --linger-ms 5 --batch-size 65536 --partitions 3
run p_lat    produce --topic benchlat --records 100000     --record-size 100 --throughput 10000 --acks all --linger-ms 0 --partitions 1
run consume  consume --topic bench    --records "$RECORDS"
run single   produce --topic single   --records 300000     --record-size 100 --single
# the same with the client blocking at once (the broker still spins: network.read_spin_us is a broker setting)
run single_block produce --topic single0 --records 300000    --record-size 100 --single --read-spin-us 0
# the floor under --single at the same moment: bare loopback round trips of the same frame sizes, no broker,
# with both ends spinning as the client and the broker do, then with both ends blocking at once
run floor_spin pingpong --round-trips 300000 --read-spin-us 200
run floor    pingpong --round-trips 300000
run floor_vt pingpong --round-trips 100000 --server-thread virtual
uptime >>"$OUT/commands.txt"
echo "broker peak RSS: $((peak / 1024)) MiB" | tee -a "$OUT/rss.txt"
echo "results: $OUT"
