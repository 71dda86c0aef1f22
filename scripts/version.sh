#!/bin/sh
# Print the kernel's version (what `make kernelversion` shows, what the image
# prints at boot and carries in its "Xenolith" ELF note, and the Debian
# package's version).
#
#   scripts/version.sh SRCTREE BASE
#
# A source tarball made by `make dist` has a file .release at its top: its
# first line is the version, so a build from the tarball reports the
# version of the commit it came from. Otherwise git describes the tree:
#   tag vX.Y[...] at HEAD        X.Y
#   N commits after tag vX.Y     X.Y+N.gHASH
#   no tag                       BASE+gitN.gHASH    (N: commits in HEAD)
# and ".dirty" is appended when tracked files differ from HEAD. Every form
# starts with a digit and uses only [0-9A-Za-z.+~], so it is a valid
# Debian (native) version and sorts upwards as commits are added; it is
# kept short (8 hex digits of hash) because the image package's name
# carries it too (lintian: package file names within 80 characters).
# Without git or a .release file: BASE+unknown.
set -eu
src=${1:?usage: version.sh SRCTREE BASE}
base=${2:?usage: version.sh SRCTREE BASE}

if [ -f "$src/.release" ]; then
	head -n 1 "$src/.release"
	exit 0
fi
if ! git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
	echo "$base+unknown"
	exit 0
fi
dirty=
# Refresh the index first, or a touched but unchanged file counts as dirty.
git -C "$src" update-index -q --refresh >/dev/null 2>&1 || true
if ! git -C "$src" diff-index --quiet HEAD -- 2>/dev/null; then
	dirty=.dirty
fi
if d=$(git -C "$src" describe --tags --match 'v[0-9]*' --abbrev=8 2>/dev/null); then
	d=${d#v}
	case "$d" in
	*-*-g*)	# X.Y-N-gHASH
		hash=${d##*-g}; rest=${d%-g*}; n=${rest##*-}; tag=${rest%-*}
		echo "$tag+$n.g$hash$dirty" ;;
	*)	echo "$d$dirty" ;;
	esac
	exit 0
fi
n=$(git -C "$src" rev-list --count HEAD)
hash=$(git -C "$src" rev-parse --short=8 HEAD)
echo "$base+git$n.g$hash$dirty"
