#!/usr/bin/env bash
# tests/load/run.sh - bounded dnsperf load against Scriptable (or another DNS
# server on loopback) with a fixed query mix over example.com.
#
# Usage: tests/load/run.sh [options]
#   --port P          port for our server on 127.0.0.1 (default 5304)
#   --duration S      measured seconds (default 10, capped at 60)
#   --policies DIR    policies folder for our server (default <repo>/policies)
#   --target H:P      measure an already-running server at H:P instead of
#                     starting ours (loopback only: 127.0.0.0/8, ::1, localhost)
#   --name NAME       label of the summary line (default scriptable, or the target)
#   --ecs SUBNET      add EDNS Client Subnet (e.g. 81.2.69.160/27, 2001:db8::/32)
#                     to every query
#   --clients N       dnsperf clients, i.e. source ports (default 4); with --tcp,
#                     TCP connections, each carrying pipelined queries
#   --tcp             query over TCP (dnsperf -m tcp) instead of UDP
#   --rate QPS        offer at most QPS queries per second (dnsperf -Q) instead of
#                     as many as the server answers: then compare server_cpu
#   --warmup S        unmeasured dnsperf run before the measured one (default 2,
#                     0 = none, capped at 10); lets the .NET JIT settle
#   --wait-idle S     first wait up to S seconds (max 600) for a moment when
#                     the machine is idle (< 10% CPU over 2 s); default 0 = no wait
#   --server-pid PID  with --target: the server's PID for server_cpu (default:
#                     the process holding the UDP port, when /proc allows it)
#   --no-build        skip `dotnet build` (use the existing Release output)
#
# Prints one line on stdout:
#   NAME qps=Q avg_ms=L lost=N server_cpu=S q_per_cpu_s=C [ecs=SUBNET] rcodes=...
# qps and avg_ms come from dnsperf; lost = queries without an answer within
# 2 s; server_cpu = CPU seconds (user+system, all threads) the server used
# during the measured run; q_per_cpu_s = answered queries per server CPU-second.
# dnsperf's raw output goes to artifacts/load/NAME-<time>.log (see tests/load/README.md
# for the query mix and how to read the numbers).
#
# Env: SCRIPTABLE_BIN (run this executable instead of the Release build, no
#      build), DNSPERF_THREADS (1), DNSPERF_OUTSTANDING (100),
#      STARTUP_TIMEOUT (30 s), LOAD_LOG_DIR, LOAD_RUN_DIR.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2; exit "${1:-2}"; }

PORT=5304
DURATION=10
WARMUP=2
POLICIES="$REPO_ROOT/policies"
TARGET=""
NAME=""
ECS=""
CLIENTS=4
TARGET_PID=""
WAIT_IDLE=0
BUILD=1
MODE=udp
RATE=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --port) PORT="${2:?--port needs a value}"; shift 2 ;;
    --duration) DURATION="${2:?--duration needs a value}"; shift 2 ;;
    --policies) POLICIES="${2:?--policies needs a value}"; shift 2 ;;
    --target) TARGET="${2:?--target needs a value}"; shift 2 ;;
    --name) NAME="${2:?--name needs a value}"; shift 2 ;;
    --ecs) ECS="${2:?--ecs needs a value}"; shift 2 ;;
    --clients) CLIENTS="${2:?--clients needs a value}"; shift 2 ;;
    --warmup) WARMUP="${2:?--warmup needs a value}"; shift 2 ;;
    --wait-idle) WAIT_IDLE="${2:?--wait-idle needs a value}"; shift 2 ;;
    --server-pid) TARGET_PID="${2:?--server-pid needs a value}"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --tcp) MODE=tcp; shift ;;
    --rate) RATE="${2:?--rate needs a value}"; shift 2 ;;
    -h|--help) usage 0 ;;
    *) log "unknown argument: $1"; usage ;;
  esac
done

