#!/usr/bin/env bash
# tests/load/lib.sh - helpers shared by run.sh, knot.sh and compare.sh.
# Sourced, not run:  . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#
# Everything stays on loopback. Run-time files (generated configs, pidfiles,
# server logs) go to $LOAD_RUN_DIR (default ${TMPDIR:-/tmp}/scriptable-load);
# dnsperf logs go to $LOAD_LOG_DIR (default <repo>/artifacts/load).

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  echo "lib.sh is a library: source it from the other tests/load scripts" >&2
  exit 2
fi

LOAD_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$LOAD_DIR/../.." && pwd)"
LOAD_RUN_DIR="${LOAD_RUN_DIR:-${TMPDIR:-/tmp}/scriptable-load}"
LOAD_LOG_DIR="${LOAD_LOG_DIR:-$REPO_ROOT/artifacts/load}"
# knotd lives in /usr/sbin, which is not on every user's PATH.
PATH="$PATH:/usr/sbin:/sbin"

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

need_cmd() {
  local c
  for c in "$@"; do
    command -v "$c" >/dev/null 2>&1 || die "'$c' not found: run scripts/setup.sh"
  done
}

# uint VAR LABEL -> dies unless $VAR is a plain non-negative integer, then
# normalises it to base 10 (so "08" is 8, not an invalid octal number)
uint() {
  local -n ref="$1"
  [[ "$ref" =~ ^[0-9]{1,9}$ ]] || die "$2 must be a non-negative integer (got '$ref')"
  ref=$((10#$ref))
}

# ---------------------------------------------------------------- processes

# proc_alive PID -> 0 when PID exists and is not a zombie. Daemons started in
# the background may be reparented to PID 1, which can reap them late.
proc_alive() {
  local st
  [[ "$1" =~ ^[0-9]+$ ]] || return 1
  st="$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null)" || return 1
  [[ -n "$st" && "${st:0:1}" != Z && "${st:0:1}" != X ]]
}

# proc_comm PID -> the process name (/proc/PID/comm), empty when gone
proc_comm() { cat "/proc/$1/comm" 2>/dev/null || true; }

# proc_cmdline PID -> the command line, arguments separated by spaces
proc_cmdline() { tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null || true; }

# cpu_ticks PID -> utime+stime of the whole process (all threads), in clock
# ticks; fields 14 and 15 of /proc/PID/stat, counted after the "(comm)" field
# because comm may contain spaces.
cpu_ticks() {
  local rest
  rest="$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null)" || return 1
  [[ -n "$rest" ]] || return 1
  # after "comm) " the fields start at 3 (state): utime is the 12th, stime the 13th
  awk '{ print $12 + $13 }' <<<"$rest"
}

# host_busy_ticks -> busy clock ticks of all CPUs since boot (/proc/stat:
# user + nice + system + irq + softirq + steal)
host_busy_ticks() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }

# children_ticks FILE -> user+system CPU of the shell's waited-for children
# (and theirs), in clock ticks, from the output of the `times` builtin saved in
# FILE (`times` must run in the shell itself: in $(...) it would report the
# subshell's children)
children_ticks() {
  local t
  t="$(tail -n1 "$1")"   # "0m1.234s 0m0.567s"
  awk -v t="$t" -v hz="$(getconf CLK_TCK)" 'BEGIN {
    n = split(t, a, " "); s = 0
    for (i = 1; i <= n; i++) { split(a[i], ms, "m"); sub(/s$/, "", ms[2]); s += ms[1] * 60 + ms[2] }
    printf "%.0f\n", s * hz }'
}

# wait_idle MAX_S -> waits at most MAX_S seconds for a 2 s window in which the
# machine's CPUs were less than 10% busy; 0 when one was seen, 1 otherwise
wait_idle() {
  local deadline=$((SECONDS + $1)) a b
  while :; do
    a="$(awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9; exit }' /proc/stat)"
    sleep 2
    b="$(awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9; exit }' /proc/stat)"
    awk -v a="$a" -v b="$b" 'BEGIN { split(a, x, " "); split(b, y, " "); t = y[2] - x[2]
                                     exit !(t > 0 && (y[1] - x[1]) / t < 0.10) }' && return 0
    (( SECONDS < deadline )) || return 1
  done
}

