# shellcheck shell=bash
# The flat root (stub/flatroot.h): --boxcar-root=flat|overlay|auto. The whole
# runtime suite also runs on it ([user+flat] in run.sh); these are what only it does.

# fl_tree_dirs: the trees in the store's flat/ (names, sorted)
fl_tree_dirs() { [ -d "$(store)/flat" ] && find "$(store)/flat" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort; return 0; }

t_flat_readonly() {
    fresh_cache "$T/c"
    x "$(P debian)" --boxcar-root=flat sh -c '
        touch /x 2>&1 | sed "s/.*: //"
        awk "\$5 == \"/\" && \$6 ~ /^ro/ { print \"root-ro\" }" /proc/self/mountinfo
        touch /tmp/a /var/tmp/b /run/c && echo tmp-rw
        [ -d /run/lock ] && echo run-seeded
        stat -c "%a" /tmp /run/lock
        for f in hosts resolv.conf hostname; do [ -s /etc/$f ] && printf "%s " $f; done; echo
        exit 7'
    expect_rc 7
    expect_out $'Read-only file system\nroot-ro\ntmp-rw\nrun-seeded\n1777\n1777\nhosts resolv.conf hostname '
    # an image Volume: a writable tmpfs holding the image's content there, as
    # Docker seeds an anonymous volume (bb-stopsig: VOLUME /data/vol)
    x "$(P bb-stopsig)" --boxcar-root=flat --boxcar-tmpfs=/scratch --boxcar-volume="$T:/mnt/host" --boxcar-workdir=/new/wd sh -c '
        echo v > /data/vol/f && cat /data/vol/f
        touch /scratch/s && echo scratch-rw
        echo h > /mnt/host/from-ctr && pwd'
    expect_ok; expect_out $'v\nscratch-rw\n/new/wd'
    [ "$(cat "$T/from-ctr")" = h ] || fail "the volume did not reach the host"
    [ "$(fl_tree_dirs | wc -l)" = 2 ] || fail "flat/ holds $(fl_tree_dirs | tr '\n' ' '), want one tree per image"
    # the overlay mode, asked for, is still the writable one
    x "$(P bb)" --boxcar-root=overlay sh -c 'touch /x && echo rw'; expect_ok; expect_out rw
    x "$(P bb)" --boxcar-root=sideways true; expect_error 125; expect_err_has 'auto, overlay or flat'
    BOXCAR_ROOT=bad x "$(P bb)" true; expect_error 125; expect_err_has 'BOXCAR_ROOT'
}
test_case run "flat: read-only root (EROFS), seeded /tmp /run /var/tmp and Volumes, volumes, tmpfs, new WorkingDir" t_flat_readonly

