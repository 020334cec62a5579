#!/usr/bin/env bash
# Warm start-to-exit: boxcar (overlay and flat roots) against the host,
# bubblewrap, crun, runc, proot and Charliecloud's ch-run (those installed), on
# the same root file system. Paired rounds: each round
# is one hyperfine run of every contender (RUNS/ROUNDS runs each), so drift in
# this noisy VM hits all of them alike; the table gives the median over the
# rounds of each contender's median, and the median of its per-round ratios
# to bwrap --unshare-all:
#   true    /bin/true in a busybox root file system
#   python  python3 -c pass in the Flask example's Debian image (needs
#           build/test-fixtures/oci-flask: run the test suite once)
# Run by hand as an unprivileged user (or as root: it then runs everything as
# $BENCH_USER, default boxcartest). crun and runc run rootless from an OCI
# bundle made with `runc spec --rootless`. crun refuses a hybrid cgroup layout
# (DESIGN.md §7): where /sys/fs/cgroup/unified exists it runs inside
# `unshare -rm` with that hidden, and a line for `unshare -rm` alone shows
# what the wrapper costs.
#   bench/startup.sh [RUNS] [ROUNDS]   (default 200, 10)
#   results: build/bench/startup-*.md
set -euo pipefail
cd "$(dirname "$0")/.."
TOP=$PWD RUNS=${1:-200} ROUNDS=${2:-10} OUT=$TOP/build/bench
mkdir -p "$OUT"
command -v hyperfine >/dev/null || { echo "bench: needs hyperfine (apt-get install hyperfine)" >&2; exit 1; }
command -v bwrap >/dev/null || { echo "bench: needs bubblewrap (apt-get install bubblewrap)" >&2; exit 1; }
[ -x build/boxcar ] || { echo "bench: build first (./build.sh build)" >&2; exit 1; }

if [ "$(id -u)" = 0 ]; then
    u=${BENCH_USER:-boxcartest}
    id "$u" >/dev/null 2>&1 || useradd -m "$u"
    chmod 0755 "$OUT"; chown "$u" "$OUT"
    exec setpriv --reuid="$u" --regid="$u" --init-groups env HOME="$OUT" USER="$u" PATH="$PATH" "$TOP/bench/startup.sh" "$@"
fi
export BOXCAR_CACHE=$OUT/cache XDG_RUNTIME_DIR=$OUT/run
mkdir -p "$XDG_RUNTIME_DIR"; chmod 700 "$XDG_RUNTIME_DIR"

# bundle NAME ROOTFS ARGS-JSON: an OCI bundle for crun/runc (rootless spec)
bundle() {
    local b=$OUT/bundle-$1
    rm -rf "$b"; mkdir -p "$b"
    (cd "$b" && runc spec --rootless)
    jq --arg r "$2" --argjson a "$3" '.root.path = $r | .root.readonly = true | .process.args = $a |
        .process.terminal = false' "$b/config.json" > "$b/c" && mv "$b/c" "$b/config.json"
    echo "$b"
}

