#!/usr/bin/env bash
# `make install-files` / `make uninstall` into a DESTDIR with PREFIX=/usr/local: the files land
# under the prefix, the unit's paths are rewritten to it, and uninstall removes them again
# while keeping the configuration in /etc.
set -euo pipefail
cd "$(dirname "$0")/.."
fail() { echo "test-install: $*" >&2; exit 1; }
bin=${BIN:-.build/debug/cascadia}
[ -x "$bin" ] || swift build --product cascadia >/dev/null
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT

make --no-print-directory -s install-files BIN="$bin" DESTDIR="$dest" PREFIX=/usr/local >/dev/null
for f in usr/local/bin/cascadia usr/local/lib/systemd/system/cascadia.service usr/local/lib/sysusers.d/cascadia.conf \
         usr/local/lib/tmpfiles.d/cascadia.conf etc/default/cascadia; do
  [ -f "$dest/$f" ] || fail "missing /$f"
done
unit="$dest/usr/local/lib/systemd/system/cascadia.service"
grep -q '^ExecStart=/usr/local/bin/cascadia run ' "$unit" || fail "ExecStart not rewritten to the prefix"
grep -q '/usr/bin/cascadia' "$unit" && fail "unit still names /usr/bin/cascadia"
grep -q '^CASCADIA_BOARD=/usr/local/share/cascadia/boards/' "$dest/etc/default/cascadia" || fail "default board path"
[ "$(stat -c %a "$dest/usr/local/bin/cascadia")" = 755 ] || fail "binary mode"
man="$dest/usr/local/share/man/man1/cascadia.1.gz"
zcat "$man" | grep '^\.TH CASCADIA 1 ' >/dev/null || fail "man page missing or malformed"
zcat "$man" | grep '^\.SH "CTL"' >/dev/null || fail "man page lacks the ctl section"
if command -v man >/dev/null 2>&1; then
  MANWIDTH=80 man -l "$man" 2>/dev/null | grep 'cascadia ctl \[--socket PATH\]' >/dev/null || fail "man page does not render"
fi

echo "# edited" >> "$dest/etc/default/cascadia"
make --no-print-directory -s install-files BIN="$bin" DESTDIR="$dest" PREFIX=/usr/local >/dev/null
grep -q '^# edited' "$dest/etc/default/cascadia" || fail "reinstall overwrote /etc/default/cascadia"

make --no-print-directory -s uninstall DESTDIR="$dest" PREFIX=/usr/local >/dev/null
left=$(cd "$dest" && find . -type f | sort)
[ "$left" = "./etc/default/cascadia" ] || fail "uninstall left: $left"
echo "test-install: ok (install-files, reinstall keeps /etc, uninstall)"
