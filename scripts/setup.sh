#!/usr/bin/env bash
# scripts/setup.sh [--run] - install what the tests and the load benchmark need on
# Debian 12 (bookworm) that already has the .NET SDK:
#   dig (bind9-dnsutils), kdig (knot-dnsutils), knotd + knotc (knot: a reference
#   server the tests start themselves), dnsperf, curl, systemd-analyze (systemd:
#   the install tests verify the unit; systemd need not run), setpriv (util-linux:
#   they run the unit's command as its user), chromium (the status page tests);
#   fstrm_capture (fstrm-bin), dnstap-ldns and protoc (protobuf-compiler): the dnstap
#   tests' readers; named (bind9, bind9-utils), nsd, unbound and etcd (etcd-server,
#   etcd-client): the servers the zone, transfer, DNSSEC and cluster tests start
#   themselves; delv (bind9-dnsutils): a second DNSSEC validator;
# then the public country database of the default policies folder
# (scripts/geo-db.sh, into policies/_geo/). With --run: only curl, dig and the
# database (what scripts/run.sh and the README's first queries need).
#
# Idempotent and quick when everything is there: it only looks the commands up,
# and runs `apt-get update` + `apt-get install` only for what is missing. Runs
# as root, or through sudo when available.
#
# The knot, bind9, nsd, unbound and etcd-server packages would start (and
# enable) a system server, on port 53 for the first four. Tests run their own on
# loopback ports, so when this script installs one of them it keeps the packaged
# service from starting, disables it, and stops a server the install started
# anyway. An already installed package is left as it is.
set -euo pipefail

