#!/usr/bin/env bash
# Heap growth of a broker holding 1 000 000 pending delayed records (issue 16's goal: <= 64 MiB).
# Starts the linked image on a fresh data directory, measures the heap used after a full GC, schedules N records
# with a 1 h delay through `flymq produce --delay` (one PRODUCE_DELAYED per line), measures again, prints both.
# Usage: [PORT=19492] jlink/src/build/bench-delayed-heap.sh [records] [value-bytes]
# Needs a built image (./mvnw -B install -DskipTests) and a JDK's jcmd (JAVA_HOME/bin or PATH).
set -euo pipefail
cd "$(dirname "$0")/../../.."
img=jlink/target/flymq
n=${1:-1000000}
size=${2:-100}
[ -x "$img/bin/flymq" ] || { echo "no image at $img: build it first (./mvnw -B install -DskipTests)" >&2; exit 1; }
jcmd=$(command -v jcmd || echo "${JAVA_HOME:-/nonexistent}/bin/jcmd")
[ -x "$jcmd" ] || { . .mvn/find-jdk.sh >/dev/null 2>&1 || true; jcmd="${JAVA_HOME:-}/bin/jcmd"; }
[ -x "$jcmd" ] || { echo "jcmd not found: set JAVA_HOME to a JDK" >&2; exit 1; }
data=$(mktemp -d)
port=${PORT:-19492}
"$img/bin/flymq" server start --bind-addr 127.0.0.1:$port --data-dir "$data" --metrics-addr 127.0.0.1:0 \
    --health-addr 127.0.0.1:0 >"$data/server.log" 2>&1 &
launcher=$!
trap 'kill $launcher 2>/dev/null || true; wait $launcher 2>/dev/null || true; rm -rf "$data"' EXIT
pid=$launcher   # the launcher execs the JVM
export FLYMQ_SERVER=127.0.0.1:$port
for _ in $(seq 300); do
  "$img/bin/flymq" topic list >/dev/null 2>&1 && break
  sleep 0.1
done
used() { "$jcmd" "$pid" GC.run >/dev/null; "$jcmd" "$pid" GC.heap_info | awk '/used/ {for (i=1;i<=NF;i++) if ($i=="used") {print $(i+1); exit}}'; }
"$img/bin/flymq" topic create delayed-heap --partitions 1 >/dev/null
before=$(used)
t0=$(date +%s)
python3 -c "import sys; v='x'*$size; sys.stdout.write(''.join(v+'\n' for _ in range($n)))" \
  | "$img/bin/flymq" produce delayed-heap --delay 1h >/dev/null
t1=$(date +%s)
after=$(used)
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
echo "scheduled $n delayed records of $size bytes in $((t1 - t0)) s"
echo "heap used after full GC: before ${before}, after ${after} (jcmd GC.heap_info, K)"
du -sh "$data/delayed" | sed 's/^/schedule on disk: /'
