# Sourced by ./mvnw, ./flymq and .ci/run (POSIX sh). Sets JAVA_HOME to a JDK 21 or newer.
# Order: JAVA_HOME, the java on PATH, then the usual install folders (newest wins).
# Reads each JDK's `release` file instead of starting a JVM, so it costs milliseconds.

flymq_jdk_major() {
  # $1 = a JDK home; prints its feature version (e.g. 25) or nothing
  [ -f "$1/release" ] || return 0
  v=$(sed -n 's/^JAVA_VERSION="\([0-9][0-9]*\).*/\1/p' "$1/release" 2>/dev/null | head -n 1)
  [ "$v" = "1" ] && v=8
  printf '%s' "$v"
}

flymq_is_jdk21() {
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 1
  m=$(flymq_jdk_major "$1")
  [ -n "$m" ] && [ "$m" -ge 21 ]
}

flymq_find_jdk() {
  if [ -n "${JAVA_HOME-}" ] && flymq_is_jdk21 "$JAVA_HOME"; then
    return 0
  fi
  if command -v javac >/dev/null 2>&1; then
    cand=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
    if flymq_is_jdk21 "$cand"; then JAVA_HOME=$cand; export JAVA_HOME; return 0; fi
  fi
  best=""; bestv=0
  # callers may run with `set -f` (mvnw does): the folder globs below need globbing
  case $- in *f*) set +f; flymq_reglob=1 ;; *) flymq_reglob=0 ;; esac
  # FLYMQ_JDK_DIRS (space-separated globs) replaces the usual folders; the build's own tests use it.
  dirs=${FLYMQ_JDK_DIRS:-'/usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* /opt/*/jdk* ${HOME-}/.sdkman/candidates/java/* ${HOME-}/.jdks/* /Library/Java/JavaVirtualMachines/*/Contents/Home'}
  for d in $(eval "echo $dirs"); do
    [ -d "$d" ] || continue
    flymq_is_jdk21 "$d" || continue
    m=$(flymq_jdk_major "$d")
    if [ "$m" -gt "$bestv" ]; then best=$d; bestv=$m; fi
  done
  [ "$flymq_reglob" = 1 ] && set -f
  if [ -n "$best" ]; then JAVA_HOME=$best; export JAVA_HOME; return 0; fi
  echo "flymq: no JDK 21 or newer found (checked JAVA_HOME, PATH and /usr/lib/jvm, /usr/java, /opt, ~/.sdkman, ~/.jdks); install one or set JAVA_HOME to it." >&2
  return 1
}
