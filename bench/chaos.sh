#!/usr/bin/env bash
# Chaos run: Tidewater's load role (the packaged application, external mode) loads all four topics while they are
# produced continuously, 1% of them records the warehouse refuses, and faults strike at random: kill -9 of the
# application, the EDW cut off, the Kafka broker (a process of its own) killed and restarted. At the end the warehouse
# is checked against the independent oracle.
# Usage: bench/chaos.sh [minutes]   (default 10)
# Prints minutes, faults by kind, events, dead letters, lost and duplicated; writes target/chaos/chaos.json.
# Exits 1 if anything was lost or duplicated, or the warehouse differs from the oracle.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -DskipTests package dependency:build-classpath -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
exec java -Xmx2g -cp "target/classes:target/test-classes:$(cat target/bench.classpath)" io.tidewater.bench.ChaosRun \
  "${1:-10}" target/chaos
