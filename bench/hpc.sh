#!/usr/bin/env bash
# Single-node Slurm figures for docs/hpc.md, on the throwaway Slurm of
# tests/slurm.sh (started here as root, stopped on exit); jobs run as
# $BENCH_USER (default boxcartest). Paired rounds: each round runs every
# contender once, so drift in a noisy VM hits them alike; the tables give
# medians over the rounds.
#   srun    wall time of `srun -n 8 ./app true` (a packed busybox root) as a step
#           of an allocation (salloc -n 8), against
#           `srun -n 8 true` and `srun -n 8 ch-run DIR -- true` (Charliecloud,
#           the same busybox tree), cache warm; boxcar's and ch-run's added
#           time per srun is theirs minus plain srun's
#   mpi     bench/mpi-pingpong.c between 2 ranks on the node (srun --mpi=pmi2
#           -n 2): 8-byte latency and 1 MiB bandwidth, built with the host's
#           mpicc, on the host and inside the MPI image (tests/mpich-image.sh,
#           Debian's mpich), same round; and through the SPANK plugin
#           (srun --boxcar=FILE: the node's ranks in one container) where built,
#           and with --boxcar-share=step (the same container, no plugin)
#   bench/hpc.sh [ROUNDS] [SRUNS]    (default 10 rounds, 10 sruns per contender a round)
#   bench/hpc.sh --report            the tables again, from the last run's rounds
#   results: build/bench/hpc.md
set -euo pipefail
cd "$(dirname "$0")/.."
TOP=$PWD ROUNDS=${1:-10} SRUNS=${2:-10} OUT=$TOP/build/bench REPORT=0
[ "${1:-}" = --report ] && { REPORT=1; ROUNDS=$(grep -c '^host' "$OUT/hpc/mpi.txt"); }
U=${BENCH_USER:-boxcartest}
[ "$(id -u)" = 0 ] || { echo "bench: run as root (it starts slurmd)" >&2; exit 1; }
[ -x build/boxcar ] || { echo "bench: build first (./build.sh build)" >&2; exit 1; }
command -v ch-run >/dev/null || { echo "bench: needs ch-run (apt-get install charliecloud-runtime)" >&2; exit 1; }
FIX=$TOP/build/test-fixtures W=$OUT/hpc
if [ $REPORT = 0 ]; then
[ -d "$FIX/rootfs-busybox" ] || { echo "bench: run tests/fixtures.sh first" >&2; exit 1; }
tests/mpich-image.sh "$FIX"
mkdir -p "$OUT"; chmod 0755 "$OUT"
rm -rf "$W"; mkdir -p "$W"
. tests/slurm.sh
trap 'slurm_stop "$W/slurm"' EXIT
# with the SPANK plugin where it is built: the ping-pong through its shared container too
spank=(); [ -f build/spank_boxcar.so ] && spank=("required $TOP/build/spank_boxcar.so")
slurm_start "$W/slurm" ${spank[@]+"${spank[@]}"}

build/boxcar pack "rootfs:$FIX/rootfs-busybox" -o "$W/app" --quiet
build/boxcar pack "oci:$FIX/oci-mpich:latest" -o "$W/mpi-app" --quiet
cp -a "$FIX/rootfs-busybox" "$W/chroot"
mpicc -O2 -o "$W/mpi-pingpong" bench/mpi-pingpong.c
chown -R "$U" "$W"; chmod -R a+rX "$W"
as_user() { setpriv --reuid="$U" --regid="$U" --init-groups env -i PATH="$PATH" HOME="$W" USER="$U" \
    SLURM_CONF="$SLURM_CONF" BOXCAR_CACHE="$W/cache" "$@"; }
as_user "$W/app" true; as_user "$W/mpi-app" true   # warm caches
as_user "$W/app" --boxcar-userns=root true; as_user "$W/app" --boxcar-userns=root --boxcar-root=flat true

# microseconds per `srun -n 8 CMD...`, SRUNS of them as steps of one
# allocation (salloc): the launch of a step, not the scheduler's queue
cat > "$W/steps.sh" <<'EOF2'
#!/bin/bash
n=$1; shift
t0=$(date +%s%N)
for ((i = 0; i < n; i++)); do srun -n 8 "$@" > /dev/null || exit 1; done
echo $(( ($(date +%s%N) - t0) / n / 1000 ))
EOF2
chmod 0755 "$W/steps.sh"
per_srun() { as_user salloc -Q -n 8 "$W/steps.sh" "$SRUNS" "$@"; }
# pingpong WHO CMD...: "latency bandwidth"
pingpong() {
    as_user salloc -Q -n 2 srun --mpi=pmi2 -n 2 "$@" 2>/dev/null | awk '/latency_us/ {l = $2} /bandwidth_MBps/ {b = $2} END {print l, b}'
}

