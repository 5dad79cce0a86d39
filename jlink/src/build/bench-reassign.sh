#!/usr/bin/env bash
# Partition reassignment: how long a partition takes to move onto a node that joined, unthrottled and throttled.
# Three server processes of the linked image found a cluster on loopback (client ports 31092/32092/33092, cluster
# ports 39193/39293/39393, +10 for each further run), a fourth (34092/39493) joins; a topic of 1 partition (replication 3) created before the
# join is filled with RECORDS records of SIZE bytes (acks=all), then `flymq cluster reassign` moves it from its three
# founders to n4 and two of them (the leader leaves, so leadership moves too). The time is from the command to the
# moment `flymq cluster status --partitions` shows no move and n4 in the replica list. Each round runs once
# unthrottled and once with cluster.reassignment_bytes_per_sec=THROTTLE on every node (a fresh cluster each time).
#   jlink/src/build/bench-reassign.sh            # ROUNDS=1 RECORDS=50000 SIZE=1000 THROTTLE=10000000
# OUT=<dir> keeps the node logs and the summary. Bounded; removes its data dirs.
set -uo pipefail
here=$(cd "$(dirname "$0")/../../.." && pwd)
flymq="$here/jlink/target/flymq/bin/flymq"
[ -x "$flymq" ] || { echo "bench-reassign: build the image first (./mvnw -B -q install -DskipTests)" >&2; exit 1; }
ROUNDS=${ROUNDS:-1}; RECORDS=${RECORDS:-50000}; SIZE=${SIZE:-1000}; THROTTLE=${THROTTLE:-10000000}
base=$(mktemp -d /tmp/flymq-reassign-bench.XXXXXX)
OUT=${OUT:-$base/out}; mkdir -p "$OUT"
declare -A pid
off=0 # each cluster gets ports of its own (+10 per run): a stopped node's ports may linger a moment
founders() { echo n1@127.0.0.1:$((39193 + off)),n2@127.0.0.1:$((39293 + off)),n3@127.0.0.1:$((39393 + off)); }
start_node() { # i throttle
  "$flymq" server start --node-id n$1 --bind-addr 127.0.0.1:$((3${1}092 + off)) \
    --cluster-addr 127.0.0.1:$((39${1}93 + off)) \
    --peers "$(founders)" --data-dir "$base/n$1" --metrics-addr 127.0.0.1:0 --health-addr 127.0.0.1:0 \
    --set cluster.reassignment_bytes_per_sec=$2 --set observability.admin.enabled=false >>"$OUT/n$1.log" 2>&1 &
  pid[$1]=$!
}
wait_ready() { # i
  for _ in $(seq 1 300); do grep -q '^ready' "$OUT/n$1.log" && return 0; sleep 0.1; done
  echo "bench-reassign: node n$1 not ready" >&2; return 1
}
stop_all() { for p in "${pid[@]}"; do kill -TERM "$p" 2>/dev/null; done; wait 2>/dev/null; pid=(); rm -rf "$base"/n[1234]; }
trap stop_all EXIT
fm() { "$flymq" --server 127.0.0.1:$((31092 + off)),127.0.0.1:$((32092 + off)),127.0.0.1:$((33092 + off)) "$@"; }
retry() { for _ in $(seq 1 100); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done; "$@"; }
echo "# $(date -u +%FT%TZ) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); RECORDS=$RECORDS SIZE=$SIZE" \
  | tee "$OUT/summary.txt"
for round in $(seq 1 "$ROUNDS"); do
  for rate in 0 "$THROTTLE"; do
    : >"$OUT/n1.log"; : >"$OUT/n2.log"; : >"$OUT/n3.log"; : >"$OUT/n4.log"
    for i in 1 2 3 4; do start_node $i $rate; done
    for i in 1 2 3 4; do wait_ready $i || exit 1; done
    retry fm topic create mv --partitions 1 --replication-factor 3 || exit 1
    fm bench produce --topic mv --records "$RECORDS" --record-size "$SIZE" --acks all --output json \
      >"$OUT/fill-$round-$rate.json" 2>&1 || { echo "bench-reassign: fill failed" >&2; exit 1; }
    retry fm cluster join --node-id n4 --cluster-addr 127.0.0.1:$((39493 + off)) --addr 127.0.0.1:$((34092 + off)) \
      || exit 1
    read -r leader replicas < <(fm cluster status --partitions -o json | python3 -c '
import sys, json
p = [r for r in json.load(sys.stdin)["partition_status"] if r["topic"] == "mv"][0]
print(p["leader"], ",".join(x["node_id"] for x in p["replicas"]))')
    target="n4,$(echo "$replicas" | tr , '\n' | grep -v "^$leader$" | paste -sd,)"
    t0=$(date +%s.%N)
    fm cluster reassign --topic mv --partition 0 --replicas "$target" >/dev/null || exit 1
    for _ in $(seq 1 6000); do
      fm cluster status --partitions -o json 2>/dev/null | python3 -c '
import sys, json
p = [r for r in json.load(sys.stdin)["partition_status"] if r["topic"] == "mv"][0]
sys.exit(0 if p["reassignment"] is None and "n4" in [x["node_id"] for x in p["replicas"]] else 1)' && break
      sleep 0.1
    done
    t1=$(date +%s.%N)
    mb=$(python3 -c "print(round($RECORDS * $SIZE / 1e6, 1))")
    echo "round $round throttle=$rate B/s: moved $mb MB ($RECORDS x $SIZE B) $replicas -> $target in $(python3 -c "print(round($t1 - $t0, 2))") s" \
      | tee -a "$OUT/summary.txt"
    stop_all
    off=$((off + 10))
  done
done
