#!/usr/bin/env bash
# Cold start of the client commands against live brokers, beside Kafka's CLI anchor, in one window:
#   - FlyMQ: the image's broker (`bin/flymq server start`, loopback, ephemeral data dir) with two topics, then
#     `bin/flymq topic list` and `bin/flymq health check` (both exit 0);
#   - Kafka: a single-node KRaft broker started by bench/kafka/kafka.sh (jars fetched from Maven Central on first
#     use) with the same two topics, then the plain `TopicCommand --list` as a user would type it (no flags).
# Each command: hyperfine, 10 runs (or $1) after 2 warm-ups, a fresh JVM per run, page cache warm; medians printed
# with the load average before and after. Kafka is skipped (and said so) when its jars cannot be fetched.
# FLYMQ_IMAGE: the image to measure (default jlink/target/flymq); FLYMQ_BASELINE_IMAGE: an older image whose
# `topic list` and `health check` are measured too, against the same broker in the same window (before/after).
# Usage: jlink/src/build/bench-cli-vs-kafka.sh [runs]   (needs hyperfine and a built image)
set -euo pipefail
cd "$(dirname "$0")/../../.."
img=${FLYMQ_IMAGE:-$PWD/jlink/target/flymq}
runs=${1:-10}
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

# ---- Kafka: one KRaft node from bench/kafka (jars fetched on first use), a smaller heap: it only answers metadata
. bench/kafka/kafka.sh
kafka=no
if kafka_fetch_jars "$work/kafka-maven.log" && kafka_java; then
  KAFKA_WORK=$work/kafka KAFKA_NODES=1 KAFKA_HEAP=-Xmx512m
  KAFKA_PORT_BASE=$(free_port)  # its controller takes the next port, which must be free too
  while (exec 3<>"/dev/tcp/127.0.0.1/$((KAFKA_PORT_BASE + 1))") 2>/dev/null; do KAFKA_PORT_BASE=$(free_port); done
  kafka_configure 1
  kafka_format 1
  kafka_start 1 3600
  pids+=("${KAFKA_WRAPPER[1]}")
  kafka_wait_ready 1 120
  kafka_create_topic bench 1
  kafka_create_topic bench3 1
  kp=$(kafka_port 1)
  kafka=yes
else
  echo "Kafka skipped: its jars could not be fetched (see $work/kafka-maven.log)"
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
