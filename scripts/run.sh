#!/usr/bin/env bash
# scripts/run.sh [scriptable options...] - the run command: installs the public country database once
# (scripts/geo-db.sh, into policies/_geo/), then serves the repository's policies/ folder on
# 127.0.0.1:5300 (UDP and TCP) until Ctrl-C. Options go to `scriptable serve`, e.g. --listen, --geo.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
if ! command -v curl >/dev/null 2>&1; then
  "$ROOT/scripts/setup.sh" --geo
fi
"$ROOT/scripts/geo-db.sh" || echo "run: the geo database could not be installed; serving without it" >&2
exec dotnet run --project engine/Scriptable.Server -c Release -- serve "$@"