# ticks_to_s TICKS -> seconds with 2 decimals
ticks_to_s() { awk -v t="$1" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / hz }'; }

# stop_pid PID NAME - SIGTERM, wait up to 10 s, then SIGKILL. Only ever
# signals that one PID.
stop_pid() {
  local pid="$1" name="$2" i
  if ! proc_alive "$pid"; then log "$name: not running"; return 0; fi
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    proc_alive "$pid" || break
    sleep 0.1
  done
  if proc_alive "$pid"; then
    log "$name: pid $pid still running 10 s after SIGTERM, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 20; i++)); do proc_alive "$pid" || break; sleep 0.1; done
  fi
  # reap it when it is our child (ignore its exit status)
  wait "$pid" 2>/dev/null || true
  log "$name: stopped (pid $pid)"
}

# pid_from_file FILE -> the PID in FILE when that process is alive
pid_from_file() {
  local pid
  [[ -s "$1" ]] || return 1
  pid="$(head -n1 "$1")"
  proc_alive "$pid" || return 1
  printf '%s\n' "$pid"
}

# udp_port_pid PORT -> PID of the process holding a UDP socket bound to PORT
# (any local address), from /proc/net/udp{,6} and /proc/*/fd. Best effort:
# prints nothing when not found or not permitted.
udp_port_pid() {
  local hex inode link
  hex="$(printf '%04X' "$1")"
  inode="$(awk -v p=":$hex" 'FNR > 1 && substr($2, length($2) - 4) == p { print $10; exit }' \
    /proc/net/udp /proc/net/udp6 2>/dev/null)" || true   # no udp6 without IPv6
  [[ -n "$inode" && "$inode" != 0 ]] || return 0
  # find exits 1 when a process vanished during the scan: not an error here
  link="$(find /proc/[0-9]*/fd -maxdepth 1 -lname "socket:\[$inode\]" -print -quit 2>/dev/null)" || true
  [[ -n "$link" ]] || return 0
  link="${link#/proc/}"
  printf '%s\n' "${link%%/*}"
}

# ---------------------------------------------------------------- addresses

