# arm64 files (issue 18): boxcar pack --platform linux/arm64 writes the arm64
# image's layers behind the static aarch64 stub (build/stub-arm64, beside boxcar).
# qemu-user cannot make user namespaces, so the arm64 stub runs under
# qemu-aarch64-static (Debian's qemu-user-static) for what needs none: its version,
# inspect, extract, verify-cache, signatures and the mismatch errors. Running the
# files (both engines) is t-arm64vm.sh's, in an arm64 VM.
# The multi-arch image is made here by independent tools: umoci builds one image
# from Debian's busybox-static amd64 (/bin/busybox) and one from busybox-static's
# arm64 .deb (build.sh fetches it into build/deps-arm64/debs), and jq writes the
# OCI index holding both.

A64_QEMU=qemu-aarch64-static
a64_stub() { readlink -f "$(dirname "$BOXCAR")/stub-arm64"; }   # (the sanitizer build links it)
a64_need() {
    command -v $A64_QEMU >/dev/null || fail "no $A64_QEMU: apt-get install qemu-user-static (./build.sh does)"
    [ -f "$(a64_stub)" ] || fail "no $(a64_stub): make stub-arm64 (./build.sh does)"
}
# q FILE ARGS...: run an arm64 file under qemu (as x does)
q() { x $A64_QEMU "$@"; }
A64_LAYOUT=$PACKED/arm64-layout

# a64_image LAYOUT TAG BUSYBOX ARCH: one image: busybox, sh/cat/echo links, a release file
a64_image() {
    local b=$T/bundle-$2
    umoci new --image "$1:$2" || fail "umoci new $2"
    umoci unpack --rootless --image "$1:$2" "$b" >/dev/null || fail "umoci unpack $2"
    mkdir -p "$b/rootfs/bin" "$b/rootfs/etc" "$b/rootfs/tmp"
    cp "$3" "$b/rootfs/bin/busybox"; chmod 0755 "$b/rootfs/bin/busybox"
    local a; for a in sh cat echo ls; do ln -s busybox "$b/rootfs/bin/$a"; done
    printf 'multi-arch fixture\n' > "$b/rootfs/etc/fixture-release"
    umoci repack --image "$1:$2" "$b" || fail "umoci repack $2"
    umoci config --image "$1:$2" --architecture "$4" --os linux \
        --config.cmd /bin/cat --config.cmd /etc/fixture-release || fail "umoci config $2"
}
# a64_index LAYOUT NAME TAG...: tag NAME is an OCI image index of the images tagged TAG...,
# each with its config's platform
a64_index() {
    local d=$1 name=$2 t m c arch list="" idx h; shift 2
    for t in "$@"; do
        m=$(jq -c --arg t "$t" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $t) | del(.annotations)' "$d/index.json")
        c=$(jq -r .config.digest "$d/blobs/sha256/$(jq -r .digest <<<"$m" | cut -d: -f2)")
        arch=$(jq -r .architecture "$d/blobs/sha256/${c#sha256:}")
        list+=$(jq -c --arg a "$arch" '. + {platform: {os: "linux", architecture: $a}}' <<<"$m"),
    done
    idx=$(jq -c '{schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: .}' <<<"[${list%,}]")
    h=$(printf '%s' "$idx" | sha256sum | cut -d' ' -f1)
    printf '%s' "$idx" > "$d/blobs/sha256/$h"
    jq --arg d "sha256:$h" --argjson s "${#idx}" --arg n "$name" '.manifests += [{mediaType: "application/vnd.oci.image.index.v1+json",
        digest: $d, size: $s, annotations: {"org.opencontainers.image.ref.name": $n}}]' "$d/index.json" > "$T/index.json" &&
        mv "$T/index.json" "$d/index.json" || fail "index.json"
}

