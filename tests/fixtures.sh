#!/usr/bin/env bash
# Build the test fixture images with tools independent of boxcar (umoci, skopeo,
# buildah, mmdebstrap, GNU tar, jq). Everything lands in $FIX (default
# build/test-fixtures), world-readable so that the unprivileged test user can read it.
#
#   tests/fixtures.sh           build what is missing (fixtures are cached: a stamp
#                               holding the hash of this script decides when to rebuild)
#   tests/fixtures.sh --force   rebuild everything except the mmdebstrap tarball
#
# Produced:
#   oci-flask/                examples/flask (Debian + python3-flask, the tutorial's app)
#   oci-postgres/             examples/postgres (postgres 15 + gosu, root entrypoint, uid 999)
#   debian-minbase.tar        mmdebstrap --variant=minbase bookworm (cached, slow to make)
#   rootfs-busybox/           a busybox-static root filesystem (for rootfs:DIR)
#   rootfs-busybox.tar        the same as a tarball (for rootfs:TARBALL)
#   oci-busybox/              umoci layout; tags:
#       latest    1 layer, Cmd [sh -c "echo hello from busybox"], Env FOO=bar SPACED="a b  c"
#       ep        Entrypoint [/bin/echo ep:], Cmd [default cmd]
#       cfg       User 1000:1000, WorkingDir /srv/work, Cmd [id]
#       username  User app (uid 1001 gid 1002 in the image's /etc/passwd)
#       noexec    Entrypoint [/bin/notexec] (mode 0644)
#       missing   Entrypoint [/bin/does-not-exist]
#       layers    5 layers: deletions (.wh.), an opaque dir (.wh..wh..opq, hand-made
#                 layer), re-added paths, symlinks, hardlinks, setuid/setgid, sticky,
#                 FIFO, long names (>100 chars, path >255 bytes)
#       unicode   3 layers: non-ASCII file, dir and symlink names (and a deletion)
#       quirk     3 layers: umoci's form of "directory replaced by a file" (d, d/.wh.inner)
#   oci-zstd/                 `layers` re-compressed with zstd by skopeo (single image, tag v1)
#   oci-plain/                `layers` with uncompressed layers (skopeo, tag v1)
#   busybox.oci-archive.tar   skopeo oci-archive of busybox:latest
#   busybox.skopeo-docker.tar skopeo docker-archive (symlinked <id>/layer.tar), docker.io/library/busybox:latest
#   docker-save.tar           docker-save layout made with jq+tar (see make_docker_save):
#                             boxcar/busybox:latest and boxcar/layers:v1, sharing the base layer dir
#   oci-debian/               buildah-built 2-layer Debian bookworm image (tag latest)
#   ref/*.list                canonical listings (tests/lister.py) of `umoci unpack --rootless`
set -euo pipefail
cd "$(dirname "$0")/.."
TOP=$PWD
FIX=${FIX:-$TOP/build/test-fixtures}
LISTER=$TOP/tests/lister.py
FORCE=0; [ "${1:-}" = --force ] && FORCE=1

