# Helpers shared by the paired bench scripts (bench-tls.sh, bench-encryption.sh): sourced, starts nothing itself.
# Needs $flymq (the image's bin/flymq) and $OUT (the results directory) set by the caller.

# Waits up to 30 s for a broker's ready line in log $1; prints the log and fails if it never comes.
bench_wait_ready() {
  for _ in $(seq 1 300); do grep -q '^ready' "$1" && return 0; sleep 0.1; done
  cat "$1" >&2
  return 1
}

# bench_run NAME CONN ARGS...: `flymq <connection options> bench ARGS --output json` into $OUT/NAME.json, where CONN
# names an array of connection options; logs the command with the load average and echoes the JSON.
bench_run() {
  local name=$1 conn=$2; shift 2
  local -n opts=$conn
  echo "$name: flymq ${opts[*]} bench $*  # $(uptime)" >>"$OUT/commands.txt"
  "$flymq" "${opts[@]}" bench "$@" --output json >"$OUT/$name.json" 2>"$OUT/$name.err"
  echo "$name $(cat "$OUT/$name.json")"
}

# Records/s of run NAME.
bench_rate() { sed -n 's/.*"records_per_sec":\([0-9.]*\).*/\1/p' "$OUT/$1.json"; }
