# Apache Kafka nodes on loopback for comparison runs. Sourced (bash) by bench/kafka/run.sh,
# jlink/src/build/bench-cli-vs-kafka.sh and bench-cluster-vs-kafka.sh; it defines functions and starts nothing itself.
#
# The jars come from Maven Central through this repository's Maven wrapper (bench/kafka/pom.xml says which), so a
# clone of the repository and a network connection to Maven Central are all a run needs.
#
# Nodes are numbered from 1. Each node N is one JVM in combined KRaft mode (broker and controller) with its own
# directory $KAFKA_WORK/nodeN, client port KAFKA_PORT_BASE + 2(N-1) and controller port one above it. Every node's
# configuration lists the controllers of all KAFKA_NODES nodes, so a cluster is the same calls made for N = 1..3
# (see README.md, "A cluster"); run.sh sets KAFKA_NODES=1.
#
# Inputs (set before calling): KAFKA_WORK (a scratch directory), KAFKA_PORT_BASE, KAFKA_NODES,
# KAFKA_HEAP (broker JVM heap flags); optional JAVA, KAFKA_LIB, MAVEN_ARGS (passed to Maven by the wrapper).

KAFKA_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KAFKA_REPO=$(cd "$KAFKA_DIR/../.." && pwd)
KAFKA_LIB=${KAFKA_LIB:-$KAFKA_DIR/target/lib}
# The JVM flags Kafka's own bin/kafka-run-class.sh gives its broker and tools.
KAFKA_JVM_FLAGS=(-server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35
  -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true)

# Copies Kafka's jars into KAFKA_LIB unless the copy there was made from the current pom.xml. Maven's output goes to
# $1 (a log file).
kafka_fetch_jars() {
  local log=$1 stamp=$KAFKA_LIB/.pom.sha1 want
  want=$(sha1sum "$KAFKA_DIR/pom.xml" | cut -d' ' -f1)
  [[ -f $stamp && $(cat "$stamp") == "$want" ]] && return 0
  rm -rf "$KAFKA_LIB"
  if ! "$KAFKA_REPO/mvnw" -B -q -f "$KAFKA_DIR/pom.xml" package -Dkafka.lib="$KAFKA_LIB" >"$log" 2>&1; then
    echo "kafka: fetching the jars failed, see $log" >&2
    return 1
  fi
  echo "$want" >"$stamp"
}

