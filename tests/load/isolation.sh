#!/usr/bin/env bash
# tests/load/isolation.sh - what running policies in worker processes costs:
# the same policies folder served twice, in process and with
# Policy:Isolation=Process, measured in turn with the same mix.
#
# Usage: tests/load/isolation.sh [options] [-- run.sh options]
#   --rounds N       interleaved rounds (default 3, capped at 10); the order
#                    alternates between rounds
#   --duration S     measured seconds per run (default 10, capped at 60)
#   --port P         the in-process server's port on 127.0.0.1 (default 5341);
#                    the isolated one listens on P+1
#   --policies DIR   policies folder (default <repo>/policies, where
#                    www.example.com is a geo policy: 45% of the mix)
#   --no-build       do not run `dotnet build` first
#   after --: passed to every run.sh (e.g. --ecs 81.2.69.160/27, --rate 20000)
#
# Prints run.sh's line per run with worker_cpu= added (CPU-seconds of the
# isolated server's worker processes during the run: server_cpu counts the
# server process only). Stops both servers at the end, also on Ctrl-C.
# Worst case: 10 rounds x 2 x (60 + 10) s, plus two starts (at most 180 s each).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2; exit "${1:-2}"; }

ROUNDS=3
DURATION=10
PORT=5341
POLICIES="$REPO_ROOT/policies"
BUILD=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) ROUNDS="${2:?--rounds needs a value}"; shift 2 ;;
    --duration) DURATION="${2:?--duration needs a value}"; shift 2 ;;
    --port) PORT="${2:?--port needs a value}"; shift 2 ;;
    --policies) POLICIES="${2:?--policies needs a value}"; shift 2 ;;
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

(( BUILD == 0 )) || [[ -n "${SCRIPTABLE_BIN:-}" ]] || scriptable_build
export STARTUP_TIMEOUT=180 SCRIPTABLE_Admin__Listen=off
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do stop_pid "$p" scriptable || true; done; }
trap cleanup EXIT INT TERM

scriptable_start "$PORT" "$POLICIES"; PIDS+=("$SERVER_PID"); IN_PID=$SERVER_PID
SCRIPTABLE_Policy__Isolation=Process scriptable_start "$((PORT + 1))" "$POLICIES"; PIDS+=("$SERVER_PID"); ISO_PID=$SERVER_PID

# worker_ticks PID -> CPU clock ticks of PID's policy worker processes
worker_ticks() {
  local t=0 c w
  for w in $(pgrep -P "$1" -f __policy-worker || true); do
    c="$(cpu_ticks "$w")" && t=$((t + c))
  done
  echo "$t"
}

run_one() {
  local name="$1" port="$2" pid="$3" before after line
  shift 3
  before="$(worker_ticks "$pid")"
  line="$("$LOAD_DIR/run.sh" --target "127.0.0.1:$port" --server-pid "$pid" --name "$name" \
    --duration "$DURATION" --no-build "$@" | tail -n1)"
  after="$(worker_ticks "$pid")"
  echo "$line worker_cpu=$(ticks_to_s $((after - before)))"
}

for r in $(seq "$ROUNDS"); do
  if (( r % 2 )); then
    run_one in-process "$PORT" "$IN_PID" "$@"
    run_one isolated "$((PORT + 1))" "$ISO_PID" "$@"
  else
    run_one isolated "$((PORT + 1))" "$ISO_PID" "$@"
    run_one in-process "$PORT" "$IN_PID" "$@"
  fi
done