uint PORT --port; uint DURATION --duration; uint WARMUP --warmup; uint CLIENTS --clients
(( PORT >= 1 && PORT <= 65535 )) || die "bad --port $PORT"
(( DURATION >= 1 )) || die "--duration must be at least 1"
(( DURATION <= 60 )) || { log "--duration capped at 60 s"; DURATION=60; }
(( WARMUP <= 10 )) || { log "--warmup capped at 10 s"; WARMUP=10; }
(( CLIENTS >= 1 && CLIENTS <= 256 )) || die "--clients must be 1..256"
uint WAIT_IDLE --wait-idle
uint RATE --rate
(( WAIT_IDLE <= 600 )) || { log "--wait-idle capped at 600 s"; WAIT_IDLE=600; }
THREADS="${DNSPERF_THREADS:-1}"; uint THREADS DNSPERF_THREADS
OUTSTANDING="${DNSPERF_OUTSTANDING:-100}"; uint OUTSTANDING DNSPERF_OUTSTANDING
(( THREADS >= 1 && OUTSTANDING >= 1 )) || die "DNSPERF_THREADS and DNSPERF_OUTSTANDING must be at least 1"
[[ -z "$TARGET_PID" ]] || uint TARGET_PID --server-pid
[[ "$NAME" =~ ^[A-Za-z0-9._-]*$ ]] || die "--name: letters, digits, '.', '_', '-' only"
ECS_HEX=""
[[ -z "$ECS" ]] || ECS_HEX="$(ecs_hex "$ECS")"
need_cmd dnsperf dig awk

if [[ -n "$TARGET" ]]; then
  split_hostport "$TARGET"
  is_loopback "$HP_HOST" || die "refusing non-loopback target '$HP_HOST' (only 127.0.0.0/8 and ::1)"
  HOST="$HP_HOST"; PORT="$HP_PORT"
  [[ -n "$NAME" ]] || NAME="target-$PORT"
