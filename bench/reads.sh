#!/usr/bin/env bash
# In-container reads against the host: the same files (a 256 MiB file read 4
# times; 20000 files of 4 KiB) read by busybox on the host from the cached
# layer directory, and inside the container through overlayfs. Page cache warm
# on both sides; each side's start cost (`true`) is measured and subtracted.
# Small files are read once (the first pass in a fresh overlay mount: each
# launch mounts a new one, whose inodes are made on first lookup) and twice
# (the second pass: a running container's steady state). A third contender,
# a bare overlayfs mount of the same layer made by hand in `unshare -rm`
# (no boxcar at all), shows how much of the difference is overlayfs's own;
# --boxcar-root=flat (the merged tree bound read-only) has none of it.
# Run as an unprivileged user (as root it re-runs itself as $BENCH_USER).
#   bench/reads.sh [RUNS]      results: build/bench/reads.md
set -euo pipefail
cd "$(dirname "$0")/.."
TOP=$PWD RUNS=${1:-10} OUT=$TOP/build/bench/reads
command -v hyperfine >/dev/null || { echo "bench: needs hyperfine" >&2; exit 1; }
if [ "$(id -u)" = 0 ]; then
    u=${BENCH_USER:-boxcartest}
    mkdir -p "$OUT"; chown "$u" "$OUT" "$TOP/build/bench"
    exec setpriv --reuid="$u" --regid="$u" --init-groups env HOME="$OUT" PATH="$PATH" "$TOP/bench/reads.sh" "$@"
fi
mkdir -p "$OUT"
R=$OUT/rootfs
if [ ! -f "$R/data/big" ]; then
    mkdir -p "$R/bin" "$R/data/small"
    cp /bin/busybox "$R/bin/"; for c in sh cat true; do ln -sf busybox "$R/bin/$c"; done
    head -c $((256 << 20)) /dev/urandom > "$R/data/big"
    for i in $(seq 1 20000); do head -c 4096 /dev/urandom > "$R/data/small/f$i"; done
fi
export BOXCAR_CACHE=$OUT/cache
build/boxcar pack -q "rootfs:$R" -o "$OUT/reads" --cmd '["/bin/true"]'
"$OUT/reads" true
"$OUT/reads" --boxcar-root=flat true
L=$(find "$BOXCAR_CACHE" -type d -path '*/layers/*' -prune | head -1)
[ -f "$L/data/big" ] || { echo "bench: cached layer not found" >&2; exit 1; }
big='cat /data/big /data/big /data/big /data/big > /dev/null'
small='cd /data/small && cat * > /dev/null'
small2='cd /data/small && cat * > /dev/null && cat * > /dev/null'
mkdir -p "$OUT/ovl"
ovl="mount -t tmpfs t $OUT/ovl && mkdir $OUT/ovl/u $OUT/ovl/w $OUT/ovl/m &&
 mount -t overlay o -o lowerdir=$L,upperdir=$OUT/ovl/u,workdir=$OUT/ovl/w,userxattr $OUT/ovl/m && cd $OUT/ovl/m &&"
bb=$R/bin/busybox
hyperfine -N --warmup 2 --runs "$RUNS" --export-json "$OUT/reads.json" \
    -n "overlay start" "unshare -rm sh -c '$ovl $bb true'" \
    -n "overlay big" "unshare -rm sh -c '$ovl $bb sh -c \"${big//\/data/data}\"'" \
    -n "overlay small" "unshare -rm sh -c '$ovl $bb sh -c \"${small//\/data/data}\"'" \
    -n "overlay small2" "unshare -rm sh -c '$ovl $bb sh -c \"${small2//\/data/data}\"'" \
    -n "host start" "$R/bin/busybox true" \
    -n "host big" "$R/bin/busybox sh -c '${big//\/data/$L/data}'" \
    -n "host small" "$R/bin/busybox sh -c '${small//\/data/$L/data}'" \
    -n "host small2" "$R/bin/busybox sh -c '${small2//\/data/$L/data}'" \
    -n "boxcar start" "$OUT/reads true" \
    -n "boxcar big" "$OUT/reads sh -c '$big'" \
    -n "boxcar small" "$OUT/reads sh -c '$small'" \
    -n "boxcar small2" "$OUT/reads sh -c '$small2'" \
    -n "flat start" "$OUT/reads --boxcar-root=flat true" \
    -n "flat big" "$OUT/reads --boxcar-root=flat sh -c '$big'" \
    -n "flat small" "$OUT/reads --boxcar-root=flat sh -c '$small'" \
    -n "flat small2" "$OUT/reads --boxcar-root=flat sh -c '$small2'"
jq -r '.results | map({(.command): .median}) | add |
    def t(w; k): (.["\(w) \(k)"] - .["\(w) \(if k == "small2" then "small" else "start" end)"]);
    def row(name; k): "| \(name) | \(t("host"; k)) | \(t("boxcar"; k)) | \(t("host"; k) / t("boxcar"; k)) | \(t("flat"; k)) | \(t("host"; k) / t("flat"; k)) | \(t("overlay"; k)) | \(t("host"; k) / t("overlay"; k)) |";
    "| read | host (s) | boxcar (s) | boxcar speed vs host | boxcar flat root (s) | flat speed vs host | bare overlayfs (s) | overlayfs speed vs host |\n|---|---|---|---|---|---|---|---|\n" +
    row("1 GiB sequential (256 MiB x4)"; "big") + "\n" +
    row("20000 x 4 KiB files, first pass in a new mount"; "small") + "\n" +
    row("20000 x 4 KiB files, second pass"; "small2")' \
    "$OUT/reads.json" | tee "$TOP/build/bench/reads.md"