say() { printf 'fixtures: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

for t in umoci skopeo buildah mmdebstrap jq python3 tar gzip sha256sum; do
    command -v "$t" >/dev/null || die "missing tool: $t"
done
BUSYBOX=$(command -v busybox || true)
[ -x /bin/busybox ] && BUSYBOX=/bin/busybox
[ -n "$BUSYBOX" ] && file -L "$BUSYBOX" 2>/dev/null | grep -q 'statically linked' \
    || die "need a static busybox (apt-get install busybox-static)"

PGEX=$(cd "$(dirname "$0")/../examples/postgres" && pwd)
FLEX=$(cd "$(dirname "$0")/../examples/flask" && pwd)
DFS=$(cd "$(dirname "$0")/dockerfiles" && pwd)
stamp_want=$( (cat "$0" "$LISTER" "$PGEX"/* "$FLEX"/* "$DFS"/*; echo "$BUSYBOX") | sha256sum | cut -c1-16)
mkdir -p "$FIX"; chmod 0755 "$FIX"
if [ $FORCE = 0 ] && [ "$(cat "$FIX/.stamp" 2>/dev/null)" = "$stamp_want" ]; then
    say "up to date ($FIX)"; exit 0
fi

# Fixed timestamp for hand-made content (tar --mtime, touch).
EPOCH=1700000000
export SOURCE_DATE_EPOCH=$EPOCH
WORK=$FIX/.work
rm -rf "$WORK"; mkdir -p "$WORK"
trap 'rm -rf "$WORK"' EXIT

# ---------------------------------------------------------------- debian tarball
debian_tarball() {
    [ -s "$FIX/debian-minbase.tar" ] && return 0
    say "mmdebstrap --variant=minbase bookworm (once; cached)"
    mmdebstrap --quiet --variant=minbase --format=tar bookworm "$FIX/debian-minbase.tar.tmp"
    mv "$FIX/debian-minbase.tar.tmp" "$FIX/debian-minbase.tar"
}

# ---------------------------------------------------------------- busybox rootfs
populate_busybox() {   # $1 = rootfs dir
    local r=$1 a
    mkdir -p "$r"/{bin,etc,root,home/app,srv/work,proc,sys,dev,tmp,var/tmp,usr/bin}
    chmod 1777 "$r/tmp" "$r/var/tmp"; chmod 0700 "$r/root"
    cp "$BUSYBOX" "$r/bin/busybox"; chmod 0755 "$r/bin/busybox"
    for a in $("$BUSYBOX" --list); do
        [ "$a" = busybox ] && continue
        [ -e "$r/bin/$a" ] || ln -s busybox "$r/bin/$a"
    done
    ln -sf ../../bin/env "$r/usr/bin/env"
    cat > "$r/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
app:x:1001:1002:app user:/home/app:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
    cat > "$r/etc/group" <<'EOF'
root:x:0:
app:x:1002:
nogroup:x:65534:
EOF
    printf '#!/bin/sh\necho this-must-not-run\n' > "$r/bin/notexec"; chmod 0644 "$r/bin/notexec"
    printf 'busybox fixture\n' > "$r/etc/fixture-release"
}

# ---------------------------------------------------------------- the layers tag
layer_a() {   # $1 = rootfs; first layer of the fidelity image
    local d=$1/data n long deep
    mkdir -p "$d"
    echo alpha > "$d/a.txt"; echo bravo > "$d/b.txt"; echo keep > "$d/keep.txt"
    : > "$d/empty"
    mkdir -p "$d/gone/sub"; echo f1 > "$d/gone/f1"; echo f2 > "$d/gone/sub/f2"
    mkdir -p "$d/opq/sub"; echo x > "$d/opq/x"; echo y > "$d/opq/y"; echo z > "$d/opq/sub/z"
    echo was-a-file > "$d/replaced-file"
    mkdir -p "$d/replaced-dir"; echo inner > "$d/replaced-dir/inner"
    ln -s a.txt "$d/link-rel"; ln -s /data/b.txt "$d/link-abs"
    ln -s nowhere/at/all "$d/link-dangling"; ln -s gone "$d/link-dir"
    ln -s ../../../../../../etc/passwd "$d/link-escape"
    echo hard > "$d/h1"; ln "$d/h1" "$d/h2"; mkdir -p "$d/hsub"; ln "$d/h1" "$d/hsub/h3"
    echo triple > "$d/t1"; ln "$d/t1" "$d/t2"
    printf '#!/bin/sh\necho suid\n' > "$d/suid"; chmod 4755 "$d/suid"
    printf 'sgid\n' > "$d/sgid"; chmod 2755 "$d/sgid"
    mkdir -p "$d/sticky"; chmod 1777 "$d/sticky"
    mkfifo "$d/fifo"
    echo private > "$d/private"; chmod 0600 "$d/private"
    mkdir -p "$d/privdir"; echo secret > "$d/privdir/secret"; chmod 0700 "$d/privdir"
    printf '#!/bin/sh\necho script-ran "$@"\n' > "$d/script.sh"; chmod 0755 "$d/script.sh"
    head -c 1048576 /dev/urandom > "$d/random.bin"
    long=$(printf 'L%.0s' $(seq 1 200)); echo long > "$d/$long.txt"
    deep="$d"; for n in 1 2 3 4 5; do deep="$deep/deep-directory-name-number-$n-padded-out-to-be-long-xxxxxxxxxxxxxxxx"; done
    mkdir -p "$deep"; echo deep > "$deep/$(printf 'f%.0s' $(seq 1 120))"   # path > 255 bytes
    echo space > "$d/with space.txt"; echo dash > "$d/-dash"
    echo dotfile > "$d/.hidden"
    mkdir -p "$d/emptydir"
}
layer_b() {   # deletions, replacements, metadata-only change, partial hardlink delete
    local d=$1/data
    rm -f "$d/a.txt"; rm -rf "$d/gone"; echo bravo2 > "$d/b.txt"
    rm -f "$d/replaced-file"; mkdir "$d/replaced-file"; echo now-a-dir > "$d/replaced-file/x"
    rm -f "$d/link-rel"; ln -s keep.txt "$d/link-rel"
    rm -f "$d/h2"; chmod 0640 "$d/keep.txt"; rm -f "$d/empty"
    echo new > "$d/new.txt"
}
layer_c_tar() {   # hand-made layer with an opaque dir; $1 = output tar
    local s=$WORK/layer-c
    rm -rf "$s"; mkdir -p "$s/data/opq"
    : > "$s/data/opq/.wh..wh..opq"
    echo new-in-opq > "$s/data/opq/new-in-opq"
    : > "$s/data/.wh.new.txt"                # delete a file added by layer B
    : > "$s/data/.wh.replaced-dir"           # dir -> file, the way docker writes it
    echo now-a-file > "$s/data/replaced-dir"
    mkdir -p "$s/data/added-by-c"; echo c > "$s/data/added-by-c/c.txt"
    # OCI spec: whiteouts SHOULD come before their siblings; list explicitly.
    tar -C "$s" --numeric-owner --owner=0 --group=0 --mtime=@$EPOCH --format=pax \
        --no-recursion -cf "$1" \
        data/ data/.wh.new.txt data/.wh.replaced-dir data/replaced-dir data/opq/ data/opq/.wh..wh..opq data/opq/new-in-opq \
        data/added-by-c/ data/added-by-c/c.txt
}
layer_d() {   # re-add deleted paths
    local d=$1/data
    echo alpha-again > "$d/a.txt"
    echo gone-is-a-file-now > "$d/gone"
    echo h2-reborn > "$d/h2"
    echo another > "$d/opq/another"
}

# ---------------------------------------------------------------- listings
ref_listing() {   # $1 = layout:tag, $2 = name
    local b=$WORK/ref-$2
    rm -rf "$b"
    umoci unpack --rootless --image "$1" "$b" >/dev/null
    python3 "$LISTER" tree "$b/rootfs" > "$FIX/ref/$2.list"
    python3 "$LISTER" tree --mtime "$b/rootfs" > "$FIX/ref/$2.mtime.list"
    chmod -R u+rwX "$b"; rm -rf "$b"
}

# buildah's image of tests/dockerfiles/NAME.Dockerfile on the busybox fixture:
# its tree listed with owners (umoci unpack as root keeps them) and its config,
# for t-dockerfile.sh to hold boxcar build's image against.
bud_reference() {   # $1 = name
    local S=(--storage-driver vfs --root "$WORK/bud/storage" --runroot "$WORK/bud/run")
    local ctx=$WORK/bud/ctx-$1 b=$WORK/bud/unpack-$1
    . "$DFS/context.sh"; rm -rf "$ctx"; faithful_context "$ctx"
    buildah "${S[@]}" bud -q --isolation chroot --build-arg "BASE=oci:$FIX/oci-busybox:latest" \
        -f "$DFS/$1.Dockerfile" -t "localhost/bud-$1" "$ctx" >/dev/null || die "buildah bud $1 failed"
    rm -rf "$FIX/bud-$1"
    buildah "${S[@]}" push -q "localhost/bud-$1" "oci:$FIX/bud-$1:latest" || die "buildah push $1"
    umoci unpack --image "$FIX/bud-$1:latest" "$b" >/dev/null || die "umoci unpack bud-$1"
    python3 "$LISTER" tree --owner "$b/rootfs" > "$FIX/ref/bud-$1.list"
    jq -S '.config | {Entrypoint, Cmd, Env, WorkingDir, User, ExposedPorts, Volumes, Labels, StopSignal}' \
        "$(oci_config_of "$FIX/bud-$1" latest)" > "$FIX/ref/bud-$1.config"
    buildah "${S[@]}" rmi -a -f >/dev/null 2>&1 || true
    rm -rf "$WORK/bud"
}

oci_config_of() {   # LAYOUT TAG -> its config blob
    local m
    m=$(jq -r --arg t "$2" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $t) | .digest' "$1/index.json")
    echo "$1/blobs/sha256/$(jq -r .config.digest "$1/blobs/sha256/${m#sha256:}" | cut -d: -f2)"
}

build_busybox() {
    local L=$FIX/oci-busybox B=$WORK/bb
    rm -rf "$L" "$FIX/rootfs-busybox" "$FIX/rootfs-busybox.tar"
    say "busybox image (umoci)"
    umoci init --layout "$L"
    umoci new --image "$L:latest"
    umoci unpack --rootless --image "$L:latest" "$B" >/dev/null
    populate_busybox "$B/rootfs"
    umoci repack --refresh-bundle --history.created_by "busybox-static + applet links" --image "$L:latest" "$B"
    umoci config --image "$L:latest" \
        --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        --config.env FOO=bar --config.env 'SPACED=a b  c' \
        --config.cmd /bin/sh --config.cmd -c --config.cmd 'echo hello from busybox' \
        --config.workingdir /
    umoci config --image "$L:latest" --tag ep --clear config.cmd \
        --config.entrypoint /bin/echo --config.entrypoint 'ep:' --config.cmd default --config.cmd cmd
    umoci config --image "$L:latest" --tag cfg --clear config.cmd \
        --config.user 1000:1000 --config.workingdir /srv/work --config.cmd id
    umoci config --image "$L:latest" --tag username --clear config.cmd \
        --config.user app --config.cmd id
    umoci config --image "$L:latest" --tag noexec --clear config.cmd --config.entrypoint /bin/notexec
    umoci config --image "$L:latest" --tag missing --clear config.cmd --config.entrypoint /bin/does-not-exist
    umoci config --image "$L:latest" --tag stopsig --config.stopsignal SIGUSR1 --config.volume /data/vol

    # rootfs:DIR and rootfs:TARBALL sources (same content, no image config)
    cp -a "$B/rootfs" "$FIX/rootfs-busybox"
    tar -C "$FIX/rootfs-busybox" --numeric-owner --owner=0 --group=0 -cf "$FIX/rootfs-busybox.tar" .

    say "layers image (umoci repack x3 + hand-made opaque layer)"
    umoci config --image "$L:latest" --tag layers --history.created_by "tag layers"
    rm -rf "$B"; umoci unpack --rootless --image "$L:layers" "$B" >/dev/null
    layer_a "$B/rootfs"; umoci repack --refresh-bundle --history.created_by "layer A" --image "$L:layers" "$B"
    layer_b "$B/rootfs"; umoci repack --refresh-bundle --history.created_by "layer B" --image "$L:layers" "$B"
    layer_c_tar "$WORK/layer-c.tar"
    umoci raw add-layer --history.created_by "layer C (opaque, hand-made)" --image "$L:layers" "$WORK/layer-c.tar"
    chmod -R u+rwX "$B"; rm -rf "$B"; umoci unpack --rootless --image "$L:layers" "$B" >/dev/null
    layer_d "$B/rootfs"; umoci repack --refresh-bundle --history.created_by "layer D" --image "$L:layers" "$B"
    chmod -R u+rwX "$B"; rm -rf "$B"

    # Separate tags for two cases that are easy to get wrong, so that they fail alone:
    say "unicode and quirk images"
    # unicode: non-ASCII names (PAX path records)
    umoci config --image "$L:latest" --tag unicode --history.created_by "tag unicode"
    umoci unpack --rootless --image "$L:unicode" "$B" >/dev/null
    mkdir -p "$B/rootfs/u/répertoire"
    echo unicode > "$B/rootfs/u/ünïcödé-日本語-🚀.txt"
    echo ñ > "$B/rootfs/u/répertoire/fichier ñ.txt"
    ln -s "ünïcödé-日本語-🚀.txt" "$B/rootfs/u/lien-é"
    umoci repack --refresh-bundle --image "$L:unicode" "$B"
    rm -f "$B/rootfs/u/répertoire/fichier ñ.txt"; echo "Ω" > "$B/rootfs/u/répertoire/Ω.txt"
    umoci repack --refresh-bundle --image "$L:unicode" "$B"
    chmod -R u+rwX "$B"; rm -rf "$B"
    # quirk: umoci writes a dir replaced by a file as "d" (file) followed by
    # "d/.wh.inner" in the same layer; umoci unpack (the reference) accepts that.
    umoci config --image "$L:latest" --tag quirk --history.created_by "tag quirk"
    umoci unpack --rootless --image "$L:quirk" "$B" >/dev/null
    mkdir -p "$B/rootfs/q/d"; echo inner > "$B/rootfs/q/d/inner"
    umoci repack --refresh-bundle --image "$L:quirk" "$B"
    rm -rf "$B/rootfs/q/d"; echo now-a-file > "$B/rootfs/q/d"
    umoci repack --refresh-bundle --image "$L:quirk" "$B"
    chmod -R u+rwX "$B"; rm -rf "$B"
    umoci gc --layout "$L"
}

dir_to_oci() {   # $1 = skopeo dir: copy, $2 = new OCI layout, $3 = tag
    local src=$1 L=$2 f d size
    mkdir -p "$L/blobs/sha256"
    echo '{"imageLayoutVersion":"1.0.0"}' > "$L/oci-layout"
    for f in "$src"/*; do
        case ${f##*/} in manifest.json|version) continue ;; esac
        cp "$f" "$L/blobs/sha256/${f##*/}"
    done
    d=$(sha256sum < "$src/manifest.json" | cut -c1-64); size=$(stat -c %s "$src/manifest.json")
    cp "$src/manifest.json" "$L/blobs/sha256/$d"
    jq -n --arg d "sha256:$d" --argjson s "$size" --arg t "$3" --arg mt "$(jq -r '.mediaType // "application/vnd.oci.image.manifest.v1+json"' "$src/manifest.json")" \
        '{schemaVersion: 2, manifests: [{mediaType: $mt, digest: $d, size: $s,
          annotations: {"org.opencontainers.image.ref.name": $t}}]}' > "$L/index.json"
}

