#!/usr/bin/env bash
# CPU profile of one server under load, with async-profiler (tools.profiler:async-profiler from Maven
# Central): the server runs with the profiler from its start, a first load warms it up, a second one is
# the profile's main part. Writes bench/target/profile/NAME.collapsed (flame-graph input) and prints the
# server thread's split between kernel, Java and VM code with its top frames (bench/profile-summary.py).
#
#   bench/profile.sh http-gevent4j              # gevent4j HttpServer, epoll, under wrk -t1 -c64
#   LOOP=io_uring bench/profile.sh http-gevent4j
#   bench/profile.sh http-netty                 # the raw Netty baseline
#   bench/profile.sh echo-gevent4j | echo-netty # EchoLoad, client and server in one JVM
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
NAME=${1:?usage: bench/profile.sh http-gevent4j|http-netty|echo-gevent4j|echo-netty}
SECONDS_=${SECONDS_:-8}
bench_java
AP_VERSION=4.2
bench_classpath run-all
mvn -q -B dependency:get -Dartifact=tools.profiler:async-profiler:$AP_VERSION >/dev/null
OUT=bench/target/profile; mkdir -p "$OUT"
unzip -o -q "$HOME/.m2/repository/tools/profiler/async-profiler/$AP_VERSION/async-profiler-$AP_VERSION.jar" 'linux-x64/*' -d "$OUT"
AGENT="-agentpath:$PWD/$OUT/linux-x64/libasyncProfiler.so=start,event=cpu,interval=500000,threads,file=$PWD/$OUT/$NAME.collapsed,collapsed"
FLAGS="-Xms1g -Xmx1g -Dio.netty.leakDetection.level=disabled --add-opens java.base/java.lang=ALL-UNNAMED --enable-native-access=ALL-UNNAMED -Dgevent4j.loop=${LOOP:-epoll} -Dlogback.configurationFile=$PWD/bench/src/main/resources/bench-logback.xml"
case "$NAME" in
  http-*)
    MAIN=io.gevent4j.bench.http.GeventHttpServer; ARGS="18190 1"; THREAD=gevent4j-hub
    if [ "$NAME" = http-netty ]; then MAIN=io.gevent4j.bench.http.NettyHttpServer; ARGS="18190 1 epoll"; THREAD=multiThreadIoEventLoopGroup; fi
    "$JAVA" $FLAGS $AGENT -cp "$CP" $MAIN $ARGS > "$OUT/$NAME.log" 2>&1 &
    PID=$!
    for _ in $(seq 200); do (exec 3<>/dev/tcp/127.0.0.1/18190) 2>/dev/null && break; sleep 0.05; done
    wrk -t1 -c64 -d"${SECONDS_}s" http://127.0.0.1:18190/ > /dev/null
    wrk -t1 -c64 -d"${SECONDS_}s" http://127.0.0.1:18190/ | grep Requests/sec
    kill $PID; wait $PID 2>/dev/null || true ;;
  echo-*)
    SRV=gevent; THREAD=gevent4j-hub
    if [ "$NAME" = echo-netty ]; then SRV=netty; THREAD=multiThreadIoEventLoopGroup-2; fi
    "$JAVA" $FLAGS $AGENT -cp "$CP" io.gevent4j.bench.net.EchoLoad "$SECONDS_" 64 64 $SRV | grep "round trips" ;;
  *) echo "unknown profile $NAME"; exit 1 ;;
esac
python3 bench/profile-summary.py "$OUT/$NAME.collapsed" "$THREAD"
