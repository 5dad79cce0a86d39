#!/usr/bin/env bash
# Chaos run against one broker of the linked image, loopback only, bounded in time:
#   bench/chaos.sh [MINUTES]        (default 5; docs/benchmarks.md records a 20-minute run)
# For MINUTES it keeps two producers (one record per request, each acknowledged id logged) and a consumer busy,
# while it cycles through: kill -9 and restart, a flood of idle connections, a flood of half-sent frame headers
# and large announced payloads, and (as root, on a small tmpfs data dir) a disk that fills up and is freed.
# After each step a produce must be acknowledged within 15 s (else the broker counts as wedged and is restarted).
# At the end it restarts the broker once more and checks that every acknowledged record is stored exactly once.
# Exits 0 only when no step wedged the broker and no acknowledged record is lost or duplicated. Env: PORT [19392], OUT [/tmp/flymq-chaos/<timestamp>], DISK_MB [512], FLOOD [2000],
# RATE [1000 records/s per producer].
# Build first: ./mvnw -B -q install -DskipTests
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
flymq="$here/jlink/target/flymq/bin/flymq"
client_jars="$here/modules/flymq.client/target/flymq.client.jar:$here/modules/flymq.protocol/target/flymq.protocol.jar"
[ -x "$flymq" ] && [ -f "$here/modules/flymq.client/target/flymq.client.jar" ] \
  || { echo "chaos: build first (./mvnw -B -q install -DskipTests)" >&2; exit 1; }
. "$here/.mvn/find-jdk.sh"
flymq_find_jdk || exit 1
MINUTES=${1:-5}
PORT=${PORT:-19392}
OUT=${OUT:-/tmp/flymq-chaos/$(date +%Y%m%dT%H%M%S)}
DISK_MB=${DISK_MB:-512}
RATE=${RATE:-1000}
FLOOD=${FLOOD:-2000}
TOPIC=chaos
PARTITIONS=3
mkdir -p "$OUT"
work=$(mktemp -d /tmp/flymq-chaos-data.XXXXXX)
data="$work/data"
mkdir -p "$data"
tmpfs=no
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size="${DISK_MB}m" flymq-chaos "$data" 2>/dev/null; then tmpfs=yes; fi

chaos() { "$JAVA_HOME/bin/java" -Xmx256m --module-path "$client_jars" --add-modules flymq.client \
  "$here/bench/chaos/Chaos.java" "$@"; }
log() { echo "$(date -u +%H:%M:%S) $*" | tee -a "$OUT/events.txt"; }

broker_pid=""
start_broker() {
  "$flymq" server start --set bind_addr=127.0.0.1:$PORT --set data_dir="$data" \
    --set observability.metrics.addr=127.0.0.1:0 --set observability.health.addr=127.0.0.1:0 \
    >>"$OUT/broker.log" 2>&1 &
  broker_pid=$!
  for _ in $(seq 1 300); do
    [ "$(grep -c '^ready' "$OUT/broker.log")" -ge "$starts" ] && return 0
    kill -0 $broker_pid 2>/dev/null || break
    sleep 0.1
  done
  log "broker did not become ready"; tail -20 "$OUT/broker.log" >&2; return 1
}
cleanup() {
  [ -n "$broker_pid" ] && kill -TERM "$broker_pid" 2>/dev/null && wait "$broker_pid" 2>/dev/null
  [ "$tmpfs" = yes ] && umount "$data" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

starts=1
start_broker
log "broker up (tmpfs data dir: $tmpfs), load for $MINUTES min"
seconds=$((MINUTES * 60))
chaos produce 127.0.0.1:$PORT $TOPIC $PARTITIONS $seconds $RATE "$OUT/acked-1.txt" >"$OUT/producer-1.txt" 2>&1 &
p1=$!
chaos produce 127.0.0.1:$PORT $TOPIC $PARTITIONS $seconds $RATE "$OUT/acked-2.txt" >"$OUT/producer-2.txt" 2>&1 &
p2=$!
chaos consume 127.0.0.1:$PORT $TOPIC $PARTITIONS $seconds >"$OUT/consumer.txt" 2>&1 &
c1=$!

kills=0 floods=0 half_floods=0 disk_fills=0 survived=0 wedged=0
deadline=$((SECONDS + seconds - 20))
step=0
while ((SECONDS < deadline)); do
  sleep $((10 + RANDOM % 10))
  ((SECONDS < deadline)) || break
  case $((step++ % 4)) in
    0)
      java_pid=$(pgrep -P "$broker_pid" java || echo "$broker_pid")
      log "kill -9 $java_pid"
      kill -9 "$java_pid" 2>/dev/null || true
      wait "$broker_pid" 2>/dev/null || true
      starts=$((starts + 1))
      start_broker
      kills=$((kills + 1)); log "restarted" ;;
    1)
      log "flood: $FLOOD idle connections for 10 s"
      chaos flood 127.0.0.1 $PORT "$FLOOD" 10 false | tee -a "$OUT/events.txt"
      floods=$((floods + 1)) ;;
    2)
      log "flood: $((FLOOD / 4)) half-sent headers and large announced payloads for 10 s"
      chaos flood 127.0.0.1 $PORT $((FLOOD / 4)) 10 true | tee -a "$OUT/events.txt"
      half_floods=$((half_floods + 1)) ;;
    3)
      if [ "$tmpfs" = yes ]; then
        log "disk fill"
        dd if=/dev/zero of="$data/filler" bs=1M count="$DISK_MB" >/dev/null 2>&1 || true
        sleep 10
        rm -f "$data/filler"
        log "disk freed"
        disk_fills=$((disk_fills + 1))
      fi ;;
  esac
  kill -0 "$broker_pid" 2>/dev/null || { log "broker died on its own"; tail -30 "$OUT/broker.log"; exit 1; }
  if chaos probe 127.0.0.1:$PORT 15 >>"$OUT/events.txt" 2>&1; then
    survived=$((survived + 1))
  else
    wedged=$((wedged + 1)); log "broker wedged: no produce answered for 15 s after that step; kill -9 and restart"
    kill -9 "$(pgrep -P "$broker_pid" java || echo "$broker_pid")" 2>/dev/null || true
    wait "$broker_pid" 2>/dev/null || true
    starts=$((starts + 1))
    start_broker
  fi
done
wait $p1 $p2 $c1 || true

# a last restart, so the check also covers recovery of what the load left behind
kill -TERM "$broker_pid" 2>/dev/null; wait "$broker_pid" 2>/dev/null || true
starts=$((starts + 1))
start_broker
set +e
chaos verify 127.0.0.1:$PORT $TOPIC $PARTITIONS "$OUT"/acked-*.txt | tee "$OUT/verify.txt"
verdict=${PIPESTATUS[0]}
set -e
{
  echo "minutes $MINUTES, kill -9 restarts $kills, idle floods $floods ($FLOOD connections each),"
  echo "half-frame floods $half_floods ($((FLOOD / 4)) connections each), disk fills $disk_fills (tmpfs $tmpfs, ${DISK_MB} MiB)"
  echo "steps the broker served a produce right after: $survived; steps that left it wedged: $wedged"
  cat "$OUT"/producer-*.txt "$OUT/consumer.txt"
  cat "$OUT/verify.txt"
  echo "broker log lines: $(wc -l <"$OUT/broker.log"), of them WARN: $(grep -c WARN "$OUT/broker.log" || true)"
} | tee "$OUT/summary.txt"
((wedged == 0)) || verdict=1
exit "$verdict"
