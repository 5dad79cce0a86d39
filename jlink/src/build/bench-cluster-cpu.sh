#!/usr/bin/env bash
# A fresh 3-node cluster of an image (replication 3, acks=all), a warm-up, then unthrottled 100 B produce to one and
# to three partitions; prints rec/s and the CPU ticks (1/100 s, utime + stime from /proc/PID/stat) of each node and
# of the bench client over each run. For before/after comparisons of CPU per record in alternating pairs:
#   for i in $(seq 12); do RECORDS=2000000 jlink/src/build/bench-cluster-cpu.sh /tmp/img-before before
#                          RECORDS=2000000 jlink/src/build/bench-cluster-cpu.sh jlink/target/flymq after; done
# Env: RECORDS [1000000], WARM [200000], NODE_OPTS / CLIENT_OPTS (FLYMQ_JAVA_OPTS of the nodes / the client),
# JFR=<path prefix> (a JFR recording per process; needs an image whose java has jdk.jfr). Ports as
# bench-cluster-vs-kafka.sh: 21192/22192/23192, cluster 21193/22193/23193.
# usage: bench-cluster-cpu.sh IMAGE_DIR LABEL
set -uo pipefail
img=${1:?usage: bench-cluster-cpu.sh IMAGE_DIR LABEL}; label=${2:-run}; RECORDS=${RECORDS:-1000000}; WARM=${WARM:-200000}
flymq=$img/bin/flymq
scratch=$(mktemp -d /tmp/flymq-cluster-cpu.XXXXXX)
peers=n1@127.0.0.1:21193,n2@127.0.0.1:22193,n3@127.0.0.1:23193
declare -A pid
for i in 1 2 3; do
  FLYMQ_JAVA_OPTS="${NODE_OPTS:-}${JFR:+ -XX:StartFlightRecording=filename=$JFR-n$i.jfr,settings=profile}" \
  "$flymq" server start --node-id n$i --bind-addr 127.0.0.1:2${i}192 --cluster-addr 127.0.0.1:2${i}193 \
    --peers $peers --data-dir "$scratch/n$i" --metrics-addr 127.0.0.1:0 --health-addr 127.0.0.1:0 >"$scratch/n$i.log" 2>&1 &
  pid[$i]=$!
done
cleanup() { for i in 1 2 3; do kill -TERM ${pid[$i]} 2>/dev/null; done; wait 2>/dev/null; rm -rf "$scratch"; }
trap cleanup EXIT
for i in 1 2 3; do for _ in $(seq 1 300); do grep -q '^ready' "$scratch/n$i.log" && break; sleep 0.1; done; done
for t in warm:1 tp1:1 tp3:3; do tries=0
  until "$flymq" --server 127.0.0.1:21192 topic create ${t%:*} --partitions ${t#*:} --replication-factor 3 >/dev/null 2>>"$scratch/create.err"; do
    tries=$((tries+1)); [ $tries -ge 150 ] && { echo create failed; exit 1; }; sleep 0.2; done
done
leader_of() { for _ in $(seq 1 150); do l=$("$flymq" --server 127.0.0.1:21192,127.0.0.1:22192,127.0.0.1:23192 topic describe "$1" -o json 2>/dev/null | python3 -c 'import sys,json; print(json.load(sys.stdin)["partitions"][0]["leader"])' 2>/dev/null); [[ $l =~ ^n[123]$ ]] && { echo ${l#n}; return; }; sleep 0.2; done; echo 1; }
cpu() { awk '{print $14+$15}' /proc/$1/stat 2>/dev/null || echo 0; }
bench() { # name topic records
  local name=$1 topic=$2 n=$3 l; l=$(leader_of $topic)
  local b=() ; for i in 1 2 3; do b[$i]=$(cpu ${pid[$i]}); done
  FLYMQ_JAVA_OPTS="${CLIENT_OPTS:-}${JFR:+ -XX:StartFlightRecording=filename=$JFR-c-$name.jfr,settings=profile}" \
  "$flymq" --server "127.0.0.1:2${l}192,127.0.0.1:21192,127.0.0.1:22192,127.0.0.1:23192" bench produce --topic $topic --record-size 100 --acks all \
     --records $n --throughput -1 --linger-ms 5 --batch-size 65536 --output json >"$scratch/$name.out" 2>"$scratch/$name.err" &
  local bp=$!; local cc=0 c
  while kill -0 $bp 2>/dev/null; do c=$(cpu $bp); [ "$c" != 0 ] && cc=$c; sleep 0.2; done
  wait $bp
  local e=() ; for i in 1 2 3; do e[$i]=$(( $(cpu ${pid[$i]}) - ${b[$i]} )); done
  local rps=$(python3 -c 'import sys,json; d=json.loads([l for l in open(sys.argv[1]) if l.startswith("{")][-1]); print(d.get("records_per_sec", d.get("recordsPerSec", d)))' "$scratch/$name.out" 2>/dev/null)
  echo "$label $name leader=n$l rec/s=$rps cpu_ticks n1=${e[1]} n2=${e[2]} n3=${e[3]} client=$cc load=$(cut -d' ' -f1-3 /proc/loadavg) $(date -u +%T)"
}
bench warm warm $WARM >/dev/null
bench tp1 tp1 $RECORDS
bench tp3 tp3 $RECORDS
