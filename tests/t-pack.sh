# boxcar pack: every source kind packs (phase "artifact": these files are used by the
# runtime tests and are packed even when a filter de-selects them), plus pack errors.

# artifact NAME SOURCE [PACK-OPTIONS...]
artifact() {
    local n=$1 fn q; shift
    fn=pa_${n//-/_}; q=$(printf '%q ' "$@")
    eval "$fn() { pack_artifact $n $q; }"
    test_case artifact "$n <- ${1//$FIX\//}${2:+ ${*:2}}" "$fn"
}
pack_artifact() {
    local n=$1 out=$PACKED/$1; shift
    x "$BOXCAR" pack "$@" -o "$out" --quiet
    expect_ok
    [ -z "$ERR" ] || { ctx; fail "pack --quiet wrote to stderr"; }
    [ -f "$out" ] && [ -x "$out" ] || fail "output $out missing or not executable"
    [ "$(head -c4 "$out" | od -An -c | tr -d ' ')" = '177ELF' ] || fail "output is not an ELF file"
    chmod a+rx "$out"
}

artifact bb        "oci:$FIX/oci-busybox:latest"
artifact bb-ep     "oci:$FIX/oci-busybox:ep"
artifact bb-cfg    "oci:$FIX/oci-busybox:cfg"
artifact bb-user   "oci:$FIX/oci-busybox:username"
artifact bb-stopsig "oci:$FIX/oci-busybox:stopsig"
artifact bb-noexec "oci:$FIX/oci-busybox:noexec"
artifact bb-missing "oci:$FIX/oci-busybox:missing"
artifact layers    "oci:$FIX/oci-busybox:layers"
artifact unicode   "oci:$FIX/oci-busybox:unicode"
artifact quirk     "oci:$FIX/oci-busybox:quirk"
artifact zstd      "oci:$FIX/oci-zstd"
artifact plain     "oci:$FIX/oci-plain:v1"
artifact ociarch   "oci-archive:$FIX/busybox.oci-archive.tar"
artifact skopeo-docker "docker-archive:$FIX/busybox.skopeo-docker.tar"
artifact dsave-bb  "docker-archive:$FIX/docker-save.tar:boxcar/busybox:latest"
artifact dsave-layers "docker-archive:$FIX/docker-save.tar:boxcar/layers:v1"
artifact debian    "oci:$FIX/oci-debian:latest"
artifact postgres  "oci:$FIX/oci-postgres:latest"
artifact flask     "oci:$FIX/oci-flask:latest"
artifact rootfs-dir "rootfs:$FIX/rootfs-busybox" --entrypoint '["/bin/echo","from-rootfs"]' \
    --cmd '["a","b"]' --env K1=v1 --env 'K2=with space' --workdir /srv/work
artifact rootfs-tar "rootfs:$FIX/rootfs-busybox.tar" --cmd '["/bin/sh","-c","echo from-tarball"]' \
    --user 1001 --env PATH=/bin:/usr/bin

# ------------------------------------------------------------------ more pack successes
t_pack_tagged_archive() {   # oci-archive with an explicit tag; skopeo's docker-archive by name
    x "$BOXCAR" pack "oci-archive:$FIX/busybox.oci-archive.tar:latest" -o "$T/a" --quiet
    expect_ok; [ -x "$T/a" ] || fail "no output"
    x "$BOXCAR" pack "docker-archive:$FIX/busybox.skopeo-docker.tar:docker.io/library/busybox:latest" -o "$T/b" --quiet
    expect_ok; [ -x "$T/b" ] || fail "no output"
}
test_case pack "explicit tag / name:tag selection in archives" t_pack_tagged_archive

t_pack_static() {
    local f; f=$(P bb)
    readelf -l "$f" > "$T/phdr" 2>&1 || { cat "$T/phdr" >&2; fail "readelf failed"; }
    grep -q INTERP "$T/phdr" && fail "packed file has an ELF interpreter (not static)"
    readelf -d "$f" 2>/dev/null | grep -q NEEDED && fail "packed file needs shared libraries"
    return 0
}
# The sanitizer build (./build.sh asan) links dynamically by necessity.
[ -n "${BOXCAR_SANITIZED:-}" ] || test_case pack "packed file is a static executable" t_pack_static

t_pack_overwrite() {   # packing onto an existing file replaces it atomically
    echo old > "$T/out"
    x "$BOXCAR" pack "oci:$FIX/oci-busybox:latest" -o "$T/out" --quiet
    expect_ok
    [ "$(head -c4 "$T/out" | od -An -c | tr -d ' ')" = '177ELF' ] || fail "existing output was not replaced"
    [ "$(ls -A "$T" | grep -v '^\.' | tr '\n' ' ')" = "out " ] || fail "stray files left: $(ls -A "$T")"
}
test_case pack "pack replaces an existing output file, leaves no temp files" t_pack_overwrite

# ------------------------------------------------------------------ pack errors
# pack_fails CODES SOURCE [ARGS...] : run pack into an empty dir, expect a one-line
# error with one of CODES (comma separated) and no output / temp file left behind.
pack_fails() {
    local codes=$1; shift
    mkdir -p "$T/outdir"
    x "$BOXCAR" pack "$@" -o "$T/outdir/out"
    expect_error ${codes//,/ }
    [ -z "$(ls -A "$T/outdir")" ] || fail "failed pack left files behind: $(ls -A "$T/outdir")"
}

t_err_missing_file()  { pack_fails 1 "oci-archive:$T/no-such-file.tar"; expect_err_has 'no-such-file|no such|not found|exist'; }
t_err_missing_dir()   { pack_fails 1 "oci:$T/no-such-dir"; }
t_err_missing_rootfs(){ pack_fails 1 "rootfs:$T/no-such-rootfs"; }
t_err_transport()     { pack_fails 1,2 "bogus:$FIX/oci-busybox"; expect_err_has 'bogus|transport|source'; }
t_err_unknown_tag()   { pack_fails 1 "oci:$FIX/oci-busybox:no-such-tag"; expect_err_has 'no-such-tag|tag|not found'; }
t_err_unknown_name()  { pack_fails 1 "docker-archive:$FIX/docker-save.tar:boxcar/nope:latest"; }
t_err_ambiguous() {   # two images in a docker archive and no NAME:TAG: refuse, don't guess
    pack_fails 1,2 "docker-archive:$FIX/docker-save.tar"
}
t_err_layer_digest() {   # flip a byte inside a layer blob (size unchanged)
    cp -a "$FIX/oci-busybox" "$T/L"; chmod -R u+w "$T/L"
    local m blob
    m=$(jq -r '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == "latest") | .digest' "$T/L/index.json")
    blob=$(jq -r '.layers[0].digest' "$T/L/blobs/sha256/${m#sha256:}")
    blob=$T/L/blobs/sha256/${blob#sha256:}
    flip_byte "$blob" $(( $(stat -c %s "$blob") / 2 ))
    pack_fails 1 "oci:$T/L:latest"
    expect_err_has 'digest|sha256|mismatch|checksum|corrupt|verif'
}
t_err_config_digest() {   # change the config blob, same size
    cp -a "$FIX/oci-busybox" "$T/L"; chmod -R u+w "$T/L"
    local c; c=$(oci_config "$T/L" latest)
    sed -i 's/FOO=bar/FOO=baz/' "$c"
    pack_fails 1 "oci:$T/L:latest"
    expect_err_has 'digest|sha256|mismatch|checksum|corrupt|verif'
}
t_err_truncated_blob() {
    cp -a "$FIX/oci-busybox" "$T/L"; chmod -R u+w "$T/L"
    local m blob
    m=$(jq -r '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == "latest") | .digest' "$T/L/index.json")
    blob=$(jq -r '.layers[0].digest' "$T/L/blobs/sha256/${m#sha256:}"); blob=$T/L/blobs/sha256/${blob#sha256:}
    truncate -s 1000 "$blob"
    pack_fails 1 "oci:$T/L:latest"
}
t_err_docker_diffid() {   # docker archive whose layer.tar does not match the config's diff_id
    mkdir "$T/d"; tar -C "$T/d" -xf "$FIX/docker-save.tar"
    local l; l=$(jq -r '.[0].Layers[0]' "$T/d/manifest.json")
    flip_byte "$T/d/$l" 700      # inside the first member's name field area / data
    (cd "$T/d" && tar -cf "$T/bad.tar" -- *)
    pack_fails 1 "docker-archive:$T/bad.tar:boxcar/busybox:latest"
}
t_err_random_file() {
    head -c 100000 /dev/urandom > "$T/random.bin"
    pack_fails 1 "oci-archive:$T/random.bin"
    pack_fails 1 "docker-archive:$T/random.bin"
    pack_fails 1 "rootfs:$T/random.bin"
}
t_err_empty_dir() { mkdir "$T/empty"; pack_fails 1 "oci:$T/empty"; }
t_err_not_oci_tar() {   # a valid tar that is not an image
    mkdir -p "$T/s"; echo hi > "$T/s/hello.txt"; tar -C "$T/s" -cf "$T/plain.tar" .
    pack_fails 1 "oci-archive:$T/plain.tar"
    pack_fails 1 "docker-archive:$T/plain.tar"
}
t_err_no_output() {
    x "$BOXCAR" pack "oci:$FIX/oci-busybox:latest"
    expect_error 2
}
t_err_no_source() {
    x "$BOXCAR" pack -o "$T/out"
    expect_error 2
    [ ! -e "$T/out" ] || fail "output written"
}
t_err_bad_option() {
    x "$BOXCAR" pack "oci:$FIX/oci-busybox:latest" --bogus-option -o "$T/out"
    expect_error 2; expect_err_has 'bogus-option'
    [ ! -e "$T/out" ] || fail "output written"
}
t_err_bad_outdir() {
    x "$BOXCAR" pack "oci:$FIX/oci-busybox:latest" -o "$T/no/such/dir/out"
    expect_error 1
}
t_err_bad_json() {
    pack_fails 1,2 "rootfs:$FIX/rootfs-busybox" --entrypoint '["unterminated'
}
t_err_unknown_verb() {
    x "$BOXCAR" frobnicate
    [ "$RC" != 0 ] || { ctx; fail "unknown subcommand succeeded"; }
    expect_one_line_error
}

test_case pack "error: missing source file"            t_err_missing_file
test_case pack "error: missing OCI layout dir"         t_err_missing_dir
test_case pack "error: missing rootfs"                 t_err_missing_rootfs
test_case pack "error: unknown transport"              t_err_transport
test_case pack "error: unknown tag"                    t_err_unknown_tag
test_case pack "error: unknown name in docker archive" t_err_unknown_name
test_case pack "error: docker archive with 2 images needs NAME:TAG" t_err_ambiguous
test_case pack "error: layer digest mismatch"          t_err_layer_digest
test_case pack "error: config digest mismatch"         t_err_config_digest
test_case pack "error: truncated blob"                 t_err_truncated_blob
test_case pack "error: docker layer.tar diff_id mismatch" t_err_docker_diffid
test_case pack "error: random file is not an image"    t_err_random_file
test_case pack "error: empty dir is not an OCI layout" t_err_empty_dir
test_case pack "error: plain tar is not an image"      t_err_not_oci_tar
test_case pack "error: no -o (usage, exit 2)"          t_err_no_output
test_case pack "error: no source (usage, exit 2)"      t_err_no_source
test_case pack "error: unknown pack option (usage, exit 2)" t_err_bad_option
test_case pack "error: output dir does not exist"      t_err_bad_outdir
test_case pack "error: bad --entrypoint JSON"          t_err_bad_json
test_case pack "error: unknown subcommand"             t_err_unknown_verb
