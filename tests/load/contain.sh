#!/usr/bin/env bash
# tests/load/contain.sh - does a bad policy starve the other names? dnsperf
# measures the usual mix (run.sh) while a paced client asks one bad policy at
# 500 queries per second, for each kind of bad policy, against a baseline where
# the paced client asks a cheap policy instead. The server must stay up and the
# other names keep >= 0.9x of their baseline QPS.
#
# Usage: tests/load/contain.sh [options]
#   --port P          port for our server on 127.0.0.1 (default 5306)
#   --duration S      seconds per measured run (default 10, at most 60)
#   --rounds N        baseline/bad pairs per kind, order alternating (default 3, at most 5)
#   --kinds LIST      comma-separated, from: loop,recursion,memory,framework,busy
#                     (default: all five)
#   --bad-qps Q       the paced client's rate (default 500, at most 5000)
#   --wait-idle S     before each run, wait up to S s for an idle machine (run.sh)
#   --no-build        use the Release build as it is
#
# The kinds (each is example.com/bad.csx, bad.example.com, fallback servfail):
#   loop       while (true) { }                         stopped by its time budget
#   recursion  unbounded recursion                      stopped by its stack budget
#   memory     allocates 1 MB at a time forever         stopped by its memory budget
#   framework  the text of 30,000 nested tuples (about 10 s of CPU copying ever
#              longer strings inside the framework: no budget check runs and no
#              guard counts it); the watchdog finds the loop stuck
#   busy       about 9 ms of work per query (calibrated at start), under a
#              20 ms budget so that even on a busy machine its budget never
#              stops it: only its CPU share does
# A fresh server serves each kind (a copy of policies/ plus bad.csx and a cheap
# ctl.csx); the baseline's paced client asks ctl.example.com instead. The server
# runs without trials (Policy:Trial:Enabled=false): a trial would reject each
# of these versions before it served, and this measures a bad version that
# got past one (a question no trial asked).
#
# Prints one line per run, then per kind: the medians, the ratio, whether the
# server stayed up, and the server's containment counters (benches, stuck runs).
# Raw dnsperf output: artifacts/load/contain-*.log. Everything on 127.0.0.1,
# every client bounded by -l and timeout(1).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2; exit "${1:-2}"; }

PORT=5306
DURATION=10
ROUNDS=3
KINDS="loop,recursion,memory,framework,busy"
BAD_QPS=500
WAIT_IDLE=0
BUILD=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --port) PORT="${2:?--port needs a value}"; shift 2 ;;
    --duration) DURATION="${2:?--duration needs a value}"; shift 2 ;;
    --rounds) ROUNDS="${2:?--rounds needs a value}"; shift 2 ;;
    --kinds) KINDS="${2:?--kinds needs a value}"; shift 2 ;;
    --bad-qps) BAD_QPS="${2:?--bad-qps needs a value}"; shift 2 ;;
    --wait-idle) WAIT_IDLE="${2:?--wait-idle needs a value}"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    -h|--help) usage 0 ;;
    *) log "unknown argument: $1"; usage ;;
  esac
done
uint PORT --port; uint DURATION --duration; uint ROUNDS --rounds; uint BAD_QPS --bad-qps; uint WAIT_IDLE --wait-idle
(( DURATION >= 1 && DURATION <= 60 )) || die "--duration must be 1..60"
(( ROUNDS >= 1 && ROUNDS <= 5 )) || die "--rounds must be 1..5"
(( BAD_QPS >= 1 && BAD_QPS <= 5000 )) || die "--bad-qps must be 1..5000"
need_cmd dnsperf dig awk

