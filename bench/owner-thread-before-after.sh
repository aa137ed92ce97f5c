#!/usr/bin/env bash
# Issue 9's cost check, in one run: the greenlet switch round trip and the owner thread's sleep(0),
# before the carrier thread (commit $BEFORE, default: the last commit before issue 9) and after (this
# tree), alternating the two builds over $ROUNDS rounds. Prints JMH's lines, then the medians per build
# and the ratio after/before. Run on a quiet machine: the two builds share its cores.
#
#   bench/owner-thread-before-after.sh            # 3 rounds, JMH 3x1 s warm-up, 5x1 s measurement
#   ROUNDS=5 BEFORE=<commit> bench/owner-thread-before-after.sh
set -euo pipefail
BEFORE=${BEFORE:-2b5d88b}
ROUNDS=${ROUNDS:-3}
PATTERN=${PATTERN:-'SwitchBench\.(greenletParkUnpark|greenletRawSwitch|bareSchedulerParkUnpark|ownerSleepZero|ownerSleepZeroNoGreenlets)$'}
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'git -C "$root" worktree remove --force "$tmp/before" >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
git -C "$root" worktree add -q --detach "$tmp/before" "$BEFORE"
# the same benchmark source in both builds (it compiles against the old API too)
cp "$root/bench/src/main/java/io/gevent4j/bench/SwitchBench.java" "$tmp/before/bench/src/main/java/io/gevent4j/bench/"
run() { # $1 tree, $2 label
  (cd "$1" && mvn -B -q -Pbench -pl bench -am verify -DskipTests -Dbench.main=org.openjdk.jmh.Main \
      -Dbench.args="$PATTERN -f 1 -wi 3 -i 5") 2>&1 | grep -E '^SwitchBench\.' | sed "s/^/$2 /" | tee -a "$tmp/results"
}
for r in $(seq 1 "$ROUNDS"); do
  echo "# round $r of $ROUNDS"
  run "$tmp/before" before
  run "$root" after
done
echo "# medians (ns per operation), ratio after/before"
python3 - "$tmp/results" <<'PY'
import sys, statistics, collections
v = collections.defaultdict(list)
for line in open(sys.argv[1]):
    f = line.split()
    # label  Benchmark  Mode  Cnt  Score  Error  Units  (or: label Benchmark Mode Cnt Score Units)
    v[(f[0], f[1])].append(float(f[4]))
for name in sorted({b for _, b in v}):
    b, a = v.get(("before", name)), v.get(("after", name))
    fmt = lambda xs: "%.1f (%.1f..%.1f)" % (statistics.median(xs), min(xs), max(xs)) if xs else "-"
    ratio = "%.2f" % (statistics.median(a) / statistics.median(b)) if a and b else "-"
    print("%-45s before %-24s after %-24s after/before %s" % (name, fmt(b), fmt(a), ratio))
PY