# is_loopback ADDR -> 0 for 127.0.0.0/8 and ::1
is_loopback() {
  local a="$1" o
  if [[ "$a" =~ ^127\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})$ ]]; then
    for o in "${BASH_REMATCH[@]:1}"; do (( 10#$o <= 255 )) || return 1; done
    return 0
  fi
  [[ "$a" == "::1" || "$a" =~ ^(0{1,4}:){7}0{0,3}1$ ]]
}

# split_hostport HOST:PORT|[V6]:PORT -> sets HP_HOST and HP_PORT
split_hostport() {
  local s="$1"
  if [[ "$s" =~ ^\[([0-9A-Fa-f:.]+)\]:([0-9]+)$ ]]; then
    HP_HOST="${BASH_REMATCH[1]}"; HP_PORT="${BASH_REMATCH[2]}"
  elif [[ "$s" =~ ^([^:]+):([0-9]+)$ ]]; then
    HP_HOST="${BASH_REMATCH[1]}"; HP_PORT="${BASH_REMATCH[2]}"
  else
    die "expected HOST:PORT or [IPV6]:PORT, got '$s'"
  fi
  [[ "$HP_HOST" == localhost ]] && HP_HOST=127.0.0.1
  (( 10#$HP_PORT >= 1 && 10#$HP_PORT <= 65535 )) || die "bad port in '$s'"
  HP_PORT=$((10#$HP_PORT))
}

# ipv4_bytes ADDR -> 4 decimal bytes, space separated
ipv4_bytes() {
  local o
  [[ "$1" =~ ^([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})$ ]] || return 1
  for o in "${BASH_REMATCH[@]:1}"; do
    (( 10#$o <= 255 )) || return 1
    printf '%d ' "$((10#$o))"
  done
}

# ipv6_bytes ADDR -> 16 decimal bytes, space separated (no embedded IPv4 form)
ipv6_bytes() {
  local a="$1" head tail g n i v
  local -a hg=() tg=() groups=()
  [[ "$a" =~ ^[0-9A-Fa-f:]+$ ]] || return 1
  if [[ "$a" == *::* ]]; then
    head="${a%%::*}"; tail="${a#*::}"
    [[ "$tail" != *::* ]] || return 1
    [[ -z "$head" ]] || IFS=: read -r -a hg <<<"$head"
    [[ -z "$tail" ]] || IFS=: read -r -a tg <<<"$tail"
    n=$(( 8 - ${#hg[@]} - ${#tg[@]} ))
    (( n >= 1 )) || return 1
    groups=("${hg[@]}")
    for ((i = 0; i < n; i++)); do groups+=(0); done
    groups+=("${tg[@]}")
  else
    IFS=: read -r -a groups <<<"$a"
  fi
  (( ${#groups[@]} == 8 )) || return 1
  for g in "${groups[@]}"; do
    [[ "$g" =~ ^[0-9A-Fa-f]{1,4}$ ]] || return 1
    v=$((16#$g))
    printf '%d %d ' $((v >> 8)) $((v & 255))
  done
}

# ecs_hex SUBNET -> EDNS Client Subnet option payload (RFC 7871) in hex, for
# dnsperf -E 8:<hex>: FAMILY(2 bytes) SOURCE-PREFIX(1) SCOPE-PREFIX(1, = 0)
# ADDRESS truncated to ceil(prefix/8) bytes, bits beyond the prefix zeroed.
#   ecs_hex 81.2.69.160/27  -> 00011b00510245a0
#   ecs_hex 2001:db8::/32   -> 0002200020010db8
ecs_hex() {
  local subnet="$1" addr prefix fam max nbytes rem i out
  local -a b=()
  [[ "$subnet" == */* ]] || die "--ecs needs ADDRESS/PREFIX, got '$subnet'"
  addr="${subnet%/*}"; prefix="${subnet##*/}"
  [[ "$prefix" =~ ^[0-9]{1,3}$ ]] || die "bad ECS prefix in '$subnet'"
  prefix=$((10#$prefix))
  if [[ "$addr" == *:* ]]; then
    fam=2; max=128
    read -r -a b <<<"$(ipv6_bytes "$addr")" || true
    (( ${#b[@]} == 16 )) || die "bad IPv6 address in '$subnet'"
  else
    fam=1; max=32
    read -r -a b <<<"$(ipv4_bytes "$addr")" || true
    (( ${#b[@]} == 4 )) || die "bad IPv4 address in '$subnet'"
  fi
  (( prefix <= max )) || die "ECS prefix /$prefix too long for '$addr'"
  nbytes=$(( (prefix + 7) / 8 )); rem=$(( prefix % 8 ))
  if (( rem > 0 )); then
    b[nbytes - 1]=$(( b[nbytes - 1] & ((0xff << (8 - rem)) & 0xff) ))
  fi
  out="$(printf '%04x%02x%02x' "$fam" "$prefix" 0)"
  for ((i = 0; i < nbytes; i++)); do out+="$(printf '%02x' "${b[i]}")"; done
  printf '%s\n' "$out"
}

# ---------------------------------------------------------------- DNS probes

# dns_answers HOST PORT -> 0 when a DNS server answers at HOST:PORT (any rcode)
dns_answers() {
  local out
  out="$(dig +time=1 +tries=1 +norecurse @"$1" -p "$2" example.com SOA 2>/dev/null)" || return 1
  [[ "$out" == *'->>HEADER<<-'* ]]
}

# dns_status HOST PORT NAME TYPE -> rcode of the answer (NOERROR, ...), empty on timeout
dns_status() {
  dig +time=1 +tries=1 +norecurse @"$1" -p "$2" "$3" "$4" 2>/dev/null \
    | sed -n 's/^;; ->>HEADER<<-.* status: \([A-Z]*\),.*/\1/p'
}

# wait_dns HOST PORT TIMEOUT_S [PID] -> 0 once HOST:PORT answers; gives up after
# TIMEOUT_S seconds, or as soon as PID (if given) has exited
wait_dns() {
  local host="$1" port="$2" deadline=$((SECONDS + $3)) pid="${4:-}"
  while (( SECONDS < deadline )); do
    if [[ -n "$pid" ]] && ! proc_alive "$pid"; then return 1; fi
    dns_answers "$host" "$port" && return 0
    sleep 0.2
  done
  return 1
}

# ---------------------------------------------------------------- the server

SERVER_PROJECT="engine/Scriptable.Server"
SERVER_OUT="$REPO_ROOT/$SERVER_PROJECT/bin/Release/net10.0"

# scriptable_build - Release build of the server; output in $LOAD_LOG_DIR/build.log
scriptable_build() {
  need_cmd dotnet
  mkdir -p "$LOAD_LOG_DIR"
  log "building $SERVER_PROJECT (Release), log $LOAD_LOG_DIR/build.log"
  if ! (cd "$REPO_ROOT" && DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 \
        dotnet build "$SERVER_PROJECT" -c Release) > "$LOAD_LOG_DIR/build.log" 2>&1; then
    tail -n 30 "$LOAD_LOG_DIR/build.log" >&2
    die "build failed, see $LOAD_LOG_DIR/build.log"
  fi
}

# scriptable_cmd -> fills the array SERVER_CMD with the command that runs the
# server: $SCRIPTABLE_BIN when set (an executable), else the Release apphost,
# else `dotnet scriptable.dll`
scriptable_cmd() {
  if [[ -n "${SCRIPTABLE_BIN:-}" ]]; then
    [[ -x "$SCRIPTABLE_BIN" ]] || die "SCRIPTABLE_BIN=$SCRIPTABLE_BIN is not executable"
    SERVER_CMD=("$SCRIPTABLE_BIN")
  elif [[ -x "$SERVER_OUT/scriptable" ]]; then
    SERVER_CMD=("$SERVER_OUT/scriptable")
  elif [[ -f "$SERVER_OUT/scriptable.dll" ]]; then
    SERVER_CMD=(dotnet "$SERVER_OUT/scriptable.dll")
  else
    die "no server binary in $SERVER_OUT (build it, or drop --no-build)"
  fi
}

# scriptable_start PORT POLICIES_DIR -> starts the server on 127.0.0.1:PORT,
# sets SERVER_PID, writes $LOAD_RUN_DIR/scriptable-PORT.pid, logs to
# $LOAD_RUN_DIR/scriptable-PORT.log; returns once it answers DNS (or dies).
scriptable_start() {
  local port="$1" policies="$2" pidf stale slog
  need_cmd dig
  [[ -d "$policies" ]] || die "policies folder '$policies' not found"
  mkdir -p "$LOAD_RUN_DIR"
  pidf="$LOAD_RUN_DIR/scriptable-$port.pid"
  slog="$LOAD_RUN_DIR/scriptable-$port.log"
  # a server left over by an interrupted earlier run on this port: stop it
  if stale="$(pid_from_file "$pidf")" && [[ "$(proc_cmdline "$stale")" == *" serve "*"127.0.0.1:$port"* ]]; then
    log "stopping a server left over by an earlier run (pid $stale)"
    stop_pid "$stale" "old scriptable"
  fi
  rm -f "$pidf"
  if dns_answers 127.0.0.1 "$port"; then
    die "something already answers DNS on 127.0.0.1:$port (use --port, or --target to measure it)"
  fi
  scriptable_cmd
  log "starting: ${SERVER_CMD[*]} serve --listen 127.0.0.1:$port --policies $policies"
  "${SERVER_CMD[@]}" serve --listen "127.0.0.1:$port" --policies "$policies" \
    > "$slog" 2>&1 < /dev/null &
  SERVER_PID=$!
  printf '%s\n' "$SERVER_PID" > "$pidf"
  if ! wait_dns 127.0.0.1 "$port" "${STARTUP_TIMEOUT:-30}" "$SERVER_PID"; then
    tail -n 20 "$slog" >&2 || true
    stop_pid "$SERVER_PID" scriptable
    rm -f "$pidf"
    die "server did not answer on 127.0.0.1:$port within ${STARTUP_TIMEOUT:-30} s (log $slog)"
  fi
  grep -q 'Listening on' "$slog" || log "warning: no 'Listening on' line in $slog"
  log "scriptable up on 127.0.0.1:$port (pid $SERVER_PID), log $slog"
}

# scriptable_stop PORT PID - stop the server started by scriptable_start
scriptable_stop() {
  stop_pid "$2" scriptable
  rm -f "$LOAD_RUN_DIR/scriptable-$1.pid"
}
