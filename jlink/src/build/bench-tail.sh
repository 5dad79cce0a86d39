#!/usr/bin/env bash
# Single-node tail latency, run after run (issue 19, "steady, not lucky"): one broker of the linked image, a warm-up,
# then RUNS consecutive `flymq bench produce` runs of RECORDS records at RATE records/s (--linger-ms 0, acks leader),
# then RUNS `flymq bench pingpong --rate RATE` runs (two threads of one JVM over loopback, no broker: the floor any
# Java client and server pair gets on this machine at that rate). Broker and bench JVMs log GC and safepoints
# (-Xlog:gc,safepoint with wall-clock time), so every run's line also says how many pauses fell inside it and the
# longest, on each side.
#   jlink/src/build/bench-tail.sh        # RUNS=5 RECORDS=100000 RATE=10000 WARMUP=300000 OUT=<dir> BROKER_ARGS=...
# BROKER_JAVA_OPTS and BENCH_JAVA_OPTS add JVM options to the broker and to the bench JVMs (e.g. another collector);
# PRODUCE_ARGS adds options to the produce runs (e.g. --read-spin-us 0); DATA_PARENT [/tmp] holds the data directory.
# Output in OUT (default a temp dir, printed): summary.txt, the bench JSON and GC logs per run, the broker's log.
set -uo pipefail
cd "$(dirname "$0")/../../.."
flymq=$PWD/jlink/target/flymq/bin/flymq
[ -x "$flymq" ] || { echo "bench-tail: build the image first (./mvnw -B -q install -DskipTests)" >&2; exit 1; }
RUNS=${RUNS:-5}; RECORDS=${RECORDS:-100000}; RATE=${RATE:-10000}; WARMUP=${WARMUP:-300000}
work=$(mktemp -d "${DATA_PARENT:-/tmp}/flymq-tail.XXXXXX")
OUT=${OUT:-$work/out}; mkdir -p "$OUT"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
gclog() { echo "-Xlog:gc,safepoint:file=$1:time,tags"; }
# shellcheck disable=SC2086
FLYMQ_JAVA_OPTS="${BROKER_JAVA_OPTS:-} $(gclog "$OUT/broker-gc.log")" "$flymq" server start --data-dir "$work/data" \
  --bind-addr 127.0.0.1:$port --metrics-addr 127.0.0.1:0 --health-addr 127.0.0.1:0 \
  --set observability.admin.addr=127.0.0.1:0 ${BROKER_ARGS:-} >"$OUT/broker.log" 2>&1 &
broker=$!
trap 'kill -TERM $broker 2>/dev/null; wait $broker 2>/dev/null; rm -rf "$work/data"' EXIT
for _ in $(seq 1 300); do grep -q '^ready' "$OUT/broker.log" && break; sleep 0.1; done
grep -q '^ready' "$OUT/broker.log" || { echo "bench-tail: broker not ready" >&2; cat "$OUT/broker.log" >&2; exit 1; }
now() { date -u +%FT%T.%3N; }
{
  echo "# $(now)Z, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); RUNS=$RUNS RECORDS=$RECORDS RATE=$RATE WARMUP=$WARMUP"
  echo "# produce: flymq bench produce --topic tail --records $RECORDS --record-size 100 --throughput $RATE --linger-ms 0 --acks leader"
  echo "# broker JVM options: ${BROKER_JAVA_OPTS:-none}; bench JVM options: ${BENCH_JAVA_OPTS:-none}; broker args: ${BROKER_ARGS:-none}; produce args: ${PRODUCE_ARGS:-none}"
  echo "# floor:   flymq bench pingpong --round-trips $RECORDS --rate $RATE"
} | tee "$OUT/summary.txt"
"$flymq" --server 127.0.0.1:$port bench produce --topic tail --records "$WARMUP" --record-size 100 \
  --throughput -1 --acks leader --output json >"$OUT/warmup.json" 2>&1
windows=()
for i in $(seq 1 "$RUNS"); do
  t0=$(now)
  FLYMQ_JAVA_OPTS="${BENCH_JAVA_OPTS:-} $(gclog "$OUT/produce-$i-gc.log")" "$flymq" --server 127.0.0.1:$port bench produce --topic tail \
    --records "$RECORDS" --record-size 100 --throughput "$RATE" --linger-ms 0 --acks leader ${PRODUCE_ARGS:-} --output json \
    >"$OUT/produce-$i.json" 2>"$OUT/produce-$i.err"
  windows+=("produce-$i $t0 $(now)")
done
for i in $(seq 1 "$RUNS"); do
  t0=$(now)
  FLYMQ_JAVA_OPTS="${BENCH_JAVA_OPTS:-} $(gclog "$OUT/pingpong-$i-gc.log")" "$flymq" bench pingpong --round-trips "$RECORDS" --rate "$RATE" \
    --output json >"$OUT/pingpong-$i.json" 2>"$OUT/pingpong-$i.err"
  windows+=("pingpong-$i $t0 $(now)")
done
printf '%s\n' "${windows[@]}" >"$OUT/windows.txt"
python3 - "$OUT" <<'PY' | tee -a "$OUT/summary.txt"
import json, re, sys
out = sys.argv[1]
# [2026-12-03T09:30:01.123+0000][gc] GC(3) Pause Young (Normal) (G1 Evacuation Pause) 20M->5M(256M) 3.456ms
# [...][safepoint] Safepoint "G1CollectForAllocation", Time since last: ..., Reaching safepoint: 1 ns, ..., Total: 2 ns
line = re.compile(r"^\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3})[^]]*\]\[(\w+)\s*\] (.*)$")
def pauses(path, start=None, end=None):
    gc, sp = [], []
    try:
        for l in open(path):
            m = line.match(l.strip())
            if not m or (start and not (start <= m.group(1) <= end)):
                continue
            if m.group(2) == "gc" and "Pause" in m.group(3):
                ms = re.search(r"([\d.]+)ms$", m.group(3))
                if ms: gc.append(float(ms.group(1)))
            elif m.group(2) == "safepoint":
                t = re.search(r"Total: (\d+) ns", m.group(3))
                if t: sp.append(int(t.group(1)) / 1e6)
    except FileNotFoundError:
        pass
    return gc, sp
def fmt(gc, sp):
    return (f"GC pauses {len(gc)} (max {max(gc, default=0):.1f} ms), safepoints over 1 ms {sum(1 for s in sp if s > 1)}"
            f" (max {max(sp, default=0):.1f} ms)")
for w in open(f"{out}/windows.txt"):
    name, start, end = w.split()
    try:
        d = json.load(open(f"{out}/{name}.json")); l = d["latency_ms"]
        lat = f"p50 {l['p50']:.2f} p99 {l['p99']:.2f} p99.9 {l['p999']:.2f} max {l['max']:.1f} ms"
    except Exception as e:
        lat = f"no result ({e})"
    side = "" if name.startswith("pingpong") else "; broker: " + fmt(*pauses(f"{out}/broker-gc.log", start, end))
    print(f"{name:11} {lat}; own JVM: {fmt(*pauses(f'{out}/{name}-gc.log'))}{side}")
PY
echo "results in $OUT"
