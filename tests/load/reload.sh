#!/usr/bin/env bash
# tests/load/reload.sh - hot reload under load: saves a policy N times while
# dnsperf queries the server, and measures how soon each save is answered.
#
# Usage: tests/load/reload.sh [options]
#   --port P          port for our server on 127.0.0.1 (default 5305)
#   --saves N         policy saves (default 100, at most 10000)
#   --interval-ms MS  time between saves (default 300; 0 = next save as soon as
#                     the previous one is answered)
#   --broken-every K  every K-th save is a syntax error, which must not change
#                     the answer (default 10; 0 = never)
#   --no-load         no dnsperf (for the memory soak: --saves 5000 --interval-ms 0)
#   --geo             replace a geo database instead of a policy: serves a copy of
#                     examples/geo-failover whose _geo/city.mmdb is rewritten each time
#                     (81.2.69.0/24 in Europe, then North America, ...); dnsperf and the
#                     tool send ECS 81.2.69.160/27; a broken save writes garbage
#   --no-build        skip the Release builds
#
# The server serves a copy of <repo>/policies plus example.com/www.csx, which
# the tool rewrites (temporary file renamed over it, as editors save) with a new
# address each time. dnsperf (bounded: the saves' duration + 10 s, at most
# 900 s) queries www.example.com A/AAAA, static.example.com A and an NXDOMAIN
# meanwhile. Prints one line:
#   reload saves=N measured=N missed=N broken_changed_answer=N median_ms=.. p90_ms=.. max_ms=..
#     rss_start_mb=.. rss_end_mb=.. [qps=.. lost=..]
# and exits non-zero if a save was never answered, a broken save changed the
# answer, or dnsperf lost queries.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2; exit "${1:-2}"; }

PORT=5305
SAVES=100
INTERVAL=300
BROKEN=10
LOAD=1
BUILD=1
GEO=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --port) PORT="${2:?--port needs a value}"; shift 2 ;;
    --saves) SAVES="${2:?--saves needs a value}"; shift 2 ;;
    --interval-ms) INTERVAL="${2:?--interval-ms needs a value}"; shift 2 ;;
    --broken-every) BROKEN="${2:?--broken-every needs a value}"; shift 2 ;;
    --no-load) LOAD=0; shift ;;
    --geo) GEO=1; shift ;;
    --no-build) BUILD=0; shift ;;
    -h|--help) usage 0 ;;
    *) log "unknown argument: $1"; usage ;;
  esac
done
uint PORT --port; uint SAVES --saves; uint INTERVAL --interval-ms; uint BROKEN --broken-every
(( SAVES >= 1 && SAVES <= 10000 )) || die "--saves must be 1..10000"
(( INTERVAL <= 10000 )) || die "--interval-ms must be at most 10000"
need_cmd dig awk
(( LOAD == 0 )) || need_cmd dnsperf

BENCH_OUT="$REPO_ROOT/tests/Scriptable.Benchmarks/bin/Release/net10.0/Scriptable.Benchmarks.dll"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/scriptable-reload.XXXXXX")"
SERVER_PID=""
PERF_PID=""
cleanup() {
  if [[ -n "$PERF_PID" ]]; then kill -TERM "$PERF_PID" 2>/dev/null || true; wait "$PERF_PID" 2>/dev/null || true; fi
  if [[ -n "$SERVER_PID" ]]; then scriptable_stop "$PORT" "$SERVER_PID"; SERVER_PID=""; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if (( BUILD )); then
  scriptable_build
  log "building tests/Scriptable.Benchmarks (Release)"
  (cd "$REPO_ROOT" && dotnet build tests/Scriptable.Benchmarks -c Release) >> "$LOAD_LOG_DIR/build.log" 2>&1 \
    || die "build failed, see $LOAD_LOG_DIR/build.log"
fi
[[ -f "$BENCH_OUT" ]] || die "no $BENCH_OUT (drop --no-build)"

if (( GEO )); then
  cp -r "$REPO_ROOT/examples/geo-failover" "$WORK/policies"
  mkdir -p "$WORK/policies/_geo"
  POLICY="$WORK/policies/_geo/city.mmdb"
  TOOL_MODE=(--geo)
  ECS_ARGS=(-E "8:$(ecs_hex 81.2.69.160/27)")
else
  cp -r "$REPO_ROOT/policies" "$WORK/policies"
  rm -rf "$WORK/policies/_geo"
  POLICY="$WORK/policies/example.com/www.csx"
  printf 'return Answer.Address("198.18.0.0").WithTtl(1);\n' > "$POLICY"
  TOOL_MODE=()
  ECS_ARGS=()
fi
scriptable_start "$PORT" "$WORK/policies"

if (( LOAD )); then
  for ((i = 1; i <= 50; i++)); do
    printf '%s\n' "www.example.com A" "www.example.com A" "static.example.com A" "www.example.com AAAA" "nx$i.example.com A"
  done > "$WORK/queries.txt"
  seconds=$(( (SAVES * (INTERVAL + 50)) / 1000 + 10 ))
  (( seconds <= 900 )) || seconds=900
  mkdir -p "$LOAD_LOG_DIR"
  PERF_LOG="$LOAD_LOG_DIR/reload-$(date +%Y%m%d-%H%M%S).log"
  log "dnsperf for up to ${seconds} s, log $PERF_LOG"
  timeout -k 5 $((seconds + 20)) dnsperf -s 127.0.0.1 -p "$PORT" -d "$WORK/queries.txt" -c 4 -q 50 -t 2 -l "$seconds" "${ECS_ARGS[@]}" > "$PERF_LOG" 2>&1 &
  PERF_PID=$!
  sleep 1
fi

log "saving $POLICY $SAVES times (every ${INTERVAL} ms, every ${BROKEN}th broken)"
rc=0
line="$(dotnet "$BENCH_OUT" reload --server "127.0.0.1:$PORT" --file "$POLICY" --name www.example.com \
  --saves "$SAVES" --interval-ms "$INTERVAL" --broken-every "$BROKEN" --pid "$SERVER_PID" "${TOOL_MODE[@]}")" || rc=$?

if [[ -n "$PERF_PID" ]]; then
  # dnsperf ran for a fixed time: stop it now, it prints its summary on SIGINT
  kill -INT "$PERF_PID" 2>/dev/null || true
  wait "$PERF_PID" 2>/dev/null || true
  PERF_PID=""
  qps="$(awk '/Queries per second:/ { printf "%.0f", $4 }' "$PERF_LOG")"
  lost="$(awk '/Queries lost:/ { print $3 }' "$PERF_LOG")"
  line="$line qps=${qps:-?} lost=${lost:-?}"
  [[ "${lost:-1}" == 0 ]] || rc=1
fi
echo "$line"
exit "$rc"
