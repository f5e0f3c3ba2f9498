#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# fresh-debian.sh [COMMAND] — the README's set-up, tried on a bare machine:
# a minimal Debian bookworm (debootstrap --variant=minbase) in a temporary
# root, `make` and nothing else installed, a clone of this repository's
# committed HEAD, then COMMAND (default: make plots && make check) as root
# in a chroot. Prints the last lines and the time; exit status: COMMAND's.
#
# Needs root, debootstrap (installed when missing) and a Debian mirror
# (taken from this machine's apt sources; FRESH_MIRROR overrides). Takes
# minutes, so it is not part of make check. The base system is kept as a
# tarball in FRESH_CACHE (default /var/tmp/bptt-fresh) for the next run.
set -u
cmd=${1:-make plots && make check}
top=$(cd "$(dirname "$0")/.." && pwd)
cache=${FRESH_CACHE:-/var/tmp/bptt-fresh}
suite=bookworm

die() { echo "fresh-debian: $*" >&2; exit 2; }
[ "$(id -u)" = 0 ] || die "needs root (debootstrap and chroot)"
command -v git >/dev/null || die "needs git"
if ! command -v debootstrap >/dev/null; then
	echo "installing debootstrap"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap > /dev/null ||
		die "could not install debootstrap"
fi
mirror=${FRESH_MIRROR:-$(grep -rhoE 'https?://[^ ]+/debian/?' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null |
	grep -v -e security -e snapshot -e archive | head -n 1)}
[ -n "$mirror" ] || die "no Debian mirror in /etc/apt/sources*; set FRESH_MIRROR"
mkdir -p "$cache"

if [ ! -s "$cache/$suite.tgz" ]; then
	echo "downloading a minimal $suite from $mirror (once)"
	debootstrap --variant=minbase --make-tarball="$cache/$suite.tgz" "$suite" "$cache/tmp" "$mirror" \
		> "$cache/tarball.log" 2>&1 || die "debootstrap --make-tarball failed: $(tail -n 1 "$cache/tarball.log")"
	rm -rf "$cache/tmp"
fi

root=$(mktemp -d /var/tmp/bptt-root.XXXXXX)
cleanup() {
	for m in dev/pts dev sys proc; do umount -l "$root/$m" 2> /dev/null; done
	rm -rf --one-file-system "$root"
}
trap cleanup EXIT
echo "unpacking the base system into $root"
debootstrap --variant=minbase --unpack-tarball="$cache/$suite.tgz" "$suite" "$root" "$mirror" \
	> "$cache/root.log" 2>&1 || die "debootstrap failed: $(tail -n 1 "$cache/root.log")"
mount -t proc proc "$root/proc" && mount -t sysfs sys "$root/sys" &&
	mount --bind /dev "$root/dev" && mount --bind /dev/pts "$root/dev/pts" || die "could not mount /proc, /sys, /dev"
cp /etc/resolv.conf "$root/etc/resolv.conf"
git clone -q "$top" "$root/root/bptt" || die "git clone failed"
echo "installing make (the one thing the README asks for besides git)"
chroot "$root" /bin/sh -c 'apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q make' \
	> "$cache/make.log" 2>&1 || die "could not install make: $(tail -n 1 "$cache/make.log")"

echo "running '$cmd' as root in the chroot (log: $cache/run.log)"
t0=$(date +%s)
chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin TERM=dumb \
	/bin/bash -c "cd /root/bptt && $cmd" > "$cache/run.log" 2>&1
rc=$?
t=$(( $(date +%s) - t0 ))
tail -n 15 "$cache/run.log"
echo "fresh Debian $suite: '$cmd' exit $rc in $((t / 60)) min $((t % 60)) s"
exit $rc
