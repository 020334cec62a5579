#!/usr/bin/env bash
# boxcar test suite driver.
#
#   tests/run.sh [PATTERN]
#
# Builds the fixture images once (tests/fixtures.sh, cached in build/test-fixtures),
# packs them with $BOXCAR (default build/boxcar) as root ("pack:" tests), then runs
# every runtime test twice: as an unprivileged user ("[user]", created if missing:
# $BOXCAR_TEST_USER, default boxcartest) and as root ("[root]"), each with its own
# fresh BOXCAR_CACHE. PATTERN (extended regexp) selects tests by name, e.g.
#   tests/run.sh 'exit status'     tests/run.sh '^\[user\]'     tests/run.sh fidelity
# Output is TAP-like ("ok N - name" / "not ok N - name" + "# " diagnostics) and ends
# with "N passed, M failed"; the exit status is non-zero when anything failed.
# Run as non-root, the runtime tests run once, as the caller ("[self]").
set -uo pipefail
shopt -s lastpipe   # `... | report` runs report in this shell (keeps the counters)
cd "$(dirname "$0")/.." || exit 2
TOP=$PWD

# ------------------------------------------------------------------ inner mode
# tests/run.sh --inner PHASE : runs the registered tests of PHASE in this process's
# identity and prints "@ok<TAB>name" / "@not ok<TAB>name" lines and "# " diagnostics.
if [ "${1:-}" = --inner ]; then
    PHASE=$2
    # shellcheck source=tests/lib.sh
    . "$TOP/tests/lib.sh"
    for f in "$TOP"/tests/t-*.sh; do . "$f"; done
    mkdir -p "$TMPDIR"
    # Whatever a test started and left running, passed or failed (a background
    # container, a detached one, a server), is killed before the next test: every
    # process it started carries T=its scratch dir in its environment.
    stop_leftovers() {
        local f left=()
        for f in $(grep -lzxF "T=$1" /proc/[0-9]*/environ 2>/dev/null); do
            f=${f#/proc/}; left+=("${f%/environ}")
        done
        [ ${#left[@]} = 0 ] && return 0
        echo "@info stopped what the test left running: $(for pid in "${left[@]}"; do
            tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | cut -c1-60; echo -n '; '; done)"
        kill -KILL "${left[@]}" 2>/dev/null
        return 0
    }
    for i in "${!T_NAME[@]}"; do
        ph=${T_PHASE[$i]}
        case $PHASE:$ph in pack:pack|pack:artifact|run:run) ;; *) continue ;; esac
        if [ "$ph" = run ]; then name="[${LABEL:-$CONFIG}] ${T_NAME[$i]}"; else name="pack: ${T_NAME[$i]}"; fi
        selected=1
        [ -n "${FILTER:-}" ] && ! printf '%s\n' "$name" | grep -qE -- "$FILTER" && selected=0
        [ -n "${EXCLUDE:-}" ] && printf '%s\n' "$name" | grep -qE -- "$EXCLUDE" && selected=0
        # artifacts are packed even when not selected: runtime tests need them
        [ $selected = 0 ] && [ "$ph" != artifact ] && continue
        T=$TMPDIR/t$i
        rm -rf "$T"; mkdir -p "$T"
        t0=$(date +%s%N)
        ( cd "$T" && export T && "${T_FN[$i]}" ) > "$T/.log" 2>&1 </dev/null
        rc=$?
        # each test's seconds, for the driver's slowest-tests lines (CI's time)
        [ $selected = 1 ] && printf '%d\t%s\n' $((($(date +%s%N) - t0) / 1000000000)) "$name" >> "$TMPDIR/durations.tsv"
        stop_leftovers "$T" >> "$T/.log" 2>&1
        [ $selected = 0 ] && { chmod -R u+rwX "$T" 2>/dev/null; rm -rf "$T"; continue; }
        if [ $rc = 0 ]; then
            printf '@ok\t%s\n' "$name"
            sed -n 's/^@info /# /p' "$T/.log"
            chmod -R u+rwX "$T" 2>/dev/null; rm -rf "$T"
        else
            printf '@not ok\t%s\n' "$name"
            [ $rc = 124 ] && echo "# (the test timed out)"
            head -n 80 "$T/.log" | sed 's/^/# /'
            echo "# (scratch dir kept: $T)"
        fi
    done
    exit 0
