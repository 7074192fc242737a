#!/usr/bin/env bash
# scripts/test.sh [dotnet test options...] - the single command that runs the tests.
#
#   scripts/test.sh                                  # everything
#   scripts/test.sh --filter "FullyQualifiedName~DnsName"
#
# 1. scripts/setup.sh: installs dig, kdig, knotd, dnsperf, curl when missing
#    (SKIP_SETUP=1 skips it);
# 2. dotnet test Scriptable.sln -c Release, with a TRX logger writing into
#    artifacts/test-results/ (emptied first; one .trx per test project).
# Extra arguments go to `dotnet test` unchanged. Exit code = dotnet test's.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RESULTS="$ROOT/artifacts/test-results"

if [[ "${SKIP_SETUP:-0}" != 1 ]]; then
  "$ROOT/scripts/setup.sh"
fi
command -v dotnet >/dev/null 2>&1 || { echo "test.sh: 'dotnet' not found (install the .NET 10 SDK)" >&2; exit 127; }

rm -rf "$RESULTS"
mkdir -p "$RESULTS"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
cd "$ROOT"
rc=0
dotnet test "$ROOT/Scriptable.sln" -c Release --logger trx --results-directory "$RESULTS" "$@" || rc=$?
exit "$rc"