: > "$W/srun.txt"; : > "$W/mpi.txt"
for ((r = 1; r <= ROUNDS; r++)); do
    printf 'plain %s\nboxcar %s\nchrun %s\nboxcar1 %s\nflat1 %s\n' "$(per_srun true)" "$(per_srun "$W/app" true)" \
        "$(per_srun ch-run "$W/chroot" -- true)" "$(per_srun "$W/app" --boxcar-userns=root true)" \
        "$(per_srun "$W/app" --boxcar-userns=root --boxcar-root=flat true)" >> "$W/srun.txt"
    printf 'host %s\nboxcar %s\nshared %s\n' "$(pingpong "$W/mpi-pingpong")" "$(pingpong "$W/mpi-app" mpi-pingpong)" \
        "$(pingpong "$W/mpi-app" --boxcar-share=step mpi-pingpong)" >> "$W/mpi.txt"
    [ ${#spank[@]} = 0 ] || printf 'plugin %s\n' "$(pingpong --boxcar="$W/mpi-app" mpi-pingpong)" >> "$W/mpi.txt"
    echo "round $r/$ROUNDS done" >&2
done
slurm_stop "$W/slurm"; trap - EXIT
echo "$(date -u +%F), $(nproc) cores, load during the run $(cut -d' ' -f1-3 /proc/loadavg), $ROUNDS rounds" > "$W/when"
fi

median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
m() { awk -v k="$1" -v c="$2" '$1 == k {print $c}' "$3" | median; }
# best: the lowest (or, with -r, highest) value over the rounds: what the
# machine does when the VM's neighbours leave it alone
best() { awk -v k="$1" -v c="$2" '$1 == k {print $c}' "$3" | sort -n ${4:-} | head -1; }
plain=$(m plain 2 "$W/srun.txt") bx=$(m boxcar 2 "$W/srun.txt") ch=$(m chrun 2 "$W/srun.txt")
b1=$(m boxcar1 2 "$W/srun.txt") f1=$(m flat1 2 "$W/srun.txt")
hl=$(m host 2 "$W/mpi.txt") bl=$(m boxcar 2 "$W/mpi.txt") hb=$(m host 3 "$W/mpi.txt") bb=$(m boxcar 3 "$W/mpi.txt")
hl1=$(best host 2 "$W/mpi.txt") bl1=$(best boxcar 2 "$W/mpi.txt")
hb1=$(best host 3 "$W/mpi.txt" -r) bb1=$(best boxcar 3 "$W/mpi.txt" -r)
# table_vs_host TITLE WHO LATENCY BANDWIDTH: a contender's medians against the host's (none measured: nothing)
table_vs_host() {
    [ -n "$3" ] || return 0
    printf '\n| ping-pong, %s | host | %s | %s / host |\n|---|---|---|---|\n' "$1" "$2" "$2"
    awk -v hl="$hl" -v l="$3" -v hb="$hb" -v b="$4" -v w="$2" 'BEGIN {
        printf "| latency, 8 bytes, median (us) | %.2f | %.2f | %.2fx (host / %s) |\n", hl, l, hl / l, w
        printf "| bandwidth, 1 MiB, median (MB/s) | %.0f | %.0f | %.2fx |\n", hb, b, b / hb }'
}
pl=$(m plugin 2 "$W/mpi.txt") pb=$(m plugin 3 "$W/mpi.txt") sl=$(m shared 2 "$W/mpi.txt") sb=$(m shared 3 "$W/mpi.txt")
{
    echo "# bench/hpc.sh: $(cat "$W/when" 2>/dev/null)"
    echo
    echo "| srun -n 8 (warm cache, steps of one allocation) | ms per srun (median) | added to plain srun |"
    echo "|---|---|---|"
    awk -v p="$plain" -v b="$bx" -v c="$ch" -v b1="$b1" -v f1="$f1" 'BEGIN {
        printf "| srun -n 8 true | %.1f | - |\n", p / 1000
        printf "| srun -n 8 ./app true (boxcar, subordinate ids) | %.1f | %.1f ms |\n", b / 1000, (b - p) / 1000
        printf "| srun -n 8 ./app --boxcar-userns=root true (one id) | %.1f | %.1f ms |\n", b1 / 1000, (b1 - p) / 1000
        printf "| srun -n 8 ./app --boxcar-userns=root --boxcar-root=flat true | %.1f | %.1f ms |\n", f1 / 1000, (f1 - p) / 1000
        printf "| srun -n 8 ch-run DIR -- true | %.1f | %.1f ms |\n", c / 1000, (c - p) / 1000 }'
    echo
    echo "| ping-pong, 2 ranks, one node | host | boxcar | boxcar / host |"
    echo "|---|---|---|---|"
    awk -v hl="$hl" -v bl="$bl" -v hb="$hb" -v bb="$bb" -v hl1="$hl1" -v bl1="$bl1" -v hb1="$hb1" -v bb1="$bb1" 'BEGIN {
        printf "| latency, 8 bytes, median (us) | %.2f | %.2f | %.2fx (host / boxcar) |\n", hl, bl, hl / bl
        printf "| latency, 8 bytes, best (us) | %.2f | %.2f | %.2fx |\n", hl1, bl1, hl1 / bl1
        printf "| bandwidth, 1 MiB, median (MB/s) | %.0f | %.0f | %.2fx |\n", hb, bb, bb / hb
        printf "| bandwidth, 1 MiB, best (MB/s) | %.0f | %.0f | %.2fx |\n", hb1, bb1, bb1 / hb1 }'
    table_vs_host "--boxcar-share=step (one container for the node's ranks, no plugin)" shared "$sl" "$sb"
    table_vs_host "through the SPANK plugin (one container for the node's ranks)" plugin "$pl" "$pb"
} | tee "$OUT/hpc.md"
