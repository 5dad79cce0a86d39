#!/usr/bin/env bash
# Cluster benchmark: three server processes of the linked image on loopback (ports 21092/22092/23092, cluster
# ports 29193/29293/29393), then `flymq bench produce` through each topic's partition leader: acks=all and
# acks=leader at 10,000 records/s (latency) and unthrottled (throughput). Bounded; removes its data dirs.
#   jlink/src/build/bench-cluster.sh          # OUT=<dir> keeps the JSON results and node logs there
set -uo pipefail
here=$(cd "$(dirname "$0")/../../.." && pwd)
flymq="$here/jlink/target/flymq/bin/flymq"
[ -x "$flymq" ] || { echo "bench-cluster: build the image first (./mvnw -B -q install -DskipTests)" >&2; exit 1; }
base=$(mktemp -d /tmp/flymq-cluster-bench.XXXXXX)
OUT=${OUT:-$base/out}; mkdir -p "$OUT"
pids=()
for i in 1 2 3; do
  "$flymq" server start --node-id n$i --bind-addr 127.0.0.1:2${i}092 \
    --cluster-addr 127.0.0.1:29${i}93 --peers n1@127.0.0.1:29193,n2@127.0.0.1:29293,n3@127.0.0.1:29393 \
    --data-dir "$base/n$i" --metrics-addr 127.0.0.1:0 --health-addr 127.0.0.1:0 >"$OUT/n$i.log" 2>&1 &
  pids+=($!)
done
trap 'for p in "${pids[@]}"; do kill -TERM $p 2>/dev/null; done; wait; rm -rf "$base/n1" "$base/n2" "$base/n3"' EXIT
for i in 1 2 3; do for _ in $(seq 1 300); do grep -q '^ready' "$OUT/n$i.log" && break; sleep 0.1; done; done
sleep 2
run() { # topic, extra args
  local topic=$1; shift
  "$flymq" --server 127.0.0.1:21092 topic create $topic --partitions 1 >/dev/null 2>&1 || true
  local leader=""
  for _ in $(seq 1 100); do
    "$flymq" --server 127.0.0.1:21092 topic describe $topic -o json >"$OUT/$topic.describe.json" 2>/dev/null
    leader=$(python3 -c 'import sys,json,re
d=json.load(open(sys.argv[1]))
def walk(o):
  if isinstance(o,dict):
    for k,v in o.items():
      if "leader" in k.lower() and isinstance(v,str) and re.fullmatch(r"127\.0\.0\.1:2\d092", v): print(v); raise SystemExit
      if "leader" in k.lower() and isinstance(v,str) and re.fullmatch(r"n[123]", v): print("127.0.0.1:2"+v[1]+"092"); raise SystemExit
      walk(v)
  elif isinstance(o,list):
    for v in o: walk(v)
walk(d)' "$OUT/$topic.describe.json" 2>/dev/null)
    [ -n "$leader" ] && break; sleep 0.2
  done
  echo "$topic via ${leader:-127.0.0.1:21092}: flymq bench produce --topic $topic $*" | tee -a "$OUT/commands.txt"
  "$flymq" --server ${leader:-127.0.0.1:21092} bench produce --topic $topic "$@" --output json 2>&1 | tee "$OUT/$topic.json"
}
run warm     --records 100000 --record-size 100 --acks all --partitions 1
run lat_all  --records 100000 --record-size 100 --throughput 10000 --acks all --linger-ms 0 --partitions 1
run lat_lead --records 100000 --record-size 100 --throughput 10000 --acks leader --linger-ms 0 --partitions 1
run tp_all   --records 1000000 --record-size 100 --throughput -1 --acks all --linger-ms 5 --batch-size 65536 --partitions 1
run tp_lead  --records 1000000 --record-size 100 --throughput -1 --acks leader --linger-ms 5 --batch-size 65536 --partitions 1
echo "results in $OUT"