# The artifact: the layout (tags amd64, arm64, multi = both, only-amd64), its
# oci-archive, the arm64 image as a docker-archive; the index packed for arm64 and
# for the host.
a64_artifacts() {
    local L=$A64_LAYOUT deb
    deb=$(ls "$TOP"/build/deps-arm64/debs/busybox-static_*_arm64.deb 2>/dev/null | head -1)
    [ -n "$deb" ] || fail "no busybox-static arm64 .deb in build/deps-arm64/debs (./build.sh deps-arm64 fetches it)"
    a64_need
    rm -rf "$L" "$L.tar" "$L-arm64.docker.tar"; mkdir -p deb
    dpkg-deb -x "$deb" deb || fail "dpkg-deb -x $deb"
    cp deb/bin/busybox "$PACKED/arm64-busybox"
    umoci init --layout "$L" || fail "umoci init"
    a64_image "$L" amd64 /bin/busybox amd64
    a64_image "$L" arm64 deb/bin/busybox arm64
    a64_index "$L" multi amd64 arm64
    a64_index "$L" only-amd64 amd64
    tar -C "$L" -cf "$L.tar" . || fail "tar of the layout"
    skopeo copy -q "oci:$L:arm64" "docker-archive:$L-arm64.docker.tar:boxcar/mi:arm64" || fail "skopeo docker-archive"
    x "$BOXCAR" pack "oci:$L:multi" --platform linux/arm64 -o "$PACKED/a64" --quiet; expect_ok
    x "$BOXCAR" pack "oci:$L:multi" -o "$PACKED/a64-host" --quiet; expect_ok
    chmod -R a+rX "$L" "$PACKED/a64" "$PACKED/a64-host" "$PACKED/arm64-busybox"
}
test_case artifact "a64 <- multi-arch index (umoci: busybox-static amd64 + arm64), --platform linux/arm64" a64_artifacts

