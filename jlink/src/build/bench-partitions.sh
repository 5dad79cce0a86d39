#!/usr/bin/env bash
# Cost of many partitions: three server processes of the linked image on loopback (client ports 2{1,2,3}592,
# cluster ports 2{1,2,3}593: below the ephemeral range), then TOPICS topics of 3 partitions each with replication
# factor 3 (so every node holds a replica of every partition: 3 x TOPICS Raft group members per node), created
# through PARALLEL (default 1) `flymq shell` processes fed on stdin (one JVM start per shell, not one per topic),
# timed. Then the cluster idles: after SETTLE seconds the script samples each node's CPU (utime + stime from
# /proc/PID/stat) over SAMPLE seconds, and its RSS, thread count and open files, and prints one line per node, with
# the load average of the machine beside it (the machine is shared).
#   jlink/src/build/bench-partitions.sh 10      # 10 topics = 30 partitions; 100 = 300; 1000 = 3,000
#   PARALLEL=4 SETTLE=20 SAMPLE=30 OUT=<dir> FLYMQ_JAVA_OPTS=... jlink/src/build/bench-partitions.sh 1000
# OUT=<dir> keeps the node logs and the creation transcript. Bounded; removes its data dirs.
# SYNCS=1 (needs strace) counts node n1's fsync/fdatasync calls from its readiness until the end of SETTLE, by file
# kind (Raft log, Raft directory, partition log, metadata, ...), and prints them per created topic.
set -uo pipefail
here=$(cd "$(dirname "$0")/../../.." && pwd)
flymq="$here/jlink/target/flymq/bin/flymq"
[ -x "$flymq" ] || { echo "bench-partitions: build the image first (./mvnw -B -q install -DskipTests)" >&2; exit 1; }
TOPICS=${1:-10}; SETTLE=${SETTLE:-20}; SAMPLE=${SAMPLE:-30}; PARALLEL=${PARALLEL:-1}
base=$(mktemp -d /tmp/flymq-partitions-bench.XXXXXX)
OUT=${OUT:-$base/out}; mkdir -p "$OUT"
peers=n1@127.0.0.1:21593,n2@127.0.0.1:22593,n3@127.0.0.1:23593
pids=()
for i in 1 2 3; do
  "$flymq" server start --node-id n$i --bind-addr 127.0.0.1:2${i}592 --cluster-addr 127.0.0.1:2${i}593 \
    --peers $peers --data-dir "$base/n$i" --metrics-addr 127.0.0.1:0 --health-addr 127.0.0.1:0 \
    >"$OUT/n$i.log" 2>&1 &
  pids+=($!)
done
trap 'for p in "${pids[@]}"; do kill -TERM $p 2>/dev/null; done; wait; rm -rf "$base/n1" "$base/n2" "$base/n3"' EXIT
for i in 1 2 3; do
  for _ in $(seq 1 300); do grep -q '^ready' "$OUT/n$i.log" && break; sleep 0.1; done
  grep -q '^ready' "$OUT/n$i.log" || { echo "bench-partitions: node n$i not ready (log $OUT/n$i.log)" >&2; exit 1; }
done
sleep 2
if [ "${SYNCS:-0}" = 1 ]; then
  strace -f -qq -p "${pids[0]}" -e trace=fsync,fdatasync -y -o "$OUT/n1-syncs.txt" &
  tracer=$!
  sleep 1
fi
hz=$(getconf CLK_TCK)
ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

start=$(date +%s.%N)
shells=()
for s in $(seq 1 "$PARALLEL"); do  # shell s creates topics s, s+PARALLEL, ... through node s mod 3 first
  servers=$(for k in 0 1 2; do printf '127.0.0.1:2%d592,' $(( (s + k - 1) % 3 + 1 )); done)
  for t in $(seq "$s" "$PARALLEL" "$TOPICS"); do echo "topic create bench-$t --partitions 3 --replication-factor 3"; done \
    | "$flymq" shell --server "${servers%,}" --history-file "$base/history-$s" >"$OUT/create-$s.txt" 2>&1 &
  shells+=($!)
done
wait "${shells[@]}"
end=$(date +%s.%N)
cat "$OUT"/create-*.txt >"$OUT/create.txt"
created=$(grep -c 'created topic' "$OUT/create.txt")
failed=$(( TOPICS - created ))
printf 'created %d of %d topics (%d partitions, RF 3) in %.1f s with %d shell(s); failures: %d (transcript %s)\n' \
  "$created" "$TOPICS" $(( created * 3 )) "$(echo "$end - $start" | bc)" "$PARALLEL" "$failed" "$OUT/create.txt"

sleep "$SETTLE"
if [ "${SYNCS:-0}" = 1 ]; then
  kill "$tracer"; wait "$tracer" 2>/dev/null
  total=$(grep -cE '^[0-9]+ +(fsync|fdatasync)\(' "$OUT/n1-syncs.txt")
  printf 'n1 sync calls during creation and %s s settling: %d (%.1f per created topic); by file:\n' "$SETTLE" "$total" \
    "$(echo "$total / ($created + 0.000001)" | bc -l)"
  grep -oE '(fsync|fdatasync)\([0-9]+<[^>]*>' "$OUT/n1-syncs.txt" | sed -E 's#\([0-9]+<'"$base"'/n1/?# #; s#>$##; s# $# (the data dir)#;
    s#[0-9]+-[0-9]+#C-P#g; s#[0-9]{20}#N#g; s#bench-[0-9]+#bench-T#g' | sort | uniq -c | sort -rn
fi
declare -A t0
for i in 1 2 3; do t0[$i]=$(ticks "${pids[$((i-1))]}"); done
s0=$(date +%s.%N)
sleep "$SAMPLE"
s1=$(date +%s.%N)
secs=$(echo "$s1 - $s0" | bc)
echo "idle sample over ${secs%.*} s after ${SETTLE} s settling; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for i in 1 2 3; do
  p=${pids[$((i-1))]}
  if [ ! -d "/proc/$p" ]; then echo "n$i: not running (log $OUT/n$i.log)"; continue; fi
  t1=$(ticks "$p")
  rss=$(awk '/^VmRSS/ {print $2}' "/proc/$p/status")
  threads=$(awk '/^Threads/ {print $2}' "/proc/$p/status")
  fds=$(ls "/proc/$p/fd" | wc -l)
  printf 'n%d partitions=%d cpu=%.1f%% rss=%d MiB threads=%d fds=%d\n' "$i" $(( created * 3 )) \
    "$(echo "($t1 - ${t0[$i]}) * 100 / $hz / $secs" | bc -l)" $(( rss / 1024 )) "$threads" "$fds"
done