# The Kafka version of the fetched jars (from the broker jar's name).
kafka_version() {
  local jar
  jar=$(ls "$KAFKA_LIB"/kafka_2.13-*.jar 2>/dev/null | head -1)
  jar=${jar##*/kafka_2.13-}
  echo "${jar%.jar}"
}

# Sets JAVA to a Java 17 or newer (Kafka 4's minimum): JAVA if already set, else the java on PATH, else the JDK
# ./mvnw would use.
kafka_java() {
  [[ -n ${JAVA:-} ]] && return 0
  local major
  major=$(java -version 2>&1 | sed -n '1s/.*version "\([0-9]*\).*/\1/p')
  if [[ -n $major && $major -ge 17 ]]; then JAVA=java; return 0; fi
  # shellcheck source=/dev/null
  . "$KAFKA_REPO/.mvn/find-jdk.sh" && flymq_find_jdk && JAVA=$JAVA_HOME/bin/java
}

kafka_port() { echo $((KAFKA_PORT_BASE + 2 * ($1 - 1))); }
kafka_controller_port() { echo $((KAFKA_PORT_BASE + 2 * ($1 - 1) + 1)); }

# host:port of every node's client listener, comma-separated (the clients' bootstrap list).
kafka_bootstrap() {
  local n out=""
  for ((n = 1; n <= KAFKA_NODES; n++)); do out+="${out:+,}127.0.0.1:$(kafka_port "$n")"; done
  echo "$out"
}

kafka_controllers() {
  local n out=""
  for ((n = 1; n <= KAFKA_NODES; n++)); do out+="${out:+,}127.0.0.1:$(kafka_controller_port "$n")"; done
  echo "$out"
}

# Writes node N's server.properties and log configuration under $KAFKA_WORK/nodeN.
kafka_configure() {
  local n=$1 dir=$KAFKA_WORK/node$1 port cport
  port=$(kafka_port "$n"); cport=$(kafka_controller_port "$n")
  mkdir -p "$dir/data" "$dir/logs"
  cat >"$dir/server.properties" <<EOF
node.id=$n
process.roles=broker,controller
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
controller.quorum.bootstrap.servers=$(kafka_controllers)
log.dirs=$dir/data
# Kafka's shipped config/server.properties from here on, except the replication factors of its internal topics,
# which cannot exceed the number of nodes.
num.network.threads=3
num.io.threads=8
socket.send.buffer.bytes=102400
socket.receive.buffer.bytes=102400
socket.request.max.bytes=104857600
num.partitions=1
num.recovery.threads.per.data.dir=1
offsets.topic.replication.factor=$KAFKA_NODES
transaction.state.log.replication.factor=$KAFKA_NODES
transaction.state.log.min.isr=$KAFKA_NODES
share.coordinator.state.topic.replication.factor=$KAFKA_NODES
share.coordinator.state.topic.min.isr=$KAFKA_NODES
log.retention.hours=168
log.segment.bytes=1073741824
log.retention.check.interval.ms=300000
# Not shipped: a consumer group's first join would wait 3 s for more members, time the consume run would count.
group.initial.rebalance.delay.ms=0
EOF
  cat >"$dir/log4j2.properties" <<EOF
status = error
appender.file.type = File
appender.file.name = FILE
appender.file.fileName = $dir/logs/server.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
EOF
}

# Log configuration of the tools (warnings and errors to stderr).
kafka_tools_log4j() {
  local f=$KAFKA_WORK/tools-log4j2.properties
  [[ -f $f ]] || printf '%s\n' 'status = error' 'appender.err.type = Console' 'appender.err.name = ERR' \
    'appender.err.target = SYSTEM_ERR' 'appender.err.layout.type = PatternLayout' \
    'appender.err.layout.pattern = %p %m (%c)%n' 'rootLogger.level = WARN' 'rootLogger.appenderRef.err.ref = ERR' >"$f"
  echo "-Dlog4j2.configurationFile=$f"
}

# Formats node N's log directory as the only voter of a new cluster. (Several voters are formatted with
# --initial-controllers instead, naming each voter's id, controller address and directory id.)
kafka_format() {
  local n=$1 dir=$KAFKA_WORK/node$1 log4j id
  log4j=$(kafka_tools_log4j)
  id=$("$JAVA" "$log4j" -cp "$KAFKA_LIB/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)
  [[ -n $id ]] || { echo "kafka: StorageTool random-uuid failed" >&2; return 1; }
  "$JAVA" "$log4j" -cp "$KAFKA_LIB/*" kafka.tools.StorageTool format --config "$dir/server.properties" \
    --cluster-id "$id" --standalone >"$dir/logs/format.log" 2>&1 \
    || { echo "kafka: formatting node $n failed:" >&2; cat "$dir/logs/format.log" >&2; return 1; }
}

# Formats the log directories of nodes 1..KAFKA_NODES as the voters of one new cluster: each node gets a directory
# id, and every node's format names all voters (id@host:controller-port:directory-id), as Kafka's quickstart for a
# static controller quorum does.
kafka_format_voters() {
  local n log4j id voters="" dir
  log4j=$(kafka_tools_log4j)
  id=$("$JAVA" "$log4j" -cp "$KAFKA_LIB/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)
  [[ -n $id ]] || { echo "kafka: StorageTool random-uuid failed" >&2; return 1; }
  for ((n = 1; n <= KAFKA_NODES; n++)); do
    dir=$("$JAVA" "$log4j" -cp "$KAFKA_LIB/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)
    voters+="${voters:+,}$n@127.0.0.1:$(kafka_controller_port "$n"):$dir"
  done
  for ((n = 1; n <= KAFKA_NODES; n++)); do
    dir=$KAFKA_WORK/node$n
    "$JAVA" "$log4j" -cp "$KAFKA_LIB/*" kafka.tools.StorageTool format --config "$dir/server.properties" \
      --cluster-id "$id" --initial-controllers "$voters" >"$dir/logs/format.log" 2>&1 \
      || { echo "kafka: formatting node $n failed:" >&2; cat "$dir/logs/format.log" >&2; return 1; }
  done
}

# Starts node N in the background; sets KAFKA_PID[N] (the JVM) and KAFKA_WRAPPER[N]. The JVM runs under
# `timeout $2` (seconds): if the caller dies without stopping it, the broker still ends then.
declare -A KAFKA_PID KAFKA_WRAPPER
kafka_start() {
  local n=$1 limit=$2 dir=$KAFKA_WORK/node$1 w j=""
  # shellcheck disable=SC2086
  timeout -k 10 "$limit" "$JAVA" $KAFKA_HEAP "${KAFKA_JVM_FLAGS[@]}" "-Dlog4j2.configurationFile=$dir/log4j2.properties" \
    "-Xlog:gc*:file=$dir/logs/gc.log:time,tags:filecount=2,filesize=20M" \
    -cp "$KAFKA_LIB/*" kafka.Kafka "$dir/server.properties" >"$dir/logs/stdout.log" 2>&1 &
  w=$!
  KAFKA_WRAPPER[$n]=$w
  for _ in $(seq 1 100); do
    j=$(pgrep -P "$w" java || true)
    [[ -n $j ]] && break
    kill -0 "$w" 2>/dev/null || break
    sleep 0.05
  done
  [[ -n $j ]] || { echo "kafka: node $n did not start:" >&2; tail -5 "$dir/logs/stdout.log" >&2; return 1; }
  KAFKA_PID[$n]=$j
}

# Waits up to $2 seconds for node N to log that it serves clients.
kafka_wait_ready() {
  local n=$1 dir=$KAFKA_WORK/node$1 i
  for ((i = 0; i < $2 * 20; i++)); do
    grep -q 'Kafka Server started' "$dir/logs/server.log" 2>/dev/null && return 0
    kill -0 "${KAFKA_PID[$n]}" 2>/dev/null || break
    sleep 0.05
  done
  echo "kafka: node $n not ready:" >&2
  tail -5 "$dir/logs/stdout.log" "$dir/logs/server.log" >&2 2>/dev/null
  return 1
}

# Stops node N: SIGTERM (a controlled shutdown), SIGKILL after 30 s. Sets KAFKA_STOP_MS to how long it took, or
# to "killed".
kafka_stop() {
  local n=$1 p=${KAFKA_PID[$1]:-} w=${KAFKA_WRAPPER[$1]:-} t0 i
  [[ -n $w ]] || return 0
  t0=$(date +%s%3N)
  if [[ -n $p ]]; then
    kill -TERM "$p" 2>/dev/null
    for ((i = 0; i < 300; i++)); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  fi
  if [[ -n $p ]] && kill -0 "$p" 2>/dev/null; then
    kill -KILL "$p" 2>/dev/null
    KAFKA_STOP_MS=killed
  else
    KAFKA_STOP_MS=$(($(date +%s%3N) - t0))
  fi
  kill -TERM "$w" 2>/dev/null
  wait "$w" 2>/dev/null
  unset "KAFKA_PID[$n]" "KAFKA_WRAPPER[$n]"
  return 0
}

# Creates topic $1 with $2 partitions, replicated to every node; further arguments are topic configs (name=value).
# Retries while the new node elects its controller.
kafka_create_topic() {
  local log4j i topic=$1 partitions=$2 configs=() c
  shift 2
  for c in "$@"; do configs+=(--config "$c"); done
  log4j=$(kafka_tools_log4j)
  for ((i = 0; i < 30; i++)); do
    "$JAVA" "$log4j" -cp "$KAFKA_LIB/*" org.apache.kafka.tools.TopicCommand --bootstrap-server "$(kafka_bootstrap)" \
      --create --if-not-exists --topic "$topic" --partitions "$partitions" --replication-factor "$KAFKA_NODES" \
      "${configs[@]}" >/dev/null && return 0
    sleep 1
  done
  echo "kafka: could not create topic $topic" >&2
  return 1
}

# Prints the node id leading partition $2 (default 0) of topic $1, as TopicCommand --describe shows it.
kafka_leader_of() {
  local log4j
  log4j=$(kafka_tools_log4j)
  "$JAVA" "$log4j" -cp "$KAFKA_LIB/*" org.apache.kafka.tools.TopicCommand --bootstrap-server "$(kafka_bootstrap)" \
    --describe --topic "$1" 2>/dev/null | awk -v p="${2:-0}" '
      { for (i = 1; i < NF; i++) { if ($i == "Partition:") part = $(i + 1); if ($i == "Leader:") lead = $(i + 1) }
        if (part == p && lead != "") { print lead; exit } part = ""; lead = "" }'
}
