#!/usr/bin/env bash
# Loads the servers of HttpTriggerBenchmark (see HttpServers) with wrk, an external load generator
# (Debian's `wrk` package): the same GET /hello, 2 threads and 32 connections, one server after the
# other within a round, starting with a different one each round. Prints each round's requests/s,
# then each server's median and its median ratio to bare Helidon within a round.
#
#   benchmarks/wrk.sh [rounds] [seconds per server]     (defaults: 5 rounds of 8 s)
#
# wrk, the servers and the JVM's own threads share this machine's cores: judge ratios, not figures.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
seconds=${2:-8}
command -v wrk >/dev/null || { echo "benchmarks/wrk.sh: wrk is not installed (apt-get install wrk)" >&2; exit 2; }
. benchmarks/jdk.sh

mvn -q -B -DskipTests -pl benchmarks -am install

# Requests/s of one wrk run, or a failure if any request failed: a server that fails fast looks fast.
load() {
  local out
  out=$(wrk -t2 -c32 -d"$2" "http://127.0.0.1:$1/hello")
  if grep -qE '^ +(Non-2xx|Socket errors)' <<<"$out"; then
    echo "benchmarks/wrk.sh: requests failed on port $1:" >&2
    echo "$out" >&2
    exit 1
  fi
  awk '/^Requests\/sec:/ {print $2}' <<<"$out"
}

results=$(mktemp)
coproc SERVERS { exec "$java" -cp benchmarks/target/benchmarks.jar dev.faas.benchmarks.HttpServers 2>/dev/null; }
trap 'rm -f "$results"; exec {SERVERS[1]}>&-; wait' EXIT
declare -A port
while read -r name value <&"${SERVERS[0]}"; do
  [ "$name" = ready ] && break
  port[$name]=$value
done
servers=(bareHelidon trigger bareHelidonInvoke bareHelidonHop bareJetty bareServer)
for name in "${servers[@]}"; do # warm each up: JIT, connections
  load "${port[$name]}" 3s >/dev/null
done

for ((round = 0; round < rounds; round++)); do
  for ((i = 0; i < ${#servers[@]}; i++)); do
    name=${servers[$(((i + round) % ${#servers[@]}))]}
    rps=$(load "${port[$name]}" "${seconds}s")
    echo "$round $name $rps" | tee -a "$results"
  done
done
echo
awk -v servers="${servers[*]}" '
  { rps[$1, $2] = $3; if ($1 + 1 > n) n = $1 + 1 }
  function median(values, count,    i, j, t) {
    for (i = 1; i <= count; i++) for (j = i + 1; j <= count; j++) if (values[j] < values[i]) { t = values[i]; values[i] = values[j]; values[j] = t }
    return count % 2 ? values[(count + 1) / 2] : (values[count / 2] + values[count / 2 + 1]) / 2
  }
  END {
    split(servers, names, " ")
    printf "| server | median requests/s | median ratio to bareHelidon, same round |\n|---|---|---|\n"
    for (s = 1; s in names; s++) {
      for (r = 0; r < n; r++) { own[r + 1] = rps[r, names[s]]; ratio[r + 1] = rps[r, names[s]] / rps[r, "bareHelidon"] }
      printf "| %s | %.0f | %.2f |\n", names[s], median(own, n), median(ratio, n)
    }
  }' "$results"
