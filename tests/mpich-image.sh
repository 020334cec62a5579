#!/usr/bin/env bash
# The MPI fixture: oci-debian (Debian bookworm minbase) plus one layer with
# Debian's mpich runtime (libmpich12 and the libraries it needs that minbase
# lacks, unpacked with dpkg -x from `apt-get download`) and two programs built
# with the host's mpicc (the same Debian release): /usr/local/bin/mpi-hello
# (tests/mpi/hello.c) and /usr/local/bin/mpi-pingpong (bench/mpi-pingpong.c).
# Kept apart from fixtures.sh, whose stamp rebuilds every fixture: this one is
# made when missing or when its sources change (its own stamp), in seconds.
#
#   tests/mpich-image.sh [FIX]     -> FIX/oci-mpich:latest (default build/test-fixtures)
set -euo pipefail
cd "$(dirname "$0")/.."
TOP=$PWD
FIX=${1:-$TOP/build/test-fixtures}
OUT=$FIX/oci-mpich
PKGS="libmpich12 libucx0 libhwloc15 libnuma1 libibverbs1 ibverbs-providers librdmacm1 libnl-3-200 libnl-route-3-200"
say() { printf 'mpich-image: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

stamp=$( (cat "$0" tests/mpi/hello.c bench/mpi-pingpong.c; echo "$PKGS"; cat "$FIX/.stamp" 2>/dev/null) | sha256sum | cut -c1-16)
[ "$(cat "$OUT/.stamp" 2>/dev/null)" = "$stamp" ] && exit 0
for t in umoci mpicc dpkg apt-get; do command -v "$t" >/dev/null || die "missing tool: $t (apt-get install umoci mpich libmpich-dev)"; done
[ -d "$FIX/oci-debian" ] || die "no $FIX/oci-debian (run tests/fixtures.sh first)"

W=$(mktemp -d "${TMPDIR:-/tmp}/mpich-image.XXXXXX")
trap 'rm -rf "$W"' EXIT
say "building $OUT (oci-debian + Debian's mpich runtime + mpi-hello, mpi-pingpong)"
mkdir -p "$W/debs" "$W/layer/usr/local/bin"
chmod 0777 "$W/debs"   # (apt's download user writes there)
(cd "$W/debs" && apt-get download -q $PKGS >/dev/null 2>"$W/apt.log") || die "apt-get download failed: $(tail -n1 "$W/apt.log")"
for d in "$W"/debs/*.deb; do dpkg -x "$d" "$W/layer"; done
rm -rf "$W/layer/usr/share/doc" "$W/layer/usr/share/man" "$W/layer/usr/share/lintian"
# Debian's /lib, /bin, /sbin are symlinks into /usr (merged /usr): a real
# directory in the new layer would hide them, so what .debs put there moves
for d in lib bin sbin; do
    [ -d "$W/layer/$d" ] || continue
    mkdir -p "$W/layer/usr/$d" && cp -a "$W/layer/$d/." "$W/layer/usr/$d/" && rm -rf "${W:?}/layer/$d"
done
mpicc -O2 -o "$W/layer/usr/local/bin/mpi-hello" tests/mpi/hello.c
mpicc -O2 -o "$W/layer/usr/local/bin/mpi-pingpong" bench/mpi-pingpong.c

rm -rf "$OUT.tmp" && cp -a "$FIX/oci-debian" "$OUT.tmp"
umoci insert --image "$OUT.tmp:latest" "$W/layer" / >/dev/null
umoci config --image "$OUT.tmp:latest" --config.workingdir / \
    --config.cmd /usr/local/bin/mpi-hello \
    --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --config.env BOXCAR_FIXTURE=mpich >/dev/null
umoci gc --layout "$OUT.tmp"
echo "$stamp" > "$OUT.tmp/.stamp"
chmod -R a+rX "$OUT.tmp"
rm -rf "$OUT" && mv "$OUT.tmp" "$OUT"
say "done"
