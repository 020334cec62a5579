# Layer flattening fidelity and the layer cache.
# Reference: `umoci unpack --rootless` of the same image, listed by tests/lister.py
# at fixture time (build/test-fixtures/ref/*.list).

# extract_matches ARTIFACT REF [--mtime]
extract_matches() {
    local a=$1 ref=$2 opt=${3:-}
    x "$(P "$a")" --boxcar-extract="$T/rootfs"; expect_ok
    [ -d "$T/rootfs" ] || fail "--boxcar-extract created no directory"
    python3 "$TOP/tests/lister.py" tree $opt "$T/rootfs" > "$T/got.list" || fail "lister failed"
    if [ "$opt" = --mtime ]; then compare_listing "$FIX/ref/$ref.mtime.list" "$T/got.list"
    else compare_listing "$FIX/ref/$ref.list" "$T/got.list"; fi
}
t_fid_extract_layers()  { extract_matches layers layers; }
t_fid_extract_zstd()    { extract_matches zstd layers; }
t_fid_extract_plain()   { extract_matches plain layers; }
t_fid_extract_dsave()   { extract_matches dsave-layers layers; }
t_fid_extract_bb()      { extract_matches bb busybox; }
t_fid_extract_rootfs()  { extract_matches rootfs-dir busybox; }
t_fid_extract_debian()  { TMO=180 extract_matches debian debian; }
t_fid_extract_mtime()   { extract_matches layers layers --mtime; }
t_fid_extract_existing() {   # refuses to extract over a non-empty directory
    mkdir -p "$T/rootfs"; echo precious > "$T/rootfs/keep"
    x "$(P bb)" --boxcar-extract="$T/rootfs"
    [ "$RC" != 0 ] || { ctx; fail "extracted into a non-empty directory"; }
    expect_one_line_error
    [ "$(cat "$T/rootfs/keep")" = precious ] || fail "existing content was touched"
}

# inside_matches ARTIFACT REF DIR... : the running container's view of DIRs
inside_matches() {
    local a=$1 ref=$2 d pat=; shift 2
    TMO=${TMO:-120} x "$(P "$a")" sh -c "$INCTR_LISTER" sh "$@"
    expect_ok
    printf '%s\n' "$OUT" | python3 "$TOP/tests/lister.py" raw > "$T/got.list" || { ctx; fail "bad raw listing"; }
    for d in "$@"; do pat="$pat|^$d("$'\t'"|/)"; done
    grep -E "${pat#|}" "$FIX/ref/$ref.list" > "$T/want.list"
    compare_listing "$T/want.list" "$T/got.list"
}
t_fid_inside_layers() { inside_matches layers layers /data /bin; }
t_fid_inside_zstd()   { inside_matches zstd layers /data; }
t_fid_inside_dsave()  { inside_matches dsave-layers layers /data; }
t_fid_inside_debian() { inside_matches debian debian /usr/bin /etc/apt; }
t_fid_opaque() {   # spot checks, readable in a failure report
    x "$(P layers)" sh -c 'cd /data; ls opq | tr "\n" " "; echo; cat a.txt gone b.txt h2 hsub/h3;
        for f in new.txt replaced-dir/inner .wh.new.txt opq/.wh..wh..opq; do [ -e "$f" ] && echo "present: $f"; done
        readlink link-rel; [ -p fifo ] && echo fifo; [ -u suid ] && echo suid; [ -k sticky ] && echo sticky; echo end'
    expect_ok
    expect_out $'another new-in-opq \nalpha-again\ngone-is-a-file-now\nbravo2\nh2-reborn\nhard\nkeep.txt\nfifo\nsuid\nsticky\nend'
}
t_fid_unicode() {
    extract_matches unicode unicode
    inside_matches unicode unicode /u
    x "$(P unicode)" cat "/u/répertoire/Ω.txt"; expect_ok; expect_out "Ω"
}
t_fid_quirk() {
    extract_matches quirk quirk
    inside_matches quirk quirk /q
}
test_case run "fidelity: unicode names (extract and container view)" t_fid_unicode
test_case run "fidelity: umoci's dir->file layer form (d then d/.wh.x)" t_fid_quirk
test_case run "fidelity: --boxcar-extract = umoci unpack (layers, whiteouts, opaque)" t_fid_extract_layers
test_case run "fidelity: --boxcar-extract = umoci unpack (zstd layers)"  t_fid_extract_zstd
test_case run "fidelity: --boxcar-extract = umoci unpack (uncompressed layers)" t_fid_extract_plain
test_case run "fidelity: --boxcar-extract = umoci unpack (docker-save archive)" t_fid_extract_dsave
test_case run "fidelity: --boxcar-extract = umoci unpack (busybox)"      t_fid_extract_bb
test_case run "fidelity: --boxcar-extract of rootfs:DIR = the directory" t_fid_extract_rootfs
test_case run "fidelity: --boxcar-extract = umoci unpack (debian)"       t_fid_extract_debian
test_case run "fidelity: --boxcar-extract keeps mtimes"                  t_fid_extract_mtime
test_case run "fidelity: --boxcar-extract refuses a non-empty dir"       t_fid_extract_existing
test_case run "fidelity: container view = umoci unpack (layers /data /bin)" t_fid_inside_layers
test_case run "fidelity: container view = umoci unpack (zstd /data)"     t_fid_inside_zstd
test_case run "fidelity: container view = umoci unpack (docker-save /data)" t_fid_inside_dsave
test_case run "fidelity: container view = umoci unpack (debian /usr/bin /etc/apt)" t_fid_inside_debian
test_case run "fidelity: whiteouts/opaque/re-added spot checks"          t_fid_opaque