# ------------------------------------------------------------------ the stub itself
t_a64_stub_elf() {   # readelf: static, AArch64, no interpreter; its size against the target
    a64_need
    local s; s=$(a64_stub)
    readelf -h "$s" > h 2>&1 || { cat h >&2; fail "readelf -h failed"; }
    grep -Eq 'Machine: +AArch64' h || { cat h >&2; fail "$s is not for AArch64"; }
    grep -Eq 'Type: +EXEC' h || { cat h >&2; fail "$s is not a static executable (ET_EXEC)"; }
    readelf -l "$s" | grep -q INTERP && fail "$s has an ELF interpreter (not static)"
    readelf -d "$s" 2>/dev/null | grep -q NEEDED && fail "$s needs shared libraries"
    # its four default seccomp programs check for AArch64 (AUDIT_ARCH_AARCH64, 0xc00000b7:
    # "jeq #k" with k little-endian), none for x86-64 (0xc000003e)
    [ "$(a64_arch_checks "$s")" = "4 0" ] || fail "seccomp arch checks (aarch64, x86-64): $(a64_arch_checks "$s")"
    local size; size=$(stat -c %s "$s")
    [ "$size" -le $((650 * 1024)) ] || fail "stub-arm64 is $size bytes, over the 650 KB target"
    info "stub-arm64: $size bytes (amd64 stub in boxcar: see --boxcar-inspect's stub.size)"
}
a64_arch_checks() { python3 -c '
import re, sys
d = open(sys.argv[1], "rb").read()
print(*(len(re.findall(b"\x15\x00..%s\x00\x00\xc0" % k, d, re.S)) for k in (b"\xb7", b"\x3e")))' "$1"; }
# (the sanitizer build's boxcar finds the same stub-arm64 beside it)
test_case pack "arm64: stub-arm64 is a static AArch64 executable within 650 KB, seccomp filters for AArch64" t_a64_stub_elf

t_a64_inspect() {   # which stub went in, for which arch, and the image's platform
    a64_need
    x "$BOXCAR" inspect "$(P a64)"; expect_ok
    [ "$(jq -r .stub.architecture <<<"$OUT")" = arm64 ] || { show "$OUT" >&2; fail "stub.architecture is not arm64"; }
    [ "$(jq -r .platform <<<"$OUT")" = linux/arm64 ] || fail "platform: $(jq -r .platform <<<"$OUT")"
    [ "$(jq -r .config.architecture <<<"$OUT")" = arm64 ] || fail "not the arm64 image"
    [ "$(jq -r .stub.size <<<"$OUT")" = "$(stat -c %s "$(a64_stub)")" ] || fail "stub.size is not stub-arm64's"
    [ "$(jq -r .stub.digest <<<"$OUT")" = "sha256:$(sha256sum < "$(a64_stub)" | cut -d' ' -f1)" ] ||
        fail "stub.digest is not stub-arm64's"
    [ "$(jq -r .build.architecture <<<"$OUT")" = arm64 ] || fail "build.architecture: $(jq -r .build.architecture <<<"$OUT")"
    # the file starts with the stub's very bytes
    cmp -n "$(stat -c %s "$(a64_stub)")" "$(a64_stub)" "$(P a64)" || fail "the file does not start with stub-arm64"
    # the stub's own view, under qemu
    q "$(P a64)" --boxcar-inspect; expect_ok
    [ "$(jq -r .build.architecture <<<"$OUT")" = arm64 ] || { show "$OUT" >&2; fail "the stub says it is not arm64"; }
    [ "$(jq -r .stub.architecture,.platform <<<"$OUT" | tr '\n' ' ')" = "arm64 linux/arm64 " ] || fail "inspect under qemu"
    # the host's file from the same index: the amd64 image and stub
    x "$BOXCAR" inspect "$(P a64-host)"; expect_ok
    [ "$(jq -r .stub.architecture,.platform,.config.architecture <<<"$OUT" | tr '\n' ' ')" = "amd64 linux/amd64 amd64 " ] ||
        { show "$OUT" >&2; fail "the default is not the host's platform"; }
    x "$(P a64-host)" --boxcar-inspect; expect_ok
    [ "$(jq -r .build.architecture <<<"$OUT")" = amd64 ] || fail "the amd64 stub says $(jq -r .build.architecture <<<"$OUT")"
}
test_case run "arm64: inspect shows the stub (arch, size, digest) and the platform, from boxcar and under qemu" t_a64_inspect

t_a64_version() {   # --boxcar-version under qemu: the arm64 build, the same libraries
    a64_need
    q "$(P a64)" --boxcar-version; expect_ok
    BOXCAR_SANITIZED= expect_libraries "$OUT" stub   # (built from build/deps' sources, sanitized pass or not)
    [[ $OUT == *"linux/arm64)"* ]] || { show "$OUT" >&2; fail "the version line does not say linux/arm64"; }
    q "$(a64_stub)" --boxcar-version; expect_ok; [[ $OUT == *"linux/arm64)"* ]] || fail "the bare stub"
}
test_case run "arm64: --boxcar-version under qemu names linux/arm64 and the libraries" t_a64_version

t_a64_extract() {   # the arm64 file's tree = the amd64 file's, but for busybox; it runs under qemu
    a64_need
    q "$(P a64)" --boxcar-extract=arm; expect_ok
    x "$(P a64-host)" --boxcar-extract=amd; expect_ok
    python3 "$TOP/tests/lister.py" tree arm > arm.list; python3 "$TOP/tests/lister.py" tree amd > amd.list
    diff arm.list amd.list > d.diff && fail "the two extractions are identical (the same busybox?)"
    grep '^[<>]' d.diff | grep -v '/bin/busybox' && { cat d.diff >&2; fail "the trees differ beyond bin/busybox"; }
    cmp arm/bin/busybox "$PACKED/arm64-busybox" || fail "arm/bin/busybox is not the arm64 .deb's busybox"
    file -L arm/bin/busybox | grep -q 'ARM aarch64' || fail "arm/bin/busybox: $(file -L arm/bin/busybox)"
    cmp amd/bin/busybox /bin/busybox || fail "amd/bin/busybox is not the host's busybox-static"
    q arm/bin/busybox; expect_ok
    [[ $OUT == "BusyBox v"* ]] || { show "$OUT" >&2; fail "the arm64 busybox did not print its version"; }
    q arm/bin/busybox cat arm/etc/fixture-release; expect_out "multi-arch fixture"
    info "$(printf '%s\n' "$OUT" | head -1)"
}
test_case run "arm64: --boxcar-extract under qemu = the amd64 file's tree but busybox; that busybox runs" t_a64_extract

t_a64_verify_cache() {   # --boxcar-verify-cache under qemu, with one id (no namespace to enter)
    a64_need
    fresh_cache "$T/c"
    q "$(P a64)" --boxcar-userns=root --boxcar-verify-cache; expect_error 125; expect_err_has "no digest recorded"
    # a run under qemu extracts the layer, then cannot make its namespaces (=ns:
    # auto would go on to the trace engine, which qemu-user cannot run either)
    q "$(P a64)" --boxcar-engine=ns --boxcar-userns=root true; expect_rc 125; expect_err_has "cannot create (a user namespace|namespaces)"
    q "$(P a64)" --boxcar-userns=root --boxcar-verify-cache; expect_ok; expect_err_has "layer 1/1 [0-9a-f]{12} ok"
    local f; f=$(ls -d "$T"/c/layers/*/etc/fixture-release) || fail "no extracted layer in the cache"
    echo changed >> "$f"
    q "$(P a64)" --boxcar-userns=root --boxcar-verify-cache; expect_error 125
}
test_case run "arm64: --boxcar-verify-cache under qemu: extracted layers ok, then a changed file" t_a64_verify_cache

t_a64_sign() {   # signed by boxcar, checked by the arm64 stub under qemu before extracting
    a64_need
    "$BOXCAR" keygen -o a 2>/dev/null && "$BOXCAR" keygen -o b 2>/dev/null || fail "keygen"
    cp "$(P a64)" f
    x "$BOXCAR" sign f --key a.key; expect_ok
    x "$BOXCAR" verify f --pubkey a.pub; expect_ok
    export BOXCAR_TRUST=$T/b.pub
    q ./f --boxcar-extract=o1; expect_error 125; expect_err_has "not by the trusted key"
    [ -e o1 ] && fail "extracted despite the wrong key"
    q "$(P a64)" --boxcar-extract=o2; expect_error 125; expect_err_has "is not signed"
    export BOXCAR_TRUST=$T/a.pub
    q ./f --boxcar-extract=o3; expect_ok; [ -x o3/bin/busybox ] || fail "no extraction with the right key"
    xor_byte f 5000 1   # in the stub
    q ./f --boxcar-extract=o4; expect_error 125; [ -e o4 ] && fail "a damaged stub extracted"; return 0
}
test_case run "arm64: signatures: boxcar signs, the arm64 stub under qemu checks them" t_a64_sign

# ------------------------------------------------------------------ mismatches
# a64_splice STUB FILE OUT: FILE's layers, index and trailer behind STUB, offsets moved
# (python, from the format in common/payload.h: not boxcar's writer)
a64_splice() {
    python3 - "$@" <<'EOF' || fail "splice failed"
import hashlib, json, struct, sys
stub = open(sys.argv[1], "rb").read()
d = open(sys.argv[2], "rb").read()
t = d[-64:]
magic, ver, flags, ioff, ilen = struct.unpack_from("<8sIIQQ", t)
idx = json.loads(d[ioff:ioff + ilen])
start = idx["layers"][0]["offset"] if idx["layers"] else ioff
delta = len(stub) - start
for l in idx["layers"]:
    l["offset"] += delta
text = json.dumps(idx, separators=(",", ":")).encode()
body = stub + d[start:ioff]
trailer = struct.pack("<8sIIQQ", magic, ver, 0, len(body), len(text)) + hashlib.sha256(text).digest()
open(sys.argv[3], "wb").write(body + text + trailer)
EOF
    chmod +x "$3"
}

t_a64_layers_mismatch() {   # an amd64 image behind the arm64 stub, and the reverse: 125, nothing extracted
    a64_need
    fresh_cache "$T/c"
    "$BOXCAR" inspect "$(P a64-host)" >/dev/null || fail "inspect"
    a64_splice "$(a64_stub)" "$(P a64-host)" wrong-arm
    x "$BOXCAR" inspect wrong-arm; expect_ok   # a valid file, wrongly put together
    q ./wrong-arm; expect_error 125
    expect_err_has "its image is for linux/amd64 but its stub is for linux/arm64.*--platform linux/amd64"
    q ./wrong-arm --boxcar-extract=o; expect_error 125; [ -e o ] && fail "extracted"
    # the reverse, natively: the amd64 stub (this boxcar's) before the arm64 layers
    head -c "$("$BOXCAR" inspect "$(P a64-host)" | jq .layers[0].offset)" "$(P a64-host)" > amd-stub
    a64_splice amd-stub "$(P a64)" wrong-amd
    x ./wrong-amd; expect_error 125
    expect_err_has "its image is for linux/arm64 but its stub is for linux/amd64"
    x ./wrong-amd --boxcar-verify-cache; expect_error 125
    [ -z "$(find "$T/c" -path '*/layers/*' -prune -print)" ] || fail "layers were extracted"
    # inspect still shows what is there
    x ./wrong-amd --boxcar-inspect; expect_ok
}
test_case run "arm64: an image whose arch is not its stub's: one line, 125, before extracting" t_a64_layers_mismatch

t_a64_wrong_host() {   # the arm64 file on this amd64 host; the amd64 file on a host saying i686
    a64_need
    cp "$(P a64)" app
    if grep -qs enabled /proc/sys/fs/binfmt_misc/qemu-aarch64; then
        info "binfmt_misc runs aarch64 binaries here: the kernel's refusal is not tested"
    else   # the kernel refuses the foreign ELF: the shell says so (126; execvp would try sh)
        x bash -c 'exec ./app'; expect_rc 126; expect_err_has "exec format error"
    fi
    x "$BOXCAR" run app echo hi; expect_error 125
    expect_err_has "app is for linux/arm64 hosts \(its stub is aarch64\) and this one is x86_64: .*--platform linux/amd64"
    # the stub's own check: a 32-bit personality makes uname say i686
    fresh_cache "$T/c"
    x setarch i686 "$(P a64-host)" true; expect_error 125
    expect_err_has "is for linux/amd64 hosts \(its stub is x86_64\) and this one says it is i686"
    [ -z "$(find "$T/c" -path '*/layers/*' -prune -print)" ] || fail "layers were extracted"
    x setarch i686 "$(P a64-host)" --boxcar-inspect; expect_ok
}
[ "$(uname -m)" = x86_64 ] && test_case run "arm64: a file for another host: the kernel's 126, boxcar run's and the stub's one line (125)" t_a64_wrong_host

# ------------------------------------------------------------------ --platform per source
t_a64_platform_sources() {   # oci:, oci-archive:, docker-archive:, rootfs: with --platform
    a64_need
    local L=$A64_LAYOUT
    a64_arch() { "$BOXCAR" inspect "$1" | jq -r '[.stub.architecture, .platform, .config.architecture] | join(" ")'; }
    x "$BOXCAR" pack "oci-archive:$L.tar:multi" --platform linux/arm64 -o a --quiet; expect_ok
    [ "$(a64_arch a)" = "arm64 linux/arm64 arm64" ] || fail "oci-archive: $(a64_arch a)"
    x "$BOXCAR" pack "oci-archive:$L.tar:multi" -o b --quiet; expect_ok
    [ "$(a64_arch b)" = "amd64 linux/amd64 amd64" ] || fail "oci-archive default: $(a64_arch b)"
    x "$BOXCAR" pack "oci:$L:multi" --platform linux/amd64 -o c --quiet; expect_ok
    cmp -s b c || [ "$(a64_arch c)" = "amd64 linux/amd64 amd64" ] || fail "--platform linux/amd64: $(a64_arch c)"
    x "$BOXCAR" pack "oci:$L:arm64" --platform linux/arm64/v8 -o d --quiet; expect_ok   # a single image
    [ "$(a64_arch d)" = "arm64 linux/arm64 arm64" ] || fail "a single arm64 image: $(a64_arch d)"
    x "$BOXCAR" pack "docker-archive:$L-arm64.docker.tar" --platform linux/arm64 -o e --quiet; expect_ok
    [ "$(a64_arch e)" = "arm64 linux/arm64 arm64" ] || fail "docker-archive: $(a64_arch e)"
    q ./e --boxcar-extract=eo; expect_ok; file -L eo/bin/busybox | grep -q aarch64 || fail "docker-archive's tree"
    x "$BOXCAR" pack "rootfs:$T/eo" --platform linux/arm64 --cmd /bin/sh -o f --quiet; expect_ok
    [ "$(a64_arch f)" = "arm64 linux/arm64 arm64" ] || fail "rootfs: $(a64_arch f)"
}
test_case run "arm64: --platform for oci:, oci-archive:, docker-archive: and rootfs: sources" t_a64_platform_sources

t_a64_platform_errors() {   # no such variant; an arch boxcar has no stub for; no stub-arm64 beside
    a64_need
    local L=$A64_LAYOUT
    mkdir out
    x "$BOXCAR" pack "oci:$L:only-amd64" --platform linux/arm64 -o out/a; expect_error 1
    expect_err_has "has no linux/arm64 image \(it has: linux/amd64\)"
    x "$BOXCAR" pack "oci:$FIX/oci-busybox:latest" --platform linux/arm64 -o out/a; expect_error 1
    expect_err_has "image is for linux/amd64, not linux/arm64"
    x "$BOXCAR" pack "docker-archive:$FIX/busybox.skopeo-docker.tar" --platform linux/arm64 -o out/a; expect_error 1
    expect_err_has "image is for linux/amd64, not linux/arm64"
    x "$BOXCAR" pack "oci:$L:arm64" -o out/a; expect_error 1
    expect_err_has "image is for linux/arm64, not linux/amd64; pack it with --platform linux/arm64"
    x "$BOXCAR" pack "oci:$L:multi" --platform linux/s390x -o out/a; expect_error 2
    expect_err_has "boxcar makes files for linux/amd64, linux/arm64"
    x "$BOXCAR" pack "oci:$L:multi" --platform arm64 -o out/a; expect_error 2
    # a boxcar without stub-arm64 beside it
    cp "$BOXCAR" ./boxcar-alone
    x ./boxcar-alone pack "oci:$L:multi" --platform linux/arm64 -o out/a; expect_error 1
    expect_err_has "no stub for linux/arm64: cannot open .*/stub-arm64.*make stub-arm64"
    printf 'not an elf\n' > stub-arm64
    x ./boxcar-alone pack "oci:$L:multi" --platform linux/arm64 -o out/a; expect_error 1
    expect_err_has "stub-arm64 is not a static linux/arm64 \(aarch64\) stub"
    [ -z "$(ls -A out)" ] || fail "output left: $(ls -A out)"
}
test_case run "arm64: --platform errors: no such image in the index, no such stub" t_a64_platform_errors

t_a64_build() {   # boxcar build --platform linux/arm64: FROM's index, scratch, TARGETARCH; no RUN
    a64_need
    fresh_cache "$T/c"
    mkdir ctx; echo hello-arm64 > ctx/hello
    printf 'FROM oci:%s:multi\nARG TARGETARCH\nCOPY hello /hello\nLABEL arch=$TARGETARCH\nCMD ["/bin/cat", "/hello"]\n' \
        "$A64_LAYOUT" > ctx/Dockerfile
    x "$BOXCAR" build --platform linux/arm64 -o app -q ctx; expect_ok
    x "$BOXCAR" inspect app; expect_ok
    [ "$(jq -r '[.stub.architecture, .config.architecture, .config.config.Labels.arch] | join(" ")' <<<"$OUT")" = "arm64 arm64 arm64" ] ||
        { show "$OUT" >&2; fail "not an arm64 build"; }
    q ./app --boxcar-extract=o; expect_ok
    [ "$(cat o/hello)" = hello-arm64 ] && cmp o/bin/busybox "$PACKED/arm64-busybox" || fail "the arm64 build's tree"
    x "$BOXCAR" build -o host -q ctx; expect_ok   # the same context for the host: its own FROM image
    [ "$("$BOXCAR" inspect host | jq -r '[.stub.architecture, .config.config.Labels.arch] | join(" ")')" = "amd64 amd64" ] ||
        fail "the host's build"
    x ./host; expect_ok; expect_out hello-arm64
    printf 'FROM scratch\nCOPY hello /hello\n' > ctx/Dockerfile
    x "$BOXCAR" build --platform linux/arm64 -o s -q ctx; expect_ok
    [ "$("$BOXCAR" inspect s | jq -r '[.stub.architecture, .config.architecture] | join(" ")')" = "arm64 arm64" ] || fail "scratch"
    printf 'FROM oci:%s:multi\nRUN echo hi\n' "$A64_LAYOUT" > ctx/Dockerfile
    x "$BOXCAR" build --platform linux/arm64 -o r -q ctx; expect_error 1
    expect_err_has "Dockerfile:2: RUN runs programs of the image, and this linux/amd64 host cannot run linux/arm64 ones"
    x "$BOXCAR" build --platform linux/mips64le -o r -q ctx; expect_error 2
    [ -e r ] && fail "an output was written"; return 0
}
test_case run "arm64: boxcar build --platform linux/arm64 (FROM an index, scratch, TARGETARCH; RUN refused)" t_a64_build