build_copies() {
    local L=$FIX/oci-busybox
    say "skopeo copies (oci-archive, docker-archive, zstd, uncompressed)"
    rm -rf "$FIX/oci-zstd" "$FIX/oci-plain" "$FIX"/busybox.*.tar
    skopeo copy -q "oci:$L:latest" "oci-archive:$FIX/busybox.oci-archive.tar:latest"
    skopeo copy -q "oci:$L:latest" "docker-archive:$FIX/busybox.skopeo-docker.tar:busybox:latest"
    skopeo copy -q --dest-compress --dest-compress-format zstd "oci:$L:layers" "oci:$FIX/oci-zstd:v1"
    # skopeo's oci: destination always compresses; its dir: destination keeps
    # --dest-decompress, so wrap that dir: copy into an OCI layout by hand.
    skopeo copy -q --dest-decompress "oci:$L:layers" "dir:$WORK/plain"
    dir_to_oci "$WORK/plain" "$FIX/oci-plain" v1
    # check that the copies really are what their names say
    local m
    m=$(jq -r '.manifests[0].digest' "$FIX/oci-zstd/index.json"); m=${m#sha256:}
    jq -e '[.layers[].mediaType] | all(test("zstd"))' "$FIX/oci-zstd/blobs/sha256/$m" >/dev/null \
        || die "oci-zstd: layers are not zstd"
    m=$(jq -r '.manifests[0].digest' "$FIX/oci-plain/index.json"); m=${m#sha256:}
    jq -e '[.layers[].mediaType] | all(endswith("tar"))' "$FIX/oci-plain/blobs/sha256/$m" >/dev/null \
        || die "oci-plain: layers are compressed"
    tar -tvf "$FIX/busybox.skopeo-docker.tar" > "$WORK/sd.list"; grep -q "^l.*layer.tar" "$WORK/sd.list" \
        || say "note: skopeo's docker-archive has no symlinked layer.tar here"
}

# docker save's layout (there is no docker daemon here, so we rebuild it from an OCI
# layout with jq + tar): manifest.json = [{Config, RepoTags, Layers}], <hex>.json =
# the image config, <v1id>/{VERSION,json,layer.tar} with layer.tar an *uncompressed*
# regular file, shared between images, and a legacy `repositories` file.
make_docker_save() {   # $1 = out.tar, then pairs "layout:tag=repo:tag"
    local out=$1; shift
    local D=$WORK/dsave spec src tag rt L man cfg parent id diff blob i n entries=() repos='{}' manifest='[]'
    rm -rf "$D"; mkdir -p "$D"
    for spec in "$@"; do
        src=${spec%%=*}; rt=${spec#*=}; L=${src%:*}; tag=${src##*:}
        man=$(jq -r --arg t "$tag" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $t) | .digest' "$L/index.json")
        [ -n "$man" ] || die "docker-save: no tag $tag in $L"
        man=$L/blobs/sha256/${man#sha256:}
        cfg=$(jq -r .config.digest "$man"); cfg=${cfg#sha256:}
        cp "$L/blobs/sha256/$cfg" "$D/$cfg.json"; chmod 0644 "$D/$cfg.json"
        n=$(jq '.layers | length' "$man"); parent=""; local layers='[]'
        for ((i = 0; i < n; i++)); do
            diff=$(jq -r ".rootfs.diff_ids[$i]" "$L/blobs/sha256/$cfg")
            blob=$(jq -r ".layers[$i].digest" "$man"); blob=$L/blobs/sha256/${blob#sha256:}
            id=$(printf '%s %s' "$parent" "$diff" | sha256sum | cut -c1-64)
            if [ ! -d "$D/$id" ]; then
                mkdir "$D/$id"
                case $(jq -r ".layers[$i].mediaType" "$man") in
                    *gzip) gzip -dc "$blob" > "$D/$id/layer.tar" ;;
                    *zstd) zstd -qdc "$blob" > "$D/$id/layer.tar" ;;
                    *) cp "$blob" "$D/$id/layer.tar" ;;
                esac
                [ "sha256:$(sha256sum < "$D/$id/layer.tar" | cut -c1-64)" = "$diff" ] || die "docker-save: diff_id mismatch"
                echo 1.0 > "$D/$id/VERSION"
                jq -cn --arg id "$id" --arg p "$parent" '{id: $id} + (if $p == "" then {} else {parent: $p} end)' > "$D/$id/json"
                entries+=("$id")
            fi
            layers=$(jq -c --arg l "$id/layer.tar" '. + [$l]' <<<"$layers")
            parent=$id
        done
        manifest=$(jq -c --arg c "$cfg.json" --arg rt "$rt" --argjson l "$layers" '. + [{Config: $c, RepoTags: [$rt], Layers: $l}]' <<<"$manifest")
        repos=$(jq -c --arg r "${rt%:*}" --arg t "${rt##*:}" --arg id "$parent" '.[$r][$t] = $id' <<<"$repos")
        entries+=("$cfg.json")
    done
    echo "$manifest" > "$D/manifest.json"; echo "$repos" > "$D/repositories"
    local list=() e
    for e in "${entries[@]}"; do
        if [ -d "$D/$e" ]; then list+=("$e/" "$e/VERSION" "$e/json" "$e/layer.tar"); else list+=("$e"); fi
    done
    tar -C "$D" --numeric-owner --owner=0 --group=0 --mtime=@$EPOCH --no-recursion -cf "$out" \
        "${list[@]}" manifest.json repositories
    rm -rf "$D"
}

build_debian() {
    local S=(--storage-driver vfs --root "$WORK/buildah/storage" --runroot "$WORK/buildah/run")
    local ctr
    rm -rf "$FIX/oci-debian"
    say "debian image (buildah from scratch + mmdebstrap rootfs, 2 layers)"
    # Real images have an empty /dev: drop mmdebstrap's device nodes.
    cp "$FIX/debian-minbase.tar" "$WORK/rootfs.tar"
    tar --delete --wildcards -f "$WORK/rootfs.tar" './dev/?*'
    ctr=$(buildah "${S[@]}" from scratch)
    buildah "${S[@]}" add "$ctr" "$WORK/rootfs.tar" / >/dev/null
    buildah "${S[@]}" commit -q --rm "$ctr" localhost/boxcar-debian-base >/dev/null
    ctr=$(buildah "${S[@]}" from --pull-never localhost/boxcar-debian-base)
    mkdir -p "$WORK/dfix"; echo 'hello from the second layer' > "$WORK/dfix/hello.txt"
    buildah "${S[@]}" copy "$ctr" "$WORK/dfix/hello.txt" /opt/fixture/hello.txt >/dev/null
    buildah "${S[@]}" config --env BOXCAR_FIXTURE=debian --workingdir /opt/fixture \
        --cmd '["cat","/etc/debian_version"]' --label org.boxcar.fixture=debian "$ctr"
    buildah "${S[@]}" commit -q --rm "$ctr" localhost/boxcar-debian >/dev/null
    buildah "${S[@]}" push -q localhost/boxcar-debian "oci:$FIX/oci-debian:latest"
    buildah "${S[@]}" rmi -a -f >/dev/null 2>&1 || true
    rm -rf "$WORK/buildah" "$WORK/rootfs.tar"
}

debian_tarball
build_busybox
build_copies
say "docker-save style archive (jq + tar)"
make_docker_save "$FIX/docker-save.tar" \
    "$FIX/oci-busybox:latest=boxcar/busybox:latest" "$FIX/oci-busybox:layers=boxcar/layers:v1"
build_debian
say "postgres image (examples/postgres/build.sh: mmdebstrap + umoci, official layout)"
rm -rf "$FIX/oci-postgres"
OCI=$FIX/oci-postgres PACK=0 "$PGEX/build.sh" || die "examples/postgres/build.sh failed"
say "flask image (examples/flask/build.sh: mmdebstrap + umoci)"
rm -rf "$FIX/oci-flask"
OCI=$FIX/oci-flask PACK=0 "$FLEX/build.sh" || die "examples/flask/build.sh failed"
say "reference listings (umoci unpack --rootless + tests/lister.py)"
rm -rf "$FIX/ref"; mkdir -p "$FIX/ref"
ref_listing "$FIX/oci-busybox:latest" busybox
ref_listing "$FIX/oci-busybox:layers" layers
ref_listing "$FIX/oci-busybox:unicode" unicode
ref_listing "$FIX/oci-busybox:quirk" quirk
ref_listing "$FIX/oci-debian:latest" debian
say "buildah's images of tests/dockerfiles (buildah bud, umoci unpack)"
bud_reference faithful
# a+rX for the test user, but keep rootfs-busybox/ exact (it is a pack source)
find "$FIX" -path "$FIX/rootfs-busybox" -prune -o -exec chmod a+rX {} +
echo "$stamp_want" > "$FIX/.stamp"
say "done"
