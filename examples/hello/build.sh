#!/usr/bin/env bash
# Build a tiny busybox image with umoci (offline: Debian's busybox-static) and pack it
# into ONE executable: build/hello. Called by ./build.sh; run it with `build/hello [NAME]`.
set -euo pipefail
cd "$(dirname "$0")/../.."
TOP=$PWD
BOXCAR=${BOXCAR:-$TOP/build/boxcar}
W=$TOP/build/examples/hello
BUSYBOX=/bin/busybox

[ -x "$BOXCAR" ] || { echo "hello/build.sh: $BOXCAR not found (./build.sh build)" >&2; exit 1; }
command -v umoci >/dev/null || { echo "hello/build.sh: needs umoci (apt-get install umoci)" >&2; exit 1; }
file -L "$BUSYBOX" 2>/dev/null | grep -q 'statically linked' \
    || { echo "hello/build.sh: needs a static $BUSYBOX (apt-get install busybox-static)" >&2; exit 1; }

rm -rf "$W"; mkdir -p "$W"
umoci init --layout "$W/oci"
umoci new --image "$W/oci:latest"
umoci unpack --rootless --image "$W/oci:latest" "$W/bundle" >/dev/null

R=$W/bundle/rootfs
mkdir -p "$R/bin" "$R/tmp" "$R/etc"; chmod 1777 "$R/tmp"
echo 'root:x:0:0:root:/:/bin/sh' > "$R/etc/passwd"; echo 'root:x:0:' > "$R/etc/group"
cp "$BUSYBOX" "$R/bin/busybox"
for a in sh echo cat ls uname id hostname; do ln -s busybox "$R/bin/$a"; done
cat > "$R/hello.sh" <<'SH'
#!/bin/sh
echo "Hello, ${1:-world}! I am $(id -un) on $(hostname), in a boxcar (kernel $(uname -r))."
SH
chmod 0755 "$R/hello.sh"

umoci repack --history.created_by "busybox-static + /hello.sh" --image "$W/oci:latest" "$W/bundle"
umoci config --image "$W/oci:latest" --config.entrypoint /hello.sh --config.cmd world \
    --config.env PATH=/bin
"$BOXCAR" pack "oci:$W/oci:latest" -o "$TOP/build/hello" --quiet
rm -rf "$W/bundle"
echo "built $TOP/build/hello ($(du -h "$TOP/build/hello" | cut -f1)); run: build/hello [NAME]" >&2
