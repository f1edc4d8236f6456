#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The Debian package (issue 16), as a distribution would build and ship it:
# dpkg-buildpackage -us -uc -b in a clean copy of the checkout (its tracked
# and new files, nothing built), lintian with no error or warning, what
# dpkg -c lists, BIND_NOW and PIE from Debian's flags, the version from
# debian/changelog and VERSION alike; then installed with apt into a
# throwaway Debian 12 root (mmdebstrap): the binary runs, /etc/clat-nfq.conf
# is a conffile, the unit is enabled, and apt purge leaves nothing behind.
# Root: mmdebstrap builds the root as root. KEEP=1 keeps the directory.
set -euo pipefail
cd "$(dirname "$0")/../.."
t=$(mktemp -d /tmp/cnfq-pkg.XXXXXX)
cleanup() { set +e; [ -n "${KEEP:-}" ] && { echo "kept $t"; return; }; rm -rf "$t"; }
trap cleanup EXIT
. scripts/checks
say() { echo "     $*"; }

# A clean copy: what git knows of (committed or not) and new files not
# ignored; no build/, no .git (the version must come from debian/).
mkdir "$t/src"
git ls-files -co --exclude-standard -z | while IFS= read -r -d '' f; do
	[ -e "$f" ] && printf '%s\0' "$f"
done | xargs -0 cp --parents -t "$t/src"
v=$(cat VERSION)
cv=$(cd "$t/src" && dpkg-parsechangelog -S Version)
check "debian/changelog has the version of VERSION ($cv, $v)" [ "$cv" = "$v" ]

rc=0
(cd "$t/src" && dpkg-buildpackage -us -uc -b) > "$t/build.log" 2>&1 || rc=$?
check "dpkg-buildpackage -us -uc -b builds (exit $rc)" [ $rc = 0 ]
[ $rc = 0 ] || { tail -20 "$t/build.log"; checks_done package; }
deb=$(ls "$t"/clat-nfq_"$v"_*.deb)
check "the build used -Werror nowhere" bash -c "! grep -- ' -c src/' '$t/build.log' | grep -q -- '-Werror '"
check "the build installed no package" bash -c "! grep -q 'install-deps\|apt-get' '$t/build.log'"

# lintian leaves a cache file (mldbm-elf-*) in TMPDIR: in the test's own directory it goes with it
TMPDIR="$t" lintian --pedantic --display-info "$t"/clat-nfq_"$v"_*.changes > "$t/lintian.log" 2>&1 || true
ew=$(grep -c '^[EW]: ' "$t/lintian.log" || true)
grep '^[EWIP]: ' "$t/lintian.log" | sed 's/^/     lintian /' || true
check "lintian: no error, no warning ($ew)" [ "$ew" = 0 ]

dpkg -c "$deb" | awk '{ print $6 }' | sed 's|^\./|/|' > "$t/contents"
missing=""
for f in /usr/sbin/clat-nfq /lib/systemd/system/clat-nfq.service \
	/usr/share/man/man8/clat-nfq.8.gz /usr/share/man/man5/clat-nfq.conf.5.gz \
	/usr/share/doc/clat-nfq/examples/clat-nfq.conf.example \
	/usr/share/doc/clat-nfq/copyright /usr/share/bash-completion/completions/clat-nfq \
	/etc/clat-nfq.conf; do
	grep -qx "$f" "$t/contents" || missing="$missing $f"
done
check "dpkg -c: binary, unit, man pages, example, copyright, completion, config${missing:+; lacks$missing}" [ -z "$missing" ]
stray=$(grep -v -e '^/$' -e '^/etc/$' -e '^/etc/clat-nfq\.conf$' -e '^/usr/$' \
	-e '^/lib/\(systemd/\(system/\(clat-nfq\.service\)\?\)\?\)\?$' \
	-e '^/usr/sbin/\(clat-nfq\)\?$' -e '^/usr/share/' "$t/contents" | tr '\n' ' ' || true)
check "dpkg -c: nothing elsewhere${stray:+ ($stray)}" [ -z "$stray" ]
check "the conffile is /etc/clat-nfq.conf" bash -c "[ \"\$(dpkg-deb --ctrl-tarfile '$deb' | tar -xO ./conffiles)\" = /etc/clat-nfq.conf ]"

mkdir "$t/x"
dpkg-deb -x "$deb" "$t/x"
dyn=$(readelf -d "$t/x/usr/sbin/clat-nfq")
check "readelf -d: BIND_NOW (hardening=+all, LDFLAGS honoured)" grep -q 'FLAGS.*BIND_NOW' <<<"$dyn"
check "readelf -d: PIE" grep -q 'FLAGS_1.*PIE' <<<"$dyn"
check "fortified (CPPFLAGS honoured): __*_chk calls" bash -c "readelf -W --dyn-syms '$t/x/usr/sbin/clat-nfq' | grep -q '__[a-z]*_chk'"
check "the binary says the package's version" [ "$("$t/x/usr/sbin/clat-nfq" --version)" = "clat-nfq $v" ]

