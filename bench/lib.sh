# Sourced by the bench/*.sh scripts, from the project's root.

# Sets JAVA to a JDK 25's java: $JAVA if given, else the first of /usr/lib/jvm/*25* and $JAVA_HOME.
bench_java() {
  JAVA=${JAVA:-}
  if [ -z "$JAVA" ]; then
    for j in /usr/lib/jvm/*25*/bin/java "${JAVA_HOME:-/nonexistent}/bin/java"; do
      if [ -x "$j" ] && "$j" -version 2>&1 | grep -q 'version "25'; then JAVA=$j; break; fi
    done
  fi
  [ -n "$JAVA" ] || { echo "no JDK 25 found: set JAVA=/path/to/java"; exit 1; }
}

# Compiles bench (and what it needs) and sets CP to its run-time class path; $1 names the list file.
bench_classpath() {
  mvn -q -B -pl bench -am compile dependency:build-classpath \
      -Dmdep.outputFile="$PWD/bench/target/$1.cp" -Dmdep.includeScope=runtime
  CP="$(cat "bench/target/$1.cp"):$PWD/bench/target/classes"
}
