#!/usr/bin/env bash
# Broker start-up of the linked image: `bin/flymq server start` on loopback with a fresh data dir, RUNS times, timing
# from the launch to the protocol port accepting a connection and to the `ready` line (every listener serving:
# protocol, metrics, health, admin), with the process's CPU time at that moment; then the broker is stopped.
# FLYMQ_BASELINE_IMAGE=<image>: an older image measured in the same window, runs interleaved (before/after); further
# images may follow the run count. Each image's broker startup cache (lib/flymq-broker-*, docs/runtime-image.md) is
# deleted first, so its first start, measured on its own with the stop that follows it, is the one that trains it.
#   jlink/src/build/bench-broker-startup.sh [runs [image...]]   # default 10, jlink/target/flymq; needs python3
set -uo pipefail
cd "$(dirname "$0")/../../.."
runs=${1:-10}
images=(jlink/target/flymq)
[ $# -gt 1 ] && images=("${@:2}")
[ -n "${FLYMQ_BASELINE_IMAGE:-}" ] && images=("$FLYMQ_BASELINE_IMAGE" "${images[@]}")
for img in "${images[@]}"; do
  [ -x "$img/bin/flymq" ] || { echo "no image at $img: build it first (./mvnw -B install -DskipTests)" >&2; exit 1; }
done
echo "# $(date -u +%FT%TZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $runs runs per image, interleaved"
python3 - "$runs" "${images[@]}" <<'PY'
import os, shutil, socket, statistics as st, subprocess, sys, tempfile, time
runs, images = int(sys.argv[1]), list(dict.fromkeys(sys.argv[2:]))
hz = os.sysconf("SC_CLK_TCK")
def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p
def once(img, first=False):
    d = tempfile.mkdtemp(prefix="flymq-startup.")
    port = free_port()
    args = [img + "/bin/flymq", "server", "start", "--data-dir", d + "/data", "--bind-addr", f"127.0.0.1:{port}",
            "--metrics-addr", "127.0.0.1:0", "--health-addr", "127.0.0.1:0",
            "--set", "observability.admin.addr=127.0.0.1:0"]
    t0 = time.perf_counter()
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    port_ms = None
    os.set_blocking(p.stdout.fileno(), False)
    buf = ""
    while True:
        if port_ms is None:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.05).close()
                port_ms = (time.perf_counter() - t0) * 1000
            except OSError:
                pass
        try:
            buf += os.read(p.stdout.fileno(), 65536).decode(errors="replace")
        except BlockingIOError:
            pass
        if "\nready" in "\n" + buf:
            ready_ms = (time.perf_counter() - t0) * 1000
            break
        if p.poll() is not None:
            raise SystemExit(f"{img}: broker exited before its ready line:\n{buf}")
        time.sleep(0.002)
    with open(f"/proc/{p.pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    cpu_ms = (int(fields[11]) + int(fields[12])) * 1000 / hz
    t1 = time.perf_counter()
    p.terminate(); p.wait()
    stop_ms = (time.perf_counter() - t1) * 1000
    shutil.rmtree(d, ignore_errors=True)
    if first:
        print(f"{img}: first start (trains the broker cache when the image has one): ready {ready_ms:.0f} ms, "
              f"CPU at ready {cpu_ms:.0f} ms, stop {stop_ms:.0f} ms")
    return port_ms if port_ms is not None else ready_ms, ready_ms, cpu_ms
for img in images:
    lib = os.path.join(img, "lib")
    for f in os.listdir(lib):
        if f.startswith("flymq-broker-"):
            path = os.path.join(lib, f)
            shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)
    once(img, first=True)
res = {img: [] for img in images}
for _ in range(runs):
    for img in images:
        res[img].append(once(img))
for img in images:
    port, ready, cpu = zip(*res[img])
    print(f"{img}: port open median {st.median(port):.0f} ms (min {min(port):.0f}), ready median {st.median(ready):.0f} ms "
          f"(min {min(ready):.0f}, max {max(ready):.0f}), CPU at ready median {st.median(cpu):.0f} ms")
PY
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
