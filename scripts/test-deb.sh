#!/usr/bin/env bash
# Builds the .deb from the debug binary and installs it into a scratch root with
# `dpkg --root --force-script-chrootless` (the maintainer scripts run with DPKG_ROOT set, so
# systemd-sysusers creates the cascadia user in the scratch /etc/passwd), checks the files,
# then removes and purges it. Without root, only extracts it (dpkg-deb -x) and checks the files.
# Skips (exit 0, with a message) where dpkg-deb is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
fail() { echo "test-deb: $*" >&2; exit 1; }

command -v dpkg-deb >/dev/null 2>&1 || { echo "test-deb: dpkg-deb not found; skipping"; exit 0; }
bin=${BIN:-.build/debug/cascadia}
[ -x "$bin" ] || swift build --product cascadia >/dev/null
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# The debug binary links the toolchain's Swift libraries; `make deb` links them statically.
deb=$(ALLOW_UNPACKAGED_LIBS=1 scripts/build-deb.sh "$bin" "$scratch/out" 2>/dev/null | tail -1)
[ -f "$deb" ] || fail "no package built"
echo "test-deb: built $(basename "$deb")"

[ "$(dpkg-deb -f "$deb" Package)" = cascadia ] || fail "wrong Package field"
dpkg-deb -f "$deb" Depends | grep 'libsystemd0' >/dev/null || fail "Depends lacks libsystemd0"
[ "$(dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles)" = /etc/default/cascadia ] || fail "conffiles"

expected="usr/bin/cascadia usr/lib/systemd/system/cascadia.service usr/lib/sysusers.d/cascadia.conf
usr/lib/tmpfiles.d/cascadia.conf etc/default/cascadia usr/share/cascadia/profiles/multimodal-hazard-profile.json
usr/share/man/man1/cascadia.1.gz usr/share/doc/cascadia/deployment.md"
check_files() {  # $1: root the package was unpacked into
  for f in $expected; do [ -f "$1/$f" ] || fail "missing /$f"; done
  [ -x "$1/usr/bin/cascadia" ] || fail "/usr/bin/cascadia not executable"
  grep -q '^ExecStart=/usr/bin/cascadia run ' "$1/usr/lib/systemd/system/cascadia.service" || fail "ExecStart path"
  for f in $(find boards models plans profiles recordings -type f ! -name '.*' 2>/dev/null); do
    cmp -s "$f" "$1/usr/share/cascadia/$f" || fail "/usr/share/cascadia/$f missing or different"
  done
  "$1/usr/bin/cascadia" --version | grep '^cascadia ' >/dev/null || fail "packaged binary does not run"
}

if [ "$(id -u)" != 0 ]; then
  dpkg-deb -x "$deb" "$scratch/x"
  check_files "$scratch/x"
  echo "test-deb: ok (extracted; not root, so dpkg --root install not exercised)"
  exit 0
fi

root="$scratch/root"
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/etc"
touch "$root/var/lib/dpkg/status" "$root/var/lib/dpkg/available"
dpkg() { command dpkg --root="$root" --force-script-chrootless --log=/dev/null "$@"; }

dpkg --force-depends -i "$deb" >"$scratch/install.log" 2>&1 || { cat "$scratch/install.log"; fail "dpkg -i failed"; }
[ "$(dpkg-query --root="$root" -W -f='${Status}' cascadia)" = "install ok installed" ] || fail "not installed"
check_files "$root"
grep -q '^cascadia:x:' "$root/etc/passwd" || fail "postinst did not create the cascadia user"
for group in audio gpio spi i2c; do
  grep -Eq "^$group:x:[0-9]+:(.*,)?cascadia(,|$)" "$root/etc/group" || fail "cascadia not in group $group"
done
echo "test-deb: installed into a scratch root; user and groups created"

dpkg -r cascadia >"$scratch/remove.log" 2>&1 || { cat "$scratch/remove.log"; fail "dpkg -r failed"; }
[ ! -e "$root/usr/bin/cascadia" ] || fail "binary left after remove"
[ ! -e "$root/usr/lib/systemd/system/cascadia.service" ] || fail "unit left after remove"
[ -f "$root/etc/default/cascadia" ] || fail "conffile removed before purge"
dpkg --purge cascadia >"$scratch/purge.log" 2>&1 || { cat "$scratch/purge.log"; fail "dpkg --purge failed"; }
[ ! -e "$root/etc/default/cascadia" ] || fail "conffile left after purge"
echo "test-deb: ok (install, remove, purge)"
