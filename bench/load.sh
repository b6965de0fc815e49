#!/usr/bin/env bash
# End-to-end load benchmark. By default: the peer (Kafka Connect + Debezium JDBC sink) swept over its levers, then three
# rounds with the contestants' order rotated (Tidewater, the hand-written baseline and the peer on the full star schema;
# a Tidewater mirror flow and the peer on the same work), then each star contestant at a fixed 5,000 events/s for its
# latency. With --growth: Tidewater alone over the events (growth ratio), then a live replay of the last million calls.
#
# Usage: bench/load.sh [events] [--growth] [--rounds N] [--latency-seconds S] [--only K,...] [--help]   (events default 1000000)
#        bench/load.sh 10000000 --growth
# Writes target/bench/result.json, result.md and result.png (growth.json, growth.md, growth.png with --growth; the
# growth figures are merged into result.json as well).
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -DskipTests package dependency:build-classpath -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
if [[ " $* " != *" --growth "* ]]; then
  mvn -B -q -f bench/peer/pom.xml dependency:build-classpath -Dmdep.outputFile="$PWD/target/bench-peer.classpath"
fi
exec java -Xmx3g -cp "target/classes:target/test-classes:$(cat target/bench.classpath)" io.tidewater.bench.LoadBench "$@"