fi

# ------------------------------------------------------------------ driver
FILTER=${1:-}
BOXCAR=${BOXCAR:-$TOP/build/boxcar}
case $BOXCAR in /*) ;; *) BOXCAR=$TOP/$BOXCAR ;; esac
FIX=$TOP/build/test-fixtures
TW=$TOP/build/test-work
PACKED=$TW/packed
TEST_USER=${BOXCAR_TEST_USER:-boxcartest}
NUM=0; PASS=0; FAILED=0; FAILED_NAMES=()
START=$(date +%s)

bail() {
    echo "not ok $((NUM + 1)) - $1"; shift
    for l in "$@"; do echo "# $l"; done
    echo "$PASS passed, $((FAILED + 1)) failed"
    exit 1
}

# Read inner output, number it.
report() {
    local line
    while IFS= read -r line; do
        case $line in
            "@ok"$'\t'*)     NUM=$((NUM + 1)); PASS=$((PASS + 1)); echo "ok $NUM - ${line#*$'\t'}" ;;
            "@not ok"$'\t'*) NUM=$((NUM + 1)); FAILED=$((FAILED + 1)); FAILED_NAMES+=("${line#*$'\t'}")
                             echo "not ok $NUM - ${line#*$'\t'}" ;;
            *) echo "$line" ;;
        esac
    done
}

[ -x "$BOXCAR" ] || bail "boxcar binary" "not found or not executable: $BOXCAR (build it: ./build.sh build)"
for t in jq python3 timeout setpriv umoci skopeo; do
    command -v "$t" >/dev/null || bail "tool $t" "missing tool: $t"
done

echo "# boxcar: $BOXCAR"
echo "# fixtures: $FIX"
if ! "$TOP/tests/fixtures.sh" > "$TW.fixtures.log" 2>&1; then
    mapfile -t tail_lines < <(tail -n 30 "$TW.fixtures.log")
    bail "fixtures (tests/fixtures.sh)" "${tail_lines[@]}"
fi

# the MPI image (t-slurm.sh), kept apart from fixtures.sh's stamp: seconds to make
if ! "$TOP/tests/mpich-image.sh" "$FIX" >> "$TW.fixtures.log" 2>&1; then
    echo "# tests/mpich-image.sh failed (the MPI test will fail): $(tail -n1 "$TW.fixtures.log")"
fi

[ -d "$TW" ] && chmod -R u+rwX "$TW" 2>/dev/null
rm -rf "$TW"
mkdir -p "$PACKED"
chmod 0755 "$TOP/build" "$TW" "$PACKED"

ENVV=()
common_env() {   # CONFIG [DIR]: sets ENVV, the environment of the inner runs
    local d=${2:-$1}
    ENVV=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8
        TOP="$TOP" BOXCAR="$BOXCAR" BOXCAR_SANITIZED="${BOXCAR_SANITIZED:-}" FIX="$FIX" TW="$TW" PACKED="$PACKED" FILTER="$FILTER"
        CONFIG="$1" HOME="$TW/$d/home" BOXCAR_CACHE="$TW/$d/cache" TMPDIR="$TW/$d/tmp" ${SLURM_ENV[@]+"${SLURM_ENV[@]}"}
        EXCLUDE="${BOXCAR_TEST_EXCLUDE:-}")
}
prepare_config_dir() {   # CONFIG [OWNER]
    mkdir -p "$TW/$1/home" "$TW/$1/cache" "$TW/$1/tmp"
    chmod 0700 "$TW/$1/cache"; chmod 0755 "$TW/$1" "$TW/$1/home" "$TW/$1/tmp"
    [ -n "${2:-}" ] && chown -R "$2" "$TW/$1"
    return 0
}

if [ "$(id -u)" = 0 ]; then
    if ! id "$TEST_USER" >/dev/null 2>&1; then
        useradd --create-home --shell /bin/sh --comment "boxcar test user" "$TEST_USER" \
            || bail "test user" "useradd $TEST_USER failed"
    fi
    # newuidmap/newgidmap ranges for the test user (useradd adds them on Debian)
    grep -q "^$TEST_USER:" /etc/subuid 2>/dev/null || usermod --add-subuids 300000-365535 "$TEST_USER" 2>/dev/null || true
    grep -q "^$TEST_USER:" /etc/subgid 2>/dev/null || usermod --add-subgids 300000-365535 "$TEST_USER" 2>/dev/null || true
    # a second user without subordinate ids (what auto does then; tests/t-identity.sh)
    id boxcarnosub >/dev/null 2>&1 || useradd --no-create-home --shell /bin/sh boxcarnosub \
        || bail "test user" "useradd boxcarnosub failed"
    sed -i '/^boxcarnosub:/d' /etc/subuid /etc/subgid
    TUID=$(id -u "$TEST_USER"); TGID=$(id -g "$TEST_USER")
    # the test user must reach the repository, the binary and the fixtures
    d=$TOP; while [ "$d" != / ]; do
        [ "$(( $(stat -c '%#a' "$d") & 1 ))" = 1 ] || chmod o+x "$d"
        d=$(dirname "$d")
    done
    chmod a+rx "$BOXCAR" 2>/dev/null
    find "$FIX" -path "$FIX/rootfs-busybox" -prune -o -exec chmod a+rX {} +   # keep that pack source exact
    chmod -R a+rX "$TOP/tests"

    prepare_config_dir root
    # A single-node Slurm (tests/slurm.sh) for t-slurm.sh's tests, when any is
    # selected: started once, as root, for every pass; stopped on exit
    SLURM_ENV=()
    # (the names listed first: grep -q ending a pipe early fails it under pipefail)
    slurm_names=$(grep -hoE '^ *test_case run "(slurm|spank)[^"]*"' "$TOP"/tests/t-*.sh | sed 's/.*test_case run "//; s/"$//' |
        while read -r n; do printf '[user] %s\n[root] %s\n' "$n" "$n"; done)
    if grep -qE -- "${FILTER:-.}" <<<"$slurm_names"; then
        # shellcheck source=tests/slurm.sh
        . "$TOP/tests/slurm.sh"
        trap 'slurm_stop "$TW.slurm"' EXIT
        # with the SPANK plugin where it is built (srun --boxcar; t-spank.sh)
        spank=(); [ -f "$TOP/build/spank_boxcar.so" ] && spank=("required $TOP/build/spank_boxcar.so")
        if slurm_start "$TW.slurm" ${spank[@]+"${spank[@]}"} 2> "$TW.slurm.log"; then
            SLURM_ENV=(SLURM_CONF="$SLURM_CONF")
            echo "# slurm: a single node on loopback ($SLURM_CONF)"
        else
            SLURM_ENV=(BOXCAR_TEST_NO_SLURM="$(head -n1 "$TW.slurm.log")")
            echo "# slurm did not start, its tests skip: $(head -n1 "$TW.slurm.log") (log: $TW.slurm.log)"
        fi
    fi
    echo "# pack phase (root)"
    common_env root; env -i "${ENVV[@]}" bash "$TOP/tests/run.sh" --inner pack 2>&1 | report
    chmod -R a+rX "$PACKED"

    # $BOXCAR_TEST_CONFIGS picks the runtime passes (default: all four)
    configs=" ${BOXCAR_TEST_CONFIGS:-user root fallback flat} "
    if [[ $configs == *" user "* ]]; then
    prepare_config_dir user "$TUID:$TGID"
    echo "# runtime tests as $TEST_USER (uid $TUID)"
    common_env user; env -i "${ENVV[@]}" setpriv --reuid="$TUID" --regid="$TGID" --init-groups \
        bash "$TOP/tests/run.sh" --inner run 2>&1 | report
    fi
    if [[ $configs == *" root "* ]]; then
    echo "# runtime tests as root"
    common_env root; env -i "${ENVV[@]}" bash "$TOP/tests/run.sh" --inner run 2>&1 | report
    fi
    # Once more as the user with every fallback an older kernel takes forced
    # (common/fallback.h): the legacy overlay mount, no openat2, no close_range,
    # the host's /sys. $BOXCAR_TEST_FALLBACK_FILTER narrows it (a regexp, like PATTERN).
    if [[ $configs == *" fallback "* ]]; then
    prepare_config_dir fallback "$TUID:$TGID"
    echo "# runtime tests as $TEST_USER, fallbacks forced (BOXCAR_TEST_FALLBACKS=all)"
    common_env user fallback
    # (Slurm's, the SPANK plugin's, the cluster cache's and the trace engine's
    # tests take none of those fallbacks' paths: the user and root passes run them)
    env -i "${ENVV[@]}" LABEL=user+fallbacks BOXCAR_TEST_FALLBACKS=all \
        EXCLUDE='^\[user\+fallbacks\] (slurm|slurm spank|cluster-cache|trace): ' \
        FILTER="${BOXCAR_TEST_FALLBACK_FILTER:-$FILTER}" setpriv --reuid="$TUID" --regid="$TGID" --init-groups \
        bash "$TOP/tests/run.sh" --inner run 2>&1 | report
    fi
    # And as the user on the flat root (stub/flatroot.h): the image's layers
    # merged, bound read-only. Tests that need a writable root say so and
    # are skipped (needs_writable_root in lib.sh); `boxcar build`'s, whose
    # steps always run on overlayfs, are left out, and so are the files whose
    # tests run each case on both roots themselves (gpu, cluster-cache), and
    # those whose concern lies elsewhere: Slurm's and the SPANK plugin's (the
    # user and root passes have them), the trace engine's (always flat). $BOXCAR_TEST_FLAT_FILTER
    # narrows it.
    if [[ $configs == *" flat "* ]]; then
    prepare_config_dir flat "$TUID:$TGID"
    echo "# runtime tests as $TEST_USER on the flat root (BOXCAR_ROOT=flat)"
    common_env user flat
    env -i "${ENVV[@]}" LABEL=user+flat BOXCAR_ROOT=flat EXCLUDE='^\[user\+flat\] (build|gpu|cluster-cache|slurm|slurm spank|trace): ' \
        FILTER="${BOXCAR_TEST_FLAT_FILTER:-$FILTER}" setpriv --reuid="$TUID" --regid="$TGID" --init-groups \
        bash "$TOP/tests/run.sh" --inner run 2>&1 | report
    fi
else
    prepare_config_dir self
    echo "# pack phase (as $(id -un))"
    common_env self; env -i "${ENVV[@]}" bash "$TOP/tests/run.sh" --inner pack 2>&1 | report
    echo "# runtime tests as $(id -un)"
    common_env self; env -i "${ENVV[@]}" bash "$TOP/tests/run.sh" --inner run 2>&1 | report
fi

# the slowest tests of every pass (where CI's time goes)
cat "$TW"/*/tmp/durations.tsv 2>/dev/null | sort -rn | head -n "${BOXCAR_TEST_SLOWEST:-10}" |
    while IFS=$'\t' read -r sec name; do echo "# slow: ${sec}s $name"; done
echo "# took $(( $(date +%s) - START ))s"
if [ "$FAILED" -gt 0 ]; then
    echo "# failed:"
    for n in "${FAILED_NAMES[@]}"; do echo "#   $n"; done
fi
echo "$PASS passed, $FAILED failed"
[ "$FAILED" = 0 ]
