#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# make install / make uninstall into a DESTDIR, and what they install: the
# unit passes systemd-analyze verify with no message and its security
# exposure is 2.0 or lower; the man page renders without warnings; every key
# of the commented example, uncommented, is accepted; uninstall leaves only
# the operator's /etc/clat-nfq.conf. make and make install install no
# package and honour CPPFLAGS and LDFLAGS.
set -euo pipefail
cd "$(dirname "$0")/../.."
d=$(mktemp -d /tmp/cnfq-install.XXXXXX)
trap 'rm -rf "$d"' EXIT
. scripts/checks

make --no-print-directory -s install DESTDIR="$d/root" PREFIX=/usr >/dev/null
# systemd's own answer where it has one (Debian 12: /lib/systemd/system)
unitdir=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null || true)
unit="$d/root${unitdir:-/usr/lib/systemd/system}/clat-nfq.service"
check "binary, unit, man pages, completion, example and config installed" bash -c "
	test -x '$d/root/usr/sbin/clat-nfq' && test -f '$unit' &&
	test -f '$d/root/usr/share/man/man8/clat-nfq.8' &&
	test -f '$d/root/usr/share/man/man5/clat-nfq.conf.5' &&
	test -f '$d/root/usr/share/bash-completion/completions/clat-nfq' &&
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
for m in doc/clat-nfq.8 doc/clat-nfq.conf.5; do
	check "$m: mandoc -T lint and man --warnings say nothing" bash -c \
		"[ -z \"\$(mandoc -T lint -W style $m 2>&1; LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l $m 2>&1 >/dev/null)\" ]"
done
# Every key the parser knows is in clat-nfq.conf(5), and in the example.
keys=$({ grep -o 'strcmp(key, "[a-z0-9-]*")' src/config.c | sed 's/.*"\(.*\)")/\1/'
	sed -n 's/^\t*{ "\([a-z0-9-]*\)",.*/\1/p' src/config.c; } | sort -u)
missing=""
for k in $keys; do
	grep -Eq "^\.(B|BR|BI) (.* )?\"?$k([= \"]|$)" doc/clat-nfq.conf.5 || missing="$missing $k"
done
check "clat-nfq.conf(5) has every key ($(echo $keys | wc -w))${missing:+, lacks$missing}" [ -z "$missing" ]
comp=$(bash -c '. doc/clat-nfq.bash-completion; COMP_WORDS=(clat-nfq v4-def); COMP_CWORD=1; _clat_nfq; echo "${COMPREPLY[*]}"')
check "bash completion completes keys ($comp)" contains "$comp" "v4-defaultroute-mtu="
# A packager's build, in a copy: the system left alone, the flags honoured.
mkdir "$d/src"
git ls-files -z | xargs -0 cp --parents -t "$d/src"
out=$(cd "$d/src" && make V=1 CPPFLAGS=-DPKG_CPPFLAGS_SEEN LDFLAGS=-Wl,-z,now 2>&1)
compiles() { grep -c -- ' -c src/.*\.c' <<<"$out"; }
with_cppflags() { grep -- ' -c src/.*\.c' <<<"$out" | grep -c -- '-DPKG_CPPFLAGS_SEEN'; }
linked_now() { grep -- ' -o build/clat-nfq' <<<"$out" | grep -q -- '-Wl,-z,now'; }
check "make: CPPFLAGS on every compile ($(with_cppflags) of $(compiles))" [ "$(with_cppflags)" = "$(compiles)" ]
check "make: LDFLAGS on the link" linked_now
check "make: no package installer, no -Werror" bash -c "! grep -q 'install-deps\|apt-get\|-Werror' <<<\"\$1\"" _ "$out"
check "make install: no package installer either" bash -c \
	"! make -C '$d/src' -n install DESTDIR='$d/r2' | grep -q 'install-deps\|apt-get'"
# (eam-file= names a file that must exist: an empty one here)
: > "$d/eam"
sed 's/^#\([a-z0-9-]*=\)/\1/; s|^eam-file=.*|eam-file='"$d"'/eam|' doc/clat-nfq.conf.example > "$d/all.conf"
check "every key of the example is accepted ($(grep -c '^[a-z]' "$d/all.conf") keys)" \
	bash -c "build/clat-nfq -c '$d/all.conf' -p plat-prefix=64:ff9b::/96 clat-v6-addr=2001:db8::2 >/dev/null"
echo "# the operator's" >> "$d/root/etc/clat-nfq.conf"
make --no-print-directory -s install DESTDIR="$d/root" PREFIX=/usr >/dev/null
check "a second install keeps the operator's config" grep -q "the operator's" "$d/root/etc/clat-nfq.conf"
make --no-print-directory -s uninstall DESTDIR="$d/root" PREFIX=/usr >/dev/null
check "uninstall leaves only /etc/clat-nfq.conf" [ "$(cd "$d/root" && find . -type f)" = "./etc/clat-nfq.conf" ]
checks_done install
