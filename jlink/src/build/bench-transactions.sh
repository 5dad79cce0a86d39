#!/usr/bin/env bash
# Transactions benchmark (issue 16): one linked-image broker (defaults: acks leader, sync_interval_ms 5), then back to
# back: batched produce without and with transactions of 1,000 records, and consume of the plain topic as
# read_uncommitted and as read_committed (no transaction open), and of the transactional topic (a commit marker every
# 1,000 records). Prints each run's JSON and the ratios the issue's goals name:
#   produce transactional/plain >= 0.7, consume read_committed/read_uncommitted >= 0.9.
#   jlink/src/build/bench-transactions.sh
# Env: PORT [19292], RECORDS [2000000], OUT [/tmp/flymq-bench-results/txn-<timestamp>]
set -euo pipefail
here=$(cd "$(dirname "$0")/../../.." && pwd)
flymq="$here/jlink/target/flymq/bin/flymq"
[ -x "$flymq" ] || { echo "bench-transactions: build the image first (./mvnw -B -q install -DskipTests)" >&2; exit 1; }
PORT=${PORT:-19292}
RECORDS=${RECORDS:-2000000}
OUT=${OUT:-/tmp/flymq-bench-results/txn-$(date +%Y%m%dT%H%M%S)}
mkdir -p "$OUT"
data=$(mktemp -d /tmp/flymq-bench-data.XXXXXX)
"$flymq" server start --bind-addr 127.0.0.1:$PORT --data-dir "$data" \
  --metrics-addr 127.0.0.1:0 --health-addr 127.0.0.1:0 >"$OUT/broker.log" 2>&1 &
broker=$!
trap 'kill -TERM $broker 2>/dev/null; wait $broker 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 1 300); do grep -q '^ready' "$OUT/broker.log" && break; sleep 0.1; done
grep -q '^ready' "$OUT/broker.log" || { cat "$OUT/broker.log" >&2; exit 1; }
run() { # name, bench args...
  local name=$1; shift
  echo "$name: flymq bench $*  # $(uptime)" >>"$OUT/commands.txt"
  "$flymq" --server 127.0.0.1:$PORT bench "$@" --output json >"$OUT/$name.json" 2>"$OUT/$name.err"
  echo "$name $(cat "$OUT/$name.json")"
}
rate() { sed -n 's/.*"records_per_sec":\([0-9.]*\).*/\1/p' "$OUT/$1.json"; }
run warmup    produce --topic warm  --records 200000 --record-size 100
run p_plain   produce --topic plain --records "$RECORDS" --record-size 100 --throughput -1 --acks leader
run p_txn     produce --topic txn   --records "$RECORDS" --record-size 100 --transaction-records 1000 --acks leader
run c_uncommitted consume --topic plain --records "$RECORDS" --isolation read_uncommitted
run c_committed   consume --topic plain --records "$RECORDS" --isolation read_committed
run c_txn_topic   consume --topic txn   --records "$RECORDS" --isolation read_committed
uptime >>"$OUT/commands.txt"
awk -v p="$(rate p_plain)" -v t="$(rate p_txn)" \
  'BEGIN { printf "produce transactional/plain: %.2f (goal >= 0.7)\n", t / p }' | tee -a "$OUT/ratios.txt"
awk -v u="$(rate c_uncommitted)" -v c="$(rate c_committed)" \
  'BEGIN { printf "consume read_committed/read_uncommitted: %.2f (goal >= 0.9)\n", c / u }' | tee -a "$OUT/ratios.txt"
echo "results: $OUT"