t_flat_auto() {
    fresh_cache "$T/c"
    # overlayfs refused (as on Linux < 5.11, or a policy): auto runs flat, says so once
    BOXCAR_ROOT= BOXCAR_TEST_FALLBACKS=deny-overlay x "$(P bb)" sh -c 'echo out; echo err >&2; touch /x 2>/dev/null || exit 3'
    expect_rc 3; expect_out out
    [ "$(grep -c '' <<< "$ERR")" = 2 ] || { ctx; fail "want the note and the app's line on stderr"; }
    expect_err_has '^boxcar: note: overlayfs cannot be mounted here .*flat'
    grep -qx err <<< "$ERR" || { ctx; fail "the app's stderr is missing"; }
    [ "$(fl_tree_dirs | wc -l)" = 1 ] || fail "no flat tree was made"
    # doctor says the same: overlayfs a warning, the root mode flat
    BOXCAR_TEST_FALLBACKS=deny-overlay x "$(P bb)" --boxcar-doctor
    expect_ok
    grep -q '^WARN  overlayfs in user namespaces .*flat, read-only root' <<< "$OUT" || { ctx; fail "doctor: no WARN for overlayfs"; }
    grep -q '^root mode: flat (overlayfs cannot be mounted here: ' <<< "$OUT" || { ctx; fail "doctor: root mode is not flat"; }
    # remembered until the next boot: no second attempt, the same note
    BOXCAR_ROOT= x "$(P bb)" sh -c 'touch /x 2>/dev/null || echo ro'
    expect_ok; expect_out ro; expect_err_has '^boxcar: note: overlayfs cannot be mounted here \(Operation not permitted\)'
    # overlay asked for, and mounting, forgets it
    BOXCAR_ROOT= x "$(P bb)" --boxcar-root=overlay sh -c 'touch /x && echo rw'; expect_ok; expect_out rw
    BOXCAR_ROOT= x "$(P bb)" sh -c 'touch /x && echo rw'; expect_ok; expect_out rw; [ -z "$ERR" ] || { ctx; fail "a note without cause"; }
    # named containers keep a writable layer: refused on a flat root, one line
    BOXCAR_ROOT=flat x "$(P bb)" --boxcar-name=fl1 true
    expect_error 125; expect_err_has 'writable layer'
    x "$(P bb)" --boxcar-root=flat --boxcar-name=fl2 -d true
    expect_error 125
    x "$BOXCAR" ps -a; expect_out_lacks fl2
    # forced overlay gets no fallback: the overlay error, as before
    BOXCAR_ROOT= BOXCAR_TEST_FALLBACKS=deny-overlay x "$(P bb)" --boxcar-root=overlay true
    expect_error 125; expect_err_has 'overlayfs'
}
test_case run "flat: auto takes it where overlayfs is refused (one note); named containers refused" t_flat_auto

# Two files of the same layers (packed from different sources) share one tree,
# whose files are the cached layers' own (hard links).
t_flat_shared() {
    fresh_cache "$T/c"
    local a b other=""
    a=$(P bb)
    for b in ociarch dsave-bb skopeo-docker; do
        [ "$(rb_hexes "$(P $b)")" = "$(rb_hexes "$a")" ] && { other=$(P $b); break; }
    done
    [ -n "$other" ] || fail "no second fixture with bb's layers"
    x "$a" --boxcar-root=flat true; expect_ok
    x "$other" --boxcar-root=flat true; expect_ok
    [ "$(fl_tree_dirs | wc -l)" = 1 ] || fail "two files of one chain made $(fl_tree_dirs | wc -l) trees"
    local tree; tree=$(store)/flat/$(fl_tree_dirs)
    local lay; lay=$(store)/layers/$(rb_hexes "$a" | head -1)
    [ "$(stat -c %i "$tree/bin/busybox")" = "$(stat -c %i "$lay/bin/busybox")" ] || fail "bin/busybox is a copy, not a link to the layer's"
    [ -z "$(rb_tmp_left "$BOXCAR_CACHE")" ] || fail "tmp/ holds: $(rb_tmp_left "$BOXCAR_CACHE")"
}
test_case run "flat: one tree per ChainID, shared by files of the same layers; links, not copies" t_flat_shared

# Whiteouts stored as empty files marked with an xattr (a user namespace
# may not make device nodes 0/0 before Linux 5.8; forced here): the flat
# tree leaves out what they delete, and verifies, and the container shows
# the image as umoci unpacks it. (Not the overlay mode: overlayfs hides such
# a name at lookup but lists it in readdir; common/fallback.h.)
t_flat_xattr_whiteouts() {
    fresh_cache "$T/c"
    export BOXCAR_TEST_FALLBACKS=no-whiteout-dev
    BOXCAR_ROOT=flat inside_matches layers layers /data /bin
    python3 -c 'import os, sys
n = sum("user.overlay.whiteout" in os.listxattr(os.path.join(d, f), follow_symlinks=False)
        for d, _, fs in os.walk(sys.argv[1]) for f in fs)
sys.exit(n == 0)' "$(store)/layers" || fail "no whiteout stored as a marked file"
    x "$(P layers)" --boxcar-root=flat sh -c '[ -e /data/new.txt ] || echo gone; cat /data/gone'
    expect_ok; expect_out $'gone\ngone-is-a-file-now'
    x "$(P layers)" --boxcar-verify-cache; expect_ok; expect_err_has 'flat root [0-9a-f]{12} ok'
}
test_case run "flat: whiteouts stored as xattr-marked files (no-whiteout-dev): left out of the tree, verified" t_flat_xattr_whiteouts

