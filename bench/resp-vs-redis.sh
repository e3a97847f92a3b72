#!/usr/bin/env bash
# Runs redis-benchmark against memshard and redis-server on this machine in
# one run, alternating, and prints requests per second and the ratio.
#
#   bash bench/resp-vs-redis.sh            # -n 200000, 3 rounds
#   N=500000 ROUNDS=5 bash bench/resp-vs-redis.sh
#
# Needs redis-server and redis-benchmark (apt-get install redis-server
# redis-tools). Both servers run without persistence on free loopback
# ports and are stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-200000}
ROUNDS=${ROUNDS:-3}
CLIENTS=${CLIENTS:-50}
TESTS=${TESTS:-set,get,incr,mset}

for bin in redis-server redis-benchmark redis-cli; do
  command -v "$bin" >/dev/null || { echo "$bin not found: apt-get install redis-server redis-tools" >&2; exit 1; }
done

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

go build -o "$work/memshard" ./cmd/memshard
mport=$(freeport)
rport=$(freeport)
"$work/memshard" --resp-addr "127.0.0.1:$mport" --http-addr "" --dir "$work/data" --appendonly no \
  --log-level warn >"$work/memshard.log" 2>&1 &
pids+=($!)
redis-server --port "$rport" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" >"$work/redis.log" 2>&1 &
pids+=($!)
# redis-benchmark hangs when nothing listens: wait with redis-cli.
for port in "$mport" "$rport"; do
  for i in $(seq 100); do
    [ "$(timeout 2 redis-cli -p "$port" ping 2>/dev/null)" = PONG ] && break
    [ "$i" = 100 ] && { echo "server on port $port did not start" >&2; exit 1; }
    sleep 0.1
  done
done

# bench PORT PIPELINE → lines "TEST RPS"
bench() {
  redis-benchmark -h 127.0.0.1 -p "$1" -c "$CLIENTS" -n "$N" -P "$2" -t "$TESTS" -r 100000 --csv 2>/dev/null |
    awk -F'","' 'NR>1 { gsub(/"/, "", $1); gsub(/"/, "", $2); gsub(/ /, "_", $1); print $1, $2 }'
}

declare -A ms rs
for pipe in 1 16; do
  for round in $(seq "$ROUNDS"); do
    while read -r t v; do ms["$pipe $t"]+="$v "; done < <(bench "$mport" "$pipe")
    while read -r t v; do rs["$pipe $t"]+="$v "; done < <(bench "$rport" "$pipe")
  done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

printf '%-14s %-3s %14s %14s %7s\n' test P memshard redis ratio
for key in $(printf '%s\n' "${!ms[@]}" | sort -k1,1n -k2 | tr ' ' '|'); do
  k=${key//|/ }
  m=$(echo "${ms[$k]}" | median)
  r=$(echo "${rs[$k]:-0}" | median)
  printf '%-14s %-3s %14.0f %14.0f %7.2f\n' "${k#* }" "${k%% *}" "$m" "$r" "$(echo "$m $r" | awk '{print ($2>0)?$1/$2:0}')"
done
echo "redis-benchmark -c $CLIENTS -n $N -r 100000 -t $TESTS, -P 1 and -P 16, median of $ROUNDS rounds"
