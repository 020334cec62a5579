# boxcar save and boxcar push: a packed file as an image again. Each output is read
# back by independent tools (skopeo, umoci) and by `boxcar pack`, whose file must have
# the same layers (diff_ids) and the same config as the one saved or pushed. Pushes go
# to a registry started here (t-registry.sh's reg_serve: Debian's docker-registry).

# same_image A B: two packed files hold the same layers and config
same_image() {
    local a b
    a=$("$BOXCAR" inspect "$1" | jq -c '[.layers[].diff_id]') || fail "inspect $1"
    b=$("$BOXCAR" inspect "$2" | jq -c '[.layers[].diff_id]') || fail "inspect $2"
    [ "$a" = "$b" ] || { show "$a" >&2; show "$b" >&2; fail "$2 has other layers than $1"; }
    a=$("$BOXCAR" inspect "$1" | jq -S -c .config); b=$("$BOXCAR" inspect "$2" | jq -S -c .config)
    [ "$a" = "$b" ] || { show "$a" >&2; show "$b" >&2; fail "$2 has another config than $1"; }
}
# repack SOURCE FILE: boxcar pack SOURCE -o FILE, expected to work
repack() { x "$BOXCAR" pack "$1" -o "$2" --quiet "${@:3}"; expect_ok; }
# no_leftovers DIR: nothing but what the test made (no .tmp- names)
no_leftovers() {
    local left; left=$(find "$1" -name '*.tmp-*' -o -name '.boxcar-save.*' | head -3)
    [ -z "$left" ] || fail "temporary files left: $left"
}
layer_types() { skopeo inspect --raw "$1" | jq -r '.layers[].mediaType' | sort -u | paste -sd' '; }

t_save_oci() {   # --oci DIR:TAG: zstd blobs as packed; skopeo reads it; pack gives the same image
    local f; f=$(P layers)
    x "$BOXCAR" save "$f" --oci "$T/lay:v1"; expect_ok; expect_err_has "saved"
    [ "$(cat "$T/lay/oci-layout")" = '{"imageLayoutVersion":"1.0.0"}' ] || fail "no oci-layout file"
    [ "$(layer_types "oci:$T/lay:v1")" = "application/vnd.oci.image.layer.v1.tar+zstd" ] || fail "layers are not zstd"
    # the blobs are the packed file's, verbatim
    "$BOXCAR" inspect "$f" | jq -r '.layers[].digest' | sort > want
    skopeo inspect --raw "oci:$T/lay:v1" | jq -r '.layers[].digest' | sort > got
    cmp -s want got || fail "the layer blobs are not the packed ones"
    skopeo inspect --config "oci:$T/lay:v1" | jq -c .rootfs.diff_ids > got
    "$BOXCAR" inspect "$f" | jq -c '[.layers[].diff_id]' > want
    cmp -s want got || fail "the config's diff_ids are not the layers'"
    repack "oci:$T/lay:v1" again; same_image "$f" again
    no_leftovers "$T"
}

t_save_oci_add() {   # an existing layout gets a second tag; the same tag is replaced; other dirs refused
    x "$BOXCAR" save "$(P layers)" --oci "$T/lay:v1"; expect_ok
    x "$BOXCAR" save "$(P bb-ep)" --oci "$T/lay:ep"; expect_ok
    x "$BOXCAR" save "$(P layers)" --oci "$T/lay:v1"; expect_ok
    [ "$(jq '.manifests | length' "$T/lay/index.json")" = 2 ] || { cat "$T/lay/index.json" >&2; fail "expected 2 images in index.json"; }
    repack "oci:$T/lay:ep" ep; same_image "$(P bb-ep)" ep
    repack "oci:$T/lay:v1" v1; same_image "$(P layers)" v1
    mkdir "$T/empty"; x "$BOXCAR" save "$(P bb)" --oci "$T/empty/"; expect_ok
    repack "oci:$T/empty" e; same_image "$(P bb)" e
    x "$BOXCAR" save "$(P bb)" --oci "$T/new/"; expect_ok; [ -f "$T/new/index.json" ] || fail "DIR/ was not made"
    mkdir "$T/full"; echo precious > "$T/full/keep"
    x "$BOXCAR" save "$(P bb)" --oci "$T/full"; expect_error 1; expect_err_has "neither empty nor an OCI layout"
    [ "$(ls -A "$T/full")" = keep ] || fail "the non-empty directory was touched"
    no_leftovers "$T"
}

