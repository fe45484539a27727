#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 120) from the committed seeds,
# printing executions and crashes. Needs the nightly toolchain and cargo-fuzz.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
secs=${1:-120}
for t in $(cargo +nightly fuzz list); do
    mkdir -p "corpus/$t"
    log=$(mktemp)
    cargo +nightly fuzz run "$t" "corpus/$t" "seeds/$t" -- -max_total_time="$secs" -rss_limit_mb=1024 -print_final_stats=1 >"$log" 2>&1 || true
    execs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo "?")
    crashes=$(ls "artifacts/$t" 2>/dev/null | wc -l)
    cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -1 || true)
    echo "$t: ${execs} executions in ${secs}s, ${cov:-cov ?}, ${crashes} crash artifacts"
    rm -f "$log"
done
