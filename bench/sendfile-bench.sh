#!/usr/bin/env bash
# File serving: Response.sendFile (file pool + page-cache check + zero-copy sendfile) against the old
# way (open and read on the hub's thread), same server otherwise, one hub, same run, alternating rounds.
#
#   bench/sendfile-bench.sh                      # 4 KiB and 1 MiB files, 3 rounds of 10 s
#   DURATION=5 RUNS=5 SIZES="4096" bench/sendfile-bench.sh
#
# Prints req/s, MB/s and server CPU per request (utime+stime from /proc/PID/stat), then the median
# ratio sendfile/hubread per size. The files are in the page cache (warm): the cold-cache case is about
# not blocking the hub (see SendFileTest), not throughput.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-3}
CONNS=${CONNS:-32}
RUNS=${RUNS:-3}
SIZES=${SIZES:-"4096 1048576"}
PORT=${PORT:-18091}
command -v wrk >/dev/null || { echo "wrk not installed (apt-get install -y wrk)"; exit 1; }
bench_java
bench_classpath sendfile-bench
FLAGS="-Xms512m -Xmx512m --add-opens java.base/java.lang=ALL-UNNAMED --enable-native-access=ALL-UNNAMED"
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
for s in $SIZES; do head -c "$s" /dev/urandom > "$DIR/f$s"; cat "$DIR/f$s" > /dev/null; done
TICKS=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
RESULTS=bench/target/sendfile-bench.results
: > "$RESULTS"
printf '%-4s %-9s %-9s %10s %9s %12s\n' run size mode req/s MB/s cpu-us/req
for run in $(seq "$RUNS"); do
  for s in $SIZES; do
    for mode in sendfile hubread; do
      "$JAVA" $FLAGS -cp "$CP" io.gevent4j.bench.http.FileHttpServer "$PORT" "$mode" "$DIR" > "bench/target/sendfile-$mode.log" 2>&1 &
      pid=$!
      for _ in $(seq 100); do
        if (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null; then break; fi
        sleep 0.1
      done
      wrk -t1 -c"$CONNS" -d"$WARMUP"s "http://127.0.0.1:$PORT/f$s" > /dev/null
      c0=$(cpu "$pid")
      out=$(wrk -t1 -c"$CONNS" -d"$DURATION"s "http://127.0.0.1:$PORT/f$s")
      c1=$(cpu "$pid")
      kill "$pid"; wait "$pid" 2>/dev/null || true
      reqs=$(echo "$out" | awk '/requests in/ {print $1}')
      rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
      errs=$(echo "$out" | awk '/Socket errors|Non-2xx/ {printf "%s ", $0}')
      mbs=$(awk -v r="$rps" -v s="$s" 'BEGIN {printf "%.1f", r * s / 1e6}')
      cpur=$(awk -v a="$c0" -v b="$c1" -v n="$reqs" -v t="$TICKS" 'BEGIN {printf "%.1f", (b - a) / t * 1e6 / n}')
      printf '%-4s %-9s %-9s %10s %9s %12s %s\n' "$run" "$s" "$mode" "$rps" "$mbs" "$cpur" "${errs:-}"
      echo "$s $mode $rps $cpur" >> "$RESULTS"
    done
  done
done
echo
for s in $SIZES; do
  awk -v s="$s" '$1==s && $2=="sendfile" {a[++n]=$3; c[n]=$4} $1==s && $2=="hubread" {b[++m]=$3; d[m]=$4}
    END { for (i = 1; i <= n; i++) { r[i] = a[i] / b[i]; q[i] = c[i] / d[i] }
          asort(r); asort(q);
          printf "size %s: sendfile/hubread req/s ratio median %.2f (min %.2f, max %.2f); cpu/req ratio median %.2f\n",
                 s, r[int((n + 1) / 2)], r[1], r[n], q[int((n + 1) / 2)] }' "$RESULTS"
done
