#!/usr/bin/env bash
# scripts/install.sh [options] - install Scriptable as a systemd service (Debian 12, as root):
#   the program, one file, as /usr/lib/scriptable/scriptable, and /usr/bin/scriptable linking to it;
#   the system user 'scriptable';
#   the unit /etc/systemd/system/scriptable.service (scripts/install/scriptable.service);
#   /etc/scriptable/scriptable.json (scripts/install/scriptable.json) and a starter
#   /etc/scriptable/policies (a copy of this checkout's policies/), each only when absent;
#   then, where systemd runs: daemon-reload, enable, start (restart when the program changed).
# State (journal, quarantine, last good versions, health overrides) goes to /var/lib/scriptable
# (made for the user, 0700; systemd sets it as $STATE_DIRECTORY).
#
# Options:
#   --from DIR     install the program published in DIR (its 'scriptable' file) instead of
#                  publishing this checkout (which needs the .NET SDK)
#   --publish DIR  only publish this checkout's program into DIR; install nothing
#   --root DIR     install under DIR, a staging root (DESTDIR): files only, no user created,
#                  no systemctl; the machine itself is not touched
#   --prefix DIR   where the program goes (default /usr): DIR/lib/scriptable, DIR/bin
#   --user NAME    the user the service runs as (default scriptable; created when missing)
#   --uninstall    stop and disable the service, remove the program and the unit; keeps
#                  /etc/scriptable, /var/lib/scriptable and the user, and says how to remove them
#
# Idempotent: run it again to upgrade (a new program restarts a running service); what is
# already in place and unchanged is left alone, and an existing configuration or policies
# folder is never overwritten.
set -euo pipefail

log() { printf 'install: %s\n' "$*"; }
die() { printf 'install: ERROR: %s\n' "$*" >&2; exit 1; }

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ASSETS="$ROOT/scripts/install"
DEST=""
PREFIX=/usr
FROM=""
PUBLISH_ONLY=""
SERVICE_USER=scriptable
UNINSTALL=false

while [[ $# -gt 0 ]]; do
  case "$1" in
    --from) FROM="${2:?--from needs a folder}"; shift 2 ;;
    --publish) PUBLISH_ONLY="${2:?--publish needs a folder}"; shift 2 ;;
    --root) DEST="${2:?--root needs a folder}"; shift 2 ;;
    --prefix) PREFIX="${2:?--prefix needs a folder}"; shift 2 ;;
    --user) SERVICE_USER="${2:?--user needs a name}"; shift 2 ;;
    --uninstall) UNINSTALL=true; shift ;;
    -h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) printf 'install: unknown option %s (see --help)\n' "$1" >&2; exit 2 ;;
  esac