else
  HOST=127.0.0.1
  [[ -n "$NAME" ]] || NAME=scriptable
  POLICIES="$(cd "$POLICIES" 2>/dev/null && pwd)" || die "policies folder not found"
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/scriptable-load-run.XXXXXX")"
SERVER_PID=""
PERF_PID=""
exec 3>&2   # the real stderr, for messages from the trap (it may run inside a redirection)
cleanup() {
  exec 2>&3
  if [[ -n "$PERF_PID" ]]; then kill -TERM "$PERF_PID" 2>/dev/null || true; wait "$PERF_PID" 2>/dev/null || true; fi
  if [[ -n "$SERVER_PID" ]]; then scriptable_stop "$PORT" "$SERVER_PID"; SERVER_PID=""; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ------------------------------------------------------------ the query file
# Blocks of 20 queries, interleaved so that any short window has the same mix:
#   6 www.example.com A      (30%)  NOERROR, answer
#   4 static.example.com A   (20%)  NOERROR, answer
#   3 www.example.com AAAA   (15%)  NOERROR, answer
#   2 example.com MX         (10%)  NOERROR, answer
#   3 nxN.example.com A      (15%)  NXDOMAIN (150 different names)
#   2 out of zone            (10%)  REFUSED (www.example.net A, mail.example.org MX)
# 50 blocks = 1000 lines; dnsperf loops over the file for the whole run.
QF="$WORK/queries.txt"
for ((b = 0; b < 50; b++)); do
  n=$((b * 3))
  printf '%s\n' \
    "www.example.com A" "static.example.com A" "nx$((n + 1)).example.com A" \
    "www.example.com AAAA" "www.example.com A" "example.com MX" \
    "static.example.com A" "www.example.com A" "www.example.net A" \
    "nx$((n + 2)).example.com A" "www.example.com AAAA" "www.example.com A" \
    "static.example.com A" "www.example.com A" "nx$((n + 3)).example.com A" \
    "example.com MX" "www.example.com AAAA" "static.example.com A" \
    "www.example.com A" "mail.example.org MX"
done > "$QF"

# ------------------------------------------------------------ the server
if [[ -z "$TARGET" ]]; then
  (( BUILD == 0 )) || [[ -n "${SCRIPTABLE_BIN:-}" ]] || scriptable_build
  scriptable_start "$PORT" "$POLICIES"
  SPID="$SERVER_PID"
else
  wait_dns "$HOST" "$PORT" 5 || die "nothing answers DNS on $HOST:$PORT"
  SPID="$TARGET_PID"
  [[ -n "$SPID" ]] || SPID="$(udp_port_pid "$PORT")"
  [[ -z "$SPID" ]] || proc_alive "$SPID" || die "--server-pid $SPID is not running"
  log "target $HOST:$PORT${SPID:+ (pid $SPID, $(proc_comm "$SPID"))}"
fi
st="$(dns_status "$HOST" "$PORT" static.example.com A)"
[[ "$st" == NOERROR ]] || log "warning: static.example.com A -> '${st:-no answer}', expected NOERROR: is example.com served?"

# ------------------------------------------------------------ dnsperf
mkdir -p "$LOAD_LOG_DIR"
TAG="$NAME-$(date +%Y%m%d-%H%M%S)${ECS:+-ecs}-$MODE"
LOGF="$LOAD_LOG_DIR/$TAG.log"
args=(-s "$HOST" -p "$PORT" -m "$MODE" -d "$QF" -c "$CLIENTS" -T "$THREADS" -q "$OUTSTANDING" -t 2)
[[ -z "$ECS_HEX" ]] || args+=(-E "8:$ECS_HEX")
(( RATE == 0 )) || args+=(-Q "$RATE")

# run_dnsperf SECONDS -> one dnsperf run; its own -l ends it, timeout(1) is a
# safety net. In the background + wait, so that a TERM/INT reaches our trap at
# once (the trap then stops dnsperf and the server).
run_dnsperf() {
  local rc=0
  timeout -k 5 $(($1 + 20)) dnsperf "${args[@]}" -l "$1" &
  PERF_PID=$!
  wait "$PERF_PID" || rc=$?
  PERF_PID=""
  return "$rc"
}

{
  echo "# tests/load/run.sh name=$NAME target=$HOST:$PORT mode=$MODE rate=${RATE/#0/unlimited} duration=$DURATION warmup=$WARMUP clients=$CLIENTS ecs=${ECS:-none}${ECS_HEX:+ ($ECS_HEX)}"
  echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $(uname -srm), $(nproc) CPUs; dnsperf shares them with the server"
} > "$LOGF"
if (( WAIT_IDLE > 0 )); then
  log "$NAME: waiting up to ${WAIT_IDLE} s for an idle machine"
  wait_idle "$WAIT_IDLE" || log "warning: the machine stayed busy; measuring anyway (see other_cpu)"
fi
if (( WARMUP > 0 )); then
  log "$NAME: warm-up ${WARMUP} s"
  { echo "# ---- warm-up (not measured)"; run_dnsperf "$WARMUP"; } >> "$LOGF" 2>&1 \
    || die "dnsperf warm-up failed, see $LOGF"
fi
c0=""
[[ -z "$SPID" ]] || c0="$(cpu_ticks "$SPID")" || c0=""
h0="$(host_busy_ticks)"; times > "$WORK/times0"
log "$NAME: measuring ${DURATION} s against $HOST:$PORT"
{ echo "# ---- measured run"; run_dnsperf "$DURATION"; } > "$WORK/perf.out" 2>&1 \
  || { cat "$WORK/perf.out" >> "$LOGF"; die "dnsperf failed, see $LOGF"; }
c1=""
[[ -z "$c0" ]] || c1="$(cpu_ticks "$SPID")" || c1=""
h1="$(host_busy_ticks)"; times > "$WORK/times1"
p0="$(children_ticks "$WORK/times0")"; p1="$(children_ticks "$WORK/times1")"
cat "$WORK/perf.out" >> "$LOGF"

# ------------------------------------------------------------ summary
P="$WORK/perf.out"
qps="$(awk '/Queries per second:/ { printf "%.0f", $4 }' "$P")"
# the first "Average Latency" is the queries'; TCP runs add one for connecting
avg="$(awk '/Average Latency \(s\):/ && !seen { printf "%.3f", $4 * 1000; seen = 1 }' "$P")"
reconnects="$(awk '/Reconnections:/ { print $2 }' "$P")"
lost="$(awk '/Queries lost:/ { print $3 }' "$P")"
done_q="$(awk '/Queries completed:/ { print $3 }' "$P")"
# "NOERROR 61284 (33.33%), NXDOMAIN 61283 (33.33%)" -> NOERROR:33.3%/NXDOMAIN:33.3%
rcodes="$(sed -n 's/^ *Response codes: *//p' "$P" | tr -d '(),' \
  | awk '{ for (i = 1; i + 2 <= NF; i += 3) { sub(/%$/, "", $(i + 2)); printf "%s%s:%.1f%%", (i > 1 ? "/" : ""), $i, $(i + 2) } }')"
[[ -n "$qps" && -n "$avg" && -n "$lost" ]] || die "could not parse dnsperf output, see $LOGF"

cpu="n/a"; qpc="n/a"
if [[ -n "$c0" && -n "$c1" ]]; then
  cpu="$(ticks_to_s $((c1 - c0)))"
  qpc="$(awk -v q="${done_q:-0}" -v c="$cpu" 'BEGIN { if (c > 0) printf "%.0f", q / c; else print "n/a" }')"
fi
# CPU-seconds of the whole machine during the run, split into the server,
# dnsperf and everything else; other_cpu well above 0 means another workload
# competed for the cores and the figures are not comparable
perf_cpu="$(ticks_to_s $((p1 - p0)))"
other_cpu="n/a"
if [[ "$cpu" != n/a ]]; then
  other_cpu="$(awk -v h="$(ticks_to_s $((h1 - h0)))" -v s="$cpu" -v p="$perf_cpu" 'BEGIN { o = h - s - p; printf "%.2f", (o < 0 ? 0 : o) }')"
fi
EXTRA=""; [[ "$MODE" == udp ]] || EXTRA=" mode=$MODE reconnects=${reconnects:-n/a}"
(( RATE == 0 )) || EXTRA+=" rate=$RATE"
line="$NAME qps=$qps avg_ms=$avg lost=$lost server_cpu=$cpu q_per_cpu_s=$qpc dnsperf_cpu=$perf_cpu other_cpu=$other_cpu${ECS:+ ecs=$ECS}${EXTRA} rcodes=$rcodes"

# the mix answers 75% NOERROR, 15% NXDOMAIN, 10% REFUSED: flag a server that does not
pct() { awk -v r="$rcodes" -v k="$1" 'BEGIN { n = split(r, a, "/"); for (i = 1; i <= n; i++) { split(a[i], kv, ":"); if (kv[1] == k) { sub(/%/, "", kv[2]); print kv[2] + 0; exit } } print 0 }'; }
awk -v a="$(pct NOERROR)" -v b="$(pct NXDOMAIN)" -v c="$(pct REFUSED)" \
  'BEGIN { d = (a > 75 ? a - 75 : 75 - a) + (b > 15 ? b - 15 : 15 - b) + (c > 10 ? c - 10 : 10 - c); exit !(d > 3) }' \
  && log "warning: response codes $rcodes differ from the expected NOERROR 75% / NXDOMAIN 15% / REFUSED 10%"

echo "$line" >> "$LOGF"
if [[ -n "$SERVER_PID" ]]; then scriptable_stop "$PORT" "$SERVER_PID"; SERVER_PID=""; fi
log "dnsperf output: $LOGF"
echo "$line"