# verify, ls, du, prune (one id: the tree is the caller's to tamper with)
fl_verify_setup() {
    fresh_cache "$T/c"
    F=$(P layers)
    x "$F" --boxcar-userns=root --boxcar-root=flat true; expect_ok
    TREE=$BOXCAR_CACHE/flat/$(STORE_SUFFIX='' fl_tree_dirs)
    [ -f "$TREE/bin/busybox" ] || fail "no tree in $BOXCAR_CACHE/flat"
    x "$F" --boxcar-userns=root --boxcar-verify-cache; expect_ok; expect_err_has 'flat root [0-9a-f]{12} ok'
}
fl_verify_bad() {   # WHAT: after the caller tampered with $TREE
    x "$F" --boxcar-userns=root --boxcar-verify-cache
    expect_rc 125; expect_err_has 'flat root [0-9a-f]{12} .*modified'; expect_err_has "$1"
    x "$BOXCAR" cache verify; expect_rc 1; expect_err_has 'flat root'
}
t_flat_verify() {
    fl_verify_setup
    cp "$TREE/bin/busybox" "$T/bb" && rm -f "$TREE/bin/busybox" && cp "$T/bb" "$TREE/bin/busybox" && printf x >> "$TREE/bin/busybox"
    fl_verify_bad /bin/busybox
    fl_verify_setup; echo planted > "$TREE/etc/planted"; fl_verify_bad /etc/planted
    fl_verify_setup; rm -f "$TREE/data/a.txt"; fl_verify_bad /data/a.txt
    fl_verify_setup; ln -sf /etc/shadow "$TREE/data/b.txt"; fl_verify_bad /data/b.txt
    # an empty mount point is no tampering (a volume's target the image lacked)
    fl_verify_setup
    x "$F" --boxcar-userns=root --boxcar-root=flat --boxcar-volume="$T:/made/here" true; expect_ok
    [ -d "$TREE/made/here" ] || fail "the mount point was not made in the tree"
    x "$F" --boxcar-userns=root --boxcar-verify-cache; expect_ok
}
test_case run "flat: verify finds a replaced, added, removed or relinked file; mount points are fine" t_flat_verify

t_flat_cache_verbs() {
    fl_verify_setup
    x "$BOXCAR" cache ls; expect_ok
    grep -qE "^flat/$(STORE_SUFFIX='' fl_tree_dirs)  [0-9]+  [0-9T:-]+Z$" <<< "$OUT" || { ctx; fail "ls does not list the tree"; }
    x "$BOXCAR" cache du; expect_ok
    grep -q '1 flat roots' <<< "$OUT" || { ctx; fail "du does not count the tree"; }
    # in use: kept; unused: pruned with its record
    "$F" --boxcar-userns=root --boxcar-root=flat sleep 3 & local pid=$!
    sleep 1
    x "$BOXCAR" cache prune --all; expect_ok
    [ -d "$TREE" ] || fail "prune removed a tree in use"
    wait $pid
    x "$BOXCAR" cache prune --all; expect_ok; expect_err_has 'pruned 1 flat root'
    [ ! -e "$TREE" ] || fail "prune left the tree"
    [ -z "$(ls "$BOXCAR_CACHE/meta")" ] || fail "prune left records: $(ls "$BOXCAR_CACHE/meta")"
    x "$F" --boxcar-userns=root --boxcar-root=flat cat /data/a.txt; expect_ok; expect_out alpha-again
}
test_case run "flat: cache ls, du, prune (a tree in use is kept)" t_flat_cache_verbs
