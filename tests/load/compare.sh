#!/usr/bin/env bash
# tests/load/compare.sh - side-by-side load figure: knotd vs Scriptable.
#
# Usage: tests/load/compare.sh [options]
#   --duration S     measured seconds per run (default 10, capped at 60)
#   --rounds N       interleaved rounds (default 3, capped at 10); the order
#                    alternates (knotd first in odd rounds, Scriptable first in
#                    even ones) so neither always runs on a "warmer" machine
#   --port P         our server's port on 127.0.0.1 (default 5304)
#   --knot-port P    knotd's port on 127.0.0.1 (default 5303)
#   --policies DIR   policies folder for our server (default <repo>/policies)
#   --ecs SUBNET     EDNS Client Subnet on every query (see run.sh)
#   --clients N      dnsperf clients (default 4)
#   --warmup S       unmeasured seconds before each run (default 2)
#   --wait-idle S    before each run, wait up to S s for an idle machine (run.sh)
#   --no-build       do not run `dotnet build` first
#
# Starts knotd (tests/load/knot.sh; an already running one on that port is
# reused and left running) and our server once, runs tests/load/run.sh
# --target against each in turn, prints both summary lines per round, then the
# medians and the ratios Scriptable/knotd of the median qps and of the median
# queries per server CPU-second. Stops what it started, also on Ctrl-C.
# Worst case: 10 rounds x 2 x (60 + 10 + wait-idle) s.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2; exit "${1:-2}"; }

DURATION=10
ROUNDS=3
PORT=5304
KNOT_PORT=5303
POLICIES="$REPO_ROOT/policies"
ECS=""
CLIENTS=4
WARMUP=2
WAIT_IDLE=0
BUILD=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --duration) DURATION="${2:?--duration needs a value}"; shift 2 ;;
    --rounds) ROUNDS="${2:?--rounds needs a value}"; shift 2 ;;
    --port) PORT="${2:?--port needs a value}"; shift 2 ;;
    --knot-port) KNOT_PORT="${2:?--knot-port needs a value}"; shift 2 ;;
    --policies) POLICIES="${2:?--policies needs a value}"; shift 2 ;;
    --ecs) ECS="${2:?--ecs needs a value}"; shift 2 ;;
    --clients) CLIENTS="${2:?--clients needs a value}"; shift 2 ;;
    --warmup) WARMUP="${2:?--warmup needs a value}"; shift 2 ;;
    --wait-idle) WAIT_IDLE="${2:?--wait-idle needs a value}"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    -h|--help) usage 0 ;;
    *) log "unknown argument: $1"; usage ;;
  esac
done
uint DURATION --duration; uint ROUNDS --rounds; uint PORT --port
uint KNOT_PORT --knot-port; uint CLIENTS --clients; uint WARMUP --warmup; uint WAIT_IDLE --wait-idle
(( PORT >= 1 && PORT <= 65535 && KNOT_PORT >= 1 && KNOT_PORT <= 65535 )) || die "bad port"
(( DURATION >= 1 )) || die "--duration must be at least 1"
(( DURATION <= 60 )) || { log "--duration capped at 60 s"; DURATION=60; }
(( ROUNDS >= 1 )) || die "--rounds must be at least 1"
(( ROUNDS <= 10 )) || { log "--rounds capped at 10"; ROUNDS=10; }
(( PORT != KNOT_PORT )) || die "--port and --knot-port must differ"
[[ -z "$ECS" ]] || ecs_hex "$ECS" > /dev/null   # validate before starting anything
POLICIES="$(cd "$POLICIES" 2>/dev/null && pwd)" || die "policies folder not found"
need_cmd dnsperf dig knotd