t_save_gzip_umoci() {   # --compress gzip: umoci (no zstd) unpacks it, the tree is the reference's
    x "$BOXCAR" save "$(P layers)" --oci "$T/gz:v1" --compress gzip; expect_ok
    [ "$(layer_types "oci:$T/gz:v1")" = "application/vnd.oci.image.layer.v1.tar+gzip" ] || fail "layers are not gzip"
    umoci unpack --rootless --image "$T/gz:v1" "$T/bundle" > umoci.log 2>&1 || { cat umoci.log >&2; fail "umoci unpack failed"; }
    python3 "$TOP/tests/lister.py" tree "$T/bundle/rootfs" > got.list || fail "lister failed"
    compare_listing "$FIX/ref/layers.list" got.list
    python3 "$TOP/tests/lister.py" tree --mtime "$T/bundle/rootfs" > got.mtime.list
    compare_listing "$FIX/ref/layers.mtime.list" got.mtime.list
    repack "oci:$T/gz:v1" again; same_image "$(P layers)" again
    x "$BOXCAR" save "$(P layers)" --oci "$T/plain" --compress none; expect_ok
    [ "$(layer_types "oci:$T/plain")" = "application/vnd.oci.image.layer.v1.tar" ] || fail "layers are not plain tars"
    repack "oci:$T/plain" plain.packed; same_image "$(P layers)" plain.packed
}

t_save_archives() {   # --oci-archive read by skopeo; --docker-archive and skopeo's copy read by pack
    local f; f=$(P layers)
    x "$BOXCAR" save "$f" --oci-archive "$T/o.tar:t1"; expect_ok
    skopeo inspect --config "oci-archive:$T/o.tar:t1" | jq -c .rootfs.diff_ids > got || fail "skopeo cannot read the oci-archive"
    "$BOXCAR" inspect "$f" | jq -c '[.layers[].diff_id]' > want
    cmp -s want got || fail "skopeo sees other diff_ids"
    repack "oci-archive:$T/o.tar:t1" a; same_image "$f" a
    x "$BOXCAR" save "$f" --docker-archive "$T/d.tar:boxcar/saved:v2"; expect_ok
    [ "$(tar -xOf "$T/d.tar" manifest.json | jq -c '.[0].RepoTags')" = '["boxcar/saved:v2"]' ] || fail "RepoTags"
    skopeo inspect "docker-archive:$T/d.tar" | jq -c .Env > got || fail "skopeo cannot read the docker-archive"
    repack "docker-archive:$T/d.tar:boxcar/saved:v2" d; same_image "$f" d
    # skopeo turns a gzip layout into a docker-archive (it has no zstd for docker-archive)
    x "$BOXCAR" save "$f" --oci "$T/gz:v1" --compress gzip; expect_ok
    skopeo copy -q "oci:$T/gz:v1" "docker-archive:$T/s.tar:x/y:v1" 2> err || { cat err >&2; fail "skopeo copy"; }
    repack "docker-archive:$T/s.tar" s; same_image "$f" s
    no_leftovers "$T"
}

