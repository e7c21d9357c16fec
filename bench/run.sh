#!/usr/bin/env bash
# torgate load benchmark: torgate vs microsocks vs Dante vs direct TCP, all on 127.0.0.0/8.
#
#   bench/run.sh                  full run (about 25 minutes on 2 cores, Tor part included)
#   bench/run.sh --quick          one short round, to check the harness works (about 3 minutes)
#   bench/run.sh --wait-quiet 600 first wait up to 600 s for the 1-minute load average to fall below 1.0
#   bench/run.sh --no-tor         skip the "in front of Tor" part (the private Tor test network)
#
# Installs microsocks and dante-server with apt-get if they are missing, builds torgate and the benchmarks jar,
# starts the sink, torgate (`torgate run --upstream direct`), a torgate stats host (pooled-memory figure),
# microsocks and danted, runs the Java harness (io.torgate.bench.load.LoadHarness) against all of them, writes
# bench/results/<date>.json and the results table in bench/README.md; then (unless --no-tor) measures torgate in front
# of Tor on the private Tor test network (io.torgate.bench.load.TorFrontBench): bench/results/<date>-tor.json and
# the second table, then the connect latency in pairs (io.torgate.bench.load.TorPairedLatency): <date>-tor-paired.json and
# the third. Everything it started is stopped at the end.
# Settings can be overridden through the environment: ROUNDS, STREAMS, MEASURE, WARMUP, CONN_MEASURE,
# CONN_CLIENTS, PEER_WARMUP, IDLE_TUNNELS, TOR_ROUNDS, TOR_MEASURE, TOR_PAIRS, TOR_CURL_PAIRS.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

quick=0
wait_quiet=0
tor=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) quick=1; shift ;;
    --no-tor) tor=0; shift ;;
    --wait-quiet) wait_quiet="${2:?--wait-quiet needs a number of seconds}"; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done

if [[ $quick == 1 ]]; then
  : "${ROUNDS:=1}" "${STREAMS:=1,16,256}" "${MEASURE:=1s}" "${WARMUP:=0.5s}" "${CONN_MEASURE:=1s}"
  : "${PEER_WARMUP:=5s}" "${IDLE_TUNNELS:=1000}" "${TOR_ROUNDS:=1}" "${TOR_MEASURE:=3s}" "${TOR_PAIRS:=100}"
  : "${TOR_CURL_PAIRS:=10}"
fi
: "${TOR_ROUNDS:=3}" "${TOR_MEASURE:=5s}" "${TOR_PAIRS:=1000}" "${TOR_CURL_PAIRS:=100}"
: "${ROUNDS:=5}" "${STREAMS:=1,16,256}" "${MEASURE:=3s}" "${WARMUP:=1s}" "${CONN_MEASURE:=3s}" "${CONN_CLIENTS:=64}"
: "${PEER_WARMUP:=30s}"

log() { echo "run.sh: $*" >&2; }

