#!/usr/bin/env bash
# Cold start: first launch of a packed image (extract every layer into an empty
# cache, verify, run /bin/true; with --boxcar-root=flat, merge the layers too) against unpacking the same content with
# `tar --zstd -x` and `unsquashfs` (no verification, no container). Each run
# gets a new directory (ext4 here is slow to create files right after a big
# rm -rf). IMAGE: debian (default) or flask (Debian + python3, ~2x the size).
# RUNS_DIR: where the runs extract (default build/bench/cold/runs; a tmpfs such
# as /dev/shm/boxcar-cold takes the disk's quirks out and leaves the CPU work).
#   bench/coldstart.sh [RUNS]     (after ./build.sh test has made the fixtures)
#   results: build/bench/coldstart.md
set -euo pipefail
cd "$(dirname "$0")/.."
TOP=$PWD RUNS=${1:-10} OUT=$TOP/build/bench/cold IMAGE=${IMAGE:-debian}
command -v hyperfine >/dev/null || { echo "bench: needs hyperfine" >&2; exit 1; }
IMG=build/test-fixtures/oci-$IMAGE
[ -d "$IMG" ] || { echo "bench: no $IMG (run ./build.sh test once)" >&2; exit 1; }
RD=${RUNS_DIR:-$OUT/runs}
rm -rf "$OUT" "$RD"; mkdir -p "$OUT" "$RD"
build/boxcar pack -q "oci:$IMG" -o "$OUT/img"
"$OUT/img" --boxcar-extract="$OUT/flat"
tar -C "$OUT/flat" -cf - . | zstd -q -6 -o "$OUT/rootfs.tar.zst"
have_sq=0
if command -v mksquashfs >/dev/null; then
    mksquashfs "$OUT/flat" "$OUT/rootfs.sqfs" -comp zstd -noappend -quiet >/dev/null && have_sq=1
fi
rm -rf "$OUT/flat"
cat > "$OUT/boxcar-cold" <<EOS
#!/bin/sh
d=\$(mktemp -d "$RD/b.XXXXXX"); chmod 700 "\$d"
BOXCAR_CACHE="\$d" "$OUT/img" --boxcar-entrypoint=/bin/true
EOS
cat > "$OUT/boxcar-cold-1cpu" <<EOS
#!/bin/sh
d=\$(mktemp -d "$RD/c.XXXXXX"); chmod 700 "\$d"
BOXCAR_CACHE="\$d" taskset -c 0 "$OUT/img" --boxcar-entrypoint=/bin/true
EOS
cat > "$OUT/boxcar-cold-flat" <<EOS
#!/bin/sh
d=\$(mktemp -d "$RD/f.XXXXXX"); chmod 700 "\$d"
BOXCAR_CACHE="\$d" "$OUT/img" --boxcar-root=flat --boxcar-entrypoint=/bin/true
EOS
cat > "$OUT/tar-cold" <<EOS
#!/bin/sh
d=\$(mktemp -d "$RD/t.XXXXXX")
tar --zstd -xf "$OUT/rootfs.tar.zst" -C "\$d"
EOS
cat > "$OUT/unsquashfs-cold" <<EOS
#!/bin/sh
d=\$(mktemp -d "$RD/s.XXXXXX")
unsquashfs -q -n -d "\$d/r" "$OUT/rootfs.sqfs" >/dev/null
EOS
chmod +x "$OUT/boxcar-cold" "$OUT/boxcar-cold-flat" "$OUT/boxcar-cold-1cpu" "$OUT/tar-cold" "$OUT/unsquashfs-cold"
sq=(); [ $have_sq = 1 ] && sq=(-n "unsquashfs (zstd)" "$OUT/unsquashfs-cold")
echo "image: $(du -sh "$OUT/img" | cut -f1) packed, $(jq '.layers | length' < <("$OUT/img" --boxcar-inspect)) layers"
# each run starts from an empty RUNS_DIR (on tmpfs, earlier runs' gigabytes
# would otherwise pile up in memory and slow the later contenders)
hyperfine --warmup 1 --runs "$RUNS" --prepare "rm -rf $RD && mkdir -p $RD" \
    --export-markdown "$TOP/build/bench/coldstart.md" \
    -n "boxcar first launch" "$OUT/boxcar-cold" -n "boxcar first launch, flat root (extract + merge)" "$OUT/boxcar-cold-flat" -n "boxcar first launch, one core (layers in turn)" "$OUT/boxcar-cold-1cpu" \
    -n "tar --zstd -x (flattened)" "$OUT/tar-cold" "${sq[@]}"
rm -rf "$RD"