t_save_errors() {   # usage (2); a damaged file, an unwritable place (1): one line, nothing left
    local f; f=$(P bb)
    x "$BOXCAR" save "$f"; expect_error 2
    x "$BOXCAR" save "$f" --oci a --oci-archive b.tar; expect_error 2
    x "$BOXCAR" save "$f" --oci a --compress lz4; expect_error 2; expect_err_has "zstd, gzip or none"
    x "$BOXCAR" save "$f" --docker-archive d.tar --compress gzip; expect_error 2
    x "$BOXCAR" save "$f" --oci a --bogus; expect_error 2
    x "$BOXCAR" save "$f" --oci a --creds u:p; expect_error 2
    x "$BOXCAR" save --oci a; expect_error 2
    x "$BOXCAR" save "$T/missing" --oci a; expect_error 1
    x "$BOXCAR" save "$f" --oci-archive "$T/no/such/dir/o.tar"; expect_error 1
    cp "$f" damaged; chmod u+w damaged
    local off size; off=$("$BOXCAR" inspect damaged | jq '.layers[0].offset'); size=$("$BOXCAR" inspect damaged | jq '.layers[0].size')
    flip_byte damaged $((off + size / 2))
    mkdir out
    x "$BOXCAR" save damaged --oci out/lay; expect_error 1; expect_err_has "damaged"
    x "$BOXCAR" save damaged --docker-archive out/d.tar; expect_error 1; expect_err_has "damaged"
    x "$BOXCAR" save damaged --oci-archive out/o.tar --compress gzip; expect_error 1
    [ -z "$(ls -A out)" ] || fail "a failed save left files: $(ls -A out)"
    no_leftovers "$T"
}

t_save_interrupt() {   # SIGINT / SIGTERM in the middle of a layer: the signal's status, nothing left
    local f rc; f=$(P debian)
    "$BOXCAR" save "$f" --oci "$T/out" --compress gzip 2> err1 & local pid=$!
    sleep 1; kill -INT $pid; wait $pid; rc=$?
    [ $rc = 130 ] || { cat err1 >&2; fail "exit status $rc after SIGINT, expected 130"; }
    "$BOXCAR" save "$f" --oci-archive "$T/out.tar" --compress gzip 2> err2 & pid=$!
    sleep 1; kill -TERM $pid; wait $pid; rc=$?
    [ $rc = 143 ] || { cat err2 >&2; fail "exit status $rc after SIGTERM, expected 143"; }
    [ ! -e "$T/out" ] && [ ! -e "$T/out.tar" ] || fail "an interrupted save left its output"
    no_leftovers "$T"
    [ -z "$(ls "${TMPDIR:-/tmp}" | grep '^boxcar-save\.')" ] || fail "a temporary file was left in \$TMPDIR"
}

# ------------------------------------------------------------------ push
push_setup() {   # a plain-HTTP registry (REGPORT), BOXCAR_CACHE in $T
    trap reg_cleanup EXIT
    export BOXCAR_CACHE=$T/cache; mkdir -p "$BOXCAR_CACHE"; chmod 700 "$BOXCAR_CACHE"
    reg_serve reg "${@}"
}
uploads() { grep -c "POST /v2/$2/blobs/uploads/" "$1.log"; }

t_push() {   # push, pull back: the same image; the digest on stdout; a second push uploads nothing
    push_setup
    local f ref d; f=$(P layers); ref=docker://127.0.0.1:$REGPORT/saved/layers:v1
    x "$BOXCAR" push "$f" "$ref" --tls-verify=false; expect_ok
    d=$OUT
    [ "$(grep -c ': pushed (' "$T/.err")" = 6 ] || { ctx; fail "expected 6 blobs pushed (5 layers, config)"; }
    [ "$d" = "$(skopeo inspect --tls-verify=false --format '{{.Digest}}' "$ref")" ] || fail "stdout is not the manifest's digest"
    [ "$(skopeo inspect --raw --tls-verify=false "$ref" | jq -r .mediaType)" = application/vnd.oci.image.manifest.v1+json ] ||
        fail "not an OCI manifest"
    repack "$ref" pulled --tls-verify=false; same_image "$f" pulled
    local n; n=$(uploads reg saved/layers)
    x "$BOXCAR" push "$f" "$ref" --tls-verify=false; expect_ok; expect_out "$d"
    [ "$(grep -c ': exists$' "$T/.err")" = 6 ] || { ctx; fail "the second push did not find every blob there"; }
    [ "$(uploads reg saved/layers)" = "$n" ] || fail "the second push started uploads"
    # Entrypoint/Cmd/Env come back as they were
    f=$(P bb-ep)
    x "$BOXCAR" push "$f" "docker://127.0.0.1:$REGPORT/ep:v1" --tls-verify=false; expect_ok
    repack "docker://127.0.0.1:$REGPORT/ep:v1" ep --tls-verify=false; same_image "$f" ep
    x ./ep; expect_ok; expect_out "ep: default cmd"
}

