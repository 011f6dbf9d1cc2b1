#!/usr/bin/env bash
# Investigator query latency with 10 000 patients (~160 000 events): loads the demo study at 44× into a private
# data directory (once; ~10 min), starts the registry on it, and prints p50/p99 per query against /health.
# Usage: tests/Registry.Benchmarks/query-latency.sh [DATA-DIR] [REQUESTS]
set -euo pipefail
cd "$(dirname "$0")/../.."
data="${1:-${TMPDIR:-/tmp}/trial-registry-bench-10k}"
requests="${2:-200}"
export Registry__DataDirectory="$data" Registry__DemoStudy__LoadOnFirstRun=false
for project in src/Registry.Api tests/Registry.Benchmarks; do dotnet build -c Release "$project" -v q -nologo >/dev/null; done
api="dotnet run -c Release --no-build --project src/Registry.Api --"
if [ ! -f "$data/loaded-x44" ]; then
  $api seed --scale 44 && touch "$data/loaded-x44"
fi
$api --urls http://127.0.0.1:5090 >"$data/registry.log" 2>&1 &
registry=$!
trap 'kill $registry 2>/dev/null; wait $registry 2>/dev/null' EXIT
until curl -sf http://127.0.0.1:5090/health >/dev/null; do sleep 1; done
token=$($api token --user bench --role investigator)
study=$(curl -sf -H "Authorization: Bearer $token" http://127.0.0.1:5090/api/studies |
  python3 -c 'import json,sys; print(next(s["id"] for s in json.load(sys.stdin) if s["code"] == "NPC-RM-2L-x44"))')
# The async daemon must have projected every patient before the live views are timed.
until [ "$(curl -sf -H "Authorization: Bearer $token" "http://127.0.0.1:5090/api/studies/$study/survival?endpoint=pfs" |
  python3 -c 'import json,sys; print(sum(a["n"] for a in json.load(sys.stdin)["arms"]))')" -ge 9900 ]; do sleep 2; done
dotnet run -c Release --no-build --project tests/Registry.Benchmarks -- query-latency http://127.0.0.1:5090 "$token" "$study" "$requests"
