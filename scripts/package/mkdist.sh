#!/bin/sh
# make dist: a source tarball of the tracked files of the tree, as they are
# in the working tree, under xenolith-VERSION/, with a .release file (line
# 1: the version, line 2: SOURCE_DATE_EPOCH, line 3: the commit) so that a build from it
# reports the same version and packages with the same dates as the
# checkout. Deterministic: sorted names, fixed times, owners and modes.
#
#   mkdist.sh SRCTREE VERSION OUT.tar.xz
set -eu
src=$1 version=$2 out=$3
name=xenolith-$version
epoch=${SOURCE_DATE_EPOCH:-$(git -C "$src" log -1 --format=%ct)}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xenolith-dist.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/$name"
# The tracked files (a tracked file deleted but not committed stops it).
git -C "$src" ls-files -z | (cd "$src" && xargs -0 cp --parents -P -t "$tmp/$name")
commit=$(git -C "$src" rev-parse HEAD)
printf '%s\n%s\n%s\n' "$version" "$epoch" "$commit" > "$tmp/$name/.release"
chmod -R u+rwX,go+rX,go-w "$tmp/$name"
mkdir -p "$(dirname "$out")"
tar -C "$tmp" --sort=name --mtime="@$epoch" --owner=0 --group=0 --numeric-owner \
	--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
	-cf - "$name" | xz -6 -T1 > "$out.tmp"
mv "$out.tmp" "$out"
echo "dist: $out"
