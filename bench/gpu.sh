#!/usr/bin/env bash
# What --boxcar-gpu adds to a warm start: busybox /bin/true with and without
# it, paired in each hyperfine round, on a fake driver (as tests/t-gpu.sh
# makes: two GPUs, a libcuda.so.1 built here, registered in a loader cache by
# `ldconfig -C` together with the host's own libraries, so the cache is as
# large as a real host's) read through BOXCAR_TEST_GPUHOST. The cost is the
# discovery (the cache read and walked, the driver's /proc files) and the
# binds (six nodes, two libraries, a tmpfs).
#   bench/gpu.sh [RUNS] [ROUNDS]   (default 200, 5); needs build/boxcar and the
#   test fixtures (build/test-fixtures/oci-busybox: run the test suite once)
#   results: build/bench/gpu.md
set -euo pipefail
cd "$(dirname "$0")/.."
TOP=$PWD RUNS=${1:-200} ROUNDS=${2:-5} OUT=$TOP/build/bench
command -v hyperfine >/dev/null || { echo "bench: needs hyperfine (apt-get install hyperfine)" >&2; exit 1; }
[ -x build/boxcar ] || { echo "bench: build first (./build.sh build)" >&2; exit 1; }
FIX=$TOP/build/test-fixtures/oci-busybox
[ -d "$FIX" ] || { echo "bench: run the test suite once for $FIX" >&2; exit 1; }
W=$(mktemp -d "${TMPDIR:-/tmp}/boxcar-gpu-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT
APP=$W/bb
build/boxcar pack "oci:$FIX:latest" -o "$APP" --quiet
mkdir -p "$OUT" "$W/host/dev" "$W/host/etc" "$W/host/lib"
for b in 0000:3b:00.0:0 0000:86:00.0:1; do
    mkdir -p "$W/host/proc/driver/nvidia/gpus/${b%:*}"
    printf 'GPU UUID: \t GPU-%s\nDevice Minor: \t %s\n' "${b##*:}" "${b##*:}" > "$W/host/proc/driver/nvidia/gpus/${b%:*}/information"
done
for n in nvidiactl nvidia-uvm nvidia-uvm-tools nvidia0 nvidia1; do : > "$W/host/dev/$n"; done
cc -shared -fPIC -Wl,-soname,libcuda.so.1 -o "$W/host/lib/libcuda.so.1" tests/helpers/fakecuda.c
echo "$W/host/lib" > "$W/host/conf"
ldconfig -X -C "$W/host/etc/ld.so.cache" -f "$W/host/conf"
export BOXCAR_TEST_GPUHOST=$W/host BOXCAR_CACHE=$W/cache
"$APP" true   # extract once
res=$OUT/gpu.md
{ echo "| round | without (ms) | --boxcar-gpu (ms) | ratio |"; echo "|---|---|---|---|"; } > "$res"
for r in $(seq "$ROUNDS"); do
    hyperfine -N -w 20 -r "$RUNS" --export-json "$W/r.json" "$APP true" "$APP --boxcar-gpu true" >/dev/null
    jq -r --arg r "$r" '.results | "| \($r) | \(.[0].median*1000 | .*100|round/100) | \(.[1].median*1000 | .*100|round/100) | \(.[1].median/.[0].median | .*100|round/100) |"' "$W/r.json" >> "$res"
done
echo "loader cache: $(stat -c %s "$W/host/etc/ld.so.cache") bytes" >> "$res"
cat "$res"
