#!/usr/bin/env bash
# Authentication benchmark: two linked-image brokers, one with auth off and one with auth.enabled, then paired runs
# of the same batched `flymq bench produce` against each, alternating, ROUNDS times. On the auth broker the bench
# logs in as a user with role guest that the topic's ACL lists by name, so every request takes the longest check
# path (login state, user lookup, role test, ACL lookup). Prints each run's JSON, the median records/s of each side
# and their ratio (goal: auth on costs at most 3%, ratio >= 0.97).
#   jlink/src/build/bench-auth.sh
# Env: PORT [19392], RECORDS [2000000], RECORD_SIZE [100], ROUNDS [3], OUT [/tmp/flymq-bench-results/auth-<ts>]
set -euo pipefail
here=$(cd "$(dirname "$0")/../../.." && pwd)
flymq="$here/jlink/target/flymq/bin/flymq"
[ -x "$flymq" ] || { echo "bench-auth: build the image first (./mvnw -B -q install -DskipTests)" >&2; exit 1; }
PORT=${PORT:-19392}
AUTH_PORT=$((PORT + 1))
RECORDS=${RECORDS:-2000000}
RECORD_SIZE=${RECORD_SIZE:-100}
ROUNDS=${ROUNDS:-3}
OUT=${OUT:-/tmp/flymq-bench-results/auth-$(date +%Y%m%dT%H%M%S)}
mkdir -p "$OUT"
work=$(mktemp -d /tmp/flymq-bench-auth.XXXXXX)
umask 077
printf 'bench-admin-pw\n' >"$work/admin.pw"
printf 'bench-user-pw\n' >"$work/user.pw"
start() { # name, port, extra args...
  local name=$1 port=$2; shift 2
  "$flymq" server start --bind-addr 127.0.0.1:$port --data-dir "$work/$name" \
    --metrics-addr 127.0.0.1:0 --health-addr 127.0.0.1:0 "$@" >"$OUT/$name.log" 2>&1 &
  echo $!
}
plain_pid=$(start plain $PORT)
auth_pid=$(FLYMQ_AUTH_ADMIN_PASSWORD_FILE="$work/admin.pw" start auth $AUTH_PORT --set auth.enabled=true)
trap 'kill -TERM $plain_pid $auth_pid 2>/dev/null; wait $plain_pid $auth_pid 2>/dev/null; rm -rf "$work"' EXIT
for log in plain auth; do
  for _ in $(seq 1 300); do grep -q '^ready' "$OUT/$log.log" && break; sleep 0.1; done
  grep -q '^ready' "$OUT/$log.log" || { cat "$OUT/$log.log" >&2; exit 1; }
done
admin=(--server 127.0.0.1:$AUTH_PORT --user admin --password-file "$work/admin.pw")
"$flymq" "${admin[@]}" user create loadgen --role guest --new-password-file "$work/user.pw" >>"$OUT/setup.txt"
for t in warm bench_auth; do
  "$flymq" "${admin[@]}" topic create $t --partitions 1 >>"$OUT/setup.txt"
  "$flymq" "${admin[@]}" acl set $t --allow-user loadgen >>"$OUT/setup.txt"
done
plain=(--server 127.0.0.1:$PORT)
auth=(--server 127.0.0.1:$AUTH_PORT --user loadgen --password-file "$work/user.pw")
run() { # name, connection options (array name), bench args...
  local name=$1 conn=$2; shift 2
  local -n opts=$conn
  echo "$name: flymq ${opts[*]} bench $*  # $(uptime)" >>"$OUT/commands.txt"
  "$flymq" "${opts[@]}" bench "$@" --output json >"$OUT/$name.json" 2>"$OUT/$name.err"
  echo "$name $(cat "$OUT/$name.json")"
}
rate() { sed -n 's/.*"records_per_sec":\([0-9.]*\).*/\1/p' "$OUT/$1.json"; }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
run warmup_plain plain produce --topic warm --records 200000 --record-size "$RECORD_SIZE"
run warmup_auth  auth  produce --topic warm --records 200000 --record-size "$RECORD_SIZE"
produce=(--records "$RECORDS" --record-size "$RECORD_SIZE" --throughput -1 --acks leader --linger-ms 5
         --batch-size 65536 --partitions 1)
for r in $(seq 1 "$ROUNDS"); do
  # alternate which side goes first, so a drift of the machine's load hits both alike
  if [ $((r % 2)) -eq 1 ]; then
    run "p_plain_$r" plain produce --topic bench_plain "${produce[@]}"
    run "p_auth_$r"  auth  produce --topic bench_auth  "${produce[@]}"
  else
    run "p_auth_$r"  auth  produce --topic bench_auth  "${produce[@]}"
    run "p_plain_$r" plain produce --topic bench_plain "${produce[@]}"
  fi
done
uptime >>"$OUT/commands.txt"
p=$(for r in $(seq 1 "$ROUNDS"); do rate "p_plain_$r"; done | median)
a=$(for r in $(seq 1 "$ROUNDS"); do rate "p_auth_$r"; done | median)
awk -v p="$p" -v a="$a" 'BEGIN { printf "produce records/s median: auth off %.0f, auth+ACL on %.0f, ratio %.3f (goal >= 0.97)\n", p, a, a / p }' \
  | tee -a "$OUT/ratios.txt"
echo "results: $OUT"
