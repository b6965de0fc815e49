#!/usr/bin/env bash
# Generated flow declarations and record streams against the model (src/test/java/io/tidewater/model), with random
# seeds, for the given number of minutes (default 30). Each round runs FlowModelFuzz (200 generated scenarios) on the
# suite's embedded Kafka and PostgreSQL; a divergence stops the run and prints its seed and the case shrunk to its
# minimal form (target/surefire-reports/io.tidewater.model.FlowModelFuzz-output.txt).
#   bench/fuzz.sh [minutes]
set -euo pipefail
cd "$(dirname "$0")/.."
minutes="${1:-30}"
deadline=$(( $(date +%s) + minutes * 60 ))
mvn -B -q -o test-compile 2>/dev/null || mvn -B -q test-compile
rounds=0
cases=0
while [ "$(date +%s)" -lt "$deadline" ]; do
  rm -f .jqwik-database
  if ! mvn -B -q -o surefire:test -Dtest=FlowModelFuzz -Dsurefire.failIfNoSpecifiedTests=false > target/fuzz-round.log 2>&1; then
    report=target/surefire-reports/io.tidewater.model.FlowModelFuzz-output.txt
    echo "Divergence after $rounds rounds ($cases cases):"
    grep -m1 "^seed =" "$report" || true
    sed -n '/Shrunk Sample/,/Original Sample/p' "$report"
    grep -m1 -A3 "==> expected" target/surefire-reports/io.tidewater.model.FlowModelFuzz.txt || cat target/fuzz-round.log
    exit 1
  fi
  rounds=$(( rounds + 1 ))
  cases=$(( cases + $(grep -m1 -o "checks = [0-9]*" target/surefire-reports/io.tidewater.model.FlowModelFuzz-output.txt | grep -o "[0-9]*") ))
  echo "round $rounds: $(grep -m1 "^seed =" target/surefire-reports/io.tidewater.model.FlowModelFuzz-output.txt | tr -s ' ') ok; $cases cases so far"
done
echo "No divergence: $cases cases in $rounds rounds, $minutes minutes"
