#!/usr/bin/env bash
# Three FlyMQ nodes against three Kafka nodes on this machine, in alternating rounds (issue 19's comparison):
#   - Kafka: KAFKA_NODES=3 combined KRaft nodes (broker + controller, 512 MiB heap each; bench/kafka/kafka.sh, jars
#     fetched from Maven Central on first use), topics with replication factor 3 and min.insync.replicas=2, driven by
#     Kafka's own ProducerPerformance;
#   - FlyMQ: three `bin/flymq server start` processes of the linked image, topics with replication factor 3
#     (acks=all = a Raft majority), driven by `flymq bench produce` connected to the partition's leader.
# Each round starts both clusters fresh (one after the other, never together) and runs the same workload on each:
# 100 B records, acks=all: 1 partition unthrottled (tp1), 3 partitions unthrottled (tp3), a fixed RATE with
# linger 0 (lat: p99/p99.9), and the same fixed rate while the partition's leader is killed with kill -9 after
# KILL_AFTER s (fo). For fo the figure is the largest latency of one record (sent just after the kill, acknowledged
# by the new leader: about the time from the kill to the first acknowledged write after it) and the records that
# failed for good; both producers retry with their defaults.
#   jlink/src/build/bench-cluster-vs-kafka.sh      # ROUNDS=3 RECORDS=1000000 LAT_RECORDS=100000 RATE=10000
#                                                  # KILL_AFTER=3 KAFKA_HEAP="-Xmx512m -Xms512m" OUT=<dir>
# Output in OUT (default bench/kafka/target/results/cluster-<UTC time>): summary.txt, one .out/.err per run, node logs.
# Ports: Kafka 24092-24097 (client, controller per node), FlyMQ 21192/22192/23192 (cluster 21193/22193/23193):
# all below the ephemeral range (32768-60999 on Linux), where a client connection of the Kafka runs can hold the port.
set -uo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
flymq="$root/jlink/target/flymq/bin/flymq"
[ -x "$flymq" ] || { echo "bench-cluster-vs-kafka: build the image first (./mvnw -B -q install -DskipTests)" >&2; exit 1; }
# shellcheck source=../../../bench/kafka/kafka.sh
. "$root/bench/kafka/kafka.sh"

