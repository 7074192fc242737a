#!/usr/bin/env bash
# tests/load/bigzone.sh [--records N] [--port PORT] [--no-build]
#
# One large zone (N A records, default 1,000,000) served by Scriptable and by
# knotd, one after the other on 127.0.0.1:PORT (default 5310): the time from
# start to the zone's SOA answered, the resident memory once it is (VmRSS and
# VmHWM, the peak), and the time of one AXFR over TCP (dig, output counted and
# dropped). Prints one line per server and the ratios Scriptable/knotd.
#
# Everything stays on loopback; run-time files go to $LOAD_RUN_DIR/bigzone.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { sed -n '2,2p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }

RECORDS=1000000
PORT=5310
BUILD=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --records) RECORDS="${2:-}"; shift 2 ;;
    --port) PORT="${2:-}"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    *) usage ;;
  esac
done
uint RECORDS --records
uint PORT --port
(( RECORDS >= 1 && RECORDS <= 5000000 )) || die "--records must be 1-5000000"
need_cmd dig knotd awk
ZONE=big.test
R="$LOAD_RUN_DIR/bigzone"
rm -rf "$R"
mkdir -p "$R/policies/$ZONE"
ZF="$R/policies/$ZONE/$ZONE.zone"

log "writing $RECORDS records to $ZF"
awk -v n="$RECORDS" -v z="$ZONE" 'BEGIN {
  print "$ORIGIN " z "."; print "$TTL 3600"
  print "@ SOA ns1 hostmaster 1 3600 600 604800 300"; print "@ NS ns1"; print "ns1 A 192.0.2.53"
  for (i = 0; i < n; i++) printf "h%d A 10.%d.%d.%d\n", i, int(i / 65536) % 256, int(i / 256) % 256, i % 256
}' > "$ZF"

# rss PID -> "VmRSS VmHWM" in MiB
rss() { awk '/^VmRSS|^VmHWM/ { printf "%d ", $2 / 1024 }' "/proc/$1/status"; }

# measure NAME PID START_NS -> prints "NAME load_s rss_mib peak_mib axfr_s records" once the SOA answers
measure() {
  local name="$1" pid="$2" start="$3" loaded axfr_start axfr_end count mem
  while [[ "$(dns_status 127.0.0.1 "$PORT" "$ZONE" SOA)" != NOERROR ]]; do
    proc_alive "$pid" || die "$name exited before serving $ZONE"
    sleep 0.05
  done
  loaded=$(date +%s%N)
  mem="$(rss "$pid")"
  axfr_start=$(date +%s%N)
  count="$(dig +tcp +nocmd +nostats +noall +answer @127.0.0.1 -p "$PORT" "$ZONE" AXFR | wc -l)"
  axfr_end=$(date +%s%N)
  awk -v n="$name" -v l="$(( loaded - start ))" -v m="$mem" -v a="$(( axfr_end - axfr_start ))" -v c="$count" \
    'BEGIN { split(m, mm, " "); printf "%s %.2f %d %d %.2f %d\n", n, l / 1e9, mm[1], mm[2], a / 1e9, c }'
}

(( BUILD )) && scriptable_build
scriptable_cmd
printf '{ "Zones": { "%s": { "Transfer": { "Allow": [ "127.0.0.1" ] } } } }\n' "$ZONE" > "$R/scriptable.json"
start=$(date +%s%N)
"${SERVER_CMD[@]}" serve --listen "127.0.0.1:$PORT" --policies "$R/policies" --config "$R/scriptable.json" --admin off \
  > "$R/scriptable.log" 2>&1 < /dev/null &
pid=$!
ours="$(measure scriptable "$pid" "$start")"
stop_pid "$pid" scriptable

mkdir -p "$R/knot/db"
cat > "$R/knot/knot.conf" <<EOF
server:
    rundir: "$R/knot"
    listen: 127.0.0.1@$PORT
acl:
  - id: local
    address: 127.0.0.1
    action: transfer
database:
    storage: "$R/knot/db"
template:
  - id: default
    storage: "$R/policies/$ZONE"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
zone:
  - domain: $ZONE
    file: "$ZF"
    acl: local
EOF
start=$(date +%s%N)
knotd -c "$R/knot/knot.conf" > "$R/knot/knotd.log" 2>&1 < /dev/null &
pid=$!
theirs="$(measure knotd "$pid" "$start")"
stop_pid "$pid" knotd

printf '%-10s %8s %8s %9s %8s %9s\n' server load_s rss_MiB peak_MiB axfr_s records
printf '%-10s %8s %8s %9s %8s %9s\n' $ours
printf '%-10s %8s %8s %9s %8s %9s\n' $theirs
read -r _ l1 r1 p1 a1 _ <<<"$ours"
read -r _ l2 r2 p2 a2 _ <<<"$theirs"
awk -v l1="$l1" -v l2="$l2" -v r1="$r1" -v r2="$r2" -v p1="$p1" -v p2="$p2" -v a1="$a1" -v a2="$a2" \
  'BEGIN { printf "scriptable/knotd: load %.2fx, rss %.2fx, peak %.2fx, axfr %.2fx\n", l1 / l2, r1 / r2, p1 / p2, a1 / a2 }'
