# Sourced by run.sh and wrk.sh: sets $java to a JDK 21+ found the way the build finds one,
# $JAVA_HOME if it is 21 or newer, else the newest JDK in /usr/lib/jvm.

java_major() {
  { "$1" -version 2>&1 || true; } | sed -nE '1{s/.*version "([0-9]+).*/\1/p;q;}'
}
java=""
if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
  v=$(java_major "$JAVA_HOME/bin/java")
  if [ -n "$v" ] && [ "$v" -ge 21 ]; then java="$JAVA_HOME/bin/java"; fi
fi
if [ -z "$java" ]; then
  best=0
  for candidate in /usr/lib/jvm/*/bin/java; do
    [ -x "$candidate" ] || continue
    v=$(java_major "$candidate")
    if [ -n "$v" ] && [ "$v" -ge 21 ] && [ "$v" -gt "$best" ]; then
      java=$candidate
      best=$v
    fi
  done
fi
[ -n "$java" ] || { echo "benchmarks: no JDK 21 or newer found (set JAVA_HOME)" >&2; exit 2; }

