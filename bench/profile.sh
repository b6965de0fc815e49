#!/usr/bin/env bash
# Where Tidewater spends its CPU under load: one Tidewater run of the load benchmark (no sweep, no other contestant)
# recorded with JFR, then its execution samples summed by method and by owner (Camel, Kafka's client, Jackson, the
# PostgreSQL driver, Tidewater, the JDK). The PostgreSQL side is in the run's *-statements.txt.
#
# Usage: bench/profile.sh [events] [contestant]   (defaults 1000000 and TIDEWATER; TIDEWATER_MIRROR profiles the mirror flows)
# Writes target/bench/profile/<contestant>-o.jfr and profile.md.
set -euo pipefail
cd "$(dirname "$0")/.."
events="${1:-1000000}"
contestant="${2:-TIDEWATER}"
mvn -B -q -DskipTests package dependency:build-classpath -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
cp="target/classes:target/test-classes:$(cat target/bench.classpath)"
TIDEWATER_BENCH_JFR=1 java -Xmx3g -cp "$cp" io.tidewater.bench.LoadBench "$events" --only "$contestant" --out target/bench/profile
key=$(echo "$contestant" | tr 'A-Z_' 'a-z-')
java -cp "$cp" io.tidewater.bench.JfrProfile "target/bench/profile/$key-o.jfr" 30 | tee target/bench/profile/profile.md
