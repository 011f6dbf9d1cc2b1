#!/usr/bin/env bash
# Runs NODES registry processes on one database, with Wolverine distributing the async projections between them.
# Each node serves the whole API on its own port (put any HTTP load balancer in front); Ctrl-C stops them all.
# Usage: deploy/several-nodes.sh [NODES] [DATA-DIR] [FIRST-PORT]
#   With ConnectionStrings__Registry set, the nodes use that database; otherwise they share the embedded cluster
#   of DATA-DIR (default .data/several-nodes), which the first node starts and the last one out stops.
set -euo pipefail
cd "$(dirname "$0")/.."
nodes="${1:-2}"
data="$(realpath -m "${2:-.data/several-nodes}")"
port="${3:-5100}"
mkdir -p "$data"
dotnet build -c Release src/Registry.Api -v q -nologo >/dev/null
# The nodes share the data directory, so they sign and accept tokens with the key kept there (or Auth__SigningKey).
# gen0 budget of a usual server (.NET sizes it from the L3 cache; some VMs report hundreds of MB): docs/performance.md.
export DOTNET_GCgen0size="${DOTNET_GCgen0size:-0x1000000}"
export Registry__DataDirectory="$data" Registry__Projections__Distribution=wolverine
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait' INT TERM EXIT
url() { echo "http://127.0.0.1:$((port + $1 - 1))"; }
# Until node N answers 200 at PATH; stops everything if the node exited.
answers() {
  until curl -sf "$(url "$1")$2" >/dev/null; do
    kill -0 "${pids[$(($1 - 1))]}" 2>/dev/null || { echo "Node $1 exited; see $data/node-$1.log" >&2; exit 1; }
    sleep 1
  done
}
for n in $(seq 1 "$nodes"); do
  dotnet src/Registry.Api/bin/Release/net10.0/Registry.Api.dll --urls "$(url "$n")" >"$data/node-$n.log" 2>&1 &
  pids+=($!)
  # One at a time: the first node creates the schema and (without a connection string) starts the cluster.
  answers "$n" /health
  echo "Node $n serving on $(url "$n") (log: $data/node-$n.log)"
done
# Ready once each has warmed its study views: what a load balancer's health check on /health/ready waits for.
for n in $(seq 1 "$nodes"); do
  answers "$n" /health/ready
  echo "Node $n ready ($(url "$n")/health/ready: its study views warmed)"
done
echo "Projections are assigned by the elected leader; see the logs' 'Successfully started agent' lines. Ctrl-C stops every node."
wait
