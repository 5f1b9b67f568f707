#!/usr/bin/env bash
# Writes the cascadia(1) man page (roff) to stdout from the binary's own --help texts:
# `cascadia --help`, then `cascadia <command> --help` for every command it lists.
#   scripts/make-manpage.sh .build/release/cascadia > cascadia.1
set -euo pipefail
bin=${1:?usage: make-manpage.sh BIN}
"$bin" --version >/dev/null 2>&1 || { echo "make-manpage: cannot run $bin (cross-built?)" >&2; exit 69; }
version=$("$bin" --version | awk '{print $2}')
date=$(date -u -d "@${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}" +%Y-%m-%d)

# roff-escape a plain text block: backslashes, leading dots/quotes, as preformatted lines.
block() { sed -e 's/\\/\\e/g' -e "s/^\([.']\)/\\\\\&\1/"; }

cat <<HEAD
.TH CASCADIA 1 "$date" "cascadia $version" "User Commands"
.SH NAME
cascadia \\- real-time cascade-of-experts hazard detection runtime
.SH SYNOPSIS
.B cascadia
.I command
.RI [ options ]
.SH DESCRIPTION
Cascadia runs a cascade of fixed-point neural experts over acoustic and seismic sensor
streams under a hard latency budget, as the systemd service
.BR cascadia.service ,
and plans, replays, profiles and controls it from the command line.
.PP
.nf
HEAD
"$bin" --help | block
echo ".fi"
for command in $("$bin" --help | awk '/^commands:/{on=1; next} on && /^$/{on=0} on && /^  [a-z]/{print $1}'); do
  echo ".SH \"$(echo "$command" | tr a-z A-Z)\""
  echo ".nf"
  { "$bin" "$command" --help 2>&1 || true; } | block
  echo ".fi"
done
cat <<'TAIL'
.SH EXIT STATUS
0 ok, 1 other failure, 64 usage, 65 bad data, 69 device or service unavailable, 78 bad configuration.
.SH FILES
.TP
.I /etc/default/cascadia
board and options of cascadia.service
.TP
.I /run/cascadia/control.sock
control socket of the running service (cascadia ctl)
.SH SEE ALSO
.BR systemctl (1),
.BR journalctl (1),
/usr/share/doc/cascadia/deployment.md
TAIL
