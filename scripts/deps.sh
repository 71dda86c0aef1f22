#!/bin/bash
# Install what Xenolith's build, tests and runs need, if it is missing.
#
#   scripts/deps.sh build   compiler, make, binutils, kconfiglib, Xen ABI headers
#   scripts/deps.sh check   build + clang/lld/libFuzzer for the host unit tests
#   scripts/deps.sh run     build + QEMU, GRUB tools, and the Xen hypervisor
#   scripts/deps.sh test    everything (check + run)
#   scripts/deps.sh pkg     build + what make deb-pkg, deb-check and install-test
#                           use: lintian, debootstrap, xz, mke2fs, QEMU
#   scripts/deps.sh libvirt QEMU, Debian's libvirt daemon and virsh (virsh-test)
#   scripts/deps.sh xen     only fetch the Xen hypervisor into the cache
#   scripts/deps.sh xen-path   print where the Xen ELF lives (no fetching)
#   scripts/deps.sh lab     build + QEMU + debootstrap, then build the xl lab
#                           (tests/xl/labbuild.py: Xen, a Debian dom0 kernel and
#                           initramfs with xl, cached in $XENOLITH_CACHE/lab)
#
# Idempotent: packages are checked with dpkg-query first, and apt-get update
# runs only when something is missing. Not root and something missing: the
# apt-get line to run is printed and the script fails.
#
# Xen is never installed (that would change the host's boot loader): its
# Debian package is downloaded with apt-get download and unpacked with
# dpkg -x into $XENOLITH_CACHE (default ~/.cache/xenolith), and the gzipped
# hypervisor is decompressed to $XENOLITH_CACHE/xen.elf for QEMU's multiboot
# loader.
set -euo pipefail

mode=${1:-test}

XEN_PKG=${XEN_PKG:-xen-hypervisor-4.17-amd64}
XEN_GZ=boot/xen-4.17-amd64.gz
cache=${XENOLITH_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/xenolith}
xen_elf=$cache/xen.elf

pkgs_build=(gcc make binutils python3 python3-kconfiglib libxen-dev)
pkgs_check=(clang lld libclang-rt-14-dev)
pkgs_run=(qemu-system-x86 grub-pc-bin grub-common xorriso mtools)
pkgs_lab=(qemu-system-x86 debootstrap)
pkgs_pkg=(dpkg lintian debootstrap xz-utils e2fsprogs qemu-system-x86)
pkgs_libvirt=(qemu-system-x86 libvirt-daemon-system libvirt-clients libxml2-utils)

log() { printf 'deps: %s\n' "$*"; }
is_root() { [ "$(id -u)" -eq 0 ]; }

apt_updated=0
apt_update() {
	if [ "$apt_updated" -eq 0 ]; then
		log "apt-get update"
		DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
		apt_updated=1
	fi
}

install_pkgs() {
	local missing=() p
	for p in "$@"; do
		if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
			missing+=("$p")
		fi
	done
	if [ ${#missing[@]} -eq 0 ]; then
		log "packages present: $*"
		return 0
	fi
	local cmd="apt-get install -y --no-install-recommends ${missing[*]}"
	if ! is_root; then
		log "missing packages: ${missing[*]}"
		echo "Run as root:  apt-get update && $cmd" >&2
		return 1
	fi
	apt_update
	log "$cmd"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
		"${missing[@]}" </dev/null
}

# Download the Xen hypervisor package (never installed) and unpack xen.elf.
fetch_xen() {
	if [ -s "$xen_elf" ] && [ "$(head -c 4 "$xen_elf" | od -An -c | tr -d ' ')" = '177ELF' ]; then
		log "Xen present: $xen_elf ($(cat "$cache/xen.version" 2>/dev/null || echo unknown version))"
		return 0
	fi
	mkdir -p "$cache"
	local dl
	dl=$(mktemp -d "$cache/dl.XXXXXX")
	# shellcheck disable=SC2064
	trap "rm -rf '$dl'; trap - RETURN" RETURN
	local apt_opts=()
	# As root, apt drops to the _apt user for downloads, which cannot write
	# to a private cache directory; download as root instead.
	is_root && apt_opts=(-o APT::Sandbox::User=root)
	log "apt-get download $XEN_PKG (into $cache)"
	if ! (cd "$dl" && apt-get download -q "${apt_opts[@]}" "$XEN_PKG" >/dev/null); then
		if is_root; then
			apt_update
			(cd "$dl" && apt-get download -q "${apt_opts[@]}" "$XEN_PKG" >/dev/null)
		else
			echo "Cannot download $XEN_PKG; as root run: apt-get update" >&2
			return 1
		fi
	fi
	local deb
	deb=$(ls "$dl"/*.deb)
	dpkg -x "$deb" "$dl/x"
	if [ ! -f "$dl/x/$XEN_GZ" ]; then
		echo "deps: $deb has no $XEN_GZ" >&2
		return 1
	fi
	zcat "$dl/x/$XEN_GZ" >"$xen_elf.tmp"
	mv "$xen_elf.tmp" "$xen_elf"
	dpkg-deb -f "$deb" Version >"$cache/xen.version"
	log "Xen $(cat "$cache/xen.version") unpacked to $xen_elf"
}

case "$mode" in
build)
	install_pkgs "${pkgs_build[@]}" ;;
check)
	install_pkgs "${pkgs_build[@]}" "${pkgs_check[@]}" ;;
run)
	install_pkgs "${pkgs_build[@]}" "${pkgs_run[@]}"
	# Only the Xen boot modes need it; boot.py fetches it again on demand.
	fetch_xen || log "warning: could not fetch Xen; only native and grub runs will work" ;;
pkg)
	install_pkgs "${pkgs_build[@]}" "${pkgs_pkg[@]}" ;;
libvirt)
	install_pkgs "${pkgs_build[@]}" "${pkgs_libvirt[@]}" ;;
test | all)
	install_pkgs "${pkgs_build[@]}" "${pkgs_check[@]}" "${pkgs_run[@]}" "${pkgs_pkg[@]}" \
		"${pkgs_libvirt[@]}"
	fetch_xen ;;
xen)
	fetch_xen ;;
lab)
	install_pkgs "${pkgs_build[@]}" "${pkgs_lab[@]}"
	# The lab pins the versions apt offers; without package lists there are none.
	if ! apt-cache policy xen-utils-4.17 2>/dev/null | grep -q 'Candidate: [0-9]'; then
		if is_root; then
			apt_update
		else
			echo "deps: apt knows no xen-utils-4.17; as root run: apt-get update" >&2
			exit 1
		fi
	fi
	/usr/bin/python3 "$(dirname "$0")/../tests/xl/labbuild.py" ;;
xen-path)
	echo "$xen_elf" ;;
-h | --help | help)
	sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' ;;
*)
	echo "usage: $0 build|check|run|test|pkg|libvirt|xen|xen-path|lab" >&2
	exit 2 ;;
esac
