# Registry sources: boxcar pack docker://... against a real registry (Debian's
# docker-registry, distribution v2) started on loopback by each test: plain HTTP,
# HTTPS with a self-signed CA, basic auth (htpasswd), bearer tokens from
# tests/tokenserver.py, a multi-arch index; a damaged blob and an unknown tag refused.
# Images are pushed with skopeo (an independent tool).

reg_cleanup() { local p; for p in $(cat "$T"/*.pid 2>/dev/null); do kill "$p" 2>/dev/null; done; return 0; }
reg_wait() {   # PORT: until something listens
    local i; for ((i = 0; i < 100; i++)); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
    fail "nothing listens on port $1"
}
# reg_certs: a CA (certs/ca.crt) and a server certificate for localhost signed by it
# (reached as localhost: mbedtls 2.28 matches DNS names, not IP addresses)
reg_certs() {
    mkdir -p certs tls
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=boxcar-test-ca \
        -keyout tls/ca.key -out certs/ca.crt 2>/dev/null || fail "openssl: CA"
    openssl req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout tls/server.key -out tls/server.csr 2>/dev/null
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > tls/ext
    openssl x509 -req -in tls/server.csr -CA certs/ca.crt -CAkey tls/ca.key -CAcreateserial -days 2 \
        -extfile tls/ext -out tls/server.crt 2>/dev/null || fail "openssl: server certificate"
}
# reg_serve NAME [tls] [basic|token]: a registry on the shared storage ($T/store);
# sets REGPORT
reg_serve() {
    local name=$1 tls=${2:-} auth=${3:-}
    REGPORT=$(free_port)
    {
        printf 'version: 0.1\nlog:\n  level: info\nstorage:\n  filesystem:\n    rootdirectory: %s\n' "$T/store"
        printf 'http:\n  addr: 127.0.0.1:%s\n' "$REGPORT"
        [ "$tls" = tls ] && printf '  tls:\n    certificate: %s\n    key: %s\n' "$T/tls/server.crt" "$T/tls/server.key"
        [ "$auth" = basic ] && printf 'auth:\n  htpasswd:\n    realm: boxcar-test\n    path: %s\n' "$T/htpasswd"
        [ "$auth" = token ] && printf 'auth:\n  token:\n    realm: http://127.0.0.1:%s/token\n    service: boxcar-test\n    issuer: boxcar-test-issuer\n    rootcertbundle: %s\n' \
            "$TOKENPORT" "$T/tls/token.crt"
    } > "$name.yml"
    docker-registry serve "$name.yml" > "$name.log" 2>&1 &
    echo $! > "$name.pid"
    reg_wait "$REGPORT"
}
# reg_token: the token server (sets TOKENPORT); user "alice", password "s3cret"
reg_token() {
    mkdir -p tls
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=boxcar-token \
        -keyout tls/token.key -out tls/token.crt 2>/dev/null || fail "openssl: token key"
    python3 "$TOP/tests/tokenserver.py" 0 tls/token.key tls/token.crt alice:s3cret tokenport > token.log 2>&1 &
    echo $! > token.pid
    local i; for ((i = 0; i < 100; i++)); do [ -s tokenport ] && break; sleep 0.1; done
    TOKENPORT=$(cat tokenport 2>/dev/null) || fail "the token server did not start"
}
# reg_push REF-IN-FIXTURES NAME:TAG [skopeo flags]: push through a plain registry
reg_push() {
    skopeo copy -q --dest-tls-verify=false "${@:3}" "oci:$FIX/$1" "docker://127.0.0.1:$PUSHPORT/$2" 2>"$T/push.err" ||
        { cat "$T/push.err" >&2; fail "skopeo could not push $1"; }
}
reg_setup() {   # storage with busybox (bb:v1, public/bb:v1) and the 5-layer image (layers:v1)
    trap reg_cleanup EXIT
    export BOXCAR_CACHE=$T/cache; mkdir -p "$BOXCAR_CACHE"; chmod 700 "$BOXCAR_CACHE"
    reg_serve push; PUSHPORT=$REGPORT
    reg_push oci-busybox:latest bb:v1
    reg_push oci-busybox:latest public/bb:v1
    reg_push oci-busybox:layers layers:v1
}
blob_gets() { grep -c "GET /v2/$2/blobs/sha256:" "$1.log"; }
# reg_bb_blob: the registry's data file of bb:v1's largest blob (its layer)
reg_bb_blob() {
    local v2=$T/store/docker/registry/v2 h f best="" size=0
    for h in $(ls "$v2/repositories/bb/_layers/sha256"); do
        f=$v2/blobs/sha256/${h:0:2}/$h/data
        [ "$(stat -c %s "$f")" -gt "$size" ] && size=$(stat -c %s "$f") best=$f
    done
    [ -n "$best" ] || fail "no blob of bb:v1 in the registry's storage"
    echo "$best"
}

t_reg_plain() {   # plain HTTP: pull, run; the blob cache: nothing downloaded again; an unknown tag
    reg_setup
    reg_serve plain
    x "$BOXCAR" pack "docker://127.0.0.1:$REGPORT/layers:v1" --tls-verify=false -o layers; expect_ok
    x ./layers cat /data/added-by-c/c.txt; expect_ok; expect_out c
    [ "$(layer_list layers)" = "$(diff_ids "$FIX/oci-busybox" layers)" ] || fail "the pulled layers are not the image's"
    local n; n=$(blob_gets plain layers)
    [ "$n" = 6 ] || fail "expected 6 blob downloads (config + 5 layers), saw $n"
    x "$BOXCAR" pack "docker://127.0.0.1:$REGPORT/layers:v1" --tls-verify=false -o again; expect_ok
    [ "$(blob_gets plain layers)" = 6 ] || fail "re-packing downloaded blobs again"
    cmp -s <("$BOXCAR" inspect layers | jq -c .layers) <("$BOXCAR" inspect again | jq -c .layers) || fail "re-pack differs"
    # cache prune: a blob unused for 40 days goes, the others stay; --all takes the rest
    local blobs=$BOXCAR_CACHE/registry/blobs/sha256 old
    old=$(find "$blobs" -type f | head -1)
    touch -d '40 days ago' "$old"
    x "$BOXCAR" cache prune; expect_ok; expect_err_has "pruned 1 downloaded blob"
    [ -e "$old" ] && fail "an old blob was kept"
    [ "$(find "$blobs" -type f | wc -l)" = 5 ] || fail "prune took more than the old blob: $(ls "$blobs")"
    x "$BOXCAR" cache prune --all; expect_ok
    [ -z "$(ls -A "$blobs")" ] || fail "prune --all left blobs: $(ls "$blobs")"
    x "$BOXCAR" pack "docker://127.0.0.1:$REGPORT/layers:v1" --tls-verify=false -o again; expect_ok
    [ "$(blob_gets plain layers)" = 12 ] || fail "after prune --all, the blobs were not downloaded again"
    x "$BOXCAR" pack "docker://127.0.0.1:$REGPORT/bb:nope" --tls-verify=false -o x; expect_error 1
    expect_err_has "bb:nope: no such image or tag .*MANIFEST_UNKNOWN"; [ -e x ] && fail "a file was written"
    x "$BOXCAR" pack "docker://127.0.0.1:$REGPORT/bb:v1" -o x; expect_error 1; expect_err_has "tls-verify=false"
    x "$BOXCAR" pack "docker://127.0.0.1:$REGPORT/Bad:v1" --tls-verify=false -o x; expect_error 2; expect_err_has "bad image name"
    local d; d=$(skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://127.0.0.1:$REGPORT/bb:v1")
    x "$BOXCAR" pack "docker://127.0.0.1:$REGPORT/bb@$d" --tls-verify=false -o bydigest; expect_ok
    x ./bydigest cat /etc/fixture-release; expect_out "busybox fixture"
}
layer_list() { "$BOXCAR" inspect "$1" | jq -r '.layers[].diff_id'; }

t_reg_tls() {   # HTTPS with a self-signed CA: refused, accepted with --cert-dir or --tls-verify=false
    reg_certs; reg_setup
    reg_serve tls tls
    x "$BOXCAR" pack "docker://localhost:$REGPORT/bb:v1" -o x; expect_error 1; expect_err_has "cert-dir"
    x "$BOXCAR" pack "docker://localhost:$REGPORT/bb:v1" --cert-dir "$T/certs" -o a; expect_ok
    x "$BOXCAR" pack "docker://localhost:$REGPORT/bb:v1" --tls-verify=false -o b; expect_ok
    x ./a cat /etc/fixture-release; expect_out "busybox fixture"
}

t_reg_basic() {   # htpasswd: no, wrong, flag and config.json credentials
    reg_certs; reg_setup
    htpasswd -Bbn bob pa55 > htpasswd
    reg_serve basic tls basic
    local ref="docker://localhost:$REGPORT/bb:v1"
    x "$BOXCAR" pack "$ref" --cert-dir "$T/certs" -o x; expect_error 1; expect_err_has "needs credentials"
    x "$BOXCAR" pack "$ref" --cert-dir "$T/certs" --creds bob:wrong -o x; expect_error 1; expect_err_has "denied"
    x "$BOXCAR" pack "$ref" --cert-dir "$T/certs" --creds bob:pa55 -o a; expect_ok
    mkdir -p dcfg; printf '{"auths":{"localhost:%s":{"auth":"%s"}}}\n' "$REGPORT" "$(printf bob:pa55 | base64)" > dcfg/config.json
    DOCKER_CONFIG=$T/dcfg x "$BOXCAR" pack "$ref" --cert-dir "$T/certs" -o b; expect_ok
    x ./b cat /etc/fixture-release; expect_out "busybox fixture"
}

t_reg_token() {   # bearer tokens from the challenge's realm: anonymous pull of public/, creds for the rest
    reg_setup; reg_token
    reg_serve tok "" token
    x "$BOXCAR" pack "docker://127.0.0.1:$REGPORT/public/bb:v1" --tls-verify=false -o pub; expect_ok
    x "$BOXCAR" pack "docker://127.0.0.1:$REGPORT/bb:v1" --tls-verify=false -o x; expect_error 1
    expect_err_has "denied|refused"
    x "$BOXCAR" pack "docker://127.0.0.1:$REGPORT/bb:v1" --tls-verify=false --creds alice:nope -o x; expect_error 1
    x "$BOXCAR" pack "docker://127.0.0.1:$REGPORT/bb:v1" --tls-verify=false --creds alice:s3cret -o priv; expect_ok
    x ./priv cat /etc/fixture-release; expect_out "busybox fixture"
    grep -q 'GET /token?service=boxcar-test&scope=repository%3Abb%3Apull' token.log || fail "no token request seen"
}

# reg_multi DIR: an OCI layout whose tag "multi" is an index of linux/amd64 (busybox)
# and linux/arm64 (the same layers, an arm64 config)
reg_multi() {
    local d=$1 src=$FIX/oci-busybox m c cfg man idx
    mkdir -p "$d/blobs/sha256"; cp "$src/oci-layout" "$d/"; cp "$src"/blobs/sha256/* "$d/blobs/sha256/"
    m=$(jq -r '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == "latest") | .digest' "$src/index.json")
    c=$(jq -r .config.digest "$d/blobs/sha256/${m#sha256:}")
    put() { local h; h=$(sha256sum | cut -d' ' -f1) && printf '%s' "$1" > "$d/blobs/sha256/$h" && echo "$h"; }
    cfg=$(jq -c '.architecture = "arm64"' "$d/blobs/sha256/${c#sha256:}")
    local ch; ch=$(printf '%s' "$cfg" | put "$cfg")
    man=$(jq -c --arg d "sha256:$ch" --argjson s "${#cfg}" '.config.digest = $d | .config.size = $s' "$d/blobs/sha256/${m#sha256:}")
    local mh; mh=$(printf '%s' "$man" | put "$man")
    idx=$(jq -nc --arg a "$m" --argjson asz "$(stat -c %s "$d/blobs/sha256/${m#sha256:}")" --arg b "sha256:$mh" --argjson bsz "${#man}" \
        '{schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: [
          {mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $a, size: $asz, platform: {os: "linux", architecture: "amd64"}},
          {mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $b, size: $bsz, platform: {os: "linux", architecture: "arm64", variant: "v8"}}]}')
    local ih; ih=$(printf '%s' "$idx" | put "$idx")
    jq -nc --arg d "sha256:$ih" --argjson s "${#idx}" \
        '{schemaVersion: 2, manifests: [{mediaType: "application/vnd.oci.image.index.v1+json", digest: $d, size: $s,
          annotations: {"org.opencontainers.image.ref.name": "multi"}}]}' > "$d/index.json"
}

t_reg_multiarch() {   # an index: the host's platform by default, --platform picks another (arm64: its stub)
    reg_setup
    reg_multi "$T/multi"
    skopeo copy -q --all --dest-tls-verify=false "oci:$T/multi:multi" "docker://127.0.0.1:$PUSHPORT/multi:v1" ||
        fail "skopeo could not push the index"
    x "$BOXCAR" pack "docker://127.0.0.1:$PUSHPORT/multi:v1" --tls-verify=false -o m; expect_ok
    [ "$("$BOXCAR" inspect m | jq -r .config.architecture)" = amd64 ] || fail "not the amd64 image"
    x ./m cat /etc/fixture-release; expect_out "busybox fixture"
    x "$BOXCAR" pack "docker://127.0.0.1:$PUSHPORT/multi:v1" --tls-verify=false --platform linux/arm64/v8 -o a; expect_ok
    [ "$("$BOXCAR" inspect a | jq -r '.config.architecture, .stub.architecture' | tr '\n' ' ')" = "arm64 arm64 " ] ||
        fail "not the arm64 image behind the arm64 stub"   # (tests/t-arm64.sh runs such files)
    x "$BOXCAR" pack "docker://127.0.0.1:$PUSHPORT/multi:v1" --tls-verify=false --platform linux/arm64/v7 -o b; expect_error 1
    expect_err_has "no linux/arm64/v7 image \(it has: linux/amd64, linux/arm64/v8\)"
    x "$BOXCAR" pack "docker://127.0.0.1:$PUSHPORT/multi:v1" --tls-verify=false --platform linux/s390x -o b; expect_error 2
    expect_err_has "boxcar makes files for linux/amd64, linux/arm64"
}

t_reg_damaged() {   # a blob that does not match its digest: refused, nothing cached, no file
    reg_setup
    local blob; blob=$(reg_bb_blob)
    xor_byte "$blob" 1000 1
    reg_serve dmg
    x "$BOXCAR" pack "docker://127.0.0.1:$REGPORT/bb:v1" --tls-verify=false -o x; expect_error 1
    expect_err_has "digest mismatch"
    [ -e x ] && fail "a file was written"
    [ -z "$(find "$BOXCAR_CACHE/registry" -name "$(basename "$(dirname "$blob")")*")" ] || fail "the damaged blob was kept"
    xor_byte "$blob" 1000 1     # repaired: the next pull succeeds
    x "$BOXCAR" pack "docker://127.0.0.1:$REGPORT/bb:v1" --tls-verify=false -o ok; expect_ok
}

t_reg_resume() {   # a partial blob in the cache is resumed with a range request
    reg_setup; reg_serve res
    local blob hex; blob=$(reg_bb_blob); hex=$(basename "$(dirname "$blob")")
    mkdir -p "$BOXCAR_CACHE/registry/blobs/sha256"; chmod -R 700 "$BOXCAR_CACHE"
    head -c 50000 "$blob" > "$BOXCAR_CACHE/registry/blobs/sha256/$hex.partial"
    x "$BOXCAR" pack --verbose "docker://127.0.0.1:$REGPORT/bb:v1" --tls-verify=false -o r; expect_ok
    expect_err_has "resuming sha256:$hex at byte 50000"
    cmp -s "$blob" "$BOXCAR_CACHE/registry/blobs/sha256/$hex" || fail "the resumed blob differs"
}

t_reg_flaky() {   # a 503, then a connection cut mid-blob: retried with backoff, resumed with Range
    reg_setup; reg_serve up
    python3 "$TOP/tests/flakyproxy.py" "$REGPORT" proxyport proxy.log > proxy.err 2>&1 &
    echo $! > proxy.pid
    local i; for ((i = 0; i < 100; i++)); do [ -s proxyport ] && break; sleep 0.1; done
    x "$BOXCAR" pack "docker://127.0.0.1:$(cat proxyport)/bb:v1" --tls-verify=false -o f; expect_ok
    x ./f cat /etc/fixture-release; expect_out "busybox fixture"
    # every blob: 503 (1), cut (2), then a third request that resumes where the cut left it
    grep -qE '/blobs/sha256:[0-9a-f]+ 3 bytes=[1-9][0-9]*-' proxy.log || { cat proxy.log >&2; fail "no resumed request after the cut"; }
    [ "$(grep -c ' 1 -$' proxy.log)" -ge 2 ] || { cat proxy.log >&2; fail "the 503s were not retried"; }
}

test_case run "registry: plain HTTP pull, blob cache, pull by digest, unknown tag, bad names" t_reg_plain
test_case run "registry: HTTPS with a private CA (--cert-dir, --tls-verify=false)" t_reg_tls
test_case run "registry: basic auth (htpasswd): --creds, DOCKER_CONFIG, wrong password" t_reg_basic
test_case run "registry: bearer tokens (tests/tokenserver.py): anonymous public, --creds private" t_reg_token
test_case run "registry: multi-arch index, --platform" t_reg_multiarch
test_case run "registry: a blob not matching its digest is refused and not cached" t_reg_damaged
test_case run "registry: a partial blob is resumed (Range)" t_reg_resume
test_case run "registry: transient errors retried with backoff, a cut transfer resumed" t_reg_flaky
