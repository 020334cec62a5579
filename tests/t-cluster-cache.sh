# The cache on a cluster (docs/hpc.md): node-local storage under Slurm, the
# warning for a cache on a network file system (BOXCAR_TEST_FSMAGIC makes
# statfs see one: common/netfs.h), `cache seed` and a read-only cache
# (BOXCAR_CACHE_RO) seeded by root and used by the user, doctor's check of it.
#
# The pack phase (root) packs its own files and seeds $PACKED/cc-ro: this file
# sorts before t-pack.sh, whose artifacts are not there yet.

CC_RO=$PACKED/cc-ro
cc_hexes() { "$1" --boxcar-inspect | jq -r '.layers[].diff_id' | sed 's/^sha256://'; }
cc_count() { find "$1" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
cc_mode() { stat -c %a "$1"; }

# ------------------------------------------------------------------ pack phase: seeding
t_cc_seed() {
    x "$BOXCAR" pack "oci:$FIX/oci-busybox:layers" -o "$PACKED/cc-layers" --quiet; expect_ok
    x "$BOXCAR" pack "oci:$FIX/oci-busybox:latest" -o "$PACKED/cc-bb" --quiet; expect_ok
    chmod a+rx "$PACKED/cc-layers" "$PACKED/cc-bb"
    rm -rf "$CC_RO"
    x "$BOXCAR" cache seed "$PACKED/cc-layers" "$CC_RO"
    expect_ok; expect_err_has "seeded .*: 5 layers extracted, 0 already there; flat root [0-9a-f]{12}"
    local h
    for h in $(cc_hexes "$PACKED/cc-layers"); do
        [ -d "$CC_RO/layers/$h" ] || fail "layer ${h:0:12} not in $CC_RO/layers"
        [ "$(cc_mode "$CC_RO/meta/$h")" = 644 ] || fail "meta/${h:0:12} is mode $(cc_mode "$CC_RO/meta/$h"), want 644"
    done
    [ "$(cc_count "$CC_RO/layers")" = 5 ] || fail "layers/ holds $(cc_count "$CC_RO/layers") entries, want 5"
    [ "$(cc_count "$CC_RO/flat")" = 1 ] || fail "flat/ holds $(cc_count "$CC_RO/flat") trees, want 1"
    for d in . layers meta flat; do
        [ "$(cc_mode "$CC_RO/$d")" = 755 ] || fail "$d is mode $(cc_mode "$CC_RO/$d"), want 755 (published)"
    done
    for d in tmp locks; do
        [ "$(cc_mode "$CC_RO/$d")" = 700 ] || fail "$d is mode $(cc_mode "$CC_RO/$d"), want 700 (the seeder's)"
    done
    [ "$(cc_count "$CC_RO/tmp")" = 0 ] || fail "tmp/ not empty after seeding: $(ls "$CC_RO/tmp")"
    [ "$(cat "$CC_RO/flat"/*/data/a.txt)" = alpha-again ] || fail "the seeded flat root lacks the top layer's /data/a.txt"
}
t_cc_seed_again() {   # idempotent; a second file sharing the base layer reuses it
    [ -d "$CC_RO/layers" ] || fail "the seeding test did not run"
    x "$BOXCAR" cache seed "$PACKED/cc-layers" "$CC_RO"
    expect_ok; expect_err_has ": 0 layers extracted, 5 already there"
    x "$PACKED/cc-bb" --boxcar-cache-seed="$CC_RO"
    expect_ok; expect_err_has ": 0 layers extracted, 1 already there"
    [ "$(cc_count "$CC_RO/layers")" = 5 ] || fail "layers/ holds $(cc_count "$CC_RO/layers"), want 5 (bb's one layer is layers' base)"
    [ "$(cc_count "$CC_RO/flat")" = 2 ] || fail "flat/ holds $(cc_count "$CC_RO/flat") trees, want 2 (one per image)"
}
t_cc_seed_nosuid() {   # the seeder's setuid programs do not reach a tree others can run from
    mkdir -p "$T/root/bin"
    cp "$FIX/rootfs-busybox/bin/busybox" "$T/root/bin/su"
    chmod 4755 "$T/root/bin/su"; mkdir -m 2775 "$T/root/shared"
    x "$BOXCAR" pack "rootfs:$T/root" -o "$T/suid" --quiet; expect_ok
    x "$BOXCAR" cache seed "$T/suid" "$T/ro"; expect_ok
    local f; f=$(find "$T/ro/layers" -name su -type f)
    [ -n "$f" ] || fail "bin/su not seeded"
    [ "$(cc_mode "$f")" = 755 ] || fail "seeded bin/su is mode $(cc_mode "$f"), want 755 (setuid dropped)"
    [ -z "$(find "$T/ro/layers" "$T/ro/flat" -type f -perm /6000)" ] || fail "setuid/setgid files in the seeded cache"
}
t_cc_seed_unsafe() {   # a DIR others could change is refused, nothing written
    x "$BOXCAR" pack "oci:$FIX/oci-busybox:latest" -o "$T/f" --quiet; expect_ok
    mkdir -m 0777 "$T/ww"; chmod 0777 "$T/ww"
    x "$BOXCAR" cache seed "$T/f" "$T/ww"
    expect_error 125; expect_err_has "can be written by others \(mode 777\).*chmod go-w"
    [ "$(cc_count "$T/ww")" = 0 ] || fail "the refused dir was written to"
    mkdir "$T/sticky"; chmod 1777 "$T/sticky"
    x "$BOXCAR" cache seed "$T/f" "$T/sticky"
    expect_error 125; expect_err_has "can be written by others"
    mkdir -m 0755 "$T/theirs"; chown 1 "$T/theirs"
    x "$BOXCAR" cache seed "$T/f" "$T/theirs"
    expect_error 125; expect_err_has "belongs to uid 1, not to you"
    # an empty DIR (--boxcar-cache-seed=) is refused, not taken as the working directory
    mkdir "$T/here"
    x env -C "$T/here" "$T/f" --boxcar-cache-seed=
    expect_error 125; expect_err_has "directory to seed is empty"
    [ -z "$(ls -A "$T/here")" ] || fail "an empty --boxcar-cache-seed= wrote to the working directory: $(ls -A "$T/here")"
    mkdir "$T/real"; ln -s "$T/real" "$T/link"
    x "$BOXCAR" cache seed "$T/f" "$T/link"
    expect_error 125; expect_err_has "not a directory"
    mkdir -m 0777 "$T/open"; chmod 0777 "$T/open"
    x "$BOXCAR" cache seed "$T/f" "$T/open/sub"   # a parent others can swap
    expect_error 125; expect_err_has "others can modify"
    x "$BOXCAR" cache seed "$T/f"
    expect_rc 2; expect_err_has "seed takes a packed FILE and a DIR"
    x "$BOXCAR" cache seed "$T/nonexistent" "$T/x"
    expect_error 1 125
    [ ! -e "$T/x" ] || fail "a DIR was made for a missing FILE"
}
test_case pack "cluster-cache: cache seed FILE DIR (root): layers and flat root, 0755 layout, atomic" t_cc_seed
test_case pack "cluster-cache: seeding again, and a file sharing a layer (--boxcar-cache-seed), reuses layers" t_cc_seed_again
test_case pack "cluster-cache: seeding drops setuid/setgid bits" t_cc_seed_nosuid
test_case pack "cluster-cache: seeding refuses a DIR others could change (125, one line)" t_cc_seed_unsafe

# ------------------------------------------------------------------ the seeded cache, used
cc_ro_run() {   # ROOTMODE: run cc-layers on CC_RO with an empty cache
    [ -d "$CC_RO/layers" ] || fail "the pack phase's seeding did not run"
    fresh_cache "$T/c"
    BOXCAR_CACHE_RO=$CC_RO x "$PACKED/cc-layers" --boxcar-verbose --boxcar-userns=root --boxcar-root="$1" \
        sh -c 'cat /data/a.txt; cat /etc/fixture-release'
    expect_ok; expect_out $'alpha-again\nbusybox fixture'
    local n; n=$(printf '%s\n' "$ERR" | grep -c ': in the read-only cache ')
    [ "$1" = flat ] && n=$((n - 1))
    [ "$n" = 5 ] || { ctx; fail "$n layers said to be in the read-only cache, want 5"; }
    printf '%s\n' "$ERR" | grep -qi 'extracting' && { ctx; fail "something was extracted"; }
    [ "$(cc_count "$T/c/layers")" = 0 ] || fail "layers extracted into BOXCAR_CACHE: $(ls "$T/c/layers")"
    return 0
}
t_cc_ro_overlay() { cc_ro_run overlay; }
t_cc_ro_flat() {
    cc_ro_run flat
    expect_err_has "flat root [0-9a-f]{12}: in the read-only cache"
    [ "$(cc_count "$T/c/flat")" = 0 ] || fail "a flat root was merged into BOXCAR_CACHE: $(ls "$T/c/flat")"
}
test_case run "cluster-cache: a seeded BOXCAR_CACHE_RO, overlay: nothing extracted, every layer reused" t_cc_ro_overlay
test_case run "cluster-cache: a seeded BOXCAR_CACHE_RO, flat root: its tree used in place, nothing merged" t_cc_ro_flat

# ------------------------------------------------------------------ doctor on BOXCAR_CACHE_RO
cc_doctor_line() { printf '%s\n' "$OUT" | grep -E '^[A-Z]+ +read-only cache' ; }
t_cc_doctor_ro() {
    [ -d "$CC_RO/layers" ] || fail "the pack phase's seeding did not run"
    BOXCAR_CACHE_RO=$CC_RO x "$PACKED/cc-layers" --boxcar-doctor
    local l; l=$(cc_doctor_line)
    [[ $l =~ ^(OK|WARN) ]] && [[ $l == *": 5 layers; 5 of this file's 5 layers, its flat root"* ]] ||
        { ctx; fail "read-only cache line: '$l'"; }
    [ "$(printf '%s\n' "$OUT" | grep -c 'read-only cache')" = 1 ] || { ctx; fail "not one read-only cache line"; }
    mkdir -p "$T/other/layers"
    BOXCAR_CACHE_RO=$T/other x "$PACKED/cc-layers" --boxcar-doctor
    l=$(cc_doctor_line)
    [[ $l == WARN*"none of this file's 5 layers: seed them"* ]] || { ctx; fail "empty cache: '$l'"; }
    BOXCAR_CACHE_RO=$T/missing x "$PACKED/cc-layers" --boxcar-doctor
    expect_rc 1; l=$(cc_doctor_line)
    [[ $l == FAIL*"No such file"*"boxcar cache seed FILE"* ]] || { ctx; fail "missing cache: '$l'"; }
    chmod 0777 "$T/other/layers"
    BOXCAR_CACHE_RO=$T/other x "$PACKED/cc-layers" --boxcar-doctor
    expect_rc 1; l=$(cc_doctor_line)
    [[ $l == FAIL*"group or world writable"*"chmod go-w"* ]] || { ctx; fail "writable cache: '$l'"; }
    chmod 0755 "$T/other/layers"; mkdir "$T/other/layers/junk"
    BOXCAR_CACHE_RO=$T/other x "$BOXCAR" doctor
    l=$(cc_doctor_line)
    [[ $l == WARN*"layers/junk is not a layer"*"remove it"* ]] || { ctx; fail "odd entry: '$l'"; }
}
test_case run "cluster-cache: doctor checks BOXCAR_CACHE_RO (what it holds of the file; missing, writable, odd: FAIL/WARN with a fix)" t_cc_doctor_ro

# ------------------------------------------------------------------ a cache on a network file system
cc_home_run() {   # ENV...: run cc-bb with its cache in $T/home, BOXCAR_CACHE unset
    mkdir -p "$T/home"
    x env -u BOXCAR_CACHE HOME="$T/home" "$@" "$PACKED/cc-bb" --boxcar-userns=root echo hi
}
cc_warnings() { printf '%s\n' "$ERR" | grep -c 'warning: cache'; }
t_cc_netfs_warn() {
    local m name
    for m in 0x6969:NFS 0x0BD00BD0:Lustre 0x47504653:GPFS 0x19830326:BeeGFS 0x00C36400:CephFS 0xFE534D42:SMB2; do
        name=${m#*:}
        cc_home_run BOXCAR_TEST_FSMAGIC="${m%%:*}"
        expect_ok; expect_out hi
        [ "$(cc_warnings)" = 1 ] || { ctx; fail "$name: want one warning line"; }
        [ "$(grep -c '' "$T/.err")" = 1 ] || { ctx; fail "$name: more than the warning on stderr"; }
        expect_err_has "^boxcar: warning: cache $T/home/.cache/boxcar is on $name, a network file system.*BOXCAR_CACHE=/tmp/boxcar-$(id -u)"
    done
}
t_cc_netfs_silent() {   # a local file system, or a cache the user chose, says nothing
    cc_home_run BOXCAR_TEST_FSMAGIC=0xEF53
    expect_ok; [ -z "$ERR" ] || { ctx; fail "a local file system warned"; }
    cc_home_run BOXCAR_TEST_FSMAGIC=0x65735546   # FUSE: squashfuse and fuse-overlayfs are local
    expect_ok; [ -z "$ERR" ] || { ctx; fail "FUSE warned"; }
    fresh_cache "$T/chosen"
    x env BOXCAR_TEST_FSMAGIC=0x6969 "$PACKED/cc-bb" --boxcar-userns=root echo hi
    expect_ok; expect_out hi; [ -z "$ERR" ] || { ctx; fail "BOXCAR_CACHE set explicitly, yet a warning"; }
    x env BOXCAR_TEST_FSMAGIC=0x6969 "$PACKED/cc-bb" --boxcar-userns=root --boxcar-quiet echo hi
    expect_ok; [ -z "$ERR" ] || { ctx; fail "--boxcar-quiet"; }
}
t_cc_netfs_doctor() {
    mkdir -p "$T/home"
    x env -u BOXCAR_CACHE HOME="$T/home" BOXCAR_TEST_FSMAGIC=0x0BD00BD0 "$PACKED/cc-bb" --boxcar-doctor
    printf '%s\n' "$OUT" | grep -qE "^WARN +cache +$T/home/.cache/boxcar is on Lustre.*node-local" ||
        { ctx; fail "doctor: no WARN cache line naming Lustre"; }
    [ "$(cc_warnings)" = 0 ] || { ctx; fail "doctor printed the launch's warning too"; }
}
test_case run "cluster-cache: a cache on NFS/Lustre/GPFS/BeeGFS/CephFS/SMB2 warns once, naming node-local storage" t_cc_netfs_warn
test_case run "cluster-cache: no warning on a local fs, FUSE, an explicit BOXCAR_CACHE, or --boxcar-quiet" t_cc_netfs_silent
test_case run "cluster-cache: doctor WARNs for a cache on a network file system" t_cc_netfs_doctor

# ------------------------------------------------------------------ node-local under Slurm
cc_node_run() {   # ENV...: cc-bb verbose, BOXCAR_CACHE unset, HOME in $T/home
    mkdir -p "$T/home"
    x env -u BOXCAR_CACHE -u SLURM_JOB_ID -u SLURM_TMPDIR HOME="$T/home" "$@" "$PACKED/cc-bb" \
        --boxcar-verbose --boxcar-userns=root echo hi
}
t_cc_node_tmpdir() {   # $TMPDIR in a job
    mkdir -p "$T/node"
    cc_node_run SLURM_JOB_ID=4242 TMPDIR="$T/node"
    expect_ok; expect_out hi
    local d=$T/node/boxcar-$(id -u)
    [ -d "$d/layers" ] && [ "$(cc_count "$d/layers")" = 1 ] || { ctx; fail "no layer extracted into $d"; }
    [ "$(cc_mode "$d")" = 700 ] || fail "$d is mode $(cc_mode "$d"), want 700"
    [ "$(stat -c %u "$d")" = "$(id -u)" ] || fail "$d is not the user's"
    [ ! -e "$T/home/.cache/boxcar/layers" ] || fail "the home cache was used too"
    [ "$(printf '%s\n' "$ERR" | grep -c 'node-local')" = 1 ] || { ctx; fail "want one node-local line"; }
    expect_err_has "^boxcar: cache: $d, node-local \(\\\$TMPDIR in Slurm job 4242; BOXCAR_CACHE overrides\)"
    cc_node_run SLURM_JOB_ID=4242 TMPDIR="$T/node"   # warm: the same cache, nothing extracted
    expect_ok; printf '%s\n' "$ERR" | grep -q extracting && { ctx; fail "extracted again"; }
    return 0
}
t_cc_node_slurm_tmpdir() {   # $SLURM_TMPDIR wins over $TMPDIR, even outside a job step's variables
    mkdir -p "$T/st" "$T/node"
    cc_node_run SLURM_TMPDIR="$T/st" SLURM_JOB_ID=9 TMPDIR="$T/node"
    expect_ok; expect_out hi
    [ -d "$T/st/boxcar-$(id -u)/layers" ] || { ctx; fail "SLURM_TMPDIR not used"; }
    [ ! -e "$T/node/boxcar-$(id -u)" ] || fail "TMPDIR used though SLURM_TMPDIR is set"
    expect_err_has "node-local \(\\\$SLURM_TMPDIR in Slurm job 9"
}
t_cc_node_not_chosen() {   # no job: TMPDIR stays out; BOXCAR_CACHE wins; a missing dir is skipped
    mkdir -p "$T/node"
    cc_node_run TMPDIR="$T/node"
    expect_ok; [ ! -e "$T/node/boxcar-$(id -u)" ] || fail "TMPDIR used outside a Slurm job"
    [ -d "$T/home/.cache/boxcar/layers" ] || { ctx; fail "the home cache was not used"; }
    printf '%s\n' "$ERR" | grep -q node-local && { ctx; fail "a node-local line outside a job"; }
    cc_node_run SLURM_JOB_ID=1 SLURM_TMPDIR="$T/gone" TMPDIR="$T/gone2"
    expect_ok; [ ! -e "$T/gone" ] && [ ! -e "$T/gone2" ] || fail "a missing node-local dir was created"
    fresh_cache "$T/mine"
    x env SLURM_JOB_ID=1 SLURM_TMPDIR="$T/node" "$PACKED/cc-bb" --boxcar-userns=root echo hi
    expect_ok; [ ! -e "$T/node/boxcar-$(id -u)" ] || fail "SLURM_TMPDIR used though BOXCAR_CACHE is set"
    [ "$(cc_count "$T/mine/layers")" = 1 ] || fail "BOXCAR_CACHE not used"
}
t_cc_node_unsafe() {   # a planted or opened-up boxcar-UID is refused, not used
    mkdir -p "$T/node/boxcar-$(id -u)"; chmod 0777 "$T/node/boxcar-$(id -u)"
    cc_node_run SLURM_JOB_ID=3 TMPDIR="$T/node"
    expect_error 125; expect_err_has "boxcar-$(id -u) is not private.*set BOXCAR_CACHE"
}
test_case run "cluster-cache: in a Slurm job, the cache is \$TMPDIR/boxcar-UID (0700), said once with --boxcar-verbose" t_cc_node_tmpdir
test_case run "cluster-cache: \$SLURM_TMPDIR is preferred to \$TMPDIR" t_cc_node_slurm_tmpdir
test_case run "cluster-cache: no node-local cache outside a job, with BOXCAR_CACHE set, or when the dir is missing" t_cc_node_not_chosen
test_case run "cluster-cache: a node-local cache dir others can write is refused (125, one line)" t_cc_node_unsafe
