#!/usr/bin/env bash
# Times the registry (BenchmarkDotNet) and R (survfit, survdiff, coxph) on the same simulated trials, one after the
# other in this run, and prints seconds and the ratio registry/R at n = 10 000, 100 000 and 1 000 000.
#   tests/Registry.Benchmarks/compare-with-r.sh [DIR]      # DIR keeps the CSVs and reports (default: a temp dir)
# Needs the .NET 10 SDK and R with the survival and jsonlite packages (Debian: r-cran-survival r-cran-jsonlite).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$(mktemp -d -t registry-vs-r-XXXXXX)}"
mkdir -p "$out"

dotnet build -c Release "$here/Registry.Benchmarks.csproj" -v quiet -nologo
echo "Simulating the trials into $out ..."
dotnet run -c Release --no-build --project "$here" -- write-csv "$out"
echo "Registry benchmark (BenchmarkDotNet) ..."
dotnet run -c Release --no-build --project "$here" -- --filter '*' --artifacts "$out/bdn" > "$out/bdn.log"
grep -E '^\|' "$out/bdn.log" || true
echo "R (same CSVs) ..."
Rscript "$here/bench.R" "$out"
