#!/usr/bin/env bash
# Leader failover under load: three server processes of the linked image on loopback (client ports 31092/32092/33092,
# cluster ports 39193/39293/39393), a topic of 1 partition (replication 3), `flymq bench produce` at a fixed rate with
# acks=all, and `kill -9` of the partition's leader a few seconds in. The bench counts the records that failed for
# good, the batches it retried and the longest wait between two acknowledgements (about the time from the kill to the
# first acknowledged write after it). Each round runs twice: without retries (--retries 0, the producer before retries)
# and with the producer's default retries and idempotence; the killed node is restarted between rounds.
#   jlink/src/build/bench-failover.sh            # ROUNDS=3 RATE=10000 RECORDS=100000 KILL_AFTER=3 VIA=leader|follower
#                                                # RETRY_ARGS="--retry-backoff-ms 50" (the retrying run's extra options)
# VIA=leader connects the bench to the node that is killed (it loses its connection and moves to the next server);
# VIA=follower connects it to a node that survives (which routes to the leader and answers "not leader" meanwhile).
# OUT=<dir> keeps the JSON results and node logs. Bounded; removes its data dirs.
set -uo pipefail
here=$(cd "$(dirname "$0")/../../.." && pwd)
flymq="$here/jlink/target/flymq/bin/flymq"
[ -x "$flymq" ] || { echo "bench-failover: build the image first (./mvnw -B -q install -DskipTests)" >&2; exit 1; }
ROUNDS=${ROUNDS:-3}; RATE=${RATE:-10000}; RECORDS=${RECORDS:-100000}; KILL_AFTER=${KILL_AFTER:-3}; VIA=${VIA:-leader}
base=$(mktemp -d /tmp/flymq-failover-bench.XXXXXX)
OUT=${OUT:-$base/out}; mkdir -p "$OUT"
peers=n1@127.0.0.1:39193,n2@127.0.0.1:39293,n3@127.0.0.1:39393
declare -A pid starts
start_node() { # i
  local i=$1
  starts[$i]=$(( ${starts[$i]:-0} + 1 ))
  "$flymq" server start --node-id n$i --bind-addr 127.0.0.1:3${i}092 --cluster-addr 127.0.0.1:39${i}93 \
    --peers $peers --data-dir "$base/n$i" --metrics-addr 127.0.0.1:0 --health-addr 127.0.0.1:0 \
    >>"$OUT/n$i.log" 2>&1 &
  pid[$i]=$!
}
wait_ready() { # i: until its log shows a ready line for each time it was started
  for _ in $(seq 1 300); do
    [ "$(grep -c '^ready' "$OUT/n$1.log")" -ge "${starts[$1]}" ] && return 0; sleep 0.1
  done
  echo "bench-failover: node n$1 not ready" >&2; return 1
}
cleanup() { for p in "${pid[@]}"; do kill -TERM "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$base"/n[123]; }
trap cleanup EXIT
for i in 1 2 3; do start_node $i; done
for i in 1 2 3; do wait_ready $i || exit 1; done
fm() { "$flymq" --server 127.0.0.1:31092,127.0.0.1:32092,127.0.0.1:33092 "$@"; }
leader_of() { # topic -> node number of partition 0's leader, as every node names it
  for _ in $(seq 1 300); do
    local agreed="" ok=1
    for i in 1 2 3; do
      [ -n "${pid[$i]:-}" ] || continue
      local l
      l=$("$flymq" --server 127.0.0.1:3${i}092 topic describe "$1" -o json 2>/dev/null \
          | python3 -c 'import sys,json; print(json.load(sys.stdin)["partitions"][0]["leader"])' 2>/dev/null)
      [[ "$l" =~ ^n[123]$ ]] || { ok=0; break; }
      [ -z "$agreed" ] || [ "$agreed" = "$l" ] || { ok=0; break; }
      agreed=$l
    done
    [ $ok = 1 ] && [ -n "$agreed" ] && { echo "${agreed#n}"; return 0; }
    sleep 0.2
  done
  return 1
}
echo "# $(date -u +%FT%TZ) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); RATE=$RATE RECORDS=$RECORDS KILL_AFTER=$KILL_AFTER VIA=$VIA" \
  | tee "$OUT/summary.txt"
n=0
for round in $(seq 1 "$ROUNDS"); do
  for mode in noretries retries; do
    n=$((n + 1))
    topic="fo$n"
    fm topic create $topic --partitions 1 --replication-factor 3 >/dev/null 2>&1 || true
    leader=$(leader_of $topic) || { echo "bench-failover: no leader all nodes agree on for $topic" | tee -a "$OUT/summary.txt" >&2; exit 1; }
    follower=$(( leader % 3 + 1 ))
    entry=$([ "$VIA" = leader ] && echo $leader || echo $follower)
    servers=127.0.0.1:3${entry}092
    for i in 1 2 3; do [ $i = $entry ] || servers="$servers,127.0.0.1:3${i}092"; done
    extra=(${RETRY_ARGS:-}); [ $mode = noretries ] && extra=(--retries 0)
    cmd="flymq --server $servers bench produce --topic $topic --records $RECORDS --record-size 100 --throughput $RATE --acks all --linger-ms 0 ${extra[*]}"
    echo "$topic: $cmd  # kill -9 of leader n$leader after ${KILL_AFTER}s" >>"$OUT/commands.txt"
    "$flymq" --server $servers bench produce --topic $topic --records "$RECORDS" --record-size 100 \
      --throughput "$RATE" --acks all --linger-ms 0 "${extra[@]}" --output json >"$OUT/$topic.json" 2>"$OUT/$topic.err" &
    bench=$!
    sleep "$KILL_AFTER"
    victim=${pid[$leader]}
    { kill -9 "$victim"; wait "$victim"; } 2>/dev/null
    unset "pid[$leader]"
    wait $bench; code=$?
    # records stored: the partition's end offset on a surviving node (acknowledged + any duplicates + unacknowledged
    # records that were written anyway)
    stored=$("$flymq" --server 127.0.0.1:3${follower}092 topic describe $topic -o json 2>/dev/null \
      | python3 -c 'import sys,json; print(json.load(sys.stdin)["partitions"][0]["end_offset"])' 2>/dev/null)
    python3 - "$OUT/$topic.json" "$mode" "$round" "$leader" "$entry" "$code" "${stored:--1}" <<'PY' | tee -a "$OUT/summary.txt"
import json, sys
path, mode, rnd, leader, entry, code, stored = sys.argv[1:]
try:
    d = json.load(open(path))
except Exception as e:
    print(f"round {rnd} {mode:9}: no summary ({e}); exit {code}"); raise SystemExit
print(f"round {rnd} {mode:9}: killed n{leader}, bench via n{entry}: {d['records']} acknowledged, {d['failed']} failed, "
      f"{d['retried_batches']} batches retried, longest wait between acks {d['max_ack_gap_ms']:.0f} ms, "
      f"p99 {d['latency_ms']['p99']} ms, {d['records_per_sec']} rec/s, {stored} stored, exit {code}")
PY
    start_node $leader
    wait_ready $leader || exit 1
    sleep 2
  done
done
echo "results in $OUT"
