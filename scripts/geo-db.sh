#!/usr/bin/env bash
# scripts/geo-db.sh [DIR] - installs a public geo database where the server finds it without
# configuration: DIR (default <repo>/policies/_geo), as geo-whois-asn-country.mmdb.
#
# The database is ip-location-db's "geo-whois-asn-country" (country level: {"country_code": "FR"};
# package licence CC0-1.0, data from the five RIRs' WHOIS, CC BY 4.0 by the NRO), taken from the npm
# registry as a tarball with curl and tar (npm itself is not needed), pinned to one version and checked
# against its SHA-256. The server derives the continent from the country.
#
# Idempotent: does nothing when the file is there. Exit 0 with a warning when the registry cannot be
# reached (the server then runs without a database: every client is "unknown"). Needs curl (installed by
# scripts/setup.sh). GEO_DB_VERSION / GEO_DB_SHA256 override the pinned version (both, or neither).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${1:-$ROOT/policies/_geo}"
FILE="$DIR/geo-whois-asn-country.mmdb"
VERSION="${GEO_DB_VERSION:-2.3.2026061719}"
SHA256="${GEO_DB_SHA256:-91757a1b06cdcd1955f292e4c4cfc54e091204f998e159a3187f7a2ef3724be0}"
URL="https://registry.npmjs.org/@ip-location-db/geo-whois-asn-country-mmdb/-/geo-whois-asn-country-mmdb-$VERSION.tgz"

log() { printf 'geo-db: %s\n' "$*" >&2; }

if [[ -s "$FILE" ]]; then
  log "present: $FILE"
  exit 0
fi
if ! command -v curl >/dev/null 2>&1; then
  log "warning: curl not found (scripts/setup.sh installs it); no geo database installed"
  exit 0
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/scriptable-geo-db.XXXXXX")"
trap 'rm -rf "$work"' EXIT
log "downloading $URL"
if ! curl -fsSL --retry 2 --max-time 120 -o "$work/package.tgz" "$URL"; then
  log "warning: could not download the database; the server runs without one (every client unknown)"
  exit 0
fi
actual="$(sha256sum "$work/package.tgz" | cut -d' ' -f1)"
if [[ "$actual" != "$SHA256" ]]; then
  log "ERROR: SHA-256 mismatch for $URL: expected $SHA256, got $actual"
  exit 1
fi
tar -xzf "$work/package.tgz" -C "$work" package/geo-whois-asn-country.mmdb
mkdir -p "$DIR"
mv "$work/package/geo-whois-asn-country.mmdb" "$FILE.tmp"
mv "$FILE.tmp" "$FILE"
log "installed $FILE ($(stat -c %s "$FILE") bytes, version $VERSION)"
