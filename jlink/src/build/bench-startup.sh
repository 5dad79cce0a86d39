#!/usr/bin/env bash
# Cold start of the linked image: median wall time of 10 runs (hyperfine; a fresh JVM per run, page cache warm),
# with and without the startup archive, plus the image size. Usage: jlink/src/build/bench-startup.sh [runs]
# Needs hyperfine (apt-get install hyperfine) and a built image (./mvnw -B install -DskipTests).
set -euo pipefail
cd "$(dirname "$0")/../../.."
img=jlink/target/flymq
runs=${1:-10}
[ -x "$img/bin/flymq" ] || { echo "no image at $img: build it first (./mvnw -B install -DskipTests)" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "hyperfine not found: apt-get install hyperfine" >&2; exit 1; }
out=$(mktemp -d)
export FLYMQ_SERVER=127.0.0.1:1   # nothing listens on port 1: `topic list` fails fast with exit 3

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
bench() { # name, command...
  local name=$1; shift
  hyperfine -N -i --warmup 2 --runs "$runs" --export-json "$out/$name.json" "$@" >/dev/null 2>&1
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; print("%-34s median %4.0f ms  (min %4.0f, user CPU %4.0f ms)" % (sys.argv[2], r["median"]*1000, r["min"]*1000, r["user"]*1000))' "$out/$name.json" "$name"
}
bench "help, with archive"         "$img/bin/flymq --help"
bench "help, without archive"      "env FLYMQ_STARTUP_ARCHIVE=none $img/bin/flymq --help"
if "$img/bin/flymq" help topic >/dev/null 2>&1; then
  bench "topic list (exit 3), with"  "$img/bin/flymq topic list"
  bench "topic list (exit 3), without" "env FLYMQ_STARTUP_ARCHIVE=none $img/bin/flymq topic list"
fi
# The same starts interleaved (with, without, with, ...) so a busy machine's load swings hit both sides alike.
python3 - "$img" "$runs" <<'PY'
import os, resource, statistics as st, subprocess, sys, time
img, runs = sys.argv[1], int(sys.argv[2])
cmds = [["--help"], ["topic", "list"]] if subprocess.run([img + "/bin/flymq", "help", "topic"],
        capture_output=True).returncode == 0 else [["--help"]]
res = {}
for _ in range(runs):
    for archive in ("", "none"):
        for c in cmds:
            env = dict(os.environ, FLYMQ_STARTUP_ARCHIVE=archive)
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            subprocess.run([img + "/bin/flymq"] + c, env=env, capture_output=True)
            wall = time.perf_counter() - t0
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            res.setdefault((" ".join(c), archive or "with"), []).append((wall, cpu))
for (c, a), v in res.items():
    print("interleaved %-12s %-5s median %4.0f ms  (CPU user+sys %4.0f ms, n=%d)"
          % (c, "with" if a == "with" else "w/o", st.median(x[0] for x in v) * 1000,
             st.median(x[1] for x in v) * 1000, len(v)))
PY
archive=$(ls "$img"/lib/flymq.aot "$img"/lib/flymq.jsa 2>/dev/null | head -1 || true)
total=$(du -sm "$img" | cut -f1)
arch=$( [ -n "$archive" ] && du -sm "$archive" | cut -f1 || echo 0)
echo "image: ${total} MB with its startup archive, $((total - arch)) MB without (archive ${arch} MB)"
rm -rf "$out"