done
[[ "$PREFIX" == /* ]] || die "--prefix must be absolute: $PREFIX"
if [[ -n "$DEST" ]]; then
  mkdir -p "$DEST"
  DEST="$(cd "$DEST" && pwd)"
fi

# publish DIR - the single-file program of this checkout into DIR. Framework-dependent: it runs on the
# .NET 10 runtime installed on the machine (see scripts/README.md). Built in a folder of its own, so the
# checkout's bin/ and obj/ (a developer's or the tests' build) are left as they are; analyzers already ran
# in the normal build.
publish() {
  local out="$1" rid work
  command -v dotnet >/dev/null 2>&1 || die "publishing needs the .NET 10 SDK ('dotnet'); or give a published folder with --from"
  case "$(uname -m)" in
    x86_64) rid=linux-x64 ;;
    aarch64) rid=linux-arm64 ;;
    *) die "no .NET runtime identifier known for $(uname -m)" ;;
  esac
  work="$(mktemp -d)"
  log "publishing $ROOT/engine/Scriptable.Server ($rid) into $out"
  if ! dotnet publish "$ROOT/engine/Scriptable.Server" -c Release -r "$rid" --self-contained false \
      -p:PublishSingleFile=true -p:DebugType=embedded -p:RunAnalyzers=false \
      --artifacts-path "$work" -o "$out" --disable-build-servers --nologo -v quiet >"$work/publish.log" 2>&1; then
    cat "$work/publish.log" >&2
    rm -rf "$work"
    die "dotnet publish failed"
  fi
  rm -rf "$work"
  [[ -x "$out/scriptable" ]] || die "dotnet publish made no $out/scriptable"
}

if [[ -n "$PUBLISH_ONLY" ]]; then
  publish "$PUBLISH_ONLY"
  log "published $PUBLISH_ONLY/scriptable ($(stat -c %s "$PUBLISH_ONLY/scriptable") bytes)"
  exit 0
fi

if [[ -z "$DEST" && "$(id -u)" -ne 0 ]]; then
  die "run as root (or stage the files with --root DIR)"
fi

LIBDIR="$PREFIX/lib/scriptable"
PROGRAM="$LIBDIR/scriptable"
LINK="$PREFIX/bin/scriptable"
UNIT=/etc/systemd/system/scriptable.service
CONFDIR=/etc/scriptable
CONFIG="$CONFDIR/scriptable.json"
POLICIES="$CONFDIR/policies"
STATE=/var/lib/scriptable
SYSTEMD=false
if [[ -z "$DEST" && -d /run/systemd/system ]] && command -v systemctl >/dev/null 2>&1; then
  SYSTEMD=true
fi

if $UNINSTALL; then
  if $SYSTEMD && systemctl list-unit-files scriptable.service >/dev/null 2>&1; then
    systemctl disable --now scriptable.service >/dev/null 2>&1 || true
    log "service scriptable stopped and disabled"
  fi
  for file in "$DEST$UNIT" "$DEST$PROGRAM"; do
    if [[ -e "$file" ]]; then rm -f "$file"; log "removed $file"; fi
  done
  rmdir "$DEST$LIBDIR" 2>/dev/null || true
  if [[ -L "$DEST$LINK" && "$(readlink "$DEST$LINK")" == "$PROGRAM" ]]; then
    rm -f "$DEST$LINK"
    log "removed $DEST$LINK"
  fi
  if $SYSTEMD; then systemctl daemon-reload; fi
  log "kept $DEST$CONFDIR (configuration, policies) and $DEST$STATE (state); remove them, and the user, with:"
  log "  rm -r $DEST$CONFDIR $DEST$STATE && userdel $SERVICE_USER"
  exit 0
fi

# The program.
if [[ -z "$FROM" ]]; then
  FROM="$(mktemp -d)"
  trap 'rm -rf "$FROM"' EXIT
  publish "$FROM"
fi
[[ -f "$FROM/scriptable" ]] || die "no program in $FROM (expected $FROM/scriptable)"
CHANGED=false
mkdir -p "$DEST$LIBDIR" "$DEST$PREFIX/bin"
if [[ -f "$DEST$PROGRAM" ]] && cmp -s "$FROM/scriptable" "$DEST$PROGRAM"; then
  log "program $DEST$PROGRAM unchanged"
else
  state=installed
  [[ -f "$DEST$PROGRAM" ]] && state=updated
  # A new file renamed over the old one: a running server keeps its file until it restarts.
  install -m 0755 "$FROM/scriptable" "$DEST$PROGRAM.new"
  mv -f "$DEST$PROGRAM.new" "$DEST$PROGRAM"
  CHANGED=true
  log "program $DEST$PROGRAM $state ($(stat -c %s "$DEST$PROGRAM") bytes)"
fi
if [[ "$(readlink "$DEST$LINK" 2>/dev/null)" != "$PROGRAM" ]]; then
  ln -sfn "$PROGRAM" "$DEST$LINK"
  log "link $DEST$LINK -> $PROGRAM"
fi

# The user: a system user with no shell and no home of its own beyond the state directory.
if [[ -z "$DEST" ]] && ! getent passwd "$SERVICE_USER" >/dev/null; then
  useradd --system --user-group --home-dir "$STATE" --no-create-home --shell /usr/sbin/nologin \
    --comment "Scriptable DNS server" "$SERVICE_USER"
  log "user $SERVICE_USER created (system user, no login)"
fi
GROUP=""
if getent passwd "$SERVICE_USER" >/dev/null; then
  GROUP="$(id -gn "$SERVICE_USER")"
elif [[ -n "$DEST" ]]; then
  log "user $SERVICE_USER not created (--root): the configuration keeps group root"
else
  die "user $SERVICE_USER does not exist"
fi

# The unit: ours, replaced when it differs (local changes belong in a drop-in: systemctl edit scriptable).
unit_text="$(sed -e "s|/usr/lib/scriptable/|$LIBDIR/|g" \
  -e "s|^User=scriptable\$|User=$SERVICE_USER|" -e "s|^Group=scriptable\$|Group=${GROUP:-$SERVICE_USER}|" \
  "$ASSETS/scriptable.service")"
mkdir -p "$DEST$(dirname "$UNIT")"
if [[ -f "$DEST$UNIT" ]] && [[ "$(cat "$DEST$UNIT")" == "$unit_text" ]]; then
  log "unit $DEST$UNIT unchanged"
else
  printf '%s\n' "$unit_text" >"$DEST$UNIT.new"
  chmod 0644 "$DEST$UNIT.new"
  mv -f "$DEST$UNIT.new" "$DEST$UNIT"
  CHANGED=true
  log "unit $DEST$UNIT installed"
fi

# The configuration and the policies: the operator's once installed, never overwritten.
mkdir -p "$DEST$CONFDIR"
chmod 0755 "$DEST$CONFDIR"
if [[ -e "$DEST$CONFIG" ]]; then
  log "configuration $DEST$CONFIG kept (yours)"
else
  # 0640, group of the service: it may hold the admin token.
  install -m 0640 "$ASSETS/scriptable.json" "$DEST$CONFIG"
  [[ -n "$GROUP" ]] && chgrp "$GROUP" "$DEST$CONFIG"
  log "configuration $DEST$CONFIG installed (listens on 127.0.0.1:53: put your addresses in Listen)"
fi
if [[ -e "$DEST$POLICIES" ]]; then
  log "policies $DEST$POLICIES kept (yours)"
else
  cp -R "$ROOT/policies" "$DEST$POLICIES.new"
  rm -f "$DEST$POLICIES.new/health-overrides.json"
  chmod -R u=rwX,go=rX "$DEST$POLICIES.new"
  mv "$DEST$POLICIES.new" "$DEST$POLICIES"
  log "policies $DEST$POLICIES installed (the example zone example.com: replace it with your zones)"
fi

# The state directory: systemd makes it (StateDirectory=), and adopts this one; made here too so that the unit's
# command line also runs as the user where systemd does not (no $STATE_DIRECTORY: the server then keeps its
# state under the user's home, this folder).
if [[ ! -d "$DEST$STATE" ]]; then
  install -d -m 0700 "$DEST$STATE"
  [[ -n "$GROUP" ]] && chown "$SERVICE_USER:$GROUP" "$DEST$STATE"
  log "state directory $DEST$STATE made (0700${GROUP:+, owned by $SERVICE_USER})"
fi

# Start it.
if $SYSTEMD; then
  systemctl daemon-reload
  systemctl enable --quiet scriptable.service
  if systemctl is-active --quiet scriptable.service; then
    if $CHANGED; then
      systemctl restart scriptable.service
      log "service scriptable restarted"
    else
      log "service scriptable running"
    fi
  else
    systemctl start scriptable.service
    log "service scriptable enabled and started"
  fi
  log "logs: journalctl -u scriptable -f; reload: systemctl reload scriptable"
elif [[ -n "$DEST" ]]; then
  log "staged under $DEST (--root): no user, no systemctl"
else
  log "systemd is not running here: not started; where it runs: systemctl daemon-reload && systemctl enable --now scriptable"
fi