# run_set NAME FILE ROOTFS HOST-CMD CMD...: one hyperfine run of every contender
run_set() {
    local name=$1 file=$2 r=$3 host=$4; shift 4
    local argv; argv=$(printf '%s\n' "$@" | jq -R . | jq -sc .)
    # (the image's own entrypoint is replaced, as for the others)
    local bx="--boxcar-entrypoint=$1 ${*:2}"
    "$file" $bx; "$file" --boxcar-userns=root $bx   # first launches extract (and merge)
    "$file" --boxcar-root=flat $bx; "$file" --boxcar-userns=root --boxcar-root=flat $bx
    local cmds=(-n host "$host" -n "boxcar (auto: subids if configured)" "$file $bx"
                -n "boxcar --boxcar-userns=root (one id)" "$file --boxcar-userns=root $bx"
                -n "boxcar --boxcar-root=flat" "$file --boxcar-root=flat $bx"
                -n "boxcar --boxcar-root=flat, one id" "$file --boxcar-userns=root --boxcar-root=flat $bx"
                -n "bwrap --unshare-all" "bwrap --unshare-all --bind $r / --proc /proc --dev /dev $*")
    # Charliecloud binds a directory image read-only the same way (Debian's charliecloud-runtime)
    command -v ch-run >/dev/null && cmds+=(-n "ch-run" "ch-run $r -- $*")
    if command -v crun >/dev/null; then
        local b; b=$(bundle "crun-$name" "$r" "$argv")
        if [ -d /sys/fs/cgroup/unified ]; then   # inside unshare -r we are 0: map that
            jq '.linux.uidMappings[0].hostID = 0 | .linux.gidMappings[0].hostID = 0' "$b/config.json" > "$b/c" &&
                mv "$b/c" "$b/config.json"
            cmds+=(-n "unshare -rm (crun's wrapper alone)" "unshare -rm true"
                   -n "crun run (rootless, in unshare -rm)" "unshare -rm sh -c 'mount -t tmpfs none /sys/fs/cgroup/unified && exec crun --root $OUT/crun-state run -b $b bench-$name'")
        else
            cmds+=(-n "crun run (rootless)" "crun --root $OUT/crun-state run -b $b bench-$name")
        fi
    fi
    if command -v runc >/dev/null; then
        local b2; b2=$(bundle "runc-$name" "$r" "$argv")
        cmds+=(-n "runc run (rootless)" "runc --root $OUT/runc-state run -b $b2 bench-$name")
    fi
    command -v proot >/dev/null && cmds+=(-n "proot -r" "proot -r $r $*")
    local per=$(( RUNS / ROUNDS > 2 ? RUNS / ROUNDS : 3 )) k
    for k in $(seq "$ROUNDS"); do
        hyperfine -N --warmup 5 --runs "$per" --export-json "$OUT/startup-$name.$k.json" "${cmds[@]}" >/dev/null
    done
    # per contender: median of the rounds' medians, median of the rounds' ratios
    NAME=$name jq -rs 'def med: sort | if length % 2 == 1 then .[length / 2 | floor]
                                   else (.[length / 2 - 1] + .[length / 2]) / 2 end;
        (map(.results | map({(.command): .median}) | add)) as $r |
        "| \(env.NAME) | median ms | vs bwrap --unshare-all (median of \($r | length) paired rounds) |\n|---|---|---|",
        ($r[0] | keys_unsorted[] as $c |
         "| \($c) | \($r | map(.[$c]) | med * 1000 * 100 | round / 100) | \($r | map(.[$c] / .["bwrap --unshare-all"]) | med * 100 | round / 100) |")' \
        "$OUT"/startup-"$name".*.json | tee "$OUT/startup-$name.md"
}

# busybox: one root file system for every contender
R=$OUT/rootfs
if [ ! -x "$R/bin/busybox" ]; then
    mkdir -p "$R/bin" "$R/proc" "$R/dev" "$R/etc"
    cp /bin/busybox "$R/bin/"
    for c in sh true; do ln -sf busybox "$R/bin/$c"; done
    echo 'root:x:0:0:root:/root:/bin/sh' > "$R/etc/passwd"
fi
# (ch-run binds onto these and wants them there)
mkdir -p "$R/sys" "$R/tmp"; touch "$R/etc/group"
build/boxcar pack -q "rootfs:$R" -o "$OUT/bb" --cmd '["/bin/true"]'
run_set true "$OUT/bb" "$R" "$R/bin/busybox true" /bin/true

# python: the Flask example's image, and its root file system for the others
if [ -d build/test-fixtures/oci-flask ]; then
    build/boxcar pack -q oci:build/test-fixtures/oci-flask -o "$OUT/py"
    [ -x "$OUT/pyroot/usr/bin/python3" ] || "$OUT/py" --boxcar-extract="$OUT/pyroot"
    run_set python "$OUT/py" "$OUT/pyroot" "python3 -c pass" /usr/bin/python3 -c pass
fi
