#!/usr/bin/env bash
# Delayed delivery accuracy (issue 16: a delayed record becomes visible at now + delay, +-50 ms on an idle broker).
# Starts one broker of the linked image, then sends N records with --delay DELAY through one `flymq produce`
# reading standard input, one every 100 ms; each record's value is the client's send time (Unix ms). A
# `flymq consume --follow` prints each delivered record's timestamp (its delivery time) and value as it arrives.
# For every record: broker lateness = timestamp - (value + delay) (a little more than the true lateness: the value
# is taken before the request reaches the broker) and seen lateness = arrival at the consumer - (value + delay)
# (adds the consumer's polling). Prints min / median / p95 / max of both, in ms.
#   jlink/src/build/bench-delay-accuracy.sh            # Env: N [50], DELAY_MS [2000], PORT [19592], OUT [tmp dir]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
flymq="$here/../../target/flymq/bin/flymq"
[ -x "$flymq" ] || { echo "bench-delay-accuracy: build the image first (./mvnw -B -q install -DskipTests)" >&2; exit 1; }
N=${N:-50}; DELAY_MS=${DELAY_MS:-2000}; PORT=${PORT:-19592}
OUT=${OUT:-$(mktemp -d /tmp/flymq-delay-accuracy.XXXXXX)}; mkdir -p "$OUT"
source "$here/bench-lib.sh"
"$flymq" server start --bind-addr 127.0.0.1:$PORT --data-dir "$OUT/data" --metrics-addr 127.0.0.1:0 \
  --health-addr 127.0.0.1:0 >"$OUT/broker.log" 2>&1 &
broker=$!
trap 'kill $consumer $broker 2>/dev/null; wait 2>/dev/null; rm -rf "$OUT/data"' EXIT
bench_wait_ready "$OUT/broker.log" || exit 1
"$flymq" --server 127.0.0.1:$PORT topic create delays --partitions 1 >/dev/null
"$flymq" --server 127.0.0.1:$PORT consume delays --follow --format '%T %s\n' 2>"$OUT/consume.err" |
  python3 -u -c 'import sys, time
for line in sys.stdin:
    print(int(time.time() * 1000), line.strip(), flush=True)' >"$OUT/seen.txt" &
consumer=$!
sleep 1
python3 -u -c 'import sys, time
for _ in range(int(sys.argv[1])):
    print(int(time.time() * 1000), flush=True)
    time.sleep(0.1)' "$N" | "$flymq" --server 127.0.0.1:$PORT produce delays --delay "${DELAY_MS}ms" >"$OUT/produce.txt" 2>&1
for _ in $(seq 1 $(( DELAY_MS / 100 + 100 ))); do
  [ "$(wc -l <"$OUT/seen.txt")" -ge "$N" ] && break; sleep 0.1
done
echo "# $(date -u +%FT%TZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); N=$N DELAY_MS=$DELAY_MS"
python3 - "$OUT/seen.txt" "$DELAY_MS" "$N" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1]) if len(l.split()) == 3]
delay, n = int(sys.argv[2]), int(sys.argv[3])
broker = sorted(int(ts) - (int(v) + delay) for seen, ts, v in rows)
seen = sorted(int(s) - (int(v) + delay) for s, ts, v in rows)
def stats(xs):
    q = lambda p: xs[min(len(xs) - 1, int(p * len(xs)))]
    return f"min {xs[0]} median {q(0.5)} p95 {q(0.95)} max {xs[-1]}"
print(f"delivered {len(rows)} of {n}")
if rows:
    print("broker lateness ms:", stats(broker))
    print("seen lateness ms:  ", stats(seen))
PY
