# Issue 3, "payload and cache: never run corrupt data, never lose or poison state":
# damaged files (a sweep of flipped bytes, truncations, appended garbage), SIGKILL
# during the first extraction, a full disk, parallel first launches, hostile layer tars
# (tests/hostile.py), shared hosts (who owns the cache). Tests for features still being
# written are at the bottom, under "# --- needs: FEATURE".
#
# Fixtures: the pack phase (root) writes $RBF (a many-file image, a cache owned by
# root) and packs $PACKED/robust-big; hostile images are made per test under $T.

RBF=$TW/robust
HOSTILE=$TOP/tests/hostile.py

# ------------------------------------------------------------------ helpers
# rb_user: the unprivileged test user (run.sh chowns $TW/user to it)
rb_user() { stat -c %U "$TW/user" 2>/dev/null || echo "${BOXCAR_TEST_USER:-boxcartest}"; }

# rb_hexes FILE: the file's layer diff_ids (hex, one per line, in layer order)
rb_hexes() { "$1" --boxcar-inspect | jq -r '.layers[].diff_id' | sed 's/^sha256://'; }

# rb_layers_in CACHE: layer dir names in CACHE/layers (sorted)
rb_layers_in() {
    [ -d "$1$STORE_SUFFIX/layers" ] || return 0
    find "$1$STORE_SUFFIX/layers" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort
}
rb_single_layers_in() { STORE_SUFFIX= rb_layers_in "$1"; }   # the one-id store (ROOT)
# rb_tmp_left CACHE: what is left in CACHE/tmp
rb_tmp_left() { [ -d "$1$STORE_SUFFIX/tmp" ] && find "$1$STORE_SUFFIX/tmp" -mindepth 1 -maxdepth 1 -printf '%f ' ; return 0; }

# rb_one_line_error FILE: FILE is exactly one line starting with "boxcar: "
rb_one_line_error() { [ "$(grep -c '' "$1")" = 1 ] && head -n1 "$1" | grep -q '^boxcar: .'; }

# rb_crashed RC ERRFILE: a crash or a sanitizer report rather than a handled error
rb_crashed() {
    case $1 in 132|133|134|135|136|137|138|139|159) return 0 ;; esac
    grep -qE 'Sanitizer|runtime error:|Segmentation|core dumped' "$2" 2>/dev/null
}

# rb_u64 FILE OFFSET: little-endian u64 at OFFSET
rb_u64() { od -An -tu8 -j "$2" -N8 "$1" | tr -d ' '; }

# rb_fresh DIR: an empty private dir (not exported, unlike fresh_cache)
rb_fresh() { [ -d "$1" ] && chmod -R u+rwX "$1" 2>/dev/null; rm -rf "$1"; mkdir -p "$1"; chmod 0700 "$1"; }

