#!/usr/bin/env bash
# Capture throughput: change events/s from PostgreSQL (one UPDATE of N rows) into Kafka through the capture route,
# against the naive baseline (one record at a time, waiting for each broker ack) measured in the same run.
# Usage: bench/capture.sh [rows]   (default 200000). Writes target/bench/capture.json.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -DskipTests test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
exec java -Xmx2g -cp "target/classes:target/test-classes:$(cat target/bench.classpath)" io.tidewater.bench.CaptureBench "${1:-200000}"
