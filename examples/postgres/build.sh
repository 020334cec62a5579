#!/usr/bin/env bash
# Build the image described by ./Dockerfile offline, without docker, and pack it into
# build/postgres (OUT=PATH to put it elsewhere; OCI=DIR for the OCI layout's place,
# PACK=0 to stop there):
#   layer 1  mmdebstrap --variant=minbase bookworm with the postgres user (999:999)
#            created before postgresql-15 and gosu are installed (cached in
#            build/examples/postgres/rootfs.tar)
#   layer 2  /usr/local/bin/docker-entrypoint.sh, $PGDATA and /run/postgresql owned by 999
#   config   Env PATH/PGDATA/LANG, Entrypoint [docker-entrypoint.sh], Cmd [postgres],
#            Volumes $PGDATA, StopSignal SIGINT, ExposedPorts 5432/tcp
# Needs mmdebstrap (and a Debian mirror), umoci, GNU tar, a built build/boxcar.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE/../.."
TOP=$PWD
BOXCAR=${BOXCAR:-$TOP/build/boxcar}
OUT=${OUT:-$TOP/build/postgres}
W=$TOP/build/examples/postgres
L=${OCI:-$W/oci}
PACK=${PACK:-1}
say() { printf 'postgres/build.sh: %s\n' "$*" >&2; }

[ "$PACK" = 0 ] || [ -x "$BOXCAR" ] || { say "$BOXCAR not found (./build.sh build)"; exit 1; }
for t in mmdebstrap umoci tar; do command -v $t >/dev/null || { say "needs $t"; exit 1; }; done
mkdir -p "$W"

if [ ! -s "$W/rootfs.tar" ]; then
    say "mmdebstrap bookworm minbase + postgresql-15 + gosu (once; cached in $W/rootfs.tar)"
    # the official image's fixed ids: postgres is 999:999, made before the package
    # would pick one; the package's own cluster is not part of the image
    mmdebstrap --quiet --variant=minbase --include=postgresql-15,gosu --format=tar \
        --essential-hook='echo "postgres:x:999:" >> "$1/etc/group"' \
        --essential-hook='echo "postgres:x:999:999:PostgreSQL administrator:/var/lib/postgresql:/bin/bash" >> "$1/etc/passwd"' \
        --essential-hook='echo "postgres:*:19000:0:99999:7:::" >> "$1/etc/shadow"' \
        --customize-hook='rm -rf "$1/var/lib/postgresql/15" "$1/etc/postgresql/15"' \
        bookworm "$W/rootfs.tar.tmp"
    tar --delete --wildcards -f "$W/rootfs.tar.tmp" './dev/?*'   # an empty /dev, as in images
    mv "$W/rootfs.tar.tmp" "$W/rootfs.tar"
fi

say "OCI image (umoci) in $L"
rm -rf "$L" "$W/top"
umoci init --layout "$L"
umoci new --image "$L:latest"
umoci config --image "$L:latest" --no-history --os linux --architecture amd64
umoci raw add-layer --image "$L:latest" \
    --history.created_by "FROM debian:bookworm-slim + postgres user + apt-get install postgresql-15 gosu (mmdebstrap)" \
    "$W/rootfs.tar"
# (/var/run is a link to /run in Debian: the socket dir is /run/postgresql)
mkdir -p "$W/top/usr/local/bin" "$W/top/var/lib/postgresql/data" "$W/top/run/postgresql"
cp "$HERE/docker-entrypoint.sh" "$W/top/usr/local/bin/"
chmod 0755 "$W/top/usr/local/bin/docker-entrypoint.sh"
chmod 1777 "$W/top/var/lib/postgresql/data"; chmod 2775 "$W/top/run/postgresql"
tar -C "$W/top" --numeric-owner --owner=0 --group=0 --no-recursion -cf "$W/top.tar" \
    usr usr/local usr/local/bin usr/local/bin/docker-entrypoint.sh var var/lib run
tar -C "$W/top" --numeric-owner --owner=999 --group=999 --no-recursion -rf "$W/top.tar" \
    var/lib/postgresql var/lib/postgresql/data run/postgresql
umoci raw add-layer --image "$L:latest" --history.created_by "COPY docker-entrypoint.sh; mkdir PGDATA" "$W/top.tar"
umoci config --image "$L:latest" --history.created_by "ENV/VOLUME/ENTRYPOINT/STOPSIGNAL/EXPOSE/CMD" \
    --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/lib/postgresql/15/bin \
    --config.env PGDATA=/var/lib/postgresql/data --config.env LANG=C.UTF-8 \
    --config.volume /var/lib/postgresql/data --config.exposedports 5432/tcp \
    --config.stopsignal SIGINT --config.entrypoint docker-entrypoint.sh --config.cmd postgres
rm -rf "$W/top" "$W/top.tar"

[ "$PACK" = 0 ] && { say "done: $L"; exit 0; }
say "packing $OUT"
"$BOXCAR" pack "oci:$L:latest" -o "$OUT" --quiet
say "done: $OUT ($(du -h "$OUT" | cut -f1)); run it with --boxcar-env=POSTGRES_PASSWORD=... and: psql -h 127.0.0.1 -U postgres"
