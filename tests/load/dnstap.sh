#!/usr/bin/env bash
# tests/load/dnstap.sh - what dnstap costs: the same policies folder served
# twice, without dnstap and with dnstap to a Frame Streams reader
# (fstrm_capture on a unix socket, writing /dev/null), measured in turn with
# the same mix.
#
# Usage: tests/load/dnstap.sh [options] [-- run.sh options]
#   --rounds N       interleaved rounds (default 3, capped at 10); the order
#                    alternates between rounds
#   --duration S     measured seconds per run (default 10, capped at 60)
#   --port P         the server without dnstap on 127.0.0.1 (default 5351);
#                    the one with dnstap listens on P+1
#   --policies DIR   policies folder (default <repo>/policies)
#   --stalled        the reader is stopped (SIGSTOP) after the handshake: the
#                    queue fills and queries are dropped from dnstap, counted
#   --querylog FILE  the dnstap server also writes the query log to FILE
#   --no-build       do not run `dotnet build` first
#   after --: passed to every run.sh (e.g. --ecs 81.2.69.160/27)
#
# Prints run.sh's line per run, with reader_cpu= (CPU-seconds of fstrm_capture
# during the run) on the dnstap runs, then the medians and the ratio on/off.
# Stops both servers and the reader at the end, also on Ctrl-C.
# Worst case: 10 rounds x 2 x (60 + 10) s, plus two starts (at most 180 s each).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2; exit "${1:-2}"; }

ROUNDS=3
DURATION=10
PORT=5351
POLICIES="$REPO_ROOT/policies"
BUILD=1
STALLED=0
QUERYLOG=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) ROUNDS="${2:?--rounds needs a value}"; shift 2 ;;
    --duration) DURATION="${2:?--duration needs a value}"; shift 2 ;;
    --port) PORT="${2:?--port needs a value}"; shift 2 ;;
    --policies) POLICIES="${2:?--policies needs a value}"; shift 2 ;;
    --stalled) STALLED=1; shift ;;
    --querylog) QUERYLOG="${2:?--querylog needs a file}"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --) shift; break ;;
    -h|--help) usage 0 ;;
    *) log "unknown argument: $1"; usage ;;
  esac
done
uint ROUNDS --rounds; uint DURATION --duration; uint PORT --port
(( PORT >= 1 && PORT <= 65534 )) || die "bad port"
(( ROUNDS >= 1 && ROUNDS <= 10 )) || die "--rounds must be 1 to 10"
(( DURATION >= 1 && DURATION <= 60 )) || die "--duration must be 1 to 60"
need_cmd fstrm_capture

(( BUILD == 0 )) || [[ -n "${SCRIPTABLE_BIN:-}" ]] || scriptable_build
export STARTUP_TIMEOUT=180 SCRIPTABLE_Admin__Listen=off
mkdir -p "$LOAD_RUN_DIR"
SOCKET="$LOAD_RUN_DIR/dnstap-$((PORT + 1)).sock"
PIDS=()
READER_PID=""
cleanup() {
  if [[ -n "$READER_PID" ]]; then kill -CONT "$READER_PID" 2>/dev/null || true; stop_pid "$READER_PID" fstrm_capture || true; fi
  for p in "${PIDS[@]}"; do stop_pid "$p" scriptable || true; done
  rm -f "$SOCKET"
}
trap cleanup EXIT INT TERM

rm -f "$SOCKET"
fstrm_capture -t protobuf:dnstap.Dnstap -u "$SOCKET" -w /dev/null > "$LOAD_RUN_DIR/fstrm_capture.log" 2>&1 < /dev/null &
READER_PID=$!
for _ in $(seq 100); do [[ -S "$SOCKET" ]] && break; sleep 0.05; done
[[ -S "$SOCKET" ]] || die "fstrm_capture did not open $SOCKET (log $LOAD_RUN_DIR/fstrm_capture.log)"

scriptable_start "$PORT" "$POLICIES"; PIDS+=("$SERVER_PID"); OFF_PID=$SERVER_PID
if [[ -n "$QUERYLOG" ]]; then export SCRIPTABLE_QueryLog__Enabled=true SCRIPTABLE_QueryLog__Output="$QUERYLOG"; fi
SCRIPTABLE_Dnstap__Socket="unix:$SOCKET" scriptable_start "$((PORT + 1))" "$POLICIES"; PIDS+=("$SERVER_PID"); ON_PID=$SERVER_PID
unset SCRIPTABLE_QueryLog__Enabled SCRIPTABLE_QueryLog__Output
for _ in $(seq 100); do grep -q "dnstap: sending to" "$LOAD_RUN_DIR/scriptable-$((PORT + 1)).log" && break; sleep 0.05; done
grep -q "dnstap: sending to" "$LOAD_RUN_DIR/scriptable-$((PORT + 1)).log" || die "the dnstap server did not connect to $SOCKET"
if (( STALLED )); then
  kill -STOP "$READER_PID"
  log "fstrm_capture stopped (SIGSTOP): dnstap's queue fills, queries are dropped from it and counted"
fi

QPS_OFF=()
QPS_ON=()
run_one() {
  local name="$1" port="$2" pid="$3" before after line qps
  shift 3
  before="$(cpu_ticks "$READER_PID" || echo 0)"
  line="$("$LOAD_DIR/run.sh" --target "127.0.0.1:$port" --server-pid "$pid" --name "$name" \
    --duration "$DURATION" --no-build "$@" | tail -n1)"
  after="$(cpu_ticks "$READER_PID" || echo 0)"
  qps="$(sed -n 's/.*qps=\([0-9.]*\).*/\1/p' <<<"$line")"
  if [[ "$name" == dnstap-off ]]; then QPS_OFF+=("$qps"); echo "$line"; else QPS_ON+=("$qps"); echo "$line reader_cpu=$(ticks_to_s $((after - before)))"; fi
}

for r in $(seq "$ROUNDS"); do
  if (( r % 2 )); then
    run_one dnstap-off "$PORT" "$OFF_PID" "$@"
    run_one dnstap-on "$((PORT + 1))" "$ON_PID" "$@"
  else
    run_one dnstap-on "$((PORT + 1))" "$ON_PID" "$@"
    run_one dnstap-off "$PORT" "$OFF_PID" "$@"
  fi
done

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
off="$(median "${QPS_OFF[@]}")"
on="$(median "${QPS_ON[@]}")"
echo "median qps: off=$off on=$on ratio=$(awk -v a="$on" -v b="$off" 'BEGIN { printf "%.2f", a / b }')x$( (( STALLED )) && echo " (reader stalled)")"