t_push_gzip_mount() {   # --compress gzip: Docker schema 2, read by skopeo; a blob of another repository mounted
    push_setup
    local f ref; f=$(P layers); ref=docker://127.0.0.1:$REGPORT/gz:v1
    x "$BOXCAR" push "$f" "$ref" --tls-verify=false --compress gzip; expect_ok
    [ "$(skopeo inspect --raw --tls-verify=false "$ref" | jq -r .mediaType)" = application/vnd.docker.distribution.manifest.v2+json ] ||
        fail "not a Docker schema 2 manifest"
    skopeo copy -q --src-tls-verify=false "$ref" "oci:$T/copy:v1" 2> err || { cat err >&2; fail "skopeo cannot copy it"; }
    repack "oci:$T/copy:v1" copied; same_image "$f" copied
    x "$BOXCAR" push "$f" "$ref" --tls-verify=false --compress gzip; expect_ok
    [ "$(grep -c ': exists$' "$T/.err")" = 6 ] || { ctx; fail "gzip is not the same bytes twice"; }
    # pulled from repository a (its index records the source), pushed to b: mounted
    x "$BOXCAR" push "$f" "docker://127.0.0.1:$REGPORT/a:v1" --tls-verify=false; expect_ok
    repack "docker://127.0.0.1:$REGPORT/a:v1" froma --tls-verify=false
    local n; n=$(uploads reg b)
    x "$BOXCAR" push froma "docker://127.0.0.1:$REGPORT/b:v1" --tls-verify=false; expect_ok
    [ "$(grep -c ': mounted from a$' "$T/.err")" = 6 ] || { ctx; fail "the blobs were not mounted from a"; }
    grep -q "POST /v2/b/blobs/uploads/?mount=sha256:[0-9a-f]*&from=a" reg.log || fail "no mount request in the registry's log"
    repack "docker://127.0.0.1:$REGPORT/b:v1" fromb --tls-verify=false; same_image "$f" fromb
}

t_push_auth() {   # TLS with a private CA and htpasswd; bearer tokens with two scopes (a mount)
    reg_certs
    htpasswd -Bbn bob pa55 > htpasswd
    push_setup tls basic
    local f ref; f=$(P bb); ref=docker://localhost:$REGPORT/bb:v1
    x "$BOXCAR" push "$f" "$ref" --cert-dir "$T/certs"; expect_error 1; expect_err_has "needs credentials"
    x "$BOXCAR" push "$f" "$ref" --cert-dir "$T/certs" --creds bob:wrong; expect_error 1; expect_err_has "denied"
    x "$BOXCAR" push "$f" "$ref"; expect_error 1; expect_err_has "cert-dir"
    x "$BOXCAR" push "$f" "$ref" --cert-dir "$T/certs" --creds bob:pa55; expect_ok
    repack "$ref" back --cert-dir "$T/certs" --creds bob:pa55; same_image "$f" back
    kill "$(cat reg.pid)"
    reg_token; reg_serve tok "" token
    ref=docker://127.0.0.1:$REGPORT/mine/bb:v1
    x "$BOXCAR" push "$f" "$ref" --tls-verify=false; expect_error 1; expect_err_has "denied|refused"
    x "$BOXCAR" push "$f" "$ref" --tls-verify=false --creds alice:s3cret; expect_ok
    grep -qE 'scope=repository%3Amine%2Fbb%3A(pull%2Cpush|push%2Cpull)' token.log || fail "no push token asked for"
    repack "$ref" tokback --tls-verify=false --creds alice:s3cret; same_image "$f" tokback
    x "$BOXCAR" push tokback "docker://127.0.0.1:$REGPORT/mine/other:v1" --tls-verify=false --creds alice:s3cret; expect_ok
    [ "$(grep -c ': mounted from mine/bb$' "$T/.err")" = 2 ] || { ctx; fail "not mounted with a token for both repositories"; }
}