# ------------------------------------------------------------------ cache
t_cache_layout() {
    fresh_cache "$T/cache"
    x "$(P layers)" true; expect_ok
    local want; want=$(diff_ids "$FIX/oci-busybox" layers | sed 's/^sha256://' | sort -u)
    [ "$(cache_layer_dirs)" = "$want" ] || { note "want:"; note "$want"; note "got:"; note "$(cache_layer_dirs)"; fail "cache layers/ has other dirs than the diff_ids"; }
    local d; d=$(ls -ld "$T/cache"); [ "$(stat -c %u "$(store)/layers")" = "$(id -u)" ] || fail "layers/ not owned by the caller"
    # (layer contents may hold 1777 dirs like /tmp; the cache dirs themselves must not)
    [ -z "$(find "$T/cache" -maxdepth 4 -perm -o+w ! -type l | grep -v '/layers/.')" ] || fail "world-writable cache dirs: $(find "$T/cache" -maxdepth 4 -perm -o+w ! -type l | grep -v '/layers/.' | head -3)"
}
t_cache_shared() {   # files built from the same base share one extraction
    fresh_cache "$T/cache"
    x "$(P bb)" true; expect_ok
    x "$(P bb-ep)" x; expect_ok
    x "$(P dsave-bb)" true; expect_ok
    x "$(P ociarch)" true; expect_ok
    [ "$(cache_layer_dirs | wc -l)" = 1 ] || fail "want 1 layer dir, got: $(cache_layer_dirs)"
    x "$(P layers)" true; expect_ok
    [ "$(cache_layer_dirs | wc -l)" = 5 ] || fail "want 5 layer dirs, got: $(cache_layer_dirs)"
}
t_cache_reuse() {   # a warm launch does not re-extract
    fresh_cache "$T/cache"
    x "$(P bb)" true; expect_ok
    local d; d=$(store)/layers/$(cache_layer_dirs | head -1)
    local before; before=$(stat -c '%i %Y' "$d" "$d/bin/busybox")
    sleep 1.1
    x "$(P bb)" true; expect_ok
    [ "$(stat -c '%i %Y' "$d" "$d/bin/busybox")" = "$before" ] || fail "layer was re-extracted on the second launch"
}
t_cache_xdg() {
    mkdir -p "$T/xdg" "$T/home"; chmod 0700 "$T/xdg" "$T/home"
    env -u BOXCAR_CACHE XDG_CACHE_HOME="$T/xdg" HOME="$T/home" timeout 60 "$(P bb)" true || fail "run with XDG_CACHE_HOME failed"
    [ -n "$(ls "$T/xdg/boxcar$STORE_SUFFIX/layers" 2>/dev/null)" ] || fail "nothing under \$XDG_CACHE_HOME/boxcar/layers"
    env -u BOXCAR_CACHE -u XDG_CACHE_HOME HOME="$T/home" timeout 60 "$(P bb)" true || fail "run with HOME only failed"
    [ -n "$(ls "$T/home/.cache/boxcar$STORE_SUFFIX/layers" 2>/dev/null)" ] || fail "nothing under ~/.cache/boxcar/layers"
}
t_cache_world_writable() {
    mkdir "$T/bad"; chmod 0777 "$T/bad"
    BOXCAR_CACHE=$T/bad x "$(P bb)" true
    expect_error 125
    [ -z "$(ls -A "$T/bad")" ] || fail "wrote into the refused cache dir: $(ls -A "$T/bad")"
}
t_cache_parallel() {   # two parallel first launches both succeed, no leftovers
    fresh_cache "$T/cache"
    local want i pids=() rc=0; want=$(tar -xOf "$FIX/debian-minbase.tar" ./etc/debian_version)
    for i in 1 2 3; do
        timeout 180 "$(P debian)" cat /etc/debian_version > "$T/p$i.out" 2> "$T/p$i.err" &
        pids+=($!)
    done
    timeout 180 "$(P layers)" cat /data/a.txt > "$T/p4.out" 2> "$T/p4.err" &
    pids+=($!)
    for i in 1 2 3 4; do
        wait "${pids[$((i - 1))]}" || { rc=$?; note "launch $i: exit $rc: $(cat "$T/p$i.err")"; }
    done
    [ $rc = 0 ] || fail "a parallel first launch failed"
    for i in 1 2 3; do [ "$(cat "$T/p$i.out")" = "$want" ] || fail "launch $i printed: $(cat "$T/p$i.out")"; done
    [ "$(cat "$T/p4.out")" = alpha-again ] || fail "layers launch printed: $(cat "$T/p4.out")"
    local ids; ids=$( (diff_ids "$FIX/oci-debian" latest; diff_ids "$FIX/oci-busybox" layers) | sed 's/^sha256://' | sort -u)
    [ "$(cache_layer_dirs)" = "$ids" ] || { note "got: $(cache_layer_dirs | tr '\n' ' ')"; fail "cache has extra or missing layer dirs"; }
}
t_cache_interrupted() {   # SIGKILL during the first launch; the next launch must be right
    fresh_cache "$T/cache"
    local delay want
    want=$(grep -c '^/usr/' "$FIX/ref/debian.list")
    for delay in 0.3 1; do
        set -m
        timeout 180 "$(P debian)" true > /dev/null 2>&1 &
        local pid=$!
        set +m
        sleep "$delay"
        kill -KILL -- "-$pid" 2>/dev/null; wait "$pid" 2>/dev/null
        x "$(P debian)" sh -c 'find /usr | wc -l'
        expect_ok
        [ "$((OUT - 1))" = "$want" ] || fail "after a killed first launch (at ${delay}s): /usr has $((OUT - 1)) entries, want $want"
        fresh_cache "$T/cache"
    done
}
t_cache_corrupt_payload() {   # a flipped byte inside a layer's data is detected
    fresh_cache "$T/cache"
    cp "$(P layers)" "$T/bad"
    # the 1 MiB of random data of layer A sits ~300 KB before the end of the file
    flip_byte "$T/bad" $(( $(stat -c %s "$T/bad") - 300000 ))
    x "$T/bad" cat /data/random.bin
    expect_error 125
    x "$T/bad" cat /data/random.bin
    expect_error 125   # and nothing half-made was trusted by the second launch
}
test_case run "cache: layers/<diff_id> dirs, private"   t_cache_layout
test_case run "cache: shared base layer extracted once" t_cache_shared
test_case run "cache: warm launch does not re-extract"  t_cache_reuse
test_case run "cache: XDG_CACHE_HOME and ~/.cache fallbacks" t_cache_xdg
test_case run "cache: world-writable cache dir refused (125)" t_cache_world_writable
test_case run "cache: parallel first launches"          t_cache_parallel
test_case run "cache: killed first launch leaves nothing trusted" t_cache_interrupted
test_case run "cache: corrupted payload detected (125)" t_cache_corrupt_payload
