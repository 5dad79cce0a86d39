#!/usr/bin/env bash
# Schema validation benchmark (issue 17): produce throughput of 200-byte records to a topic without a schema, then
# with a strict JSON Schema, then with a strict Avro schema, back to back against one broker of the linked image
# (schema.enabled=true, schema.validation=strict). Goals: JSON >= 0.5x and Avro >= 0.7x the no-schema figure.
# Each run is `flymq bench produce --value-file` with a record that matches its topic's schema. Beside records/s each
# run reports the broker's CPU time (user + system, /proc/PID/stat) per million records, which a machine shared with
# other work disturbs far less than records/s (the client runs on the same machine and competes for the cores).
# ROUNDS > 1 repeats no schema / JSON / Avro / no schema on fresh topics and prints the medians.
#   jlink/src/build/bench-schema.sh
#   ROUNDS=3 jlink/src/build/bench-schema.sh
# Env: PORT [19292], RECORDS [1000000], ROUNDS [1], OUT [/tmp/flymq-bench-results/schema-<timestamp>]
set -euo pipefail
here=$(cd "$(dirname "$0")/../../.." && pwd)
flymq="$here/jlink/target/flymq/bin/flymq"
[ -x "$flymq" ] || { echo "bench-schema: build the image first (./mvnw -B -q install -DskipTests)" >&2; exit 1; }
PORT=${PORT:-19292}
RECORDS=${RECORDS:-1000000}
ROUNDS=${ROUNDS:-1}
OUT=${OUT:-/tmp/flymq-bench-results/schema-$(date +%Y%m%dT%H%M%S)}
mkdir -p "$OUT"
data=$(mktemp -d /tmp/flymq-bench-data.XXXXXX)
"$flymq" server start --set bind_addr=127.0.0.1:$PORT --set data_dir="$data" \
  --set schema.enabled=true --set schema.validation=strict \
  --set observability.metrics.addr=127.0.0.1:0 --set observability.health.addr=127.0.0.1:0 >"$OUT/broker.log" 2>&1 &
broker=$!
trap 'kill -TERM $broker 2>/dev/null; wait $broker 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 1 200); do grep -q '^ready' "$OUT/broker.log" && break; sleep 0.1; done
grep -q '^ready' "$OUT/broker.log" || { cat "$OUT/broker.log" >&2; exit 1; }
fm() { "$flymq" --server 127.0.0.1:$PORT "$@"; }

# a 200-byte JSON document and the JSON Schema it matches
pad=$(printf 'x%.0s' $(seq 1 200))
json_prefix='{"id":12345,"name":"Ada Lovelace","email":"ada@example.com","active":true,"tags":["a","b"],"note":"'
json_note=$((200 - ${#json_prefix} - 2))
printf '%s%s"}' "$json_prefix" "${pad:0:$json_note}" >"$OUT/record.json"
cat >"$OUT/schema.json" <<'JSON'
{"type":"object","additionalProperties":false,"required":["id","name","email","active"],
 "properties":{"id":{"type":"integer","minimum":0},"name":{"type":"string","maxLength":100},
  "email":{"type":"string"},"active":{"type":"boolean"},"tags":{"type":"array","items":{"type":"string"}},
  "note":{"type":"string"}}}
JSON
# a 200-byte Avro datum: id long 12345 (zigzag varint f2 c0 01), note string of 195 bytes (length varint 86 03)
{ printf '\xf2\xc0\x01\x86\x03'; printf '%s' "${pad:0:195}"; } >"$OUT/record.avro"
cat >"$OUT/schema.avsc" <<'AVRO'
{"type":"record","name":"Note","fields":[{"name":"id","type":"long"},{"name":"note","type":"string"}]}
AVRO
[ "$(wc -c <"$OUT/record.json")" -eq 200 ] && [ "$(wc -c <"$OUT/record.avro")" -eq 200 ] || {
  echo "bench-schema: records are not 200 bytes" >&2; exit 1; }

fm schema register bench-json-value --type json --file "$OUT/schema.json" >/dev/null
fm schema register bench-avro-value --type avro --file "$OUT/schema.avsc" >/dev/null
fm schema validate bench-json-value --file "$OUT/record.json" >/dev/null
fm schema validate bench-avro-value --file "$OUT/record.avro" >/dev/null

ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; } # user + system CPU of a process, in clock ticks
hz=$(getconf CLK_TCK)
run() { # name, topic, value file
  echo "$1: flymq bench produce --topic $2 --value-file $3  # $(uptime)" >>"$OUT/commands.txt"
  local before; before=$(ticks "$broker")
  fm bench produce --topic "$2" --records "$RECORDS" --value-file "$3" --throughput -1 --acks leader \
    --linger-ms 5 --batch-size 65536 --partitions 1 --output json >"$OUT/$1.json" 2>"$OUT/$1.err"
  local cpu=$(( ($(ticks "$broker") - before) * 1000 / hz ))
  echo $(( cpu * 1000000 / RECORDS )) >"$OUT/$1.cpu"
  sed -n 's/.*"records_per_sec":\([0-9.]*\).*/\1/p' "$OUT/$1.json" >"$OUT/$1.rate"
  echo "$1 $(cat "$OUT/$1.json") broker_cpu_ms_per_million=$(cat "$OUT/$1.cpu")"
}
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
run warmup     bench-warm      "$OUT/record.json"
for r in $(seq 1 "$ROUNDS"); do
  # a fresh topic per round and format; the JSON and Avro topics get the registered subjects' schemas by name
  for t in json avro; do
    [ "$r" -eq 1 ] || fm schema register "bench-$t$r-value" --type $t \
      --file "$OUT/schema.$([ $t = json ] && echo json || echo avsc)" >/dev/null
  done
  sfx=$([ "$r" -eq 1 ] && echo "" || echo "$r")
  run no_schema_$r  bench-plain$sfx  "$OUT/record.json"
  run json_$r       bench-json$sfx   "$OUT/record.json"
  run avro_$r       bench-avro$sfx   "$OUT/record.avro"
  run no_schema2_$r bench-plainb$sfx "$OUT/record.json"
done
uptime >>"$OUT/commands.txt"
m() { for r in $(seq 1 "$ROUNDS"); do cat "$OUT/$1_$r.$2"; done | median; }
plain_rate=$(for r in $(seq 1 "$ROUNDS"); do cat "$OUT/no_schema_$r.rate" "$OUT/no_schema2_$r.rate"; done | median)
plain_cpu=$(for r in $(seq 1 "$ROUNDS"); do cat "$OUT/no_schema_$r.cpu" "$OUT/no_schema2_$r.cpu"; done | median)
for f in json avro; do
  awk -v f=$f -v rate="$(m $f rate)" -v cpu="$(m $f cpu)" -v pr="$plain_rate" -v pc="$plain_cpu" 'BEGIN {
    printf "%s: %.0f rec/s, %.2fx no schema (%.0f); broker CPU ms per million %d vs %d: %.2fx\n",
      f, rate, rate / pr, pr, cpu, pc, pc / cpu }'
done | tee "$OUT/summary.txt"
echo "results: $OUT (medians over $ROUNDS round(s); no schema = both no-schema runs of every round)"
