#!/usr/bin/env bash
# First requests on a fresh registry, timed with curl, with the CPU each costs the registry and its PostgreSQL:
#   tests/Registry.Benchmarks/first-requests.sh API-BIN-DIR DATA-DIR OUT ROUTE...
# API-BIN-DIR is a Release build's output (e.g. a copy of src/Registry.Api/bin/Release/net10.0, so two builds can be
# replayed one after the other on the same data); DATA-DIR a loaded data directory (scale.sh --only load); each ROUTE
# is relative to /api/studies/{the first study}/, e.g. maturity or 'survival?asOf=2021-01-01T00:00:00Z'. The registry
# is started as the scale benchmark starts it, and VmRSS sampled every 200 ms. Run it inside flock /work/bench.lock.
# Writes OUT (an absolute path: the figures), OUT.log (the registry's output), OUT.rss and each answer as OUT.body.ROUTE.
# The routes are asked once /health/ready answers 200 (the study views warmed, as a load balancer waits for it; at most
# 300 s), and the figures say how long after launch that was and the CPU it took; WARM=0 asks them as soon as /health answers.
set -u
api=$1; data=$2; out=$3; shift 3
cd "$api"
export Registry__DataDirectory=$data Registry__DemoStudy__LoadOnFirstRun=false DOTNET_ENVIRONMENT=Production ASPNETCORE_ENVIRONMENT=Production DOTNET_GCgen0size=0x1000000
unset ConnectionStrings__Registry
# A port the kernel has just found free, rather than a random one another run may hold.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
tok=$(dotnet Registry.Api.dll token --user bench-investigator --role investigator --hours 8 | tail -1)
launched=$(date +%s%N)
dotnet Registry.Api.dll --urls http://127.0.0.1:$port > $out.log 2>&1 &
pid=$!
echo "api pid $pid" > $out
( while kill -0 $pid 2>/dev/null; do r=$(awk '/VmRSS/{print $2}' /proc/$pid/status); echo $r; sleep 0.2; done ) > $out.rss &
sampler=$!
# A registry that exits while starting ends the replay at once instead of after every wait.
exited() { kill -0 $pid 2>/dev/null && return 1; kill $sampler 2>/dev/null; echo "the registry exited before answering: see $out.log" | tee -a $out >&2; exit 1; }
for i in $(seq 1 300); do curl -sf http://127.0.0.1:$port/health >/dev/null && break; exited; sleep 0.5; done
echo "/health answered $(( ($(date +%s%N) - launched) / 1000000 )) ms after launch" >> $out
sid=$(curl -s -H "Authorization: Bearer $tok" http://127.0.0.1:$port/api/studies | python3 -c 'import sys,json; print(json.load(sys.stdin)[0]["id"])')
cpu() { local t=0; for p in $pid $(pgrep -f "postgres.*$data" ) $(pgrep -P $(pgrep -f "postgres -D $data/postgres" | head -1) 2>/dev/null); do [ -r /proc/$p/stat ] && t=$((t + $(awk '{print $14+$15}' /proc/$p/stat))); done; echo $t; }
apicpu() { awk '{print $14+$15}' /proc/$pid/stat; }
if [ "${WARM:-1}" != 0 ]; then
  for i in $(seq 1 1500); do curl -sf http://127.0.0.1:$port/health/ready >/dev/null && break; exited; sleep 0.2; done
  echo "ready $(( ($(date +%s%N) - launched) / 1000000 )) ms after launch: $(grep -o 'Study views warmed.*\|Warming the study views failed.*' $out.log | head -1); apiCPU since launch $(( $(apicpu) * 10 )) ms, api+pgCPU $(( $(cpu) * 10 )) ms" >> $out
fi
echo "study $sid; load $(cut -d' ' -f1-3 /proc/loadavg); rss after start $(awk '/VmRSS/{print $2}' /proc/$pid/status) kB" >> $out
for r in "$@"; do
  a0=$(apicpu); c0=$(cpu)
  t=$(curl -s -o $out.body.tmp -w '%{http_code} %{time_total}' -H "Authorization: Bearer $tok" "http://127.0.0.1:$port/api/studies/$sid/$r")
  a1=$(apicpu); c1=$(cpu)
  echo "$r  $t s  apiCPU $(( (a1-a0)*10 )) ms  api+pgCPU $(( (c1-c0)*10 )) ms  md5 $(md5sum < $out.body.tmp | cut -c1-8)  load $(cut -d' ' -f1 /proc/loadavg)" >> $out
  cp $out.body.tmp "$out.body.$(echo $r | tr '/?=&:' '_____')"
done
kill -TERM $pid; wait $pid; kill $sampler 2>/dev/null
echo "peak rss $(sort -n $out.rss | tail -1) kB" >> $out
rm -f $out.body.tmp
cat $out
