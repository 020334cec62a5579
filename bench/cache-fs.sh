#!/usr/bin/env bash
# What one launch costs the file system under the cache and the packed file
# (docs/hpc.md, "The cache on a cluster"): strace -f -y of a launch running
# /bin/true, counted by bench/cache-fs.py:
#   - bytes read from the packed file (read/pread/readv/... on its fd; the
#     kernel's exec of the stub itself, page faults, is counted apart: the
#     stub's size), and how many calls;
#   - calls on the cache directory (a path or an fd under it): metadata
#     (open, stat, mkdir, rename, getdents, flock, chmod, utimens, xattrs...)
#     and data (read/write), with bytes written;
#   - file calls naming neither (the runner's and the container's own: the
#     container's reach the cache's layers through the overlay or flat mount).
# Three launches per image, each of /bin/true:
#   cold   an empty BOXCAR_CACHE: the first launch on a node
#   warm   the same cache again
#   ro     an empty BOXCAR_CACHE with BOXCAR_CACHE_RO seeded (boxcar cache
#          seed): a node's first launch on a shared read-only cache
# each in overlay and flat root modes; for flask also a warm launch of
# python3 -c 'import flask' (an app's own start, thousands of lookups). Runs with --boxcar-userns=root (one id:
# strace cannot follow the setuid newuidmap, and BOXCAR_CACHE_RO serves one id).
#   bench/cache-fs.sh              (IMAGES="debian flask" from build/test-fixtures)
#   results: build/bench/cache-fs/results.md
set -euo pipefail
cd "$(dirname "$0")/.."
TOP=$PWD OUT=$TOP/build/bench/cache-fs IMAGES=${IMAGES:-debian flask}
command -v strace >/dev/null || { echo "bench: needs strace" >&2; exit 1; }
rm -rf "$OUT"; mkdir -p "$OUT"; chmod 0755 "$OUT"
{
    echo "| image | root | launch | bytes read from the file (calls) | cache: metadata calls | cache: data calls (bytes written) | other file calls |"
    echo "|---|---|---|---|---|---|---|"
} > "$OUT/results.md"
trace() {   # NAME CACHE RO FILE ARGS...: one traced launch
    local name=$1 cache=$2 ro=$3 file=$4; shift 4
    BOXCAR_CACHE=$cache BOXCAR_CACHE_RO=$ro strace -f -y -qq -s 256 -o "$OUT/$name.trace" \
        "$file" --boxcar-userns=root --boxcar-entrypoint=/bin/true "$@"
}
for img in $IMAGES; do
    src=build/test-fixtures/oci-$img
    [ -d "$src" ] || { echo "bench: no $src (run tests/run.sh once)" >&2; exit 1; }
    build/boxcar pack -q "oci:$src" -o "$OUT/$img"
    build/boxcar cache seed "$OUT/$img" "$OUT/ro-$img" 2>/dev/null
    for root in overlay flat; do
        for run in cold warm ro; do
            c=$OUT/cache-$img-$root; [ $run = warm ] || { rm -rf "$c"; mkdir -m 0700 "$c"; }
            ro=; [ $run = ro ] && ro=$OUT/ro-$img
            trace "$img-$root-$run" "$c" "$ro" "$OUT/$img" --boxcar-root=$root
            printf '| %s | %s | %s | %s |\n' "$img" "$root" "$run" \
                "$(python3 bench/cache-fs.py "$OUT/$img-$root-$run.trace" "$OUT/$img" "$c" "$ro")" >> "$OUT/results.md"
        done
    done
    if [ "$img" = flask ]; then   # the app's own start: its file calls reach the cache's layers
        for root in overlay flat; do
            c=$OUT/cache-$img-$root-app; mkdir -m 0700 "$c"
            BOXCAR_CACHE=$c "$OUT/$img" --boxcar-userns=root --boxcar-root=$root --boxcar-entrypoint=/bin/true
            BOXCAR_CACHE=$c strace -f -y -qq -s 256 -o "$OUT/$img-$root-app.trace" "$OUT/$img" \
                --boxcar-userns=root --boxcar-root=$root --boxcar-entrypoint=python3 -c 'import flask'
            printf '| %s | %s | warm, python3 -c "import flask" | %s |\n' "$img" "$root" \
                "$(python3 bench/cache-fs.py "$OUT/$img-$root-app.trace" "$OUT/$img" "$c")" >> "$OUT/results.md"
        done
    fi
    printf '| %s | | file size %s bytes, stub %s bytes (mapped by exec) | | | | |\n' "$img" \
        "$(stat -c %s "$OUT/$img")" "$(stat -c %s build/stub)" >> "$OUT/results.md"
done
cat "$OUT/results.md"