WORK="$(mktemp -d "${TMPDIR:-/tmp}/scriptable-contain.XXXXXX")"
SERVER_PID=""
PACED_PID=""
cleanup() {
  if [[ -n "$PACED_PID" ]]; then kill -TERM "$PACED_PID" 2>/dev/null || true; wait "$PACED_PID" 2>/dev/null || true; fi
  if [[ -n "$SERVER_PID" ]]; then scriptable_stop "$PORT" "$SERVER_PID"; SERVER_PID=""; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

(( BUILD == 0 )) || [[ -n "${SCRIPTABLE_BIN:-}" ]] || scriptable_build
mkdir -p "$LOAD_LOG_DIR"
STAMP="$(date +%Y%m%d-%H%M%S)"

bad_policy() {
  local body
  case "$1" in
    loop) body='while (true) { }' ;;
    recursion) body=$'int Down(int n) => Down(n + 1) + 1;\nreturn Answer.Address($"192.0.2.{Down(0) & 0x7f}");' ;;
    memory) body=$'var list = new List<byte[]>();\nwhile (true) list.Add(new byte[1_000_000]);' ;;
    framework) body=$'static readonly object Nest = Build();\nstatic object Build() { object t = 1; for (var i = 0; i < 30_000; i++) t = (t, 1); return t; }\nreturn Answer.Address($"192.0.2.{Nest.ToString()!.Length & 0x7f}");' ;;
    busy) body=$'// scriptable: time='"${3:-20ms}"$'\nlong x = 0;\nfor (var i = 0; i < '"$2"$'; i++) { x += (i * 7) % 13; }\nreturn Answer.Address($"192.0.2.{x & 0x7f}");' ;;
    *) die "unknown kind '$1' (loop, recursion, memory, framework, busy)" ;;
  esac
  printf '// scriptable: fallback=servfail\n%s\n' "$body"
}

# start_server KIND ITERATIONS [BUDGET]: a fresh copy of policies/ with bad.csx and ctl.csx, and its own state directory
start_server() {
  rm -rf "$WORK/policies" "$WORK/state"
  cp -r "$REPO_ROOT/policies" "$WORK/policies"
  bad_policy "$1" "$2" "${3:-}" > "$WORK/policies/example.com/bad.csx"
  printf 'return Answer.Address("192.0.2.44");\n' > "$WORK/policies/example.com/ctl.csx"
  # No trial: it would reject every kind here before it serves; this measures what slips past one.
  SCRIPTABLE_StateDirectory="$WORK/state" SCRIPTABLE_Admin__Listen=off SCRIPTABLE_Policy__Trial__Enabled=false \
    scriptable_start "$PORT" "$WORK/policies"
}

# query_ms NAME -> median of dig's query time over 9 queries answered NOERROR with an answer, in ms (0: none was)
query_ms() {
  local i
  for ((i = 0; i < 9; i++)); do
    { dig +tries=1 +time=2 +norecurse @127.0.0.1 -p "$PORT" "$1" A 2>/dev/null || true; } \
      | awk '/status: NOERROR/ { ok = 1 } /ANSWER: [1-9]/ { answer = 1 } /Query time:/ { ms = $4 } END { if (ok && answer) print ms }'
  done | sort -n | awk '{ a[NR] = $1 } END { print (NR ? a[int((NR + 1) / 2)] : 0) }'
}

# calibrate: sets ITER to the busy loop's iterations that take about 9 ms here (measured under a 1 s budget)
calibrate() {
  local n=4000000 ms i
  for ((i = 0; i < 5; i++)); do
    start_server busy "$n" 1s
    query_ms ctl.example.com >/dev/null
    ms="$(query_ms bad.example.com)"
    scriptable_stop "$PORT" "$SERVER_PID"; SERVER_PID=""
    log "busy: $n iterations -> ${ms} ms per query"
    (( ms > 0 )) || die "busy: no answer from the calibration policy"
    ITER="$n"
    if (( ms >= 8 && ms <= 10 )); then break; fi
    n=$(( n * 9 / ms ))
  done
}

