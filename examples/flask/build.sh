#!/usr/bin/env bash
# Build the image described by ./Dockerfile offline, without docker, and pack it into
# build/flask (OUT=PATH to put it elsewhere; OCI=DIR for the OCI layout's place, PACK=0
# to stop there):
#   layer 1  mmdebstrap --variant=minbase --include=python3-flask bookworm
#            (stands for FROM debian:bookworm-slim + RUN apt-get install python3-flask;
#            the tarball is cached in build/examples/flask/rootfs.tar)
#   layer 2  /app/app.py                                     (COPY app.py .)
#   config   WorkingDir /app, Entrypoint [python3], Cmd [app.py], ExposedPorts 5000/tcp
# Needs mmdebstrap (and a Debian mirror), umoci, GNU tar, a built build/boxcar.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE/../.."
TOP=$PWD
BOXCAR=${BOXCAR:-$TOP/build/boxcar}
W=$TOP/build/examples/flask
L=${OCI:-$W/oci}
OUT=${OUT:-$TOP/build/flask}
PACK=${PACK:-1}
say() { printf 'flask/build.sh: %s\n' "$*" >&2; }

[ "$PACK" = 0 ] || [ -x "$BOXCAR" ] || { say "$BOXCAR not found (./build.sh build)"; exit 1; }
for t in mmdebstrap umoci tar; do command -v $t >/dev/null || { say "needs $t"; exit 1; }; done
mkdir -p "$W"

if [ ! -s "$W/rootfs.tar" ]; then
    say "mmdebstrap bookworm minbase + python3-flask (once; cached in $W/rootfs.tar)"
    mmdebstrap --quiet --variant=minbase --include=python3-flask --format=tar \
        bookworm "$W/rootfs.tar.tmp"
    # like the debian:bookworm-slim image: an empty /dev (no device nodes)
    tar --delete --wildcards -f "$W/rootfs.tar.tmp" './dev/?*'
    mv "$W/rootfs.tar.tmp" "$W/rootfs.tar"
fi

say "OCI image (umoci) in $L"
rm -rf "$L" "$W/app-layer"
umoci init --layout "$L"
umoci new --image "$L:latest"
umoci config --image "$L:latest" --no-history --os linux --architecture amd64
umoci raw add-layer --image "$L:latest" \
    --history.created_by "FROM debian:bookworm-slim + RUN apt-get install python3-flask (mmdebstrap)" \
    "$W/rootfs.tar"
mkdir -p "$W/app-layer/app"
cp "$HERE/app.py" "$W/app-layer/app/app.py"; chmod 0644 "$W/app-layer/app/app.py"
tar -C "$W/app-layer" --numeric-owner --owner=0 --group=0 --no-recursion -cf "$W/app-layer.tar" app app/app.py
umoci raw add-layer --image "$L:latest" --history.created_by "COPY app.py ." "$W/app-layer.tar"
umoci config --image "$L:latest" --history.created_by "WORKDIR/EXPOSE/ENTRYPOINT/CMD" \
    --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --config.workingdir /app --config.exposedports 5000/tcp \
    --config.entrypoint python3 --config.cmd app.py
rm -rf "$W/app-layer" "$W/app-layer.tar"

[ "$PACK" = 0 ] && { say "done: $L"; exit 0; }
say "packing $OUT"
"$BOXCAR" pack "oci:$L:latest" -o "$OUT" --quiet
say "done: $OUT ($(du -h "$OUT" | cut -f1)); run it and: curl http://localhost:5000/"
