#!/usr/bin/env bash
# Metrics on vs off, end to end: for each round, a fresh broker from the linked image with
# observability.metrics.enabled=true, then one with false (tracing off in both), each taking a 200k-record warm-up
# and an unthrottled `flymq bench produce`. Prints one line per run and the medians; writes everything to OUT.
#   ./mvnw -B -q install -DskipTests && modules/flymq.telemetry/src/bench/metrics-overhead.sh
# Env: ROUNDS [3], RECORDS [2000000], PORT [19292], OUT [/tmp/flymq-metrics-overhead/<timestamp>]
set -euo pipefail
here=$(cd "$(dirname "$0")/../../../.." && pwd)
flymq="$here/jlink/target/flymq/bin/flymq"
[ -x "$flymq" ] || { echo "metrics-overhead: build the image first (./mvnw -B -q install -DskipTests)" >&2; exit 1; }
ROUNDS=${ROUNDS:-3}
RECORDS=${RECORDS:-2000000}
PORT=${PORT:-19292}
OUT=${OUT:-/tmp/flymq-metrics-overhead/$(date +%Y%m%dT%H%M%S)}
mkdir -p "$OUT"
broker=""
data=""
cleanup() { [ -n "$broker" ] && { kill -TERM "$broker" 2>/dev/null; wait "$broker" 2>/dev/null; }; [ -n "$data" ] && rm -rf "$data"; broker=""; data=""; }
trap cleanup EXIT
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
one() { # round, metrics(true|false)
  local round=$1 metrics=$2 name="r$1-metrics-$2"
  data=$(mktemp -d /tmp/flymq-overhead-data.XXXXXX)
  : >"$OUT/$name.broker.log"
  "$flymq" server start --set bind_addr=127.0.0.1:$PORT --set data_dir="$data" \
    --set observability.metrics.enabled=$metrics \
    --set observability.metrics.addr=127.0.0.1:0 --set observability.health.addr=127.0.0.1:0 >"$OUT/$name.broker.log" 2>&1 &
  broker=$!
  for _ in $(seq 1 300); do grep -q '^ready' "$OUT/$name.broker.log" && break; sleep 0.1; done
  grep -q '^ready' "$OUT/$name.broker.log" || { cat "$OUT/$name.broker.log" >&2; exit 1; }
  "$flymq" --server 127.0.0.1:$PORT bench produce --topic warm --records 200000 --record-size 100 --output json >/dev/null
  local load; load=$(cut -d' ' -f1-3 /proc/loadavg)
  local jpid; jpid=$(pgrep -P "$broker" java || echo "$broker")
  local cpu0; cpu0=$(cpu_ticks "$jpid")
  "$flymq" --server 127.0.0.1:$PORT bench produce --topic bench --records "$RECORDS" --record-size 100 \
    --throughput -1 --acks leader --linger-ms 5 --batch-size 65536 --partitions 1 --output json >"$OUT/$name.json"
  local cpu1; cpu1=$(cpu_ticks "$jpid")
  local rate; rate=$(grep -o '"records_per_sec"[^,}]*' "$OUT/$name.json" | head -1 | sed 's/.*: *//')
  # broker CPU (user+system) per million records: what the broker spends, much less sensitive to other load
  local cpu; cpu=$(awk -v t=$((cpu1 - cpu0)) -v hz="$(getconf CLK_TCK)" -v n="$RECORDS" 'BEGIN{printf "%.3f", t / hz / n * 1e6}')
  echo "$name load[$load] broker-cpu-s/Mrec $cpu records/s $rate" | tee -a "$OUT/runs.txt"
  cleanup
}
echo "bench produce --records $RECORDS --record-size 100 --throughput -1 --acks leader --linger-ms 5 --batch-size 65536 --partitions 1" >"$OUT/command.txt"
for r in $(seq 1 "$ROUNDS"); do
  if (( r % 2 == 1 )); then one "$r" true; one "$r" false; else one "$r" false; one "$r" true; fi
done
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
on=$(grep 'metrics-true' "$OUT/runs.txt" | awk '{print $NF}' | median)
off=$(grep 'metrics-false' "$OUT/runs.txt" | awk '{print $NF}' | median)
con=$(grep 'metrics-true' "$OUT/runs.txt" | sed 's/.*Mrec \([0-9.]*\).*/\1/' | median)
coff=$(grep 'metrics-false' "$OUT/runs.txt" | sed 's/.*Mrec \([0-9.]*\).*/\1/' | median)
{
  echo "median records/s: metrics on $on, metrics off $off, on/off $(awk -v a="$on" -v b="$off" 'BEGIN{printf "%.3f", a/b}')"
  echo "median broker CPU s per million records: metrics on $con, metrics off $coff, on/off $(awk -v a="$con" -v b="$coff" 'BEGIN{printf "%.3f", a/b}')"
} | tee "$OUT/summary.txt"
echo "results: $OUT"
