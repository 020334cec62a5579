#!/usr/bin/env bash
# Warm start-to-exit of /bin/true in a busybox root file system: boxcar vs
# the host, bubblewrap and (when present) crun, in one hyperfine run, so the
# ratios hold on a noisy machine. Run by hand as an unprivileged user (or as
# root: it then runs everything as $BENCH_USER, default boxcartest).
#   bench/startup.sh [RUNS]        results: build/bench/startup.md
set -euo pipefail
cd "$(dirname "$0")/.."
TOP=$PWD RUNS=${1:-200} OUT=$TOP/build/bench
mkdir -p "$OUT"
command -v hyperfine >/dev/null || { echo "bench: needs hyperfine (apt-get install hyperfine)" >&2; exit 1; }
command -v bwrap >/dev/null || { echo "bench: needs bubblewrap (apt-get install bubblewrap)" >&2; exit 1; }
[ -x build/boxcar ] || { echo "bench: build first (./build.sh build)" >&2; exit 1; }

if [ "$(id -u)" = 0 ]; then
    u=${BENCH_USER:-boxcartest}
    id "$u" >/dev/null 2>&1 || useradd -m "$u"
    chmod 0755 "$OUT"; chown "$u" "$OUT"
    exec setpriv --reuid="$u" --regid="$u" --init-groups env HOME="$OUT" PATH="$PATH" "$TOP/bench/startup.sh" "$@"
fi

# one busybox root file system, used by every contender
R=$OUT/rootfs
if [ ! -x "$R/bin/busybox" ]; then
    mkdir -p "$R/bin" "$R/proc" "$R/dev" "$R/etc"
    cp /bin/busybox "$R/bin/"
    for c in sh true; do ln -sf busybox "$R/bin/$c"; done
    echo 'root:x:0:0:root:/root:/bin/sh' > "$R/etc/passwd"
fi
build/boxcar pack -q "rootfs:$R" -o "$OUT/bb" --cmd '["/bin/true"]'
export BOXCAR_CACHE=$OUT/cache
"$OUT/bb"   # first launch extracts; the benchmark measures warm starts
"$OUT/bb" --boxcar-userns=root   # (its own cache store)

# boxcar with subordinate ids (the default where the user has them: newuidmap and
# newgidmap run on each launch) and with one mapped id
cmds=(-n host "$R/bin/busybox true"
      -n "boxcar (auto: subids if configured)" "$OUT/bb"
      -n "boxcar --boxcar-userns=root (one id)" "$OUT/bb --boxcar-userns=root"
      -n "bwrap --unshare-all" "bwrap --unshare-all --bind $R / --proc /proc --dev /dev /bin/true"
      -n "bwrap --unshare-user --unshare-pid" "bwrap --unshare-user --unshare-pid --ro-bind $R / --proc /proc --dev /dev /bin/true")
hyperfine -N --warmup 20 --runs "$RUNS" --export-markdown "$OUT/startup.md" "${cmds[@]}"
echo "results: $OUT/startup.md"
