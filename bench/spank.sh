#!/usr/bin/env bash
# A job step's start-to-exit on the single-node test Slurm (tests/slurm.sh, with
# the SPANK plugin in plugstack.conf): `srun -n TASKS true` on the host, the
# packed busybox file as the task's command (`srun -n TASKS ./bb true`), and the
# plugin (`srun -n TASKS --boxcar=./bb true`), warm cache, paired in one
# hyperfine run; prints the medians and the ratios to the host's step.
# Run as root (it starts the daemons; the steps run as $BENCH_USER, default
# boxcartest); needs build/boxcar, build/spank_boxcar.so and the test fixtures.
#   bench/spank.sh [TASKS] [RUNS]   (default 8, 30)
#   results: build/bench/spank.md
set -euo pipefail
cd "$(dirname "$0")/.."
TOP=$PWD TASKS=${1:-8} RUNS=${2:-30} OUT=$TOP/build/bench
U=${BENCH_USER:-boxcartest}
[ "$(id -u)" = 0 ] || { echo "bench: run as root (it starts slurmd)" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "bench: needs hyperfine (apt-get install hyperfine)" >&2; exit 1; }
[ -x build/boxcar ] && [ -f build/spank_boxcar.so ] || { echo "bench: build first (./build.sh build)" >&2; exit 1; }
[ -d build/test-fixtures/oci-busybox ] || { echo "bench: needs the test fixtures (run tests/run.sh once)" >&2; exit 1; }
id "$U" >/dev/null 2>&1 || { echo "bench: no user $U" >&2; exit 1; }

# shellcheck source=tests/slurm.sh
. tests/slurm.sh
W=$OUT/spank
trap 'slurm_stop "$W.slurm"' EXIT
mkdir -p "$W" && chmod 0755 "$OUT" "$W"
slurm_start "$W.slurm" "required $TOP/build/spank_boxcar.so"
build/boxcar pack "oci:build/test-fixtures/oci-busybox:latest" -o "$W/bb" --quiet
chmod a+rx "$W/bb"; rm -rf "$W/cache" "$W/spank.json"; mkdir -p "$W/cache"; chown "$U" "$W" "$W/cache"; chmod 0700 "$W/cache"

as_user() { setpriv --reuid="$U" --regid="$U" --init-groups env -i PATH="$PATH" HOME="$W" \
    SLURM_CONF="$SLURM_CONF" BOXCAR_CACHE="$W/cache" "$@"; }
as_user srun -n "$TASKS" "$W/bb" true   # warm the cache
as_user hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$W/spank.json" \
    -n host "srun -n $TASKS true" \
    -n file "srun -n $TASKS $W/bb true" \
    -n plugin "srun -n $TASKS --boxcar=$W/bb true" >/dev/null
jq -r --arg t "$TASKS" '
  (.results[] | select(.command == "host") | .median) as $h |
  "| step of \($t) tasks | median (ms) | vs host |", "|---|---|---|",
  (.results[] | "| \(.command) | \(.median * 1000 | round) | \(.median / $h * 100 | round / 100)x |")' \
    "$W/spank.json" | tee "$OUT/spank.md"
