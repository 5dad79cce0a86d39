#!/usr/bin/env bash
# Apache Kafka on the workloads of jlink/src/build/bench-broker.sh, for the comparisons in docs/benchmarks.md:
# one KRaft node on loopback, driven by Kafka's own ProducerPerformance and ConsumerPerformance, then stopped.
# Bounded in time; cleans up after itself. Run it right after (or before) bench-broker.sh, in the same window.
#
#   bench/kafka/run.sh                                   # the full run, bounded to 10 minutes
#   RECORDS=200000 LAT_RECORDS=20000 bench/kafka/run.sh  # a short check that everything works
#
# Env [default]: PORT [19092] (controller on PORT+1), RECORDS [2000000], LAT_RECORDS [100000], LAT_RATE [10000],
# WARMUP_RECORDS [200000], HEAP ["-Xmx1g -Xms1g", as Kafka's start script], TOOL_HEAP ["-Xmx512m"],
# BUDGET_S [600] (deadline for all runs; stopping adds up to 30 s), STEP_TIMEOUT_S [240],
# OUT [bench/kafka/target/results/<UTC time>], JAVA [the java on PATH if 17+, else the JDK ./mvnw uses],
# KAFKA_LIB [bench/kafka/target/lib], MAVEN_ARGS (extra Maven flags for fetching the jars, e.g. a local repository).
# Output in OUT: summary.txt (the figures), commands.txt (every command with `uptime` before it), NAME.out/.err
# per run, broker.log and gc.log of the node.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=kafka.sh
. "$here/kafka.sh"

PORT=${PORT:-19092}
RECORDS=${RECORDS:-2000000}
LAT_RECORDS=${LAT_RECORDS:-100000}
LAT_RATE=${LAT_RATE:-10000}
WARMUP_RECORDS=${WARMUP_RECORDS:-200000}
HEAP=${HEAP:-"-Xmx1g -Xms1g"}
TOOL_HEAP=${TOOL_HEAP:-"-Xmx512m"}
BUDGET_S=${BUDGET_S:-600}
STEP_TIMEOUT_S=${STEP_TIMEOUT_S:-240}
OUT=${OUT:-$here/target/results/$(date -u +%Y%m%dT%H%M%SZ)}

KAFKA_NODES=1
KAFKA_PORT_BASE=$PORT
KAFKA_HEAP=$HEAP
KAFKA_WORK=$(mktemp -d "${TMPDIR:-/tmp}/kafka-bench.XXXXXX")
mkdir -p "$OUT" || exit 1
now_ms() { date +%s%3N; }
t_start=$(now_ms)
deadline=$((t_start + BUDGET_S * 1000))
say() { printf '[%5.1fs] %s\n' "$(($(now_ms) - t_start))e-3" "$*" >&2; }
die() { say "FATAL: $*"; exit 1; }

step_pid=""
cleanup() {
  [[ -n $step_pid ]] && kill -TERM "$step_pid" 2>/dev/null && wait "$step_pid" 2>/dev/null
  if [[ -n ${KAFKA_WRAPPER[1]:-} ]]; then kafka_stop 1; say "stopped the broker early ($KAFKA_STOP_MS ms)"; fi
  cp "$KAFKA_WORK/node1/logs/server.log" "$OUT/broker.log" 2>/dev/null
  cp "$KAFKA_WORK/node1/logs/gc.log" "$OUT/gc.log" 2>/dev/null
  rm -rf "$KAFKA_WORK"
}
trap cleanup EXIT
trap 'say interrupted; exit 130' INT TERM

