#!/usr/bin/env bash
# The floor of TLS on this machine without FlyMQ (TlsFloor.java: two JSSE engines in one thread, TLS 1.3 AES-128-GCM,
# 64 KiB writes in full 16 KiB records), run twice in fresh JVMs: with the JIT's default thresholds, and with the
# compile command the launcher gives the broker and `bench` (bin/flymq: the crypto provider at a tenth of them).
#   JAVA=/path/to/jdk-25/bin/java jlink/src/build/bench-tls-floor.sh
# Env: JAVA [java on PATH; a JDK 25 (javac beside it)], SECONDS_PER_PHASE [3]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
java=${JAVA:-java}
keytool=$(dirname "$(command -v "$java")")/keytool
work=$(mktemp -d /tmp/flymq-tls-floor.XXXXXX)
trap 'rm -rf "$work"' EXIT
pw=floor-$RANDOM$RANDOM
"$keytool" -genkeypair -keystore "$work/ks.p12" -storetype PKCS12 -storepass "$pw" -alias server -keyalg EC \
  -groupname secp256r1 -dname CN=localhost -ext san=dns:localhost -validity 2 >/dev/null 2>&1
"$keytool" -exportcert -keystore "$work/ks.p12" -storepass "$pw" -alias server -file "$work/server.crt" >/dev/null 2>&1
"$keytool" -importcert -noprompt -keystore "$work/ts.p12" -storetype PKCS12 -storepass "$pw" -alias server \
  -file "$work/server.crt" >/dev/null 2>&1
mkdir -p "$work/classes"
"$(dirname "$(command -v "$java")")/javac" -d "$work/classes" "$here/TlsFloor.java"
s=${SECONDS_PER_PHASE:-3}
echo "== default JIT thresholds (uptime: $(uptime))"
"$java" -XX:+UseG1GC -cp "$work/classes" TlsFloor "$work/ks.p12" "$work/ts.p12" "$pw" "$s"
echo "== as bin/flymq starts the broker and bench (uptime: $(uptime))"
"$java" -XX:+UseG1GC -XX:CompileCommand=quiet \
  '-XX:CompileCommand=CompileThresholdScaling,com.sun.crypto.provider.*::*,0.1' \
  -cp "$work/classes" TlsFloor "$work/ks.p12" "$work/ts.p12" "$pw" "$s"