# ------------------------------------------------------------------ fixtures (pack phase)
pa_robust_fixtures() {
    local w=$T/w
    rm -rf "$RBF"; mkdir -p "$RBF" "$w"
    # many-file image: busybox + 2 layers of small files (extraction takes ~1 s)
    python3 "$HOSTILE" many "$w/m1.tar" many1 500 1 || fail "hostile.py many failed"
    python3 "$HOSTILE" many "$w/m2.tar" many2 500 2 || fail "hostile.py many failed"
    python3 "$HOSTILE" layout "$FIX/oci-busybox" latest "$RBF/oci" big "$w/m1.tar" "$w/m2.tar" \
        || fail "hostile.py layout failed"
    x "$BOXCAR" pack "oci:$RBF/oci:big" -o "$PACKED/robust-big" --quiet
    expect_ok
    # a cache dir owned by root (mode 0755) with a planted layer for busybox's base:
    # an unprivileged caller pointed at it must refuse it, not run what is in it
    local hex; hex=$(diff_ids "$FIX/oci-busybox" latest | head -1); hex=${hex#sha256:}
    mkdir -p "$RBF/foreign/layers/$hex/etc" "$RBF/foreign/tmp" "$RBF/foreign/locks"
    echo PLANTED > "$RBF/foreign/layers/$hex/etc/fixture-release"
    chmod -R 0755 "$RBF/foreign"
    chmod -R a+rX "$RBF"; chmod a+rx "$PACKED/robust-big"
}
test_case artifact "robust-big, robust fixtures <- tests/hostile.py" pa_robust_fixtures

# ------------------------------------------------------------------ 1. integrity sweep
# One probe: run the damaged file $RB_F with a fresh cache; it must exit 125 with one
# "boxcar: " line naming the file, run nothing, and leave no damaged (or, when the
# index is unusable, any) layer installed and nothing in tmp/.
RB_MISS=0; RB_PROBES=0
rb_probe() {   # DESC DAMAGED-HEX ("" = no layer is usable, "-" = none damaged)
    local desc=$1 bad=$2 rc why="" d left
    RB_PROBES=$((RB_PROBES + 1))
    rb_fresh "$T/pc"
    BOXCAR_CACHE=$T/pc timeout -k 5 60 "$RB_F" echo CONTAINER-RAN > "$T/p.out" 2> "$T/p.err" < /dev/null
    rc=$?
    [ "$rc" = 125 ] || why="exit $rc (want 125)"
    [ -s "$T/p.out" ] && why="$why; the container ran"
    rb_one_line_error "$T/p.err" || why="$why; stderr is not one 'boxcar: ' line"
    grep -qF -- "$RB_F" "$T/p.err" || why="$why; error does not name the file"
    left=$(rb_tmp_left "$T/pc"); [ -z "$left" ] || why="$why; left in tmp/: $left"
    for d in $(rb_layers_in "$T/pc"); do
        if [ -z "$bad" ]; then why="$why; installed $d from an unusable file"
        elif [ "$d" = "$bad" ]; then why="$why; the DAMAGED layer ${d:0:12} was installed"
        elif ! grep -qx "$d" "$T/hexes"; then why="$why; unknown layer dir $d"
        fi
    done
    if [ -n "$why" ]; then
        RB_MISS=$((RB_MISS + 1))
        if [ "$RB_MISS" -le 12 ]; then
            note "miss: $desc: ${why#; }"
            sed 's/^/    stderr| /' "$T/p.err" | head -3 >&2
        fi
    fi
    return 0
}

t_robust_sweep() {
    local src; src=$(P layers)
    RB_F=$T/damaged
    cp "$src" "$RB_F"; chmod 0755 "$RB_F"
    rb_hexes "$src" > "$T/hexes"
    "$src" --boxcar-inspect > "$T/inspect.json" || fail "inspect failed"
    local size n i j off len ioff ilen stub xv=(1 2 4 8 16 32 64 128 255 85) k=0 lo hi
    size=$(stat -c %s "$src")
    n=$(jq '.layers | length' "$T/inspect.json")
    [ "$n" -ge 3 ] || fail "want a multi-layer fixture, got $n layers"
    stub=$(jq '.layers[0].offset' "$T/inspect.json")
    ioff=$(rb_u64 "$src" $((size - 48))); ilen=$(rb_u64 "$src" $((size - 40)))
    [ $((ioff + ilen + 64)) = "$size" ] || fail "trailer does not locate the index ($ioff + $ilen + 64 != $size)"

    # trailer: every byte
    for ((i = size - 64; i < size; i++)); do
        xor_byte "$RB_F" $i ${xv[$((k++ % 10))]}
        rb_probe "trailer byte $((i - size + 64)) flipped" ""
        xor_byte "$RB_F" $i ${xv[$(((k - 1) % 10))]}
    done
    # index: 40 positions incl. the first and last byte
    for ((j = 0; j < 40; j++)); do
        i=$((ioff + j * (ilen - 1) / 39))
        xor_byte "$RB_F" $i ${xv[$((k++ % 10))]}
        rb_probe "index byte $((i - ioff)) of $ilen flipped" ""
        xor_byte "$RB_F" $i ${xv[$(((k - 1) % 10))]}
    done
    # each layer blob: 20 positions incl. first and last byte
    local lsize hex
    for ((l = 0; l < n; l++)); do
        off=$(jq ".layers[$l].offset" "$T/inspect.json"); lsize=$(jq ".layers[$l].size" "$T/inspect.json")
        hex=$(sed -n "$((l + 1))p" "$T/hexes")
        for ((j = 0; j < 20; j++)); do
            i=$((off + j * (lsize - 1) / 19))
            xor_byte "$RB_F" $i ${xv[$((k++ % 10))]}
            rb_probe "layer $((l + 1)) byte $((i - off)) of $lsize flipped" "$hex"
            xor_byte "$RB_F" $i ${xv[$(((k - 1) % 10))]}
        done
    done
    cmp -s "$src" "$RB_F" || fail "test bug: the probe file was not restored"

    # truncations: stub only, layer boundaries, mid-layer, index, trailer, size-1
    # (the stub itself stays whole: a cut ELF is the kernel's business, not boxcar's)
    local cuts=("$stub" $((stub + 1)) "$ioff" $((ioff + 1)) $((ioff + ilen / 2))
        $((size - 64)) $((size - 63)) $((size - 32)) $((size - 8)) $((size - 1)))
    for ((l = 0; l < n; l++)); do
        off=$(jq ".layers[$l].offset" "$T/inspect.json"); lsize=$(jq ".layers[$l].size" "$T/inspect.json")
        cuts+=($((off + lsize / 2)) $((off + lsize)) $((off + lsize - 1)))
    done
    for ((j = 1; j < 8; j++)); do cuts+=($((stub + j * (size - stub) / 8 - 7))); done
    for len in "${cuts[@]}"; do
        head -c "$len" "$src" > "$RB_F"
        rb_probe "truncated to $len of $size bytes" ""
    done
    # appended garbage: 1 byte, 100 bytes, a second copy of the trailer, a block of zeros
    cp "$src" "$RB_F"; printf 'x' >> "$RB_F"; rb_probe "1 byte appended" ""
    cp "$src" "$RB_F"; head -c 100 /dev/urandom >> "$RB_F"; rb_probe "100 bytes appended" ""
    cp "$src" "$RB_F"; tail -c 64 "$src" >> "$RB_F"; rb_probe "trailer appended again" ""
    cp "$src" "$RB_F"; head -c 4096 /dev/zero >> "$RB_F"; rb_probe "4096 zero bytes appended" ""
    # the trailer moved: trailer + the whole index appended again (still consistent-looking)
    cp "$src" "$RB_F"; tail -c $((ilen + 64)) "$src" >> "$RB_F"; rb_probe "index+trailer appended again" ""

    info "integrity sweep: $RB_PROBES probes ($n layers, file $size bytes, stub $stub), $RB_MISS misses"
    [ "$RB_MISS" = 0 ] || fail "$RB_MISS of $RB_PROBES damaged files were not refused cleanly"
    # and the intact file still works with the same kind of cache
    rb_fresh "$T/pc"
    BOXCAR_CACHE=$T/pc x "$src" cat /data/a.txt; expect_ok; expect_out alpha-again
}
test_case run "robust: integrity sweep (flipped bytes, truncation, appended data -> 125, nothing installed)" t_robust_sweep

t_robust_corrupt_extract() {   # --boxcar-extract of a damaged file fails too
    local src; src=$(P layers)
    cp "$src" "$T/d"; chmod 0755 "$T/d"
    local off; off=$("$src" --boxcar-inspect | jq '.layers[1].offset + (.layers[1].size / 2 | floor)')
    xor_byte "$T/d" "$off" 4
    x "$T/d" --boxcar-extract="$T/root"
    expect_error 125
    expect_err_has 'corrupt|damaged|digest'
    head -c $(( $(stat -c %s "$src") - 200 )) "$src" > "$T/t"; chmod 0755 "$T/t"
    x "$T/t" --boxcar-extract="$T/root2"
    expect_error 125
    [ ! -e "$T/root2" ] || [ -z "$(ls -A "$T/root2")" ] || fail "extracted from a truncated file: $(ls "$T/root2" | head -3)"
}
test_case run "robust: --boxcar-extract of a damaged file fails (125)" t_robust_corrupt_extract

# ------------------------------------------------------------------ 2. SIGKILL during extraction
# rb_check_layers CACHE REFDIR WHEN: every dir in CACHE/layers is identical to the one
# extracted with a clean cache (listing of REFDIR/<hex>.list)
rb_check_layers() {
    local d
    for d in $(rb_layers_in "$1"); do
        [ -f "$2/$d.list" ] || fail "$3: unknown layer dir $d in layers/"
        python3 "$TOP/tests/lister.py" tree "$1$STORE_SUFFIX/layers/$d" > "$T/now.list" || fail "lister failed on $1/layers/$d"
        if ! cmp -s "$2/$d.list" "$T/now.list"; then
            note "$3: layer ${d:0:12} differs from a clean extraction:"
            diff "$2/$d.list" "$T/now.list" | head -10 | sed 's/^/    /' >&2
            fail "$3: an incomplete or altered layer is in layers/"
        fi
    done
}

# rb_check_flat FILE WHEN: on the flat root (BOXCAR_ROOT=flat), what flat/
# holds is whole: at most the file's one tree, and it verifies
rb_check_flat() {
    [ "${BOXCAR_ROOT:-}" = flat ] || return 0
    local n; n=$(find "$(store)/flat" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
    [ "$n" -le 1 ] || fail "$2: flat/ holds $n entries"
    [ "$n" = 0 ] && return 0
    local rc=0; "$1" --boxcar-verify-cache > "$T/fv.out" 2>&1 || rc=$?
    [ $rc = 0 ] || { cat "$T/fv.out" >&2; fail "$2: the flat tree or its layers do not verify"; }
}

t_robust_kill() {
    local F; F=$(P robust-big)
    local all; all=$(rb_hexes "$F" | sort)
    local cmd='find /many1 /many2 | wc -l; cat /many2/d003/f00403 | md5sum'
    # reference: a clean extraction, timed
    fresh_cache "$T/ref"
    local t0 t1 ext_ms want
    t0=$(date +%s%N); x "$F" sh -c "$cmd"; t1=$(date +%s%N)
    expect_ok; want=$OUT
    ext_ms=$(( (t1 - t0) / 1000000 ))
    mkdir -p "$T/lists"
    local d
    for d in $(rb_layers_in "$T/ref"); do
        python3 "$TOP/tests/lister.py" tree "$T/ref$STORE_SUFFIX/layers/$d" > "$T/lists/$d.list" || fail "lister failed"
    done
    [ "$(rb_layers_in "$T/ref")" = "$all" ] || fail "reference cache has other layers than the file"
    # 12 kill points from 5 ms to ~95% of the extraction time (geometric)
    local points; points=$(python3 -c "
import sys; t=max(int(sys.argv[1]) * 0.95, 60.0); n=12
print(' '.join(str(int(5 * (t / 5) ** (i / (n - 1)))) for i in range(n)))" "$ext_ms")
    local ms pid partial=0 npts=0 before
    for ms in $points; do
        npts=$((npts + 1))
        fresh_cache "$T/kc"
        setsid "$F" sh -c "$cmd" > /dev/null 2>&1 < /dev/null &
        pid=$!
        sleep "$(awk -v m="$ms" 'BEGIN { printf "%.3f", m / 1000 }')"
        kill -KILL -- "-$pid" 2>/dev/null; kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        local g
        for ((g = 0; g < 50; g++)); do kill -0 -- "-$pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 -- "-$pid" 2>/dev/null && fail "killed at ${ms} ms: processes of the launch survived kill -9 of its group"
        # right after the kill: whatever is in layers/ must be complete
        before=$(rb_layers_in "$T/kc")
        [ "$before" = "$all" ] || partial=$((partial + 1))
        rb_check_layers "$T/kc" "$T/lists" "killed at ${ms} ms"
        rb_check_flat "$F" "killed at ${ms} ms"
        # the next launch must succeed and complete the cache
        x "$F" sh -c "$cmd"
        [ "$RC" = 0 ] || { ctx; fail "launch after a kill at ${ms} ms failed"; }
        [ "$OUT" = "$want" ] || { ctx; fail "launch after a kill at ${ms} ms printed other output"; }
        [ -z "$(rb_tmp_left "$T/kc")" ] || fail "after a kill at ${ms} ms and a good launch, tmp/ holds: $(rb_tmp_left "$T/kc")"
        [ "$(rb_layers_in "$T/kc")" = "$all" ] || fail "after a kill at ${ms} ms: layers/ = $(rb_layers_in "$T/kc" | tr '\n' ' ')"
        rb_check_layers "$T/kc" "$T/lists" "after a kill at ${ms} ms and a relaunch"
        rb_check_flat "$F" "after a kill at ${ms} ms and a relaunch"
    done
    info "kill points: $npts ($points ms; clean extraction ${ext_ms} ms); $partial interrupted an extraction"
    [ "$partial" -ge 3 ] || fail "only $partial of $npts kill points interrupted an extraction: the test did not exercise anything"
}
test_case run "robust: kill -9 during the first extraction, 12 points (relaunch ok, nothing partial trusted)" t_robust_kill

# ------------------------------------------------------------------ 3. disk full (root: mounts)
# as_user CMD...: run CMD as the unprivileged test user (x-style: RC OUT ERR)
rb_as_user() {
    local u; u=$(rb_user)
    x setpriv --reuid="$u" --regid="$u" --init-groups env "$@"
}
rb_mount_tmpfs() {   # DIR OPTIONS: a tmpfs owned by the test user, mode 0700
    mkdir -p "$1"
    mount -t tmpfs -o "$2,mode=0700,uid=$(id -u "$(rb_user)"),gid=$(id -g "$(rb_user)")" boxcar-robust "$1" \
        || fail "mount tmpfs $2 on $1 failed"
}
rb_umount() { local m; for m in "$@"; do mountpoint -q "$m" && umount -l "$m"; done; return 0; }

# rb_cache_clean CACHE WHEN: nothing in tmp/, no layer dirs
rb_cache_clean() {
    [ -z "$(rb_tmp_left "$1")" ] || fail "$2: left in tmp/: $(rb_tmp_left "$1")"
    [ -z "$(rb_layers_in "$1")" ] || fail "$2: layers/ has: $(rb_layers_in "$1" | tr '\n' ' ')"
}
t_robust_disk_full() {   # the free-space check refuses before extracting
    local STORE_SUFFIX; STORE_SUFFIX=$(store_suffix_for "$(rb_user)")   # (runs as the test user)
    local F; F=$(P layers)
    trap 'rb_umount "$T/small" "$T/big"' EXIT
    # 2 MB: less than the first layer alone
    rb_mount_tmpfs "$T/small" size=2m
    rb_as_user BOXCAR_CACHE="$T/small/c" "$F" cat /data/a.txt
    rb_cache_clean "$T/small/c" "disk full"
    expect_error 125
    expect_err_has "$T/small/c"
    expect_err_has 'space'
    expect_err_has '[0-9.]+ ?[MG]i?B'
    # a big enough cache: fine
    rb_mount_tmpfs "$T/big" size=64m
    rb_as_user BOXCAR_CACHE="$T/big/c" "$F" cat /data/a.txt
    expect_ok; expect_out alpha-again
    [ "$(rb_layers_in "$T/big/c")" = "$(rb_hexes "$F" | sort)" ] || fail "big cache: wrong layers/"
}
t_robust_enospc() {   # bytes enough, inodes not: extraction itself hits ENOSPC
    local STORE_SUFFIX; STORE_SUFFIX=$(store_suffix_for "$(rb_user)")   # (runs as the test user)
    local F; F=$(P layers)
    trap 'rb_umount "$T/inodes"' EXIT
    rb_mount_tmpfs "$T/inodes" size=50m,nr_inodes=60
    rb_as_user BOXCAR_CACHE="$T/inodes/c" "$F" cat /data/a.txt
    rb_cache_clean "$T/inodes/c" "ENOSPC"
    expect_error 125
    expect_err_has 'space|full|inode'
    expect_err_has "$T/inodes/c"
    # the failed attempt left nothing that changes a retry on the same mount
    rb_as_user BOXCAR_CACHE="$T/inodes/c" "$F" cat /data/a.txt
    rb_cache_clean "$T/inodes/c" "ENOSPC, second try"
    expect_error 125
}
if [ "$CONFIG" = root ]; then
    test_case run "robust: disk full: free-space check (125, says how much, nothing partial)" t_robust_disk_full
    test_case run "robust: disk full: ENOSPC mid-extraction, out of inodes (125, clear, nothing partial)" t_robust_enospc
fi

# ------------------------------------------------------------------ 4. concurrency
# rb_parallel N FILE EXPECTED-OUTPUT TAG CMD...: start N launches at once (shared
# $BOXCAR_CACHE), wait, fail on any non-zero exit or wrong output
rb_parallel() {
    local n=$1 f=$2 want=$3 tag=$4 i bad=0; shift 4
    local pids=()
    for ((i = 1; i <= n; i++)); do
        timeout -k 5 300 "$f" --boxcar-verbose "$@" > "$T/$tag$i.out" 2> "$T/$tag$i.err" < /dev/null &
        pids+=($!)
    done
    RB_PIDS+=("${pids[@]}")
    for ((i = 1; i <= n; i++)); do
        wait "${pids[$((i - 1))]}"; local rc=$?
        if [ $rc != 0 ] || [ "$(cat "$T/$tag$i.out")" != "$want" ]; then
            bad=$((bad + 1))
            [ $bad -le 3 ] && { note "$tag launch $i: exit $rc, stdout '$(head -c 200 "$T/$tag$i.out")', stderr:"; grep -v '^boxcar: \(using\|layer\)' "$T/$tag$i.err" | head -5 | sed 's/^/    /' >&2; }
        fi
    done
    RB_BAD=$((RB_BAD + bad))
}
# rb_extract_lines: "extracting" lines of --boxcar-verbose in all launches' stderr
rb_extract_lines() { cat "$T"/*.err 2>/dev/null | tr '\r' '\n' | grep -ci 'extracting'; }

t_robust_parallel32() {
    fresh_cache "$T/cache"
    local F; F=$(P layers)
    RB_BAD=0; RB_PIDS=()
    rb_parallel 32 "$F" alpha-again p cat /data/a.txt
    [ $RB_BAD = 0 ] || fail "$RB_BAD of 32 parallel first launches failed"
    [ "$(cache_layer_dirs)" = "$(rb_hexes "$F" | sort)" ] || fail "layers/ = $(cache_layer_dirs | tr '\n' ' ')"
    [ -z "$(rb_tmp_left "$BOXCAR_CACHE")" ] || fail "tmp/ holds: $(rb_tmp_left "$BOXCAR_CACHE")"
    local n; n=$(rb_extract_lines)
    if [ "$n" = 0 ]; then info "no 'extracting' lines in --boxcar-verbose output: checked the cache only"
    else [ "$n" = "$(rb_hexes "$F" | wc -l)" ] || fail "$n 'extracting' lines for $(rb_hexes "$F" | wc -l) layers over 32 launches"; fi
    # on the flat root: one merge for 32 launches, and a whole tree
    if [ "${BOXCAR_ROOT:-}" = flat ]; then
        n=$(cat "$T"/*.err | grep -ci 'merging')
        [ "$n" = 1 ] || fail "$n 'merging' lines over 32 launches, want 1"
        rb_check_flat "$F" "after 32 parallel launches"
        n=$(find "$(store)/flat" -mindepth 1 -maxdepth 1 | wc -l)
        [ "$n" = 1 ] || fail "flat/ holds $n trees, want 1"
    fi
    # and all of it is a good extraction
    x "$F" sh -c 'cat /data/b.txt /data/h2; md5sum /data/random.bin | cut -c1-8'
    expect_ok
}
test_case run "robust: 32 parallel first launches, one cache (all ok, each layer once)" t_robust_parallel32

t_robust_parallel_shared() {   # bb and layers share the busybox base layer
    fresh_cache "$T/cache"
    local A B; A=$(P bb); B=$(P layers)
    local base; base=$(rb_hexes "$A")
    [ "$(rb_hexes "$B" | head -1)" = "$base" ] || fail "fixture: bb and layers do not share their first layer"
    RB_BAD=0; RB_PIDS=()
    local i pids=()
    for ((i = 1; i <= 16; i++)); do
        timeout -k 5 300 "$A" --boxcar-verbose cat /etc/fixture-release > "$T/a$i.out" 2> "$T/a$i.err" < /dev/null & pids+=($!)
        timeout -k 5 300 "$B" --boxcar-verbose cat /data/a.txt > "$T/b$i.out" 2> "$T/b$i.err" < /dev/null & pids+=($!)
    done
    local p rc bad=0
    for p in "${pids[@]}"; do wait "$p" || { rc=$?; bad=$((bad + 1)); }; done
    for ((i = 1; i <= 16; i++)); do
        [ "$(cat "$T/a$i.out")" = "busybox fixture" ] || { bad=$((bad + 1)); note "bb $i: $(cat "$T/a$i.out" "$T/a$i.err" | head -3)"; }
        [ "$(cat "$T/b$i.out")" = "alpha-again" ] || { bad=$((bad + 1)); note "layers $i: $(cat "$T/b$i.out" "$T/b$i.err" | head -3)"; }
    done
    [ $bad = 0 ] || fail "$bad of 32 launches (16 x 2 files sharing a base) failed"
    [ "$(cache_layer_dirs)" = "$(rb_hexes "$B" | sort)" ] || fail "layers/ = $(cache_layer_dirs | tr '\n' ' ')"
    [ "$(cache_layer_dirs | grep -c "^$base")" = 1 ] || fail "the shared layer is not there exactly once"
    [ -z "$(rb_tmp_left "$BOXCAR_CACHE")" ] || fail "tmp/ holds: $(rb_tmp_left "$BOXCAR_CACHE")"
    local n; n=$(rb_extract_lines)
    if [ "$n" = 0 ]; then info "no 'extracting' lines in --boxcar-verbose output: checked the cache only"
    else [ "$n" = 5 ] || fail "$n 'extracting' lines for 5 distinct layers"; fi
}
test_case run "robust: 16+16 parallel first launches of 2 files sharing a base layer" t_robust_parallel_shared

# Two first launches whose apps wait for each other (as an MPI job's ranks
# do), while a third launcher checks the layer they both lack (its in-use
# lock held shared; 2 s here): the one that extracts it runs, and the other
# must not wait for that container to end before it runs too.
t_robust_wait_each_other() {
    fresh_cache "$T/cache"
    local A B hex i p pids=(); A=$(P bb); B=$(P layers)
    x "$A" true   # the store, with the base layer the two files share
    expect_ok
    hex=$(rb_hexes "$B" | tail -1)
    mkdir -m 0777 "$T/up"
    flock -s "$(store)/locks/$hex" sleep 2 & pids+=($!)
    sleep 0.2
    for i in 1 2; do
        timeout -k 5 120 "$B" --boxcar-volume="$T/up:/up" sh -c 'mktemp /up/XXXXXX >/dev/null; i=0
            while [ "$(ls /up | wc -l)" -lt 2 ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
            echo "up: $(ls /up | wc -l)"' > "$T/o$i" 2> "$T/e$i" < /dev/null & pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p" || true; done
    for i in 1 2; do
        [ "$(cat "$T/o$i")" = "up: 2" ] ||
            fail "launch $i: '$(cat "$T/o$i")' $(head -3 "$T/e$i"): it did not run while the other did (a launcher waited for a running container)"
    done
}
test_case run "robust: two first launches that wait for each other both run (no launcher waits for a running container)" t_robust_wait_each_other

# ------------------------------------------------------------------ 5. hostile layers
# Layout under $T: c/cache = BOXCAR_CACHE, c/outside-TOK (a sentinel beside the cache),
# x/y/root = the --boxcar-extract dir, x/y/outside-TOK, outside-TOK,
# /tmp/TOK-dir/victim and /tmp/TOK-sentinel: all sentinels hold "sentinel" and must
# keep it (and one link); no file named *TOK* may appear outside the cache's layers/
# and the extract dir; /etc/passwd must stay unchanged and unlinked.
rb_hostile_setup() {   # CASE -> F (packed file) or PACK_REFUSED=1
    TOK=bxr$$x$RANDOM$RANDOM
    SENT=/tmp/$TOK-sentinel
    RB_CLEAN=("/tmp/$TOK-dir" "$SENT")
    trap 'rm -rf "${RB_CLEAN[@]}" /tmp/'"$TOK"'* /'"$TOK"'* 2>/dev/null' EXIT
    mkdir -p "$T/c/cache" "$T/x/y" "/tmp/$TOK-dir"
    chmod 0700 "$T/c/cache"; chmod 0777 "/tmp/$TOK-dir"
    local s
    for s in "$T/c/outside-$TOK" "$T/x/y/outside-$TOK" "$T/outside-$TOK" "/tmp/$TOK-dir/victim" "$SENT"; do
        echo sentinel > "$s"; chmod 0666 "$s"
    done
    export BOXCAR_CACHE=$T/c/cache
    sha256sum /etc/passwd > "$T/passwd.sum"
    python3 "$HOSTILE" tars "$T/gen" "$TOK" "$SENT" || fail "hostile.py tars failed"
    local tars=("$T/gen/$1".*.tar)
    [ -f "${tars[0]}" ] || fail "no tars for case $1"
    python3 "$HOSTILE" layout "$FIX/oci-busybox" latest "$T/oci" "$1" "${tars[@]}" || fail "hostile.py layout failed"
    PACK_REFUSED=0; F=$T/packed
    x "$BOXCAR" pack "oci:$T/oci:$1" -o "$F" --quiet
    if rb_crashed "$RC" "$T/.err"; then ctx; fail "pack crashed"; fi
    if [ "$RC" != 0 ]; then
        expect_error 1
        info "case $1: pack refused it: $ERR"
        PACK_REFUSED=1
    fi
    return 0
}
rb_hostile_outside_ok() {   # WHEN
    local s bad
    for s in "$T/c/outside-$TOK" "$T/x/y/outside-$TOK" "$T/outside-$TOK" "/tmp/$TOK-dir/victim" "$SENT"; do
        [ -f "$s" ] && [ ! -L "$s" ] || fail "$1: sentinel $s was removed or replaced"
        [ "$(cat "$s")" = sentinel ] || fail "$1: sentinel $s was written: $(head -c 100 "$s")"
        [ "$(stat -c %h "$s")" = 1 ] || fail "$1: sentinel $s got a hard link inside the cache or extract dir"
    done
    [ "$(ls -A "/tmp/$TOK-dir")" = victim ] || fail "$1: files appeared in /tmp/$TOK-dir: $(ls -A "/tmp/$TOK-dir" | tr "\n" " ")"
    [ "$(ls -A "$T/c" | sort | tr '\n' ' ')" = "cache outside-$TOK " ] || fail "$1: files appeared beside the cache: $(ls -A "$T/c" | tr "\n" " ")"
    bad=$(find "$(dirname "$TMPDIR")" /tmp / -maxdepth 1 -name "*$TOK*" 2>/dev/null | grep -v -e "^/tmp/$TOK-dir\$" -e "^$SENT\$")
    [ -z "$bad" ] || fail "$1: written outside: $bad"
    bad=$(find "$T" -name "*$TOK*" ! -path "$(store)/layers/*" ! -path "$(store)/flat/*" ! -path "$T/x/y/root/*" \
        ! -path "$T/x/y/root" ! -name "outside-$TOK" 2>/dev/null)
    [ -z "$bad" ] || fail "$1: written outside the extraction root: $bad"
    sha256sum -c --quiet "$T/passwd.sum" >/dev/null 2>&1 || fail "$1: /etc/passwd CHANGED"
    bad=$(find "$BOXCAR_CACHE" "$T/x" -samefile /etc/passwd 2>/dev/null)
    [ -z "$bad" ] || fail "$1: hard link to /etc/passwd: $bad"
    return 0
}
# rb_hostile CASE KIND: KIND = ok (must succeed), fail (must be refused with 125), any
rb_hostile() {
    local c=$1 kind=$2
    rb_hostile_setup "$c"
    [ $PACK_REFUSED = 1 ] && return 0
    local all; all=$(rb_hexes "$F" | sort)
    # run with a fresh cache
    x "$F" sh -c 'echo ran'
    rb_crashed "$RC" "$T/.err" && { ctx; fail "crashed"; }
    case $kind:$RC in
        ok:0|any:0) [ "$OUT" = ran ] || { ctx; fail "ran, but printed other output"; } ;;
        fail:125|any:125) expect_one_line_error ;;
        *) ctx; fail "case $c: exit $RC, want $([ "$kind" = ok ] && echo 0 || { [ "$kind" = fail ] && echo 125 || echo '0 or 125'; })" ;;
    esac
    RUN_RC=$RC; RUN_ERR=$(head -c 150 "$T/.err")
    [ -z "$(rb_tmp_left "$BOXCAR_CACHE")" ] || fail "tmp/ holds: $(rb_tmp_left "$BOXCAR_CACHE")"
    local d
    for d in $(rb_layers_in "$BOXCAR_CACHE"); do grep -qx "$d" <<<"$all" || fail "unknown layer dir $d"; done
    if [ "$RUN_RC" = 0 ]; then [ "$(rb_layers_in "$BOXCAR_CACHE")" = "$all" ] || fail "ran without all layers installed"
    else [ "$(rb_layers_in "$BOXCAR_CACHE")" != "$all" ] || fail "refused, but every layer (the hostile one too) is installed"; fi
    rb_hostile_outside_ok "run"
    # a second launch sees the same (a refused layer stays refused, an accepted one works)
    x "$F" sh -c 'echo ran'
    [ "$RC" = "$RUN_RC" ] || { ctx; fail "second launch: exit $RC, first: $RUN_RC"; }
    rb_hostile_outside_ok "second run"
    # --boxcar-extract
    x "$F" --boxcar-extract="$T/x/y/root"
    rb_crashed "$RC" "$T/.err" && { ctx; fail "--boxcar-extract crashed"; }
    case $kind:$RC in
        ok:0|any:0) ;;
        fail:125|any:125) expect_one_line_error ;;
        *) ctx; fail "--boxcar-extract: exit $RC" ;;
    esac
    EXTRACT_RC=$RC
    [ "$(ls -A "$T/x/y" | grep -vx root | tr '\n' ' ')" = "outside-$TOK " ] || fail "--boxcar-extract: files appeared beside the extract dir: $(ls -A "$T/x/y")"
    rb_hostile_outside_ok "--boxcar-extract"
    info "case $c: run exit $RUN_RC${RUN_ERR:+ ($RUN_ERR)}; --boxcar-extract exit $EXTRACT_RC$([ "$EXTRACT_RC" = 0 ] || printf ' (%s)' "$(head -c 150 "$T/.err")")"
}
rb_layer_dir() { printf '%s/layers/%s\n' "$(store)" "$(rb_hexes "$F" | sed -n "${1}p")"; }

t_rh_dotdot()      { rb_hostile dotdot any; }
t_rh_absolute()    { rb_hostile absolute any; }
t_rh_sym_abs()     { rb_hostile symlink-abs any; }
t_rh_sym_up()      { rb_hostile symlink-up any; }
t_rh_sym_swap()    { rb_hostile symlink-swap any; }
t_rh_hl_passwd()   { rb_hostile hardlink-passwd any; }
t_rh_hl_dotdot()   { rb_hostile hardlink-dotdot any; }
t_rh_hl_abswrite() { rb_hostile hardlink-abs-write any; }
t_rh_hl_viasym()   { rb_hostile hardlink-via-symlink any; }
# The container's own paths through the image's symlinks: /proc (mounted before
# pivot_root), WorkingDir, a Volume, a --boxcar-volume target and the /etc files
# boxcar binds, each pointing out with an absolute path, a '..' chain or
# /proc/self/root (common/beneath.h): all resolve inside the container's root.
t_rh_mount_targets() {
    rb_hostile_setup mount-targets   # (packs it as it is; repacked below with the config)
    umoci config --image "$T/oci:mount-targets" --config.workingdir /w/sub --config.volume /v/data \
        > "$T/umoci.log" 2>&1 || { cat "$T/umoci.log" >&2; fail "umoci config failed"; }
    x "$BOXCAR" pack "oci:$T/oci:mount-targets" -o "$F" --quiet; expect_ok
    mkdir "$T/hv"
    x "$F" --boxcar-volume="$T/hv:/mnt/data" --boxcar-hostname=bxhost sh -c 'pwd; cat /etc/hostname
        grep -c bxhost /etc/hosts; [ -f /etc/resolv.conf ] && echo resolv; echo x > /v/data/f && echo vol
        echo y > /mnt/data/g; ls /tmp/'"$TOK"'-dir | tr "\n" " "; grep -c " /proc proc" /proc/mounts'
    expect_ok
    expect_out "$(printf '%s\n' "/tmp/$TOK-dir/w/sub" bxhost 1 resolv vol "data v w 1")"
    [ "$(cat "$T/hv/g" 2>/dev/null)" = y ] || fail "the --boxcar-volume did not land on /mnt/data"
    rb_hostile_outside_ok "run"
}
t_rh_hl_forward()  {
    rb_hostile hardlink-forward any
    [ "$PACK_REFUSED" = 1 ] && return 0
    if [ "${RUN_RC:-}" = 0 ]; then
        [ "$(cat "$(rb_layer_dir 2)/later-file")" = later ] || fail "later-file has the wrong content"
    fi
}
t_rh_devices() {
    rb_hostile devices ok
    [ "$PACK_REFUSED" = 1 ] && return 0
    local L; L=$(rb_layer_dir 2)
    [ -f "$L/after-devices" ] && [ -f "$T/x/y/root/after-devices" ] || fail "entries after the device nodes are missing"
    if [ "$CONFIG" != root ]; then
        [ ! -e "$L/dev/evil-mem" ] && [ ! -e "$L/dev/evil-disk" ] || fail "device nodes created without root in the cache"
        [ ! -e "$T/x/y/root/dev/evil-mem" ] && [ ! -e "$T/x/y/root/dev/evil-disk" ] || fail "device nodes created without root by --boxcar-extract"
    fi
}
t_rh_setuid() {
    rb_hostile setuid ok
    [ "$PACK_REFUSED" = 1 ] && return 0
    x "$F" sh -c 'ls -ld /suid-root /sgid-root /wdir | cut -c1-10'
    expect_ok
    [ "$(stat -c %a "$BOXCAR_CACHE")" = 700 ] || fail "the cache root changed mode: $(stat -c %a "$BOXCAR_CACHE")"
    [ "$(stat -c %a "$(store)/layers")" = 700 ] || fail "layers/ changed mode: $(stat -c %a "$(store)/layers")"
}
t_rh_long_path()   { rb_hostile long-path any; }
t_rh_long_name()   { rb_hostile long-name any; }
t_rh_duplicates() {
    rb_hostile duplicates ok
    [ "$PACK_REFUSED" = 1 ] && return 0
    x "$F" sh -c 'cat /dup.txt /dup-link /dup-dir/child; [ -L /dup-link ] && echo still-a-link; echo end'
    expect_ok
    expect_out $'second\nregular now\nchild\nend'
    local r=$T/x/y/root
    [ "$(cat "$r/dup.txt" "$r/dup-link" "$r/dup-dir/child" 2>&1)" = $'second\nregular now\nchild' ] \
        || fail "--boxcar-extract: the last entry did not win: $(cat "$r/dup.txt" "$r/dup-link" "$r/dup-dir/child" 2>&1 | head -5)"
}
t_rh_dup_dir_file() {   # docker: a later entry replaces whatever is there, a dir included
    rb_hostile dup-dir-to-file ok
    [ "$PACK_REFUSED" = 1 ] && return 0
    x "$F" sh -c 'cat /dup-gone /dup-gone2/inner; [ -d /dup-gone ] && echo still-a-dir; echo end'
    expect_ok
    expect_out $'file replaces dir\ndir replaces symlink\nend'
    local r=$T/x/y/root
    [ "$(cat "$r/dup-gone" "$r/dup-gone2/inner" 2>&1)" = $'file replaces dir\ndir replaces symlink' ] \
        || fail "--boxcar-extract: the last entry did not win: $(cat "$r/dup-gone" "$r/dup-gone2/inner" 2>&1 | head -5)"
}
t_rh_bomb() {
    rb_hostile tar-bomb fail
    [ "$PACK_REFUSED" = 1 ] && return 0
    [ -z "$(find "$T" -size +100M 2>/dev/null)" ] || fail "a huge file was left: $(find "$T" -size +100M | head -3)"
}
t_rh_bomb_short() {
    rb_hostile tar-bomb-short fail
    [ "$PACK_REFUSED" = 1 ] && return 0
    [ -z "$(find "$T" -size +100M 2>/dev/null)" ] || fail "a huge file was left: $(find "$T" -size +100M | head -3)"
}
t_rh_wh_sym()      { rb_hostile whiteout-symlink any; }
t_rh_wh_dotdot()   { rb_hostile whiteout-dotdot any; }
t_rh_xl_sym()      { rb_hostile xlayer-symlink any; }
t_rh_xl_wh()       { rb_hostile xlayer-whiteout any; }
t_rh_xl_rodir() {   # a later layer writes into a lower layer's read-only dir
    rb_hostile xlayer-readonly-dir ok
    [ "$PACK_REFUSED" = 1 ] && return 0
    # (the running view's mode is layer 2's implicit parent dir, as in Docker)
    x "$F" sh -c 'cat /rodir/a /rodir/b; ls /rodir'
    expect_ok; expect_out $'a\nb\na\nb'
    local r=$T/x/y/root
    [ "$(cat "$r/rodir/a" "$r/rodir/b" 2>&1; ls "$r/rodir"; stat -c %a "$r/rodir")" = $'a\nb\na\nb\n555' ] \
        || fail "--boxcar-extract: $(ls -la "$r/rodir" 2>&1 | head -5)"
}
test_case run "robust: hostile layer: ../ names"                          t_rh_dotdot
test_case run "robust: hostile layer: absolute names"                     t_rh_absolute
test_case run "robust: hostile layer: symlink to /tmp/X, file through it" t_rh_sym_abs
test_case run "robust: hostile layer: symlink to ../../.., file through it" t_rh_sym_up
test_case run "robust: hostile layer: dir swapped for a symlink, file below" t_rh_sym_swap
test_case run "robust: hostile layer: hard link to /etc/passwd"           t_rh_hl_passwd
test_case run "robust: hostile layer: hard links to ../outside with data"  t_rh_hl_dotdot
test_case run "robust: hostile layer: hard link to an absolute path, then written" t_rh_hl_abswrite
test_case run "robust: hostile layer: hard link through an outward symlink" t_rh_hl_viasym
test_case run "robust: hostile image: mount targets, WorkingDir, Volumes through outward symlinks" t_rh_mount_targets
test_case run "robust: hostile layer: hard link to a later entry"         t_rh_hl_forward
test_case run "robust: hostile layer: char/block device nodes"            t_rh_devices
test_case run "robust: hostile layer: setuid/setgid/world-writable, '.' 0777" t_rh_setuid
test_case run "robust: hostile layer: path > PATH_MAX"                    t_rh_long_path
test_case run "robust: hostile layer: name > NAME_MAX, 5000-byte symlink" t_rh_long_name
test_case run "robust: hostile layer: duplicate entries (the last wins)"  t_rh_duplicates
test_case run "robust: hostile layer: dir then file of the same name, one layer (the last wins)" t_rh_dup_dir_file
test_case run "robust: hostile layer: tar bomb (1 TiB header, no data)"   t_rh_bomb
test_case run "robust: hostile layer: tar bomb (1 TiB header, 4 KiB, cut)" t_rh_bomb_short
test_case run "robust: hostile layer: whiteouts through an outward symlink" t_rh_wh_sym
test_case run "robust: hostile layer: whiteouts with ../"                 t_rh_wh_dotdot
test_case run "robust: hostile layer: symlink in layer 1, files through it in layer 2" t_rh_xl_sym
test_case run "robust: hostile layer: symlink in layer 1, whiteouts through it in layer 2" t_rh_xl_wh
test_case run "robust: a later layer writes into a lower layer's read-only directory (run and --boxcar-extract)" t_rh_xl_rodir

# ------------------------------------------------------------------ 6. shared hosts
t_robust_cache_modes() {   # group/other-writable caches are refused, with the fix
    local F m; F=$(P bb)
    for m in 0770 0707 0777 0720 0702 1777; do
        rm -rf "$T/m"; mkdir "$T/m"; chmod "$m" "$T/m"
        BOXCAR_CACHE=$T/m x "$F" echo CONTAINER-RAN
        expect_error 125
        expect_err_has "$T/m"
        expect_err_has '0700|chmod|private'
        expect_out_lacks CONTAINER-RAN
        [ -z "$(ls -A "$T/m")" ] || fail "mode $m: wrote into the refused cache: $(ls -A "$T/m")"
    done
    # a good cache whose layers/ became group-writable afterwards
    fresh_cache "$T/good"
    x "$F" true; expect_ok
    chmod 0770 "$(store)/layers"
    x "$F" echo CONTAINER-RAN
    expect_error 125; expect_err_has "$T/good"; expect_out_lacks CONTAINER-RAN
    chmod 0700 "$(store)/layers"
    # layers/ replaced by a symlink to a dir of the caller's: refused, nothing written there
    mkdir -m 0700 "$T/elsewhere"
    chmod -R u+rwX "$(store)/layers" 2>/dev/null; rm -rf "$(store)/layers" 2>/dev/null; ln -s "$T/elsewhere" "$(store)/layers"
    x "$F" echo CONTAINER-RAN
    expect_error 125; expect_out_lacks CONTAINER-RAN
    [ -z "$(ls -A "$T/elsewhere")" ] || fail "extracted through a symlinked layers/: $(ls -A "$T/elsewhere")"
}
test_case run "robust: shared host: group/other-writable cache dirs refused (125, says the fix)" t_robust_cache_modes

t_robust_cache_in_tmp() {   # a cache created by the caller inside root's 1777 /tmp is fine
    local c=/tmp/boxcar-robust-$CONFIG-$$-$RANDOM
    # shellcheck disable=SC2064  # (c is local: expand it now)
    trap "chmod -R u+rwX '$c' 2>/dev/null; rm -rf '$c'" EXIT
    BOXCAR_CACHE=$c x "$(P bb)" cat /etc/fixture-release
    expect_ok; expect_out "busybox fixture"
    [ "$(stat -c '%u %a' "$c")" = "$(id -u) 700" ] || fail "cache created as $(stat -c '%u %a' "$c"), want '$(id -u) 700'"
    BOXCAR_CACHE=$c/deeper/cache x "$(P bb)" true
    expect_ok
    [ -z "$(find "$c" -maxdepth 2 -perm /022 ! -type l)" ] || fail "group/other-writable dirs created: $(find "$c" -maxdepth 2 -perm /022 ! -type l)"
}
test_case run "robust: shared host: cache created inside a 1777 dir (ok, 0700)" t_robust_cache_in_tmp

t_robust_cache_foreign() {   # a cache owned by another user is refused, never used
    local F dir; F=$(P bb)
    if [ "$CONFIG" = root ]; then
        dir=$T/foreign
        cp -r "$RBF/foreign" "$dir"; chown -R 65534:65534 "$dir"
    else
        dir=$RBF/foreign
        [ "$(stat -c %u "$dir")" != "$(id -u)" ] || fail "fixture: $dir is owned by the caller"
    fi
    BOXCAR_CACHE=$dir x "$F" cat /etc/fixture-release
    expect_error 125
    expect_err_has "$dir"
    expect_out_lacks PLANTED
    # an owned cache whose layers/ belongs to someone else (root can arrange that)
    if [ "$CONFIG" = root ]; then
        fresh_cache "$T/mine"
        x "$F" true; expect_ok
        chown 65534:65534 "$T/mine/layers"
        x "$F" echo CONTAINER-RAN
        expect_error 125; expect_err_has "$T/mine"; expect_out_lacks CONTAINER-RAN
    fi
}
test_case run "robust: shared host: cache owned by another user refused (125)" t_robust_cache_foreign

# ==================================================================================
# --- needs: verify-cache (./FILE --boxcar-verify-cache, boxcar cache verify)
rb_verify_setup() {   # fresh cache with `layers` extracted; BASE = busybox layer dir
    fresh_cache "$T/cache"
    F=$(P layers)
    x "$F" true; expect_ok
    BASEHEX=$(rb_hexes "$F" | head -1)
    BASE=$(store)/layers/$BASEHEX
    [ -f "$BASE/bin/busybox" ] || fail "fixture: no bin/busybox in the base layer"
}
t_rn_verify_intact() {
    rb_verify_setup
    x "$F" --boxcar-verify-cache
    expect_ok
    local n; n=$(printf '%s\n' "$ERR" | grep -cw ok)
    [ "$n" -ge "$(rb_hexes "$F" | wc -l)" ] || { ctx; fail "want an 'ok' line per layer ($(rb_hexes "$F" | wc -l)), got $n"; }
    x "$BOXCAR" cache verify
    expect_ok
    # a launch after verifying still works (verify changes nothing)
    x "$F" cat /data/a.txt; expect_ok; expect_out alpha-again
}
rb_verify_tampered() {   # DESCRIPTION: after the caller tampered with $BASE
    x "$F" --boxcar-verify-cache
    expect_rc 125
    expect_err_has "${BASEHEX:0:12}"
    x "$BOXCAR" cache verify
    expect_rc 1
    expect_err_has "${BASEHEX:0:12}"
}
t_rn_verify_append() { rb_verify_setup; printf 'x' >> "$BASE/bin/busybox"; rb_verify_tampered; }
t_rn_verify_chmod()  { rb_verify_setup; chmod 0700 "$BASE/bin/busybox"; rb_verify_tampered; }
t_rn_verify_newfile() { rb_verify_setup; echo extra > "$BASE/etc/planted"; rb_verify_tampered; }
t_rn_verify_other_intact() {   # tampering with one layer does not flag the others
    rb_verify_setup
    echo extra > "$BASE/etc/planted"
    x "$F" --boxcar-verify-cache
    expect_rc 125
    local h
    for h in $(rb_hexes "$F" | sed 1d); do
        printf '%s\n' "$ERR" | grep "${h:0:12}" | grep -qiE 'corrupt|bad|mismatch|modified|changed|tamper|fail' \
            && { ctx; fail "intact layer ${h:0:12} reported bad"; }
    done
    return 0
}
test_case run "robust: needs verify-cache: intact cache verifies (ok per layer, exit 0)" t_rn_verify_intact
test_case run "robust: needs verify-cache: a byte appended to a cached file (125 / 1, names the layer)" t_rn_verify_append
test_case run "robust: needs verify-cache: a chmod in a cached layer (125 / 1)" t_rn_verify_chmod
test_case run "robust: needs verify-cache: a file added to a cached layer (125 / 1)" t_rn_verify_newfile
test_case run "robust: needs verify-cache: only the tampered layer is reported" t_rn_verify_other_intact

# --- needs: cache-ro (BOXCAR_CACHE_RO=DIR)
t_rn_cache_ro_all() {
    local F; F=$(P layers)
    fresh_cache "$T/ro"; x "$F" --boxcar-userns=root true; expect_ok
    chmod 0555 "$T/ro/layers"
    fresh_cache "$T/rw"
    BOXCAR_CACHE_RO=$T/ro x "$F" --boxcar-userns=root cat /data/a.txt
    expect_ok; expect_out alpha-again
    [ -z "$(rb_single_layers_in "$T/rw")" ] || fail "layers in the read-only cache were copied/extracted into BOXCAR_CACHE: $(rb_single_layers_in "$T/rw" | tr '\n' ' ')"
    chmod 0700 "$T/ro/layers"
}
t_rn_cache_ro_some() {   # RO has the base; the other layers go into BOXCAR_CACHE
    local F; F=$(P layers)
    fresh_cache "$T/ro"; x "$(P bb)" --boxcar-userns=root true; expect_ok
    fresh_cache "$T/rw"
    BOXCAR_CACHE_RO=$T/ro x "$F" --boxcar-userns=root sh -c 'cat /data/a.txt; cat /etc/fixture-release'
    expect_ok; expect_out $'alpha-again\nbusybox fixture'
    [ "$(rb_single_layers_in "$T/rw")" = "$(rb_hexes "$F" | sed 1d | sort)" ] || fail "BOXCAR_CACHE/layers = $(rb_single_layers_in "$T/rw" | tr '\n' ' '), want the 4 layers not in the RO cache"
}
test_case run "robust: needs cache-ro: every layer in BOXCAR_CACHE_RO (nothing extracted)" t_rn_cache_ro_all
test_case run "robust: needs cache-ro: some layers in BOXCAR_CACHE_RO (the rest extracted)" t_rn_cache_ro_some

# --- needs: cache-cmds (boxcar cache ls/du/prune, --boxcar-cache-prune)
rb_ls_hexes() { printf '%s\n' "$OUT" | awk 'NF && $1 !~ /^flat\// {print $1}' | sort; }
t_rn_cache_ls_du() {
    fresh_cache "$T/cache"
    x "$BOXCAR" cache ls; expect_ok; expect_out ""
    local F; F=$(P layers)
    x "$F" true; expect_ok
    x "$BOXCAR" cache ls; expect_ok
    printf '%s\n' "$OUT" | grep -vqE '^(flat/)?[0-9a-f]{64}  [0-9]+  [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$' \
        && { ctx; fail "a 'cache ls' line is not '[flat/]<64 hex>  <bytes>  <YYYY-MM-DDTHH:MM:SSZ>'"; }
    [ "$(rb_ls_hexes)" = "$(rb_hexes "$F" | sort)" ] || { ctx; fail "cache ls does not list the file's layers"; }
    local sum now stamp; sum=$(printf '%s\n' "$OUT" | awk '{s += $2} END {print s}')
    now=$(date -u +%s)
    for stamp in $(printf '%s\n' "$OUT" | awk '{print $3}'); do
        local t; t=$(date -u -d "$stamp" +%s) || fail "bad time $stamp"
        [ $((now - t)) -ge -5 ] && [ $((now - t)) -le 120 ] || fail "last-used $stamp is not about now ($(date -u +%FT%TZ))"
    done
    [ "$sum" -gt 2000000 ] || fail "cache ls sizes sum to $sum bytes; the layers hold > 2 MB"
    x "$BOXCAR" cache du; expect_ok
    local tot; tot=$(printf '%s\n' "$OUT" | head -1 | awk '{print $1}')
    [[ $tot =~ ^[0-9]+$ ]] || { ctx; fail "cache du: first field is not a number of bytes"; }
    [ "$tot" -ge $((sum / 2)) ] && [ "$tot" -le $((sum * 2 + 1048576)) ] || { ctx; fail "cache du says $tot, ls sums to $sum"; }
}
t_rn_prune_age() {
    fresh_cache "$T/cache"
    local F; F=$(P layers)
    x "$F" true; expect_ok
    x "$BOXCAR" cache prune --older-than 7d; expect_ok
    [ "$(cache_layer_dirs)" = "$(rb_hexes "$F" | sort)" ] || fail "prune --older-than 7d removed fresh layers"
    sleep 3
    x "$(P bb)" true; expect_ok       # a warm launch marks the base layer as used
    x "$BOXCAR" cache prune --older-than 2s; expect_ok
    [ "$(cache_layer_dirs)" = "$(rb_hexes "$(P bb)")" ] || fail "after prune --older-than 2s: layers/ = $(cache_layer_dirs | tr '\n' ' '), want only the base layer used 0 s ago"
    x "$F" cat /data/a.txt; expect_ok; expect_out alpha-again   # re-extracts what was pruned
    local d
    for d in 30s 10m 2h; do x "$BOXCAR" cache prune --older-than $d; expect_ok; done
    [ "$(cache_layer_dirs)" = "$(rb_hexes "$F" | sort)" ] || fail "prune with 30s/10m/2h removed fresh layers"
    x "$BOXCAR" cache prune --older-than bogus
    [ "$RC" != 0 ] || fail "prune --older-than bogus succeeded"; expect_one_line_error
    [ "$(cache_layer_dirs)" = "$(rb_hexes "$F" | sort)" ] || fail "a rejected prune removed layers"
    x "$BOXCAR" cache prune --all; expect_ok
    [ -z "$(cache_layer_dirs)" ] || fail "prune --all left: $(cache_layer_dirs | tr '\n' ' ')"
    [ -z "$(rb_tmp_left "$BOXCAR_CACHE")" ] || fail "prune left files in tmp/: $(rb_tmp_left "$BOXCAR_CACHE")"
    x "$F" cat /data/a.txt; expect_ok; expect_out alpha-again
}
t_rn_prune_in_use() {   # prune --all never removes the layers of a running container
    fresh_cache "$T/cache"
    x "$(P layers)" true; expect_ok
    timeout 60 "$(P bb)" sh -c 'echo started; sleep 5; cat /etc/fixture-release' > "$T/bg.out" 2> "$T/bg.err" < /dev/null &
    local pid=$!
    wait_for "$T/bg.out" '^started$' 30 || { kill "$pid"; fail "the background container did not start: $(cat "$T/bg.err")"; }
    x "$BOXCAR" cache prune --all
    expect_ok
    local base; base=$(rb_hexes "$(P bb)")
    [ "$(cache_layer_dirs)" = "$base" ] || fail "prune --all while bb runs: layers/ = $(cache_layer_dirs | tr '\n' ' '), want only bb's layer $base"
    wait "$pid"; local rc=$?
    [ $rc = 0 ] || fail "the running container failed after the prune: exit $rc: $(cat "$T/bg.err")"
    [ "$(cat "$T/bg.out")" = $'started\nbusybox fixture' ] || fail "the running container printed: $(cat "$T/bg.out")"
    x "$BOXCAR" cache prune --all; expect_ok
    [ -z "$(cache_layer_dirs)" ] || fail "prune --all after the container ended left: $(cache_layer_dirs | tr '\n' ' ')"
}
t_rn_prune_stub() {   # ./FILE --boxcar-cache-prune: the same for this cache
    fresh_cache "$T/cache"
    local F; F=$(P layers)
    x "$F" true; expect_ok
    x "$F" --boxcar-cache-prune
    expect_ok
    [ "$(cache_layer_dirs)" = "$(rb_hexes "$F" | sort)" ] || fail "--boxcar-cache-prune removed fresh layers"
    # prune's options: honoured, or refused -- never silently ignored
    x "$F" --boxcar-cache-prune --all
    if [ "$RC" = 0 ]; then
        [ -z "$(cache_layer_dirs)" ] || { ctx; fail "--boxcar-cache-prune --all: exit 0 but left: $(cache_layer_dirs | tr '\n' ' ') (--all ignored?)"; }
        x "$F" cat /data/a.txt; expect_ok; expect_out alpha-again
    else
        expect_error 125 2
        [ "$(cache_layer_dirs)" = "$(rb_hexes "$F" | sort)" ] || fail "a refused --boxcar-cache-prune --all removed layers"
    fi
}
t_rn_cache_env() {   # every cache verb uses BOXCAR_CACHE
    fresh_cache "$T/one"; x "$(P bb)" true; expect_ok
    fresh_cache "$T/two"
    x "$BOXCAR" cache ls; expect_ok; expect_out ""
    BOXCAR_CACHE=$T/one x "$BOXCAR" cache ls; expect_ok
    [ "$(rb_ls_hexes)" = "$(rb_hexes "$(P bb)")" ] || { ctx; fail "cache ls ignores BOXCAR_CACHE"; }
    x "$BOXCAR" cache prune --all; expect_ok
    [ -n "$(rb_layers_in "$T/one")" ] || fail "prune of BOXCAR_CACHE=$T/two emptied $T/one"
}
test_case run "robust: needs cache-cmds: cache ls / du formats" t_rn_cache_ls_du
test_case run "robust: needs cache-cmds: cache prune --older-than / --all, warm launch = used" t_rn_prune_age
test_case run "robust: needs cache-cmds: prune --all keeps a running container's layers" t_rn_prune_in_use
test_case run "robust: needs cache-cmds: ./FILE --boxcar-cache-prune" t_rn_prune_stub
test_case run "robust: needs cache-cmds: cache verbs honour BOXCAR_CACHE" t_rn_cache_env

# --- needs: noexec (a cache on a noexec mount: clear error)
t_rn_noexec() {
    trap 'rb_umount "$T/nx"' EXIT
    rb_mount_tmpfs "$T/nx" size=64m,noexec
    rb_as_user BOXCAR_CACHE="$T/nx/c" "$(P bb)" echo CONTAINER-RAN
    expect_error 125
    expect_err_has noexec
    expect_err_has "$T/nx/c"
}
if [ "$CONFIG" = root ]; then
    test_case run "robust: needs noexec: cache on a noexec mount (125, says noexec)" t_rn_noexec
fi