log() { printf 'setup: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# command package; knotd/knotc are in /usr/sbin, not always on a user's PATH
NEEDS=(
  "dig bind9-dnsutils"
  "kdig knot-dnsutils"
  "knotd knot"
  "knotc knot"
  "dnsperf dnsperf"
  "curl curl"
  "systemd-analyze systemd"
  "setpriv util-linux"
  "chromium chromium"
  "fstrm_capture fstrm-bin"
  "dnstap-ldns dnstap-ldns"
  "protoc protobuf-compiler"
  "named bind9"
  "named-checkzone bind9-utils"
  "delv bind9-dnsutils"
  "nsd nsd"
  "unbound unbound"
  "etcd etcd-server"
  "etcdctl etcd-client"
)
if [[ "${1:-}" == --run ]]; then
  NEEDS=("curl curl" "dig bind9-dnsutils")
fi
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

have() { command -v "$1" >/dev/null 2>&1 || [[ -x "/usr/sbin/$1" || -x "/sbin/$1" ]]; }

missing=()
for entry in "${NEEDS[@]}"; do
  read -r cmd pkg <<<"$entry"
  if ! have "$cmd" && [[ " ${missing[*]} " != *" $pkg "* ]]; then
    missing+=("$pkg")
  fi
done

have dotnet || log "warning: 'dotnet' not found; the .NET 10 SDK is needed to build and test (not installed by this script)"

if [[ ${#missing[@]} -eq 0 ]]; then
  log "all tools present ($(for e in "${NEEDS[@]}"; do printf '%s ' "${e%% *}"; done | sed 's/ $//'))"
  "$ROOT/scripts/geo-db.sh"
  exit 0
fi

if [[ ! -r /etc/debian_version ]] || ! command -v apt-get >/dev/null 2>&1; then
  die "missing: ${missing[*]}; this script only knows Debian/apt, install them by hand"
fi

SUDO=()
if [[ "$(id -u)" -ne 0 ]]; then
  command -v sudo >/dev/null 2>&1 \
    || die "missing: ${missing[*]}; run this script as root (or install sudo), e.g. su -c $0"
  SUDO=(sudo)
  # without a terminal, fail at once instead of waiting for a password
  [[ -t 0 ]] || SUDO+=(-n)
fi
as_root() { "${SUDO[@]}" "$@"; }
# signal SIG PID - the shell's kill builtin, through sudo when needed (/bin/kill
# comes with procps, which a minimal Debian lacks)
signal() {
  # shellcheck disable=SC2016 # $1/$2 are expanded by the inner sh
  if [[ ${#SUDO[@]} -eq 0 ]]; then kill -s "$1" "$2"; else as_root sh -c 'kill -s "$1" "$2"' _ "$1" "$2"; fi
}

# alive PID -> 0 when PID runs and is not a zombie
alive() {
  local st
  st="$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null)" || return 1
  [[ -n "$st" && "${st:0:1}" != Z && "${st:0:1}" != X ]]
}

# pids_of COMM -> PIDs of running processes named COMM, from /proc (procps may be absent)
pids_of() {
  local d
  for d in /proc/[0-9]*; do
    if [[ "$(cat "$d/comm" 2>/dev/null)" == "$1" ]] && alive "${d#/proc/}"; then
      printf '%s\n' "${d#/proc/}"
    fi
  done
  return 0
}

# package:process:service of the packages that start a server when installed
DAEMONS=(knot:knotd:knot bind9:named:named nsd:nsd:nsd unbound:unbound:unbound etcd-server:etcd:etcd)
installing_daemons=()
for entry in "${DAEMONS[@]}"; do
  [[ " ${missing[*]} " == *" ${entry%%:*} "* ]] && installing_daemons+=("$entry")
done
POLICY=/usr/sbin/policy-rc.d
POLICY_MARK="# scriptable setup.sh: no service starts during install"
placed_policy=0
before_pids=""
restore_policy() {
  if (( placed_policy )) && grep -qF "$POLICY_MARK" "$POLICY" 2>/dev/null; then
    as_root rm -f "$POLICY" || log "warning: could not remove $POLICY"
  fi
  placed_policy=0
}
trap restore_policy EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if (( ${#installing_daemons[@]} )); then
  for entry in "${installing_daemons[@]}"; do
    IFS=: read -r _ process _ <<<"$entry"
    before_pids+="$(pids_of "$process")"$'\n'
  done
  # policy-rc.d (Debian's invoke-rc.d policy hook): exit 101 = "action
  # forbidden", honoured by invoke-rc.d and deb-systemd-invoke, so the
  # packages' postinst scripts do not start their services. Only placed when
  # none exists; removed on exit.
  if [[ ! -e "$POLICY" ]]; then
    printf '#!/bin/sh\n%s\nexit 101\n' "$POLICY_MARK" | as_root tee "$POLICY" >/dev/null
    as_root chmod 0755 "$POLICY"
    placed_policy=1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
log "installing: ${missing[*]}"
as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q \
  || die "apt-get update failed"
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" \
  || die "apt-get install ${missing[*]} failed"
restore_policy

for entry in "${installing_daemons[@]}"; do
  IFS=: read -r package process service <<<"$entry"
  # disable the packaged service (boot-time start)
  if [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null 2>&1; then
    as_root systemctl disable --now "$service.service" >/dev/null 2>&1 \
      || log "warning: could not disable $service.service"
  elif [[ -x "/etc/init.d/$service" ]] && command -v update-rc.d >/dev/null 2>&1; then
    as_root update-rc.d "$service" disable >/dev/null 2>&1 || log "warning: update-rc.d $service disable failed"
  fi
  # stop a server the install started anyway: a new process using the packaged
  # configuration (no -c/--config/--data-dir of its own, or one under /etc/);
  # servers started by anyone else at the same time, with their own
  # configuration, are left alone
  for pid in $(pids_of "$process"); do
    grep -qx "$pid" <<<"$before_pids" && continue
    args="$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null)" || continue
    if [[ "$args" != *" -c "* && "$args" != *"--config"* && "$args" != *"--data-dir"* ]] || [[ "$args" == *" /etc/"* ]]; then
      log "stopping the $process started by the $package package (pid $pid)"
      signal TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 100); do alive "$pid" || break; sleep 0.1; done
      if alive "$pid"; then signal KILL "$pid" 2>/dev/null || true; fi
      if alive "$pid"; then log "warning: could not stop $process pid $pid"; fi
    fi
  done
done

still=()
for entry in "${NEEDS[@]}"; do
  read -r cmd pkg <<<"$entry"
  have "$cmd" || still+=("$cmd")
done
[[ ${#still[@]} -eq 0 ]] || die "still missing after install: ${still[*]}"
"$ROOT/scripts/geo-db.sh"
log "done"
