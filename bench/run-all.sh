#!/usr/bin/env bash
# The whole comparison suite in one command (see README "Benchmarks"):
#
#   bench/run-all.sh            # full: 5 rounds of 10 s, 10,000 idle connections, 1M greenlets (about 25 min)
#   bench/run-all.sh --quick    # 2 rounds of 1 s, smaller counts: checks the harness (under 3 minutes, also on this shared machine at load 13)
#   bench/run-all.sh --only http,echo --rounds 3 --seconds 5
#
# JMH micro-benchmarks, spawn and sleep lateness, HTTP plaintext and pipelined (wrk), echo, idle
# connections; baselines in the same run: raw Netty on epoll and io_uring, virtual threads, Helidon SE,
# and real gevent (python3-gevent) where installed. Writes bench/results/results.{json,md,png}
# (--out DIR elsewhere). Needs wrk (apt-get install -y wrk) and a JDK 25 (found as http-bench.sh does;
# JAVA=... overrides). Benchmarks never run in CI; CI compiles this module.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
bench_java
bench_classpath run-all
exec "$JAVA" -Xmx2g -Dbench.root="$PWD" -Dlogback.configurationFile="$PWD/bench/src/main/resources/bench-logback.xml" \
    --add-opens java.base/java.lang=ALL-UNNAMED --enable-native-access=ALL-UNNAMED \
    -cp "$CP" io.gevent4j.bench.suite.RunAll "$@"