# ------------------------------------------------------------------ jars, JVM, node
say "Kafka jars in $KAFKA_LIB (fetched with ./mvnw on first use)"
kafka_fetch_jars "$OUT/maven.log" || die "no Kafka jars"
kafka_java || die "no Java 17+"
version=$(kafka_version)
for p in "$PORT" "$((PORT + 1))"; do
  (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && die "port $p on 127.0.0.1 is in use (set PORT)"
done
kafka_configure 1
kafka_format 1 || die "format failed"

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
cpu_before=$(head -1 /proc/stat)
say "starting Kafka $version on $(kafka_bootstrap), heap '$HEAP'"
t_launch=$(now_ms)
kafka_start 1 $((BUDGET_S + 60)) || die "broker did not start"
kafka_wait_ready 1 60 || die "broker not ready"
ready_ms=$(($(now_ms) - t_launch))
broker=${KAFKA_PID[1]}
say "broker pid $broker ready after $ready_ms ms"
{ printf 'broker: '; tr '\0' ' ' <"/proc/$broker/cmdline"; printf ' # %s\n' "$(uptime)"; } >>"$OUT/commands.txt"
cp "$KAFKA_WORK/node1/server.properties" "$OUT/"

# ------------------------------------------------------------------ runs
hz=$(getconf CLK_TCK)
broker_ticks() { awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$broker/stat" 2>/dev/null || echo 0; }
rss_kib() { awk '/^VmRSS/{print $2}' "/proc/$broker/status" 2>/dev/null || echo 0; }
declare -A rc cpu rss wall
# step NAME CMD...: runs CMD with what is left of the budget (at most STEP_TIMEOUT_S), output in OUT/NAME.out/.err,
# and records its exit code, wall time, the broker's CPU seconds and peak RSS (sampled every 0.5 s) during it.
step() {
  local name=$1 left c0 t0 peak=0 r
  shift
  left=$(((deadline - $(now_ms)) / 1000))
  if ((left < 5)); then rc[$name]=skipped; say "$name: skipped, budget spent"; return 1; fi
  ((left > STEP_TIMEOUT_S)) && left=$STEP_TIMEOUT_S
  { printf '%s: ' "$name"; printf '%q ' "$@"; printf ' # %s\n' "$(uptime)"; } >>"$OUT/commands.txt"
  c0=$(broker_ticks); t0=$(now_ms)
  timeout -k 5 "$left" "$@" >"$OUT/$name.out" 2>"$OUT/$name.err" &
  step_pid=$!
  while kill -0 "$step_pid" 2>/dev/null; do
    r=$(rss_kib); ((r > peak)) && peak=$r
    sleep 0.5
  done
  wait "$step_pid"; rc[$name]=$?; step_pid=""
  wall[$name]=$(($(now_ms) - t0))
  cpu[$name]=$(awk -v a="$(broker_ticks)" -v b="$c0" -v hz="$hz" 'BEGIN { printf "%.1f", (a - b) / hz }')
  rss[$name]=$((peak / 1024))
  say "$name: exit ${rc[$name]}, ${wall[$name]} ms, broker CPU ${cpu[$name]} s, peak RSS ${rss[$name]} MiB"
}

for t in warm:1 bench:1 benchall:1 bench3:3 benchlat:1; do
  kafka_create_topic "${t%:*}" "${t#*:}" || die "topic ${t%:*}"
done
log4j=$(kafka_tools_log4j)
# shellcheck disable=SC2206
tool=("$JAVA" $TOOL_HEAP "${KAFKA_JVM_FLAGS[@]}" "$log4j" -cp "$KAFKA_LIB/*")
produce=("${tool[@]}" org.apache.kafka.tools.ProducerPerformance --bootstrap-server "$(kafka_bootstrap)" --record-size 100)
batched=(--command-property linger.ms=5 batch.size=65536)
# The same runs, topics and counts as bench-broker.sh; acks=1 is Kafka's name for acks=leader.
((WARMUP_RECORDS > 0)) &&
  step warmup "${produce[@]}" --topic warm --num-records "$WARMUP_RECORDS" --throughput -1 "${batched[@]}" acks=1
step p_leader "${produce[@]}" --topic bench --num-records "$RECORDS" --throughput -1 "${batched[@]}" acks=1
step p_all "${produce[@]}" --topic benchall --num-records "$RECORDS" --throughput -1 "${batched[@]}" acks=all
step p_3part "${produce[@]}" --topic bench3 --num-records "$RECORDS" --throughput -1 "${batched[@]}" acks=1
step p_lat "${produce[@]}" --topic benchlat --num-records "$LAT_RECORDS" --throughput "$LAT_RATE" \
  --command-property acks=all linger.ms=0
step consume "${tool[@]}" org.apache.kafka.tools.ConsumerPerformance --bootstrap-server "$(kafka_bootstrap)" \
  --topic bench --num-records "$RECORDS" --group "bench-$$" --timeout 30000

hwm=$(awk '/^VmHWM/{print int($2 / 1024)}' "/proc/$broker/status" 2>/dev/null)
broker_cpu_total=$(awk -v a="$(broker_ticks)" -v hz="$hz" 'BEGIN { printf "%.1f", a / hz }')
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
kafka_stop 1
stop_ms=$KAFKA_STOP_MS
say "broker stopped ($stop_ms ms)"

# ------------------------------------------------------------------ summary
# How busy the machine was besides this run: all CPUs' busy time from /proc/stat minus the CPU of this script's
# children (the broker and the tools, all waited for by now).
# (`times` in a subshell would report the subshell's children: none.)
times >"$KAFKA_WORK/times"
ours=$(awk 'NR == 2 { split($1, u, "m"); split($2, s, "m"); print u[1] * 60 + u[2] + s[1] * 60 + s[2] }' "$KAFKA_WORK/times")
machine=$(printf '%s\n%s\n' "$cpu_before" "$(head -1 /proc/stat)" | awk -v hz="$hz" -v ours="$ours" -v n="$(nproc)" '
  { t = 0; for (i = 2; i <= 9; i++) t += $i; idle = $5 + $6
    if (NR == 1) { t0 = t; i0 = idle } else { busy = (t - t0 - (idle - i0)) / hz; span = (t - t0) / hz / n
      printf "%.0f of %.0f core-seconds busy, %.0f of them outside this run (%.0f%% of the machine)",
        busy, span * n, busy - ours, 100 * (busy - ours) / (span * n) } }')
# ProducerPerformance's last line: "N records sent, R records/sec (M MB/sec), A ms avg latency, X ms max latency,
# P50 ms 50th, P95 ms 95th, P99 ms 99th, P999 ms 99.9th."
produce_row() {
  local name=$1 line
  line=$(grep ' ms 50th' "$OUT/$name.out" 2>/dev/null | tail -1)
  if [[ -z $line ]]; then printf '%-9s %s\n' "$name" "no result (exit ${rc[$name]:-not run}, see $name.err)"; return; fi
  echo "$line" | tr -d ',()' | awk -v n="$name" -v c="${cpu[$name]}" -v r="${rss[$name]}" \
    '{ printf "%-9s %9d %11.0f %7.2f %8s %8s %8.0f %7s %8s\n", n, $1, $4, $6, $16, $22, $12, c, r }'
}
# ConsumerPerformance's data line: start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg,
# nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
consume_row() {
  local line
  line=$(grep -E '^[0-9]{4}-' "$OUT/consume.out" 2>/dev/null | tail -1)
  if [[ -z $line ]]; then echo "consume   no result (exit ${rc[consume]:-not run}, see consume.err)"; return; fi
  echo "$line" | awk -F', *' -v c="${cpu[consume]}" -v r="${rss[consume]}" -v w="${wall[consume]}" \
    '{ printf "consume   %9d %11.0f %7.2f fetch-only; %.0f rec/s with the group join (%d ms), %.1f s with the JVM start; broker CPU %s s, peak RSS %s MiB\n",
       $5, $10, $9, $6, $7, w / 1000, c, r }'
}
{
  echo "Apache Kafka $version, $KAFKA_NODES KRaft node(s) (broker+controller) on $(kafka_bootstrap), heap '$HEAP'; tools '$TOOL_HEAP'"
  echo "$(date -u +%FT%TZ), $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -sr), $("$JAVA" -version 2>&1 | head -1)"
  echo "load before $load_before, after $load_after; $machine"
  echo "records of 100 B; unthrottled runs: linger.ms=5 batch.size=65536; p_lat: $LAT_RECORDS at $LAT_RATE/s, acks=all linger.ms=0"
  echo
  printf '%-9s %9s %11s %7s %8s %8s %8s %7s %8s\n' run records 'rec/s' 'MB/s' 'p50 ms' 'p99 ms' 'max ms' 'CPU s' 'RSS MiB'
  for r in p_leader p_all p_3part p_lat; do produce_row "$r"; done
  consume_row
  echo
  echo "broker: ready ${ready_ms} ms after launch, stopped in $stop_ms ms; peak RSS (VmHWM) $hwm MiB; CPU ${broker_cpu_total} s in all"
  echo "(CPU s and RSS MiB: the broker's CPU time during the run and its peak resident memory, sampled every 0.5 s)"
} | tee "$OUT/summary.txt"
say "results in $OUT"