ROUNDS=${ROUNDS:-3}; RECORDS=${RECORDS:-1000000}; LAT_RECORDS=${LAT_RECORDS:-100000}; RATE=${RATE:-10000}
KILL_AFTER=${KILL_AFTER:-3}; WARMUP_RECORDS=${WARMUP_RECORDS:-200000}
KAFKA_NODES=3; KAFKA_PORT_BASE=24092; KAFKA_HEAP=${KAFKA_HEAP:-"-Xmx512m -Xms512m"}
OUT=${OUT:-$root/bench/kafka/target/results/cluster-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT" || exit 1
scratch=$(mktemp -d /tmp/cluster-vs-kafka.XXXXXX)
say() { printf '[%s] %s\n' "$(date -u +%T)" "$*" >&2; }

kafka_fetch_jars "$OUT/maven.log" || exit 1
kafka_java || { echo "no Java 17+ for Kafka" >&2; exit 1; }
log4j=$(KAFKA_WORK=$scratch kafka_tools_log4j)
# shellcheck disable=SC2206
perf=("$JAVA" -Xmx512m "${KAFKA_JVM_FLAGS[@]}" "$log4j" -cp "$KAFKA_LIB/*" org.apache.kafka.tools.ProducerPerformance
  --bootstrap-server 127.0.0.1:24092,127.0.0.1:24094,127.0.0.1:24096 --record-size 100)

declare -A fpid fstarts
fpeers=n1@127.0.0.1:21193,n2@127.0.0.1:22193,n3@127.0.0.1:23193
cleanup() {
  for n in 1 2 3; do [ -n "${KAFKA_WRAPPER[$n]:-}" ] && kafka_stop "$n"; done
  for p in "${fpid[@]}"; do kill -KILL "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$scratch"
}
trap cleanup EXIT
trap 'say interrupted; exit 130' INT TERM

# ------------------------------------------------------------------ Kafka
kafka_cluster_round() { # round
  local r=$1 n leader victim bench
  KAFKA_WORK=$scratch/kafka$r; mkdir -p "$KAFKA_WORK"
  for n in 1 2 3; do kafka_configure "$n"; done
  kafka_format_voters || return 1
  for n in 1 2 3; do kafka_start "$n" 1800 || return 1; done
  for n in 1 2 3; do kafka_wait_ready "$n" 90 || return 1; done
  for t in warm:1 tp1:1 tp3:3 lat:1 fo:1; do kafka_create_topic "${t%:*}" "${t#*:}" min.insync.replicas=2 || return 1; done
  local batched=(--command-property linger.ms=5 batch.size=65536 acks=all)
  say "kafka round $r: warm-up, tp1, tp3, lat"
  "${perf[@]}" --topic warm --num-records "$WARMUP_RECORDS" --throughput -1 "${batched[@]}" >"$OUT/k$r-warm.out" 2>"$OUT/k$r-warm.err"
  "${perf[@]}" --topic tp1 --num-records "$RECORDS" --throughput -1 "${batched[@]}" >"$OUT/k$r-tp1.out" 2>"$OUT/k$r-tp1.err"
  "${perf[@]}" --topic tp3 --num-records "$RECORDS" --throughput -1 "${batched[@]}" >"$OUT/k$r-tp3.out" 2>"$OUT/k$r-tp3.err"
  "${perf[@]}" --topic lat --num-records "$LAT_RECORDS" --throughput "$RATE" \
    --command-property acks=all linger.ms=0 >"$OUT/k$r-lat.out" 2>"$OUT/k$r-lat.err"
  leader=$(KAFKA_WORK=$KAFKA_WORK kafka_leader_of fo)
  [[ $leader =~ ^[123]$ ]] || { say "kafka round $r: no leader for fo ('$leader')"; return 1; }
  say "kafka round $r: fo, kill -9 of node $leader after ${KILL_AFTER}s"
  "${perf[@]}" --topic fo --num-records "$LAT_RECORDS" --throughput "$RATE" \
    --command-property acks=all linger.ms=0 >"$OUT/k$r-fo.out" 2>"$OUT/k$r-fo.err" &
  bench=$!
  sleep "$KILL_AFTER"
  victim=${KAFKA_PID[$leader]}
  kill -KILL "$victim"
  echo "killed node $leader" >>"$OUT/k$r-fo.err"
  wait "$bench"
  for n in 1 2 3; do kafka_stop "$n"; done
  for n in 1 2 3; do cp "$KAFKA_WORK/node$n/logs/server.log" "$OUT/k$r-node$n.log" 2>/dev/null; done
  rm -rf "$KAFKA_WORK"
}

# ------------------------------------------------------------------ FlyMQ
fly_start() { # round, node
  local r=$1 i=$2
  fstarts[$i]=$(( ${fstarts[$i]:-0} + 1 ))
  "$flymq" server start --node-id n$i --bind-addr 127.0.0.1:2${i}192 --cluster-addr 127.0.0.1:2${i}193 \
    --peers $fpeers --data-dir "$scratch/fly$r/n$i" --metrics-addr 127.0.0.1:0 --health-addr 127.0.0.1:0 \
    >>"$OUT/f$r-n$i.log" 2>&1 &
  fpid[$i]=$!
}
fly_wait() { # round, node
  for _ in $(seq 1 300); do
    [ "$(grep -c '^ready' "$OUT/f$1-n$2.log" 2>/dev/null)" -ge "${fstarts[$2]}" ] && return 0; sleep 0.1
  done
  say "flymq node n$2 not ready"; return 1
}
fly_leader_of() { # topic -> node number leading partition 0, as a node names it
  local l
  for _ in $(seq 1 150); do
    l=$("$flymq" --server 127.0.0.1:21192,127.0.0.1:22192,127.0.0.1:23192 topic describe "$1" -o json 2>/dev/null \
        | python3 -c 'import sys,json; print(json.load(sys.stdin)["partitions"][0]["leader"])' 2>/dev/null)
    [[ $l =~ ^n[123]$ ]] && { echo "${l#n}"; return 0; }
    sleep 0.2
  done
  return 1
}
fly_cluster_round() { # round
  local r=$1 i leader bench
  fstarts=(); fpid=()
  for i in 1 2 3; do fly_start "$r" $i; done
  for i in 1 2 3; do fly_wait "$r" $i || return 1; done
  # every node prints ready before the metadata group has elected its first leader: until then a create is
  # refused (no leader yet), so retry for up to 30 s as an operator would
  for t in warm:1 tp1:1 tp3:3 lat:1 fo:1; do
    local tries=0
    until "$flymq" --server 127.0.0.1:21192 topic create "${t%:*}" --partitions "${t#*:}" --replication-factor 3 \
        >/dev/null 2>>"$OUT/f$r-create.err"; do
      tries=$((tries + 1)); [ "$tries" -ge 150 ] && return 1; sleep 0.2
    done
  done
  fly_bench() { # name, topic, args...
    local name=$1 topic=$2 l; shift 2
    l=$(fly_leader_of "$topic") || { say "flymq: no leader for $topic"; return 1; }
    echo "f$r-$name: flymq --server 127.0.0.1:2${l}192 bench produce --topic $topic $*" >>"$OUT/commands.txt"
    "$flymq" --server "127.0.0.1:2${l}192,127.0.0.1:21192,127.0.0.1:22192,127.0.0.1:23192" bench produce \
      --topic "$topic" --record-size 100 --acks all "$@" --output json >"$OUT/f$r-$name.out" 2>"$OUT/f$r-$name.err"
  }
  local batched=(--throughput -1 --linger-ms 5 --batch-size 65536)
  say "flymq round $r: warm-up, tp1, tp3, lat"
  fly_bench warm warm --records "$WARMUP_RECORDS" "${batched[@]}"
  fly_bench tp1 tp1 --records "$RECORDS" "${batched[@]}"
  fly_bench tp3 tp3 --records "$RECORDS" "${batched[@]}"
  fly_bench lat lat --records "$LAT_RECORDS" --throughput "$RATE" --linger-ms 0
  leader=$(fly_leader_of fo) || { say "flymq: no leader for fo"; return 1; }
  say "flymq round $r: fo, kill -9 of n$leader after ${KILL_AFTER}s"
  fly_bench fo fo --records "$LAT_RECORDS" --throughput "$RATE" --linger-ms 0 &
  bench=$!
  sleep "$KILL_AFTER"
  kill -KILL "${fpid[$leader]}"; unset "fpid[$leader]"
  echo "killed n$leader" >>"$OUT/f$r-fo.err"
  wait "$bench"
  for p in "${fpid[@]}"; do kill -TERM "$p" 2>/dev/null; done
  wait 2>/dev/null
  fpid=()
  rm -rf "$scratch/fly$r"
}

# ------------------------------------------------------------------ figures
# ProducerPerformance's last line: "N records sent, R records/sec (M MB/sec), A ms avg latency, X ms max latency,
# P50 ms 50th, P95 ms 95th, P99 ms 99th, P999 ms 99.9th." -> "rec/s p99 p999 max failed"
kafka_row() {
  local f=$1 line failed
  line=$(grep ' ms 50th' "$f.out" 2>/dev/null | tail -1 | tr -d ',()')
  # a send that failed for good is printed as its exception's stack trace; retries are WARN lines
  failed=$(grep -c '^org\.apache\.kafka\.common\.errors\.' "$f.err" 2>/dev/null)
  [ -n "$line" ] || { echo "- - - - -"; return; }
  echo "$line" | awk -v f="$failed" '{ printf "%.0f %s %s %s %s\n", $4, $22, $25, $12, f }'
}
fly_row() {
  python3 - "$1.out" <<'PY' 2>/dev/null || echo "- - - - -"
import json, sys
d = json.load(open(sys.argv[1]))
l = d["latency_ms"]
print(f'{d["records_per_sec"]:.0f} {l["p99"]} {l["p999"]} {l["max"]} {d.get("failed", 0)}')
PY
}

{
  echo "# $(date -u +%FT%TZ), $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "# Kafka $(kafka_version) x3 combined KRaft, heap '$KAFKA_HEAP', RF 3, min.insync.replicas=2; FlyMQ image x3, RF 3"
  echo "# ROUNDS=$ROUNDS RECORDS=$RECORDS LAT_RECORDS=$LAT_RECORDS RATE=$RATE KILL_AFTER=$KILL_AFTER; acks=all, 100 B"
} | tee "$OUT/summary.txt"
for r in $(seq 1 "$ROUNDS"); do
  kafka_cluster_round "$r" || say "kafka round $r failed"
  for n in 1 2 3; do [ -n "${KAFKA_WRAPPER[$n]:-}" ] && kafka_stop "$n"; done
  fly_cluster_round "$r" || say "flymq round $r failed"
  for p in "${fpid[@]}"; do kill -KILL "$p" 2>/dev/null; done; wait 2>/dev/null; fpid=()
  for run in tp1 tp3 lat fo; do
    printf 'round %s %-4s kafka %-40s flymq %s\n' "$r" "$run" "$(kafka_row "$OUT/k$r-$run")" "$(fly_row "$OUT/f$r-$run")"
  done | tee -a "$OUT/summary.txt"
done
# Ratios of medians over the rounds: throughput flymq/kafka (goal >= 1.5), lat p99 flymq/kafka (goal <= 0.5), fo max
# latency flymq/kafka (goal <= 0.5).
python3 - "$OUT/summary.txt" <<'PY' | tee -a "$OUT/summary.txt"
import re, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    m = re.match(r"round \d+ (\w+)\s+kafka (.+?)\s+flymq (.+)$", line.strip())
    if not m or "-" in m.group(2).split()[0] or "-" in m.group(3).split()[0]:
        continue
    k, f = [list(map(float, x.split())) for x in (m.group(2), m.group(3))]
    rows.setdefault(m.group(1), []).append((k, f))
def med(run, col, who):
    return statistics.median(r[who][col] for r in rows[run])
print("# medians: rec/s p99 p999 max failed (kafka | flymq) and the ratio flymq/kafka")
for run, col, name in (("tp1", 0, "throughput"), ("tp3", 0, "throughput"), ("lat", 1, "p99"), ("fo", 3, "max latency")):
    if run in rows:
        k, f = med(run, col, 0), med(run, col, 1)
        print(f"{run:4} {name:12} kafka {k:>10.1f}  flymq {f:>10.1f}  ratio {f / k:.2f}  ({len(rows[run])} rounds)")
PY
say "results in $OUT"
