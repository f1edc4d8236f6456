#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# make install / make uninstall into a DESTDIR, and what they install: the
# unit passes systemd-analyze verify with no message and its security
# exposure is 2.0 or lower; the man page renders without warnings; every key
# of the commented example, uncommented, is accepted; uninstall leaves only
# the operator's /etc/clat-nfq.conf.
set -euo pipefail
cd "$(dirname "$0")/../.."
d=$(mktemp -d /tmp/cnfq-install.XXXXXX)
trap 'rm -rf "$d"' EXIT
. scripts/checks

make --no-print-directory -s install DESTDIR="$d/root" PREFIX=/usr >/dev/null
unit="$d/root/usr/lib/systemd/system/clat-nfq.service"
check "binary, unit, man page, example and config installed" bash -c "
	test -x '$d/root/usr/sbin/clat-nfq' && test -f '$unit' &&
	test -f '$d/root/usr/share/man/man8/clat-nfq.8' &&
	test -f '$d/root/usr/share/doc/clat-nfq/clat-nfq.conf.example' &&
	test -f '$d/root/etc/clat-nfq.conf'"
check "the unit starts the installed binary" grep -q '^ExecStart=/usr/sbin/clat-nfq -c /etc/clat-nfq.conf$' "$unit"
# verify needs the binary where ExecStart says: point it into DESTDIR.
mkdir -p "$d/v"
sed "s|^ExecStart=/usr/sbin/|ExecStart=$d/root/usr/sbin/|" "$unit" > "$d/v/clat-nfq.service"
out=$(systemd-analyze verify --man=no "$d/v/clat-nfq.service" 2>&1 || echo "exit $?")
check "systemd-analyze verify: no message${out:+ ($out)}" [ -z "$out" ]
exposure=$(systemd-analyze security --offline=yes "$d/v/clat-nfq.service" 2>/dev/null |
	sed -n 's/.*Overall exposure level for clat-nfq.service: \([0-9.]*\).*/\1/p')
echo "     security exposure: $exposure"
check "security exposure $exposure is at most 2.0" awk -v e="${exposure:-99}" 'BEGIN { exit !(e <= 2.0) }'
check "the man page renders without warnings" bash -c "[ -z \"\$(groff -man -Tutf8 -ww -z doc/clat-nfq.8 2>&1)\" ]"
sed 's/^#\([a-z0-9-]*=\)/\1/' doc/clat-nfq.conf.example > "$d/all.conf"
check "every key of the example is accepted ($(grep -c '^[a-z]' "$d/all.conf") keys)" \
	bash -c "build/clat-nfq -c '$d/all.conf' -p plat-prefix=64:ff9b::/96 clat-v6-addr=2001:db8::2 >/dev/null"
echo "# the operator's" >> "$d/root/etc/clat-nfq.conf"
make --no-print-directory -s install DESTDIR="$d/root" PREFIX=/usr >/dev/null
check "a second install keeps the operator's config" grep -q "the operator's" "$d/root/etc/clat-nfq.conf"
make --no-print-directory -s uninstall DESTDIR="$d/root" PREFIX=/usr >/dev/null
check "uninstall leaves only /etc/clat-nfq.conf" [ "$(cd "$d/root" && find . -type f)" = "./etc/clat-nfq.conf" ]
checks_done install