# Installed with apt into a throwaway Debian 12 root, then purged. The
# hook runs inside mmdebstrap's mounts; what it saw goes to $t. That root
# comes from Debian's archive: where the archive is out of reach on
# purpose (make check-fresh runs the suite offline, CLAT_NFQ_OFFLINE=1, so
# that a package missing from install-deps fails) this part is left to
# the runs that have it (make check here, and make check-vm's guest-deb,
# which installs, starts and purges the .deb under systemd).
if [ -n "${CLAT_NFQ_OFFLINE:-}" ]; then
	say "offline (CLAT_NFQ_OFFLINE): no throwaway root from the archive here"
	checks_done package
fi
cp "$deb" "$t/clat-nfq.deb"
cat > "$t/hook.sh" <<'EOF'
#!/bin/sh
# $1: the new root, $2: the test's directory
set -eu
r=$1 t=$2
snap() {	# everything but logs, caches and package lists
	chroot "$r" find / -xdev \( -path /tmp -o -path /var/log -o -path /var/cache \
		-o -path /var/lib/apt -o -path /proc -o -path /sys -o -path /dev -o -path /run \) -prune \
		-o ! -path '/var/lib/dpkg/*' -print -o -path '/var/lib/dpkg/info/*' -print | sort
}
snap > "$t/before"
cp "$t/clat-nfq.deb" "$r/tmp/"
chroot "$r" env DEBIAN_FRONTEND=noninteractive apt-get install -y \
	/tmp/clat-nfq.deb > "$t/install.log" 2>&1 || echo "install failed" >> "$t/install.log"
rm -f "$r/tmp/clat-nfq.deb"
chroot "$r" dpkg-query -W -f='${Status}\n' clat-nfq > "$t/status-installed" 2>&1 || true
chroot "$r" dpkg-query -W -f='${Conffiles}\n' clat-nfq > "$t/conffiles" 2>&1 || true
chroot "$r" /usr/sbin/clat-nfq --version > "$t/version" 2>&1 || true
chroot "$r" /usr/sbin/clat-nfq -p plat-prefix=64:ff9b::/96 clat-v6-addr=2001:db8::2 > "$t/rules" 2>&1 || true
ls -l "$r/etc/systemd/system/multi-user.target.wants/" > "$t/wants" 2>&1 || true
chroot "$r" man -w clat-nfq.conf > "$t/manpath" 2>&1 || true
snap > "$t/installed"
chroot "$r" env DEBIAN_FRONTEND=noninteractive apt-get purge -y clat-nfq > "$t/purge.log" 2>&1 || echo "purge failed" >> "$t/purge.log"
snap > "$t/after"
EOF
chmod +x "$t/hook.sh"
rc=0
mmdebstrap --quiet --variant=apt \
	--include=init-system-helpers,man-db,libmnl0,libnetfilter-queue1,libnftnl11,libnfnetlink0 \
	--customize-hook="'$t/hook.sh' \"\$1\" '$t'" bookworm "$t/root" > "$t/mmdebstrap.log" 2>&1 || rc=$?
check "a throwaway Debian 12 root (mmdebstrap, exit $rc)" [ $rc = 0 ]
[ $rc = 0 ] || tail -5 "$t/mmdebstrap.log"
check "apt-get installs the .deb there" bash -c "! grep -q 'install failed' '$t/install.log' && grep -q 'install ok installed' '$t/status-installed'"
check "the installed binary runs: $(cat "$t/version" 2>/dev/null)" [ "$(cat "$t/version" 2>/dev/null)" = "clat-nfq $v" ]
check "... and prints its rules (-p)" grep -q 'table ip6 clat-nfq' "$t/rules"
check "/etc/clat-nfq.conf registered as a conffile" grep -q '/etc/clat-nfq.conf [0-9a-f]' "$t/conffiles"
check "the unit enabled at install (Debian's default for a daemon)" grep -q 'clat-nfq.service -> /lib/systemd/system/clat-nfq.service' "$t/wants"
check "man clat-nfq.conf finds section 5" grep -q 'man5/clat-nfq.conf.5.gz' "$t/manpath"
added=$(comm -13 "$t/before" "$t/installed" | wc -l)
left=$(comm -3 "$t/before" "$t/after" || true)
check "apt-get purge removes it all ($added paths came, $(echo -n "$left" | grep -c . || true) differ after)" \
	bash -c "! grep -q 'purge failed' '$t/purge.log' && [ -z \"\$1\" ]" _ "$left"
[ -z "$left" ] || say "left after purge: $left"

checks_done package
