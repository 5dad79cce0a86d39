#!/usr/bin/env bash
# Cold start of the client commands against live brokers, beside Kafka's CLI anchor, in one window:
#   - FlyMQ: the image's broker (`bin/flymq server start`, loopback, ephemeral data dir) with two topics, then
#     `bin/flymq topic list` and `bin/flymq health check` (both exit 0);
#   - Kafka 4.4.0: a single-node KRaft broker from the jars of ../shared/bench/kafka (KAFKA_LIB, fetched by its
#     run.sh) with the same two topics, then the plain `TopicCommand --list` as run.sh runs it (PATH java, no flags).
# Each command: hyperfine, 10 runs (or $1) after 2 warm-ups, a fresh JVM per run, page cache warm; medians printed
# with the load average before and after. Kafka is skipped (and said so) when its jars are missing.
# FLYMQ_IMAGE: the image to measure (default jlink/target/flymq); FLYMQ_BASELINE_IMAGE: an older image whose
# `topic list` and `health check` are measured too, against the same broker in the same window (before/after).
# Usage: jlink/src/build/bench-cli-vs-kafka.sh [runs]   (needs hyperfine and a built image)
set -euo pipefail
cd "$(dirname "$0")/../../.."
img=${FLYMQ_IMAGE:-$PWD/jlink/target/flymq}
runs=${1:-10}
KAFKA_LIB=${KAFKA_LIB:-/tmp/kafka-lib}
JAVA=${JAVA:-java}
[ -x "$img/bin/flymq" ] || { echo "no image at $img: build it first (./mvnw -B install -DskipTests)" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "hyperfine not found: apt-get install hyperfine" >&2; exit 1; }
work=$(mktemp -d /tmp/flymq-cli-bench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() { # file, text, seconds
  for _ in $(seq 1 $(($3 * 10))); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "timed out waiting for '$2' in $1:" >&2; tail -20 "$1" >&2; return 1
}
median() { # name, hyperfine json
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; c=r.get("exit_codes",[0]); print("%-44s median %5.0f ms  (min %5.0f, max %5.0f, user CPU %4.0f ms, exit %s)" % (sys.argv[2], r["median"]*1000, r["min"]*1000, r["max"]*1000, r["user"]*1000, sorted(set(c))))' "$2" "$1"
}
bench() { # name, command
  local name=$1; shift
  hyperfine -N --warmup 2 --runs "$runs" --export-json "$work/$name.json" "$@" >/dev/null 2>&1 \
    || { echo "$name: failed, output of one run:" >&2; $1 >&2 || true; return 1; }
  median "$name" "$work/$name.json"
}

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ), image java $("$img/bin/java" -version 2>&1 | head -1)"

# ---- FlyMQ broker from the image
p=$(free_port); m=$(free_port); h=$(free_port)
"$img/bin/flymq" server start --bind-addr "127.0.0.1:$p" --metrics-addr "127.0.0.1:$m" --health-addr "127.0.0.1:$h" \
  --data-dir "$work/flymq-data" >"$work/flymq.log" 2>&1 &
pids+=($!)
wait_for "$work/flymq.log" '^ready' 60
"$img/bin/flymq" --server "127.0.0.1:$p" topic create bench >/dev/null
"$img/bin/flymq" --server "127.0.0.1:$p" topic create bench3 --partitions 3 >/dev/null

# ---- Kafka broker (same settings as ../shared/bench/kafka/run.sh, smaller heap: it only answers metadata)
kafka=no
if [ -f "$KAFKA_LIB/kafka_2.13-4.4.0.jar" ]; then
  kp=$(free_port); kc=$(free_port)
  cat >"$work/server.properties" <<EOF
process.roles=broker,controller
node.id=1
listeners=PLAINTEXT://127.0.0.1:$kp,CONTROLLER://127.0.0.1:$kc
advertised.listeners=PLAINTEXT://127.0.0.1:$kp
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
controller.quorum.bootstrap.servers=127.0.0.1:$kc
log.dirs=$work/kafka-data
num.partitions=1
offsets.topic.replication.factor=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
EOF
  printf 'status = error\nrootLogger.level = WARN\n' >"$work/log4j2.properties"
  klog="-Dlog4j2.configurationFile=$work/log4j2.properties"
  id=$("$JAVA" "$klog" -cp "$KAFKA_LIB/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)
  "$JAVA" "$klog" -cp "$KAFKA_LIB/*" kafka.tools.StorageTool format --config "$work/server.properties" \
    --cluster-id "$id" --standalone >"$work/kafka-format.log" 2>&1
  "$JAVA" -Xmx512m "$klog" -cp "$KAFKA_LIB/*" kafka.Kafka "$work/server.properties" >"$work/kafka.log" 2>&1 &
  pids+=($!)
  for t in bench bench3; do
    for _ in $(seq 1 60); do  # the broker may still be electing its controller
      "$JAVA" "$klog" -cp "$KAFKA_LIB/*" org.apache.kafka.tools.TopicCommand --bootstrap-server "127.0.0.1:$kp" \
        --create --if-not-exists --topic "$t" --partitions 1 >/dev/null 2>&1 && break
      sleep 1
    done
  done
  kafka=yes
else
  echo "Kafka jars not found in $KAFKA_LIB (run ../shared/bench/kafka/run.sh once): Kafka skipped"
fi

echo "brokers up; load $(cut -d' ' -f1-3 /proc/loadavg)"
bench "flymq topic list" "$img/bin/flymq --server 127.0.0.1:$p topic list"
bench "flymq health check" "$img/bin/flymq --health-url http://127.0.0.1:$h health check"
bench "flymq --help" "$img/bin/flymq --help"
if [ -n "${FLYMQ_BASELINE_IMAGE:-}" ]; then
  bench "baseline flymq topic list" "$FLYMQ_BASELINE_IMAGE/bin/flymq --server 127.0.0.1:$p topic list"
  bench "baseline flymq health check" "$FLYMQ_BASELINE_IMAGE/bin/flymq --health-url http://127.0.0.1:$h health check"
fi
[ "$kafka" = yes ] && bench "kafka TopicCommand --list" \
  "$JAVA -cp $KAFKA_LIB/* org.apache.kafka.tools.TopicCommand --bootstrap-server 127.0.0.1:$kp --list"
bench "flymq topic list (again, after Kafka)" "$img/bin/flymq --server 127.0.0.1:$p topic list"
bench "flymq health check (again)" "$img/bin/flymq --health-url http://127.0.0.1:$h health check"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
echo "image: $(du -sm "$img" | cut -f1) MB ($(du -sm "$img"/lib/flymq.aot 2>/dev/null | cut -f1 || echo 0) MB of it the AOT cache)"
