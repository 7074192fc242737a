#!/usr/bin/env bash
# scripts/run.sh [scriptable options...] - the run command: installs curl and dig when missing
# (scripts/setup.sh --run) and the public country database once (scripts/geo-db.sh, into policies/_geo/),
# then serves the repository's policies/ folder on 127.0.0.1:5300 (UDP and TCP) until Ctrl-C or SIGTERM.
# Options go to `scriptable serve`, e.g. --listen, --geo.
#
# The server replaces this script's process (exec scripts/scriptable, which builds when the sources are
# newer): a signal sent to this script's process id reaches the server itself.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
if ! command -v curl >/dev/null 2>&1 || ! command -v dig >/dev/null 2>&1; then
  "$ROOT/scripts/setup.sh" --run || echo "run: curl or dig could not be installed (see above); serving anyway" >&2
fi
"$ROOT/scripts/geo-db.sh" || echo "run: the geo database could not be installed; serving without it" >&2
exec "$ROOT/scripts/scriptable" serve "$@"
