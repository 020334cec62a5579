#!/usr/bin/env bash
# Pack: time and output size of `boxcar pack` (default level, and --level 19)
# against compressing the same layers with `zstd -19 -T0` (each layer's tar, sizes
# summed) and `mksquashfs -comp zstd` of the flattened root file system. The
# image is the Flask example's (Debian + python3-flask).
#   bench/pack.sh          (after ./build.sh test has made the fixtures)
#   results: build/bench/pack.md
set -euo pipefail
cd "$(dirname "$0")/.."
TOP=$PWD OUT=$TOP/build/bench/pack
IMG=build/test-fixtures/oci-flask
[ -d "$IMG" ] || { echo "bench: no $IMG (run ./build.sh test once)" >&2; exit 1; }
command -v mksquashfs >/dev/null || { echo "bench: needs squashfs-tools" >&2; exit 1; }
rm -rf "$OUT"; mkdir -p "$OUT/layers"
# the layers as plain tars, and the flattened root file system
m=$(jq -r '.manifests[0].digest' "$IMG/index.json")
for d in $(jq -r '.layers[].digest' "$IMG/blobs/sha256/${m#sha256:}"); do
    zcat -f "$IMG/blobs/sha256/${d#sha256:}" > "$OUT/layers/${d#sha256:}.tar"
done
build/boxcar pack -q "oci:$IMG" -o "$OUT/flask"
"$OUT/flask" --boxcar-extract="$OUT/flat" 2>/dev/null
stub=$(stat -c %s build/stub)
stub_arm64=$(stat -c '%s bytes' build/stub-arm64 2>/dev/null || true)

t() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); echo "$e - $s" | bc; }
size() { stat -c %s "$@" | paste -sd+ | bc; }
{
    echo "| contender | seconds | bytes | vs zstd -19 |"
    echo "|---|---|---|---|"
    tz=$(t sh -c "for f in $OUT/layers/*.tar; do zstd -q -19 -T0 -f \$f -o \$f.zst; done")
    z=$(size "$OUT"/layers/*.tar.zst)
    row() { printf '| %s | %.1f | %s | %.3f |\n' "$1" "$2" "$3" "$(echo "$3 / $z" | bc -l)"; }
    row "tar | zstd -19 -T0 (per layer)" "$tz" "$z"
    for lv in 6 19; do
        tb=$(t build/boxcar pack -q --level $lv "oci:$IMG" -o "$OUT/flask-$lv")
        row "boxcar pack --level $lv (payload, stub excluded)" "$tb" "$(( $(stat -c %s "$OUT/flask-$lv") - stub ))"
    done
    ts=$(t mksquashfs "$OUT/flat" "$OUT/flat.sqfs" -comp zstd -Xcompression-level 19 -noappend -quiet)
    row "mksquashfs -comp zstd -Xcompression-level 19" "$ts" "$(stat -c %s "$OUT/flat.sqfs")"
    ts=$(t mksquashfs "$OUT/flat" "$OUT/flat15.sqfs" -comp zstd -noappend -quiet)
    row "mksquashfs -comp zstd (level 15)" "$ts" "$(stat -c %s "$OUT/flat15.sqfs")"
    echo
    echo "image: $(du -sb "$OUT/layers" | cut -f1) bytes of layer tars, $(ls "$OUT/layers"/*.tar | wc -l) layers; stub $stub bytes" \
         "(arm64 stub: ${stub_arm64:-not built}, target 650 KB = 665,600 bytes)"
} | tee "$TOP/build/bench/pack.md"
