#!/usr/bin/env bash
# Heap growth of the nodes of a three-node cluster holding N pending delayed records (issue 16's goal: a million
# pending records cost <= 64 MiB of heap; in a cluster every replica keeps the partition's schedule on disk).
# Starts three nodes of the linked image on fresh data directories, creates a topic of 1 partition replicated
# three times, measures each node's heap used after a full GC, schedules N records with a 1 h delay through
# `flymq produce --delay` (one PRODUCE_DELAYED per line, sent to a node that may not lead the partition), measures
# again and prints both per node. Each delayed produce is one Raft commit (acks all): this is slow on a small machine.
# Usage: [BASE_PORT=19600] jlink/src/build/bench-delayed-heap-cluster.sh [records] [value-bytes]
# Needs a built image (./mvnw -B install -DskipTests) and a JDK's jcmd (JAVA_HOME/bin or PATH).
set -euo pipefail
cd "$(dirname "$0")/../../.."
img=${IMG:-jlink/target/flymq}
n=${1:-1000000}
size=${2:-100}
[ -x "$img/bin/flymq" ] || { echo "no image at $img: build it first (./mvnw -B install -DskipTests)" >&2; exit 1; }
jcmd=$(command -v jcmd || echo "${JAVA_HOME:-/nonexistent}/bin/jcmd")
[ -x "$jcmd" ] || { . .mvn/find-jdk.sh >/dev/null 2>&1 || true; jcmd="${JAVA_HOME:-}/bin/jcmd"; }
[ -x "$jcmd" ] || jcmd=$(ls /usr/lib/jvm/*/bin/jcmd 2>/dev/null | tail -1)
[ -x "$jcmd" ] || { echo "jcmd not found: set JAVA_HOME to a JDK" >&2; exit 1; }
data=$(mktemp -d)
base=${BASE_PORT:-19600}
peers="n1@127.0.0.1:$((base + 11)),n2@127.0.0.1:$((base + 12)),n3@127.0.0.1:$((base + 13))"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$data"; }
trap cleanup EXIT
for i in 1 2 3; do
  "$img/bin/flymq" server start --node-id n$i --bind-addr 127.0.0.1:$((base + i)) \
      --cluster-addr 127.0.0.1:$((base + 10 + i)) --peers "$peers" --data-dir "$data/n$i" --acks all \
      --metrics-addr 127.0.0.1:0 --health-addr 127.0.0.1:0 >"$data/n$i.log" 2>&1 &
  pids+=($!)   # the launcher execs the JVM
done
export FLYMQ_SERVER=127.0.0.1:$((base + 1))
for _ in $(seq 600); do
  "$img/bin/flymq" topic create delayed-heap --partitions 1 --replication-factor 3 >/dev/null 2>&1 && break
  sleep 0.1
done
sleep 2   # the partition group elects its leader
used() { "$jcmd" "$1" GC.run >/dev/null; "$jcmd" "$1" GC.heap_info | awk '/used/ {for (i=1;i<=NF;i++) if ($i=="used") {print $(i+1); exit}}'; }
before=(); for p in "${pids[@]}"; do before+=("$(used "$p")"); done
t0=$(date +%s)
python3 -c "import sys; v='x'*$size; sys.stdout.write(''.join(v+'\n' for _ in range($n)))" \
  | "$img/bin/flymq" produce delayed-heap --delay 1h >/dev/null
t1=$(date +%s)
after=(); for p in "${pids[@]}"; do after+=("$(used "$p")"); done
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
echo "scheduled $n delayed records of $size bytes through n1 in $((t1 - t0)) s"
for i in 0 1 2; do
  echo "n$((i + 1)) heap used after full GC: before ${before[$i]}, after ${after[$i]} (jcmd GC.heap_info, K);" \
      "schedule on disk: $(du -sh "$data/n$((i + 1))/delayed" 2>/dev/null | cut -f1)"
done
