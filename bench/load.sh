#!/usr/bin/env bash
# End-to-end load benchmark: Tidewater's load role against a hand-written KafkaConsumer + JDBC baseline and against
# Kafka Connect standalone with the Debezium JDBC sink, on the same preloaded topics in one run; then Tidewater's
# end-to-end latency at a fixed 5,000 events/s.
# Usage: bench/load.sh [events] [latency-seconds]   (defaults 1000000 and 30)
# Writes target/bench/result.json, target/bench/result.md and target/bench/result.png.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -DskipTests package dependency:build-classpath -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
mvn -B -q -f bench/peer/pom.xml dependency:build-classpath -Dmdep.outputFile="$PWD/target/bench-peer.classpath"
exec java -Xmx3g -cp "target/classes:target/test-classes:$(cat target/bench.classpath)" io.tidewater.bench.LoadBench \
  "${1:-1000000}" target/bench target/bench-peer.classpath "${2:-30}"