t_push_flaky() {   # a 503 on a POST and on each blob's PUT: retried, the blob sent again from its start
    push_setup
    python3 "$TOP/tests/flakyproxy.py" "$REGPORT" proxyport proxy.log > proxy.err 2>&1 &
    echo $! > proxy.pid
    local i f; f=$(P layers)
    for ((i = 0; i < 100; i++)); do [ -s proxyport ] && break; sleep 0.1; done
    x "$BOXCAR" push "$f" "docker://127.0.0.1:$(cat proxyport)/flaky:v1" --tls-verify=false; expect_ok
    [ "$(grep -c '^PUT sha256:[0-9a-f]* 2$' proxy.log)" = 6 ] || { cat proxy.log >&2; fail "not every blob's PUT was retried"; }
    repack "docker://127.0.0.1:$REGPORT/flaky:v1" back --tls-verify=false; same_image "$f" back
}

t_push_errors() {   # an unreachable registry, usage errors: one line each
    local f port; f=$(P bb); port=$(free_port)
    TMO=90 x "$BOXCAR" push "$f" "docker://127.0.0.1:$port/x:v1" --tls-verify=false; expect_error 1
    expect_err_has "127.0.0.1:$port"
    x "$BOXCAR" push "$f"; expect_error 2
    x "$BOXCAR" push "$f" "oci:$T/x"; expect_error 2
    x "$BOXCAR" push "$f" "docker://127.0.0.1:$port/Bad:v1"; expect_error 2
    x "$BOXCAR" push "$f" "docker://127.0.0.1:$port/x@sha256:$(printf '%064d' 0)"; expect_error 2
    x "$BOXCAR" push "$f" "docker://127.0.0.1:$port/x:v1" --compress none; expect_error 2
    x "$BOXCAR" push "$f" "docker://127.0.0.1:$port/x:v1" --tls-verify=maybe; expect_error 2
    x "$BOXCAR" push "$f" "docker://127.0.0.1:$port/x:v1" --oci x; expect_error 2
    x "$BOXCAR" push "$T/missing" "docker://127.0.0.1:$port/x:v1"; expect_error 1
}

test_case run "save: --oci DIR:TAG, zstd blobs verbatim, read by skopeo, packs back the same" t_save_oci
test_case run "save: an existing layout gains a tag (same tag replaced), an empty dir, a full dir refused" t_save_oci_add
test_case run "save: --compress gzip unpacked by umoci = the reference tree; --compress none" t_save_gzip_umoci
test_case run "save: --oci-archive (skopeo), --docker-archive (pack, skopeo), skopeo's docker-archive" t_save_archives
test_case run "save: usage errors (2), damaged file and unwritable place (1), nothing left" t_save_errors
test_case run "save: interrupted by SIGINT or SIGTERM mid-layer: the signal's status, nothing left" t_save_interrupt
test_case run "push: to a registry and back (same layers, config), digest on stdout, second push uploads nothing" t_push
test_case run "push: --compress gzip (Docker schema 2, skopeo reads it), cross-repository mount" t_push_gzip_mount
test_case run "push: TLS + htpasswd creds, bearer token with push scope and a mount" t_push_auth
test_case run "push: a 503 on POST and on each blob's PUT is retried (tests/flakyproxy.py)" t_push_flaky
test_case run "push: unreachable registry (1), usage errors (2)" t_push_errors
