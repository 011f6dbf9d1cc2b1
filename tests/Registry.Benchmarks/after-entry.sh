#!/usr/bin/env bash
# Each view's first answer after a new entry, timed with curl, with the registry's CPU for it:
#   tests/Registry.Benchmarks/after-entry.sh API-BIN-DIR DATA-DIR OUT ROUTE...
# API-BIN-DIR is a Release build's output, DATA-DIR a loaded data directory (scale.sh --only load; a copy: the entries
# stay in it), each ROUTE relative to /api/studies/{the first study}/. The registry is started as first-requests.sh
# starts it and left to warm its study views; each route is asked twice (warm), then three times over: a follow-up is
# recorded for the study's first patient on treatment, and each route is asked once (its first answer after the entry)
# and once more. Writes OUT (the figures) and OUT.log (the registry's output). Run it inside flock /work/heavy.lock.
set -u
api=$1; data=$2; out=$3; shift 3
cd "$api"
export Registry__DataDirectory=$data Registry__DemoStudy__LoadOnFirstRun=false DOTNET_ENVIRONMENT=Production ASPNETCORE_ENVIRONMENT=Production DOTNET_GCgen0size=0x1000000
unset ConnectionStrings__Registry
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
token() { dotnet Registry.Api.dll token --user "bench-$1" --role "$1" --hours 8 "${@:2}" | tail -1; }
investigator=$(token investigator); auditor=$(token auditor)
dotnet Registry.Api.dll --urls http://127.0.0.1:$port > $out.log 2>&1 &
pid=$!
exited() { kill -0 $pid 2>/dev/null && return 1; echo "the registry exited before answering: see $out.log" >&2; exit 1; }
for i in $(seq 1 300); do curl -sf http://127.0.0.1:$port/health >/dev/null && break; exited; sleep 0.5; done
for i in $(seq 1 1500); do grep -q "Study views warmed\|Warming the study views failed" $out.log && break; exited; sleep 0.2; done
sid=$(curl -s -H "Authorization: Bearer $auditor" http://127.0.0.1:$port/api/studies | python3 -c 'import sys,json; print(json.load(sys.stdin)[0]["id"])')
read -r patient site < <(curl -s -H "Authorization: Bearer $auditor" "http://127.0.0.1:$port/api/studies/$sid/patients?status=OnTreatment&skip=0&take=1" |
  python3 -c 'import sys,json; p=json.load(sys.stdin)["patients"][0]; print(p["patientId"], p["site"])')
coordinator=$(token coordinator --site "$site")
apicpu() { awk '{print $14+$15}' /proc/$pid/stat; }
ask() {
  local a0 a1 t
  a0=$(apicpu); t=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' -H "Authorization: Bearer $investigator" "http://127.0.0.1:$port/api/studies/$sid/$1"); a1=$(apicpu)
  echo "$2 $1 $t s apiCPU $(( (a1-a0)*10 )) ms load $(cut -d' ' -f1 /proc/loadavg)" >> $out
}
echo "study $sid patient $patient site $site load $(cat /proc/loadavg)" > $out
for r in "$@"; do ask "$r" warm; ask "$r" warm; done
for k in 1 2 3; do
  # Dates past any the loaded study holds, increasing, so each entry is accepted.
  echo "entry $k: $(curl -s -o /dev/null -w '%{http_code} %{time_total}' -X POST -H "Authorization: Bearer $coordinator" -H 'Content-Type: application/json' \
    -d "{\"lastKnownAliveOn\":\"2025-0$k-15\"}" http://127.0.0.1:$port/api/patients/$patient/follow-ups) s" >> $out
  # The live views count an entry once the outcome projection has it (p99 165 ms: "freshness").
  sleep 1.5
  for r in "$@"; do ask "$r" "after-entry-$k"; done
  for r in "$@"; do ask "$r" "again-$k"; done
done
echo "rss at the end $(awk '/VmRSS/{print $2}' /proc/$pid/status) kB" >> $out
kill -TERM $pid; wait $pid
cat $out