# measure KIND PHASE TARGET ROUND -> one line; TARGET is the name the paced client asks
measure() {
  local kind="$1" phase="$2" target="$3" round="$4" log_file line paced qps alive
  log_file="$LOAD_LOG_DIR/contain-$STAMP-$kind-$phase-$round.log"
  printf '%s A\n' "$target" > "$WORK/paced.txt"
  timeout -k 5 $((DURATION + 25)) dnsperf -s 127.0.0.1 -p "$PORT" -d "$WORK/paced.txt" -Q "$BAD_QPS" -q 2000 -t 1 -c 1 -l $((DURATION + 6)) \
    > "$WORK/paced.out" 2>&1 &
  PACED_PID=$!
  sleep 1
  line="$("$LOAD_DIR/run.sh" --target "127.0.0.1:$PORT" --server-pid "$SERVER_PID" --name "$kind-$phase" --duration "$DURATION" --warmup 2 --wait-idle "$WAIT_IDLE" 2>>"$log_file")" || line=""
  wait "$PACED_PID" 2>/dev/null || true
  PACED_PID=""
  cat "$WORK/paced.out" >> "$log_file"
  qps="$(awk '/qps=/ { for (i = 1; i <= NF; i++) if ($i ~ /^qps=/) { sub(/qps=/, "", $i); print $i } }' <<<"$line")"
  paced="$(awk '/Queries sent:/ { s = $3 } /Queries completed:/ { c = $3 } END { printf "sent=%s answered=%s", s, c }' "$WORK/paced.out")"
  alive=no
  dns_answers 127.0.0.1 "$PORT" && alive=yes
  echo "$kind phase=$phase round=$round good_qps=${qps:-0} paced_$paced server_up=$alive | $line"
}

counters() {
  local stats
  stats="$(grep -E 'benched|stuck|used more than its share|quarantined' "$LOAD_RUN_DIR/scriptable-$PORT.log" | sed 's/^[0-9:. ]*//' | cut -c1-160 | sort | uniq -c | sort -rn | head -5)"
  printf '%s\n' "$stats" | sed 's/^/    /'
}

ITER=0
IFS=, read -r -a kinds <<<"$KINDS"
for kind in "${kinds[@]}"; do
  bad_policy "$kind" 1 >/dev/null
  if [[ "$kind" == busy && "$ITER" == 0 ]]; then calibrate; fi
done

RESULTS="$WORK/results.txt"
: > "$RESULTS"
for kind in "${kinds[@]}"; do
  start_server "$kind" "$ITER"
  query_ms bad.example.com >/dev/null
  for ((r = 1; r <= ROUNDS; r++)); do
    if (( r % 2 == 1 )); then order=(baseline bad); else order=(bad baseline); fi
    for phase in "${order[@]}"; do
      target=ctl.example.com
      [[ "$phase" == bad ]] && target=bad.example.com
      result="$(measure "$kind" "$phase" "$target" "$r")"
      echo "$result"
      echo "$result" >> "$RESULTS"
    done
  done
  log "$kind: what the server logged (counts of distinct lines):"
  counters >&2
  up=no; dns_answers 127.0.0.1 "$PORT" && proc_alive "$SERVER_PID" && up=yes
  scriptable_stop "$PORT" "$SERVER_PID"; SERVER_PID=""
  awk -v k="$kind" -v up="$up" -v it="$ITER" '
    $1 == k { split($2, p, "="); split($4, q, "="); ph = p[2]; v[ph, ++n[ph]] = q[2] + 0 }
    function median(ph,   m, i, j, t, a) {
      m = n[ph]; for (i = 1; i <= m; i++) a[i] = v[ph, i]
      for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[i] > a[j]) { t = a[i]; a[i] = a[j]; a[j] = t }
      return m == 0 ? 0 : (m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2) }
    END {
      b = median("baseline"); d = median("bad")
      printf "SUMMARY %s baseline_qps=%d with_bad_qps=%d ratio=%.2f server_up=%s%s\n", k, b, d, (b > 0 ? d / b : 0), up, (k == "busy" ? " busy_iterations=" it : "") }' "$RESULTS"
done