# ------------------------------------------------------------------------------------------------ prerequisites
command -v java >/dev/null || { log "java not found; install a Java 17 runtime"; exit 127; }
missing=()
command -v microsocks >/dev/null || missing+=(microsocks)
command -v danted >/dev/null || missing+=(dante-server)
if [[ ${#missing[@]} -gt 0 ]]; then
  log "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

log "building torgate and the benchmarks jar"
./mvnw -q -B -ntp -pl control,bench -am package -DskipTests
torgate_jar="$root/control/target/torgate.jar"
bench_jar="$root/bench/target/benchmarks.jar"

# Every tunnel costs a proxy two descriptors (client + upstream); take the hard limit and size the idle test to it.
ulimit -n "$(ulimit -Hn)"
nofile="$(ulimit -n)"
if [[ -z "${IDLE_TUNNELS:-}" ]]; then
  IDLE_TUNNELS=$(( (nofile - 400) / 2 ))
  (( IDLE_TUNNELS > 10000 )) && IDLE_TUNNELS=10000
fi
log "open files limit $nofile: $IDLE_TUNNELS idle tunnels"

# ------------------------------------------------------------------------------------------------ processes
tmp="$(mktemp -d /tmp/torgate-bench.XXXXXX)"
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT

# wait_for FILE REGEX: prints the first matching line of FILE, waiting up to 60 s for it.
wait_for() {
  local file="$1" regex="$2" line
  for _ in $(seq 1 600); do
    line="$(grep -m1 -E "$regex" "$file" 2>/dev/null || true)"
    if [[ -n "$line" ]]; then echo "$line"; return 0; fi
    sleep 0.1
  done
  log "timed out waiting for '$regex' in $file:"; cat "$file" >&2; return 1
}

# wait_listening PORT: until something accepts on 127.0.0.1:PORT (60 s at most).
wait_listening() {
  for _ in $(seq 1 600); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  log "nothing listens on 127.0.0.1:$1"; return 1
}

free_port() {
  java -cp "$bench_jar" io.torgate.bench.load.FreePort
}

java -cp "$bench_jar" io.torgate.bench.load.SinkServer >"$tmp/sink.log" 2>&1 &
pids+=($!)
sink="$(wait_for "$tmp/sink.log" '^sink listening on' | awk '{print $4}')"

java -jar "$torgate_jar" run --upstream direct --socks 127.0.0.1:0 >"$tmp/torgate.log" 2>&1 &
torgate_pid=$!; pids+=("$torgate_pid")
torgate="$(wait_for "$tmp/torgate.log" '^torgate listening on' | awk '{print $4}')"

java -cp "$bench_jar" io.torgate.bench.load.TorgateStatsHost >"$tmp/host.log" 2>&1 &
pids+=($!)
host_line="$(wait_for "$tmp/host.log" '^torgate listening on .* stats on ')"
host="$(awk '{print $4}' <<<"$host_line")"; host_stats="$(awk '{print $7}' <<<"$host_line")"

microsocks_port="$(free_port)"
microsocks -i 127.0.0.1 -p "$microsocks_port" >"$tmp/microsocks.log" 2>&1 &
microsocks_pid=$!; pids+=("$microsocks_pid")
wait_listening "$microsocks_port"

dante_port="$(free_port)"
cat >"$tmp/danted.conf" <<EOF
# Dante on loopback, no authentication, CONNECT only; nothing logged per connection.
logoutput: stderr
internal: 127.0.0.1 port = $dante_port
external: 127.0.0.1
clientmethod: none
socksmethod: none
user.privileged: root
user.unprivileged: nobody
client pass { from: 127.0.0.0/8 to: 0.0.0.0/0 }
socks pass { from: 127.0.0.0/8 to: 0.0.0.0/0 command: connect }
EOF
danted -f "$tmp/danted.conf" -p "$tmp/danted.pid" >"$tmp/danted.log" 2>&1 &
dante_pid=$!; pids+=("$dante_pid")
wait_listening "$dante_port"

# ------------------------------------------------------------------------------------------------ quiet machine
load1() { cut -d' ' -f1 /proc/loadavg; }
if (( wait_quiet > 0 )); then
  deadline=$(( SECONDS + wait_quiet ))
  while awk -v l="$(load1)" 'BEGIN { exit !(l >= 1.0) }' && (( SECONDS < deadline )); do sleep 10; done
fi
log "load average now $(load1)"

# ------------------------------------------------------------------------------------------------ run
date_tag="$(date -u +%Y-%m-%dT%H%MZ)"
json="bench/results/$date_tag.json"
command_line="bench/run.sh"
[[ $quick == 1 ]] && command_line+=" --quick"
(( wait_quiet > 0 )) && command_line+=" --wait-quiet $wait_quiet"
microsocks_version="$(dpkg-query -W -f '${Version}' microsocks 2>/dev/null || echo unknown)"
dante_version="$(dpkg-query -W -f '${Version}' dante-server 2>/dev/null || echo unknown)"
torgate_version="$(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)"

status=0
java -cp "$bench_jar" io.torgate.bench.load.LoadHarness \
  --sink "$sink" \
  --peer direct \
  --peer "torgate=$torgate,pid=$torgate_pid" \
  --peer "microsocks=127.0.0.1:$microsocks_port,pid=$microsocks_pid" \
  --peer "dante=127.0.0.1:$dante_port,pid=$dante_pid" \
  --peer "torgate-host=$host,stats=$host_stats,memory-only" \
  --rounds "$ROUNDS" --streams "$STREAMS" --warmup "$WARMUP" --measure "$MEASURE" \
  --conn-clients "$CONN_CLIENTS" --conn-measure "$CONN_MEASURE" --peer-warmup "$PEER_WARMUP" \
  --idle-tunnels "$IDLE_TUNNELS" \
  --note "command=$command_line" \
  --note "torgate=$torgate_version: java -jar control/target/torgate.jar run --upstream direct (default JVM options)" \
  --note "microsocks=Debian $microsocks_version: microsocks -i 127.0.0.1 -p PORT" \
  --note "dante=Debian dante-server $dante_version: danted -f CONF (loopback, no auth, CONNECT only; see bench/run.sh)" \
  --note "open files limit=$nofile" \
  --json "$json" --markdown "$tmp/table.md" &
harness_pid=$!; pids+=("$harness_pid")
wait "$harness_pid" || status=$?

# splice MARKER TABLE: replaces what is between <!-- MARKER:start --> and <!-- MARKER:end --> in bench/README.md.
splice() {
  awk -v table="$2" -v start="<!-- $1:start -->" -v end="<!-- $1:end -->" '
    index($0, start) == 1 { print; while ((getline line < table) > 0) print line; skip = 1; next }
    index($0, end) == 1 { skip = 0 }
    !skip { print }
  ' bench/README.md >"$tmp/README.md"
  cp "$tmp/README.md" bench/README.md
}
[[ -s "$tmp/table.md" ]] && splice results "$tmp/table.md"
log "wrote $json and the table in bench/README.md"

# ------------------------------------------------------------------------------------------------ in front of Tor
if [[ $tor == 1 ]]; then
  # The C peers are not needed any more; stop them so the Tor network gets the machine.
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  tor_json="bench/results/$date_tag-tor.json"
  java -cp "$bench_jar" io.torgate.bench.load.TorFrontBench \
    --state-dir "$root/bench/target/testnet-state" --work-dir "$tmp/tor-client" \
    --rounds "$TOR_ROUNDS" --measure "$TOR_MEASURE" \
    --note "command=$command_line" --note "torgate=$torgate_version" \
    --json "$tor_json" --markdown "$tmp/tor-table.md" &
  tor_bench_pid=$!; pids+=("$tor_bench_pid")   # its shutdown hook stops the tor processes it started
  wait "$tor_bench_pid" || status=$?
  [[ -s "$tmp/tor-table.md" ]] && splice tor-results "$tmp/tor-table.md"
  log "wrote $tor_json and the Tor table in bench/README.md"

  # The connect latency torgate adds, measured in pairs: tor's stream set-up flips between ~2 ms and ~40 ms for
  # seconds at a time, so the separate windows above can differ by tens of ms; back-to-back pairs cannot.
  paired_json="bench/results/$date_tag-tor-paired.json"
  java -cp "$bench_jar" io.torgate.bench.load.TorPairedLatency \
    --state-dir "$root/bench/target/testnet-state" --work-dir "$tmp/tor-client-paired" \
    --pairs "$TOR_PAIRS" --concurrency 1,4 --curl-pairs "$TOR_CURL_PAIRS" \
    --note "command=$command_line" --note "torgate=$torgate_version" \
    --json "$paired_json" --markdown "$tmp/paired-table.md" &
  paired_pid=$!; pids+=("$paired_pid")
  wait "$paired_pid" || status=$?
  [[ -s "$tmp/paired-table.md" ]] && splice tor-paired "$tmp/paired-table.md"
  log "wrote $paired_json and the paired table in bench/README.md"
fi
exit "$status"
