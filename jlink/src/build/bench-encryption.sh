#!/usr/bin/env bash
# Encryption-at-rest benchmark: two linked-image brokers side by side, one storing records in the clear (PORT), one
# with security.encryption_enabled and a random key (PORT+1), then paired runs of the same `flymq bench` workloads
# against each, back to back: batched produce (acks=leader) and consume (BATCH_FETCH: sendfile from the segment file
# in the clear, read and decrypted in the heap when encrypted). Prints each run's JSON and the encrypted/plain
# ratios of records/s.
#   jlink/src/build/bench-encryption.sh
# Env: PORT [19392], RECORDS [2000000], RECORD_SIZE [100], OUT [/tmp/flymq-bench-results/encryption-<timestamp>]
set -euo pipefail
here=$(cd "$(dirname "$0")/../../.." && pwd)
flymq="$here/jlink/target/flymq/bin/flymq"
# shellcheck source=bench-lib.sh
. "$here/jlink/src/build/bench-lib.sh"
[ -x "$flymq" ] || { echo "bench-encryption: build the image first (./mvnw -B -q install -DskipTests)" >&2; exit 1; }
PORT=${PORT:-19392}
ENC_PORT=$((PORT + 1))
RECORDS=${RECORDS:-2000000}
RECORD_SIZE=${RECORD_SIZE:-100}
OUT=${OUT:-/tmp/flymq-bench-results/encryption-$(date +%Y%m%dT%H%M%S)}
mkdir -p "$OUT"
plain_data=$(mktemp -d /tmp/flymq-bench-data.XXXXXX)
enc_data=$(mktemp -d /tmp/flymq-bench-data.XXXXXX)
"$flymq" server start --bind-addr 127.0.0.1:$PORT --data-dir "$plain_data" \
  --metrics-addr 127.0.0.1:0 --health-addr 127.0.0.1:0 >"$OUT/broker-plain.log" 2>&1 &
plain_broker=$!
FLYMQ_ENCRYPTION_KEY=$(openssl rand -hex 32) "$flymq" server start --bind-addr 127.0.0.1:$ENC_PORT \
  --data-dir "$enc_data" --metrics-addr 127.0.0.1:0 --health-addr 127.0.0.1:0 \
  --set security.encryption_enabled=true >"$OUT/broker-encrypted.log" 2>&1 &
enc_broker=$!
trap 'kill -TERM $plain_broker $enc_broker 2>/dev/null; wait $plain_broker $enc_broker 2>/dev/null;
      rm -rf "$plain_data" "$enc_data"' EXIT
for log in "$OUT/broker-plain.log" "$OUT/broker-encrypted.log"; do
  bench_wait_ready "$log" || exit 1
done
plain=(--server 127.0.0.1:$PORT)
encrypted=(--server 127.0.0.1:$ENC_PORT)
bench_run warmup_plain     plain     produce --topic warm --records 200000 --record-size "$RECORD_SIZE"
bench_run warmup_encrypted encrypted produce --topic warm --records 200000 --record-size "$RECORD_SIZE"
produce=(--records "$RECORDS" --record-size "$RECORD_SIZE" --throughput -1 --acks leader --linger-ms 5
         --batch-size 65536 --partitions 1)
bench_run p_plain     plain     produce --topic bench "${produce[@]}"
bench_run p_encrypted encrypted produce --topic bench "${produce[@]}"
bench_run c_plain     plain     consume --topic bench --records "$RECORDS"
bench_run c_encrypted encrypted consume --topic bench --records "$RECORDS"
uptime >>"$OUT/commands.txt"
awk -v p="$(bench_rate p_plain)" -v e="$(bench_rate p_encrypted)" \
  'BEGIN { printf "produce encrypted/plain: %.2f (goal >= 0.6)\n", e / p }' | tee -a "$OUT/ratios.txt"
awk -v p="$(bench_rate c_plain)" -v e="$(bench_rate c_encrypted)" \
  'BEGIN { printf "consume encrypted/plain: %.2f\n", e / p }' | tee -a "$OUT/ratios.txt"
echo "results: $OUT"
