#!/usr/bin/env bash
# TLS benchmark: one linked-image broker serving plaintext on PORT and TLS on PORT+1 (security.tls_addr, with the
# development certificate of its data directory), then paired runs of the same `flymq bench` workloads over each
# listener, back to back: batched produce (acks=leader) and consume (BATCH_FETCH: sendfile in plaintext, copied
# through the heap over TLS). Prints each run's JSON and the TLS/plaintext ratios of records/s, and (Linux) the CPU
# seconds each run cost the bench client and the broker, which move less than records/s on a busy machine.
#   jlink/src/build/bench-tls.sh
# Env: PORT [19292], RECORDS [2000000], WARMUP [RECORDS: records the warm consumers read untimed first],
#      RECORD_SIZE [100], OUT [/tmp/flymq-bench-results/tls-<timestamp>]
set -euo pipefail
here=$(cd "$(dirname "$0")/../../.." && pwd)
flymq="$here/jlink/target/flymq/bin/flymq"
# shellcheck source=bench-lib.sh
. "$here/jlink/src/build/bench-lib.sh"
[ -x "$flymq" ] || { echo "bench-tls: build the image first (./mvnw -B -q install -DskipTests)" >&2; exit 1; }
PORT=${PORT:-19292}
TLS_PORT=$((PORT + 1))
RECORDS=${RECORDS:-2000000}
WARMUP=${WARMUP:-$RECORDS}
RECORD_SIZE=${RECORD_SIZE:-100}
OUT=${OUT:-/tmp/flymq-bench-results/tls-$(date +%Y%m%dT%H%M%S)}
mkdir -p "$OUT"
data=$(mktemp -d /tmp/flymq-bench-data.XXXXXX)
"$flymq" server start --bind-addr 127.0.0.1:$PORT --tls-addr 127.0.0.1:$TLS_PORT --data-dir "$data" \
  --metrics-addr 127.0.0.1:0 --health-addr 127.0.0.1:0 >"$OUT/broker.log" 2>&1 &
broker=$!
trap 'kill -TERM $broker 2>/dev/null; wait $broker 2>/dev/null; rm -rf "$data"' EXIT
bench_wait_ready "$OUT/broker.log" || exit 1
plain=(--server 127.0.0.1:$PORT)
tls=(--server 127.0.0.1:$TLS_PORT --tls-ca "$data/tls/ca.crt")
tck=$(getconf CLK_TCK 2>/dev/null || echo 100)
broker_cpu() { [ -r /proc/$broker/stat ] && awk '{print $14 + $15}' /proc/$broker/stat || echo 0; }
# timed NAME CONN ARGS...: bench_run, then "cpu NAME: client U+S s, broker B s" into $OUT/cpu.txt
timed() {
  local b0 b1 TIMEFORMAT="%U %S"
  b0=$(broker_cpu)
  { time bench_run "$@" >&3; } 3>&1 2>"$OUT/$1.cpu"
  b1=$(broker_cpu)
  read -r u s <"$OUT/$1.cpu"
  awk -v n="$1" -v u="$u" -v s="$s" -v b=$(( b1 - b0 )) -v t="$tck" \
    'BEGIN { printf "cpu %s: client %.2f+%.2f s, broker %.2f s\n", n, u, s, b / t }' | tee -a "$OUT/cpu.txt"
}
bench_run warmup_plain plain produce --topic warm  --records 200000 --record-size "$RECORD_SIZE"
bench_run warmup_tls   tls   produce --topic warm  --records 200000 --record-size "$RECORD_SIZE"
produce=(--records "$RECORDS" --record-size "$RECORD_SIZE" --throughput -1 --acks leader --linger-ms 5
         --batch-size 65536 --partitions 1)
timed p_plain plain produce --topic bench_plain "${produce[@]}"
timed p_tls   tls   produce --topic bench_tls   "${produce[@]}"
# both consumers read the plaintext run's topic, so they read the same bytes: first cold (a fresh JVM, its JIT
# compiling the fetch path and, under TLS, JSSE and AES-GCM while it reads), then warm (the same process reads
# WARMUP records untimed first, then the whole topic again from its start, timed)
timed c_plain plain consume --topic bench_plain --records "$RECORDS"
timed c_tls   tls   consume --topic bench_plain --records "$RECORDS"
timed cw_plain plain consume --topic bench_plain --records "$RECORDS" --warmup-records "$WARMUP"
timed cw_tls   tls   consume --topic bench_plain --records "$RECORDS" --warmup-records "$WARMUP"
uptime >>"$OUT/commands.txt"
awk -v p="$(bench_rate p_plain)" -v t="$(bench_rate p_tls)" 'BEGIN { printf "produce TLS/plaintext: %.2f (goal >= 0.7)\n", t / p }' \
  | tee -a "$OUT/ratios.txt"
awk -v p="$(bench_rate c_plain)" -v t="$(bench_rate c_tls)" 'BEGIN { printf "consume TLS/plaintext: %.2f (goal >= 0.6)\n", t / p }' \
  | tee -a "$OUT/ratios.txt"
awk -v p="$(bench_rate cw_plain)" -v t="$(bench_rate cw_tls)" \
  'BEGIN { printf "consume TLS/plaintext, warm: %.2f (goal >= 0.6)\n", t / p }' | tee -a "$OUT/ratios.txt"
echo "results: $OUT"
