#!/usr/bin/env bash
# HTTP load test: gevent4j's HttpServer against a raw Netty 4.2 HttpServerCodec server on epoll and a
# virtual-thread-per-connection java.net.ServerSocket server, same machine, same load, one run.
#
#   bench/http-bench.sh                 # all servers, plain and 16-deep pipelined
#   DURATION=10 CONNS=64 RUNS=3 CASES="netty-1 gevent4j-1" bench/http-bench.sh
#
# Needs wrk (apt-get install -y wrk) and a JDK 25 (found by Maven's toolchain; JAVA=... overrides).
# Load: plaintext "Hello, World!", $CONNS connections, wrk -t1; each server on one thread unless the
# label says 2 (gevent4j hubs(2) / Netty 2 event loops). Each case: a warm-up run, then a measured one.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-5}
CONNS=${CONNS:-64}
DEPTH=${DEPTH:-16}
PORT=${PORT:-18090}
CASES=${CASES:-"netty-1 vthreads-1 gevent4j-1 netty-2 gevent4j-2"}
PIN=${PIN:-}      # PIN=1: server on CPU 1, wrk on CPU 0 (taskset), so they do not share a core
RUNS=${RUNS:-1}   # rounds over all cases (p99 on a small machine is noisy: look at several)
command -v wrk >/dev/null || { echo "wrk not installed (apt-get install -y wrk)"; exit 1; }

bench_java

bench_classpath http-bench
FLAGS="-Xms1g -Xmx1g -Dio.netty.leakDetection.level=disabled --add-opens java.base/java.lang=ALL-UNNAMED --enable-native-access=ALL-UNNAMED"

SRV_PIN=""; WRK_PIN=""
if [ -n "$PIN" ]; then SRV_PIN="taskset -c 1"; WRK_PIN="taskset -c 0"; fi

start_server() {
  case "$1" in
    netty-1)    exec $SRV_PIN "$JAVA" $FLAGS -cp "$CP" io.gevent4j.bench.http.NettyHttpServer "$PORT" 1 ;;
    netty-2)    exec $SRV_PIN "$JAVA" $FLAGS -cp "$CP" io.gevent4j.bench.http.NettyHttpServer "$PORT" 2 ;;
    vthreads-1) exec $SRV_PIN "$JAVA" $FLAGS -Djdk.virtualThreadScheduler.parallelism=1 -cp "$CP" io.gevent4j.bench.http.VirtualThreadHttpServer "$PORT" ;;
    gevent4j-1) exec $SRV_PIN "$JAVA" $FLAGS -cp "$CP" io.gevent4j.bench.http.GeventHttpServer "$PORT" 1 ;;
    gevent4j-2) exec $SRV_PIN "$JAVA" $FLAGS -cp "$CP" io.gevent4j.bench.http.GeventHttpServer "$PORT" 2 ;;
    *) echo "unknown case $1"; exit 1 ;;
  esac
}

run_wrk() { # $1 duration, $2 pipelined?
  if [ "$2" = yes ]; then
    $WRK_PIN wrk -t1 -c"$CONNS" -d"$1"s --latency -s bench/http-pipeline.lua "http://127.0.0.1:$PORT/" -- "$DEPTH"
  else
    $WRK_PIN wrk -t1 -c"$CONNS" -d"$1"s --latency "http://127.0.0.1:$PORT/"
  fi
}

RESULTS=bench/target/http-bench.results
: > "$RESULTS"
printf '%-4s %-12s %-10s %12s %10s %10s %8s\n' run server pipeline req/s p50 p99 errors
for run in $(seq "$RUNS"); do
for c in $CASES; do
  for p in no yes; do
    start_server "$c" > "bench/target/http-$c.log" 2>&1 &
    pid=$!
    for _ in $(seq 100); do
      if (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null; then break; fi
      sleep 0.1
    done
    run_wrk "$WARMUP" "$p" > /dev/null
    out=$(run_wrk "$DURATION" "$p")
    kill "$pid"; wait "$pid" 2>/dev/null || true
    echo "$out" > "bench/target/http-$c-pipeline-$p.wrk"
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    p50=$(echo "$out" | awk '$1=="50%" {print $2}')
    p99=$(echo "$out" | awk '$1=="99%" {print $2}')
    errs=$(echo "$out" | awk '/Socket errors|Non-2xx/ {printf "%s ", $0}')
    printf '%-4s %-12s %-10s %12s %10s %10s %8s\n' "$run" "$c" "$p" "$rps" "$p50" "$p99" "${errs:-0}"
    echo "$c $p $rps $p99" >> "$RESULTS"
  done
done
done

# Medians over the rounds, and each server's ratio to netty-1 (same pipelining).
to_ms() { awk '{v=$1; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; print v}'; }
median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) print "-"; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
echo
printf '%-12s %-10s %14s %14s %10s\n' server pipeline "median req/s" "median p99 ms" "vs netty-1"
for p in no yes; do
  base=$(awk -v p="$p" '$1=="netty-1" && $2==p {print $3}' "$RESULTS" | median)
  for c in $CASES; do
    rps=$(awk -v c="$c" -v p="$p" '$1==c && $2==p {print $3}' "$RESULTS" | median)
    p99=$(awk -v c="$c" -v p="$p" '$1==c && $2==p {print $4}' "$RESULTS" | while read -r v; do echo "$v" | to_ms; done | median)
    ratio=$(awk -v a="$rps" -v b="$base" 'BEGIN {if (b > 0 && a != "-") printf "%.2f", a / b; else print "-"}')
    printf '%-12s %-10s %14s %14s %10s\n' "$c" "$p" "$rps" "$p99" "$ratio"
  done
done