KNOT_SH="$LOAD_DIR/knot.sh"
RUN_SH="$LOAD_DIR/run.sh"
STOP_KNOT=0
SERVER_PID=""
exec 3>&2
cleanup() {
  exec 2>&3
  if [[ -n "$SERVER_PID" ]]; then scriptable_stop "$PORT" "$SERVER_PID"; SERVER_PID=""; fi
  if (( STOP_KNOT )); then "$KNOT_SH" stop "$KNOT_PORT" || true; STOP_KNOT=0; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ------------------------------------------------------------ servers
if KNOT_PID="$("$KNOT_SH" status "$KNOT_PORT" 2>/dev/null)"; then
  log "reusing the knotd already running on port $KNOT_PORT (pid $KNOT_PID)"
else
  STOP_KNOT=1
  "$KNOT_SH" start "$KNOT_PORT"
  KNOT_PID="$("$KNOT_SH" status "$KNOT_PORT")"
fi
(( BUILD == 0 )) || [[ -n "${SCRIPTABLE_BIN:-}" ]] || scriptable_build
scriptable_start "$PORT" "$POLICIES"

# ------------------------------------------------------------ rounds
common=(--duration "$DURATION" --warmup "$WARMUP" --clients "$CLIENTS" --wait-idle "$WAIT_IDLE")
[[ -z "$ECS" ]] || common+=(--ecs "$ECS")
RESULTS="$(mktemp "${TMPDIR:-/tmp}/scriptable-compare.XXXXXX")"
trap 'rm -f "$RESULTS"; cleanup' EXIT

measure() { # NAME PORT PID
  local line
  line="$("$RUN_SH" --target "127.0.0.1:$2" --name "$1" --server-pid "$3" "${common[@]}")" \
    || die "run against $1 failed"
  printf '%s\n' "$line" >> "$RESULTS"
  printf 'round %d/%d: %s\n' "$r" "$ROUNDS" "$line"
}
for ((r = 1; r <= ROUNDS; r++)); do
  if (( r % 2 == 1 )); then
    measure knotd "$KNOT_PORT" "$KNOT_PID"
    measure scriptable "$PORT" "$SERVER_PID"
  else
    measure scriptable "$PORT" "$SERVER_PID"
    measure knotd "$KNOT_PORT" "$KNOT_PID"
  fi
done

# ------------------------------------------------------------ medians
# median NAME FIELD FORMAT -> median of FIELD=value over NAME's lines ("n/a" if none)
median() {
  awk -v n="$1" -v f="$2" '$1 == n { for (i = 2; i <= NF; i++) if (index($i, f "=") == 1) { v = substr($i, length(f) + 2); if (v != "n/a") print v } }' "$RESULTS" \
    | sort -g | awk -v fmt="$3" '{ a[NR] = $1 }
        END { if (NR == 0) print "n/a"; else printf fmt "\n", (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "n/a" || b == "n/a" || b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'; }
kq="$(median knotd qps %.0f)"; sq="$(median scriptable qps %.0f)"
kc="$(median knotd q_per_cpu_s %.0f)"; sc="$(median scriptable q_per_cpu_s %.0f)"
ka="$(median knotd avg_ms %.3f)"; sa="$(median scriptable avg_ms %.3f)"
echo "median ($ROUNDS rounds x ${DURATION} s${ECS:+, ecs $ECS}): knotd qps=$kq avg_ms=$ka q_per_cpu_s=$kc"
echo "median ($ROUNDS rounds x ${DURATION} s${ECS:+, ecs $ECS}): scriptable qps=$sq avg_ms=$sa q_per_cpu_s=$sc"
echo "ratio scriptable/knotd: qps=$(ratio "$sq" "$kq") q_per_cpu_s=$(ratio "$sc" "$kc")"
# runs where something else used more than 5% of the machine's CPU time
busy="$(awk -v lim="$(awk -v d="$DURATION" -v n="$(nproc)" 'BEGIN { print 0.05 * d * n }')" \
  '{ for (i = 2; i <= NF; i++) if (index($i, "other_cpu=") == 1 && substr($i, 11) + 0 > lim) c++ } END { print c + 0 }' "$RESULTS")"
(( busy == 0 )) || log "note: $busy of $((2 * ROUNDS)) runs shared the machine with another workload (other_cpu): compare with care (--wait-idle S waits for a quiet machine)"
