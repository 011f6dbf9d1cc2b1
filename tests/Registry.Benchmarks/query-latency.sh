#!/usr/bin/env bash
# The study views' p50/p99 against /health at 10 000 patients: the views phase of scale.sh (docs/performance.md).
# Usage: tests/Registry.Benchmarks/query-latency.sh [DATA-DIR] [REQUESTS]
set -euo pipefail
here="$(dirname "$0")"
exec "$here/scale.sh" --only views ${1:+--data "$1"} ${2:+--view-requests "$2"}
