#!/usr/bin/env bash
# Issue 13's figures in one command: writes, bulk load and import, rebuild, every study view and plot, freshness and
# memory, each beside a baseline measured in the same run on the same PostgreSQL cluster (raw Npgsql inserts, COPY,
# a scan of mt_events, /health), with the load average at the start and end of each measurement.
#   tests/Registry.Benchmarks/scale.sh [--patients 10000] [--quick] [--data DIR] [--fresh] [--out DIR] [--only PHASES]
# Loads the demo study into a private data directory once (reused by later runs), starts and stops the registry
# itself, and writes artifacts/benchmarks/scale-N.md and .json. See docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
log=$(mktemp -t registry-scale-build-XXXXXX)
# The server runs from the Release build; the verbs (import, seed, rebuild) from the registry published for this
# machine's runtime, compiled ahead of time (ReadyToRun): src/Registry.Api/bin/Release/net10.0/<runtime>/publish.
for step in "build src/Registry.Api" "publish --use-current-runtime src/Registry.Api" "build tests/Registry.Benchmarks"; do
  if ! nice -n 10 dotnet $step -c Release -v q -nologo >"$log" 2>&1; then
    cat "$log"; rm -f "$log"; echo "error: dotnet $step failed (above)." >&2; exit 1
  fi
done
rm -f "$log"
# exec: Ctrl+C and SIGTERM reach the benchmark, which stops the registry processes it started.
exec dotnet run -c Release --no-build --project tests/Registry.Benchmarks -- scale "$@"
