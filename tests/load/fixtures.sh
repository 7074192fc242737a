#!/usr/bin/env bash
# tests/load/fixtures.sh [--cases N] [--rounds R] - how fast `scriptable test` runs fixture cases once the
# policies are compiled: copies examples/geo-failover into a temp folder, writes N generated cases (a
# country, an ECS subnet, a health state each; the expected answer follows the policy's rules), runs
# `scriptable test` R times on the Release build, and prints its summary lines (loading vs running time).
# No sockets: everything runs in-process.
set -euo pipefail

CASES=1000
ROUNDS=3
while [[ $# -gt 0 ]]; do
  case "$1" in
    --cases) CASES="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    *) echo "usage: $0 [--cases N] [--rounds R]" >&2; exit 2 ;;
  esac
done
[[ "$CASES" =~ ^[0-9]+$ && "$CASES" -le 100000 && "$ROUNDS" =~ ^[0-9]+$ && "$ROUNDS" -le 20 ]] \
  || { echo "--cases is at most 100000, --rounds at most 20" >&2; exit 2; }

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/scriptable-fixtures-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cp -r "$ROOT/examples/geo-failover" "$work/"
folder="$work/geo-failover"
rm -f "$folder"/example.com/*.fixtures.yaml

# Countries by continent, and what www.csx answers for each with eu up or down.
countries=(US:NA CA:NA MX:NA GB:EU FR:EU DE:EU SE:EU JP:AS AU:OC BR:SA ZA:AF)
{
  echo "defaults: { type: A }"
  echo "cases:"
  for ((i = 0; i < CASES; i++)); do
    entry="${countries[$((i % ${#countries[@]}))]}"
    country="${entry%%:*}" continent="${entry##*:}"
    eu=$([[ $((i / ${#countries[@]} % 2)) -eq 0 ]] && echo up || echo down)
    case "$continent" in
      NA) answer=192.0.2.10 ;;
      EU) [[ "$eu" == up ]] && answer=198.51.100.20 || answer=192.0.2.10 ;;
      *) answer=203.0.113.30 ;;
    esac
    subnet="10.$((i / 256 % 256)).$((i % 256)).0/24"
    printf '  - case: "%d %s eu %s"\n    ecs: %s\n    geo: { country: %s, network: %s }\n    health: { eu: %s }\n    expect: { answer: [www.example.com. 30 IN A %s], scope: 24 }\n' \
      "$i" "$country" "$eu" "$subnet" "$country" "$subnet" "$eu" "$answer"
  done
} > "$folder/example.com/www.fixtures.yaml"

echo "scriptable: building engine/Scriptable.Server (Release)..." >&2
dotnet build "$ROOT/engine/Scriptable.Server" -c Release -v q -nologo >/dev/null
for ((r = 1; r <= ROUNDS; r++)); do
  dotnet "$ROOT/engine/Scriptable.Server/bin/Release/net10.0/scriptable.dll" test "$folder" | tail -1
done
