#!/usr/bin/env bash
# Runs wrk against memshard's HTTP API, Webdis (in front of redis-server)
# and a bare fasthttp server (bench/httpbare, the transport's ceiling) on
# this machine in one run, alternating the systems every round, and prints
# the median requests per second and the median of each round's ratios.
#
#   bash bench/http-vs-webdis.sh            # -d 10s, 3 rounds
#   DURATION=5s ROUNDS=5 bash bench/http-vs-webdis.sh
#   MEMSHARD_FLAGS="--procs 2 --http-event-loops 2" bash bench/http-vs-webdis.sh
#
# memshard gets POST / with ["GET","k"] and ["SET","k","v"]
# (bench/http-post-*.lua), Webdis the same commands as GET /GET/k and
# GET /SET/k/v, and the bare server the same POST bodies, answered with a
# constant {"result":"OK"}. Needs wrk, webdis and redis-server
# (apt-get install wrk webdis redis-server). Everything runs on free
# loopback ports without persistence and is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-3}
CONNS=${CONNS:-50}
THREADS=${THREADS:-2}
MEMSHARD_FLAGS=${MEMSHARD_FLAGS:-} # extra memshard flags, word-split

for bin in wrk webdis redis-server curl; do
  command -v "$bin" >/dev/null || { echo "$bin not found: apt-get install wrk webdis redis-server curl" >&2; exit 1; }
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
go build -o "$work/httpbare" ./bench/httpbare
mport=$(freeport)
bport=$(freeport)
rport=$(freeport)
wport=$(freeport)

"$work/memshard" --http-addr "127.0.0.1:$mport" --resp-addr "" --dir "$work/data" --appendonly no \
  --log-level warn $MEMSHARD_FLAGS >"$work/memshard.log" 2>&1 &
pids+=($!)
"$work/httpbare" -addr "127.0.0.1:$bport" >"$work/httpbare.log" 2>&1 &
pids+=($!)
redis-server --port "$rport" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" >"$work/redis.log" 2>&1 &
pids+=($!)
cat >"$work/webdis.json" <<JSON
{
  "redis_host": "127.0.0.1",
  "redis_port": $rport,
  "http_host": "127.0.0.1",
  "http_port": $wport,
  "threads": 2,
  "daemonize": false,
  "database": 0,
  "verbosity": 0,
  "logfile": "$work/webdis.log"
}
JSON
webdis "$work/webdis.json" >/dev/null 2>&1 &
pids+=($!)

# up URL [curl args...]: wait until URL answers 200.
up() {
  local url=$1; shift
  for i in $(seq 100); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$@" "$url" 2>/dev/null)" = 200 ] && return
    [ "$i" = 100 ] && { echo "nothing answers $url" >&2; exit 1; }
    sleep 0.1
  done
}
up "http://127.0.0.1:$mport/" -d '["SET","k","v"]'
up "http://127.0.0.1:$bport/"
up "http://127.0.0.1:$wport/SET/k/v"

# run NAME URL [SCRIPT] → req/s; warns about non-2xx answers and errors.
run() {
  local out
  out=$(wrk -c "$CONNS" -t "$THREADS" -d "$DURATION" ${3:+-s "$3"} "$2")
  if grep -qE 'Non-2xx|Socket errors' <<<"$out"; then
    echo "warning: $1: $(grep -E 'Non-2xx|Socket errors' <<<"$out" | tr -s ' ')" >&2
  fi
  awk '/^Requests\/sec:/ { print $2 }' <<<"$out"
}

ratio() { echo "$1 $2" | awk '{print ($2>0)?$1/$2:0}'; }

declare -A rps mb mw last
tests=(get set)
for round in $(seq "$ROUNDS"); do
  for t in "${tests[@]}"; do
    lua=bench/http-post-$t.lua
    webdis_path=/GET/k
    [ "$t" = set ] && webdis_path=/SET/k/v
    # Rotate the order so no system always runs first.
    order=(memshard bare webdis)
    for ((i = 0; i < (round - 1) % 3; i++)); do order=("${order[@]:1}" "${order[0]}"); done
    for sys in "${order[@]}"; do
      case $sys in
      memshard) v=$(run "$sys $t" "http://127.0.0.1:$mport/" "$lua") ;;
      bare) v=$(run "$sys $t" "http://127.0.0.1:$bport/" "$lua") ;;
      webdis) v=$(run "$sys $t" "http://127.0.0.1:$wport$webdis_path") ;;
      esac
      rps["$t $sys"]+="$v "
      last[$sys]=$v
    done
    # Ratios within the round, whose systems ran minutes apart at most.
    mb[$t]+="$(ratio "${last[memshard]}" "${last[bare]}") "
    mw[$t]+="$(ratio "${last[memshard]}" "${last[webdis]}") "
  done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
printf '%-5s %12s %12s %12s %15s %17s\n' test memshard bare webdis memshard/bare memshard/webdis
for t in "${tests[@]}"; do
  m=$(echo "${rps["$t memshard"]}" | median)
  b=$(echo "${rps["$t bare"]}" | median)
  w=$(echo "${rps["$t webdis"]}" | median)
  printf '%-5s %12.0f %12.0f %12.0f %15.2f %17.2f\n' "$t" "$m" "$b" "$w" \
    "$(echo "${mb[$t]}" | median)" "$(echo "${mw[$t]}" | median)"
done
echo "wrk -c $CONNS -t $THREADS -d $DURATION; median req/s of $ROUNDS rounds, systems alternated each round;"
echo "ratios: median of the ratios within each round"
