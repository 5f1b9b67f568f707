#!/usr/bin/env bash
# Builds cascadia_<version>_<arch>.deb from a built binary with dpkg-deb.
#   scripts/build-deb.sh BIN OUTDIR
#   DEB_ARCH=arm64 scripts/build-deb.sh .build/aarch64-unknown-linux-gnu/release/cascadia OUTDIR   (cross-built)
# Layout: /usr/bin/cascadia, /usr/lib/systemd/system/cascadia.service, /usr/lib/sysusers.d and
# /usr/lib/tmpfiles.d/cascadia.conf, /usr/share/cascadia/{boards,models,plans,profiles},
# /usr/share/doc/cascadia, /etc/default/cascadia (conffile). Depends: computed from the
# binary's shared libraries (dpkg -S). Prints the path of the .deb on its last line.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:?usage: build-deb.sh BIN OUTDIR}
out=${2:?usage: build-deb.sh BIN OUTDIR}
[ -x "$bin" ] || { echo "build-deb: $bin is not an executable (build it first)" >&2; exit 69; }
command -v dpkg-deb >/dev/null || { echo "build-deb: dpkg-deb not found" >&2; exit 69; }

# The version from CLI.swift, so a cross-built binary need not run here.
version=$(sed -n 's/.*static let version = "\(.*\)".*/\1/p' Sources/cascadia/CLI.swift)
[ -n "$version" ] || { echo "build-deb: no version in Sources/cascadia/CLI.swift" >&2; exit 65; }
arch=${DEB_ARCH:-$(dpkg --print-architecture)}
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root="$stage/cascadia_${version}_${arch}"

make --no-print-directory -s install-files BIN="$bin" DESTDIR="$root" PREFIX=/usr SYSCONFDIR=/etc >/dev/null

# Runtime dependencies: the Debian package owning each shared library the binary names
# directly (DT_NEEDED); their own dependencies bring the rest.
# Libraries no package owns (a Swift toolchain's, when not built with --static-swift-stdlib)
# cannot be satisfied on the target: refuse unless ALLOW_UNPACKAGED_LIBS=1 (tests only).
depends="" unowned=""
# A cross-built binary cannot be resolved with ldd here: known sonames map to bookworm packages.
known_package() {
  case "$1" in
    libc.so.6|libm.so.6|libpthread.so.0|libdl.so.2|librt.so.1) echo libc6;;
    libasound.so.2) echo libasound2;;
    libgpiod.so.2) echo libgpiod2;;
    libsndfile.so.1) echo libsndfile1;;
    libmseed.so.2*) echo libmseed2;;
    libsystemd.so.0) echo libsystemd0;;
    libstdc++.so.6) echo libstdc++6;;
    libgcc_s.so.1) echo libgcc-s1;;
    libz.so.1) echo zlib1g;;
  esac
}
resolved=$(ldd "$bin" 2>/dev/null || true)
for name in $(readelf -d "$bin" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p'); do
  case "$name" in ld-linux*) continue;; esac  # the dynamic loader comes with libc6
  lib=$(printf '%s\n' "$resolved" | awk -v n="$name" '$1==n && $3 ~ /^\// && !done {print $3; done=1}')
  owner=""
  if [ -n "$lib" ]; then
    real=$(readlink -f "$lib")
    owner=$(dpkg -S "$lib" 2>/dev/null || dpkg -S "$real" 2>/dev/null || dpkg -S "/usr$lib" 2>/dev/null || true)
    owner=${owner%%:*}
  fi
  [ -n "$owner" ] || owner=$(known_package "$name")
  if [ -z "$owner" ]; then unowned="$unowned ${lib:-$name}"; continue; fi
  case ",$depends," in *",$owner,"*) ;; *) depends="${depends:+$depends,}$owner";; esac
done
if [ -n "$unowned" ]; then
  if [ "${ALLOW_UNPACKAGED_LIBS:-0}" = 1 ]; then
    echo "build-deb: warning: libraries no package provides:$unowned" >&2
  else
    echo "build-deb: libraries no package provides:$unowned (build with --static-swift-stdlib)" >&2
    exit 65
  fi
fi
depends=$(echo "$depends" | tr ',' '\n' | sort -u | paste -sd, - | sed 's/,/, /g')

mkdir -p "$root/DEBIAN"
installed_kb=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
cat > "$root/DEBIAN/control" <<CONTROL
Package: cascadia
Version: $version
Architecture: $arch
Maintainer: Cascadia maintainers <cascadia@localhost>
Section: misc
Priority: optional
Installed-Size: $installed_kb
Depends: ${depends}${depends:+, }systemd (>= 247)
Description: real-time cascade-of-experts hazard detection runtime
 Cascadia runs a cascade of fixed-point neural experts over acoustic and
 seismic sensor streams on Raspberry Pi-class boards under a hard latency
 budget, as a hardened systemd service (cascadia.service) tuned live with
 cascadia ctl.
CONTROL

echo "/etc/default/cascadia" > "$root/DEBIAN/conffiles"

cat > "$root/DEBIAN/postinst" <<'SCRIPT'
#!/bin/sh
# Creates the cascadia user and groups (sysusers.d) and /run/cascadia (tmpfiles.d);
# DPKG_ROOT is set when installing into another root (dpkg --root --force-script-chrootless).
set -e
if [ "$1" = configure ]; then
    if command -v systemd-sysusers >/dev/null 2>&1; then
        systemd-sysusers ${DPKG_ROOT:+--root="$DPKG_ROOT"} cascadia.conf
    fi
    if [ -z "$DPKG_ROOT" ] && command -v systemd-tmpfiles >/dev/null 2>&1; then
        systemd-tmpfiles --create cascadia.conf || true
    fi
    if [ -z "$DPKG_ROOT" ] && [ -d /run/systemd/system ]; then
        systemctl daemon-reload || true
        # Restart a running service on upgrade; a fresh install waits for `systemctl enable --now cascadia`.
        systemctl try-restart cascadia.service || true
    fi
fi
exit 0
SCRIPT

cat > "$root/DEBIAN/prerm" <<'SCRIPT'
#!/bin/sh
set -e
if [ "$1" = remove ] && [ -z "$DPKG_ROOT" ] && [ -d /run/systemd/system ]; then
    systemctl stop cascadia.service || true
    systemctl disable cascadia.service || true
fi
exit 0
SCRIPT

cat > "$root/DEBIAN/postrm" <<'SCRIPT'
#!/bin/sh
# The cascadia user stays (Debian policy: never reuse a UID); purge removes its state.
set -e
if [ -z "$DPKG_ROOT" ] && [ -d /run/systemd/system ]; then
    systemctl daemon-reload || true
fi
if [ "$1" = purge ]; then
    rm -rf "$DPKG_ROOT/var/lib/cascadia"
fi
exit 0
SCRIPT
chmod 0755 "$root/DEBIAN/postinst" "$root/DEBIAN/prerm" "$root/DEBIAN/postrm"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum > DEBIAN/md5sums)

mkdir -p "$out"
deb="$out/cascadia_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
