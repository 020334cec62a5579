#!/usr/bin/env bash
# Published port vs direct access: the same busybox httpd in a boxcar file, once on
# the host's network (direct) and once behind --boxcar-publish (boxcar's relay).
# Requests/s with many small requests, and MB/s for one large file.
#   bench/publish.sh [REQUESTS]      results: build/bench/publish.md
set -euo pipefail
cd "$(dirname "$0")/.."
TOP=$PWD N=${1:-3000} OUT=$TOP/build/bench
mkdir -p "$OUT/www"
[ -x build/boxcar ] && [ -d build/test-fixtures/oci-busybox ] || { echo "bench: ./build.sh test first (fixtures)" >&2; exit 1; }
build/boxcar pack -q oci:build/test-fixtures/oci-busybox:latest -o "$OUT/bb-net"
echo "small page" > "$OUT/www/index.html"
head -c $((200 << 20)) /dev/zero > "$OUT/www/big"
chmod -R a+rX "$OUT/www"
SCRATCH=$(mktemp -d); export BOXCAR_CACHE=$SCRATCH/cache
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
D=$(free_port) P=$(free_port) C=$(free_port)
"$OUT/bb-net" --boxcar-volume="$OUT/www:/www:ro" httpd -f -p "$D" -h /www & d=$!
"$OUT/bb-net" --boxcar-publish="$P:$C" --boxcar-volume="$OUT/www:/www:ro" httpd -f -p "$C" -h /www & p=$!
trap 'kill $d $p 2>/dev/null; rm -rf "$SCRATCH"' EXIT
sleep 2
python3 - "$D" "$P" "$N" > "$OUT/publish.md" <<'PY'
import concurrent.futures, socket, statistics, sys, time, urllib.request
d, p, n = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
def one(port, path="/"):
    t = time.monotonic()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as r:
        size = len(r.read())
    return time.monotonic() - t, size
def load(port):
    t = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(16) as ex:
        lat = [x[0] for x in ex.map(lambda _: one(port), range(n))]
    return n / (time.monotonic() - t), statistics.median(lat) * 1000
def bulk(port):
    best = min(one(port, "/big")[0] for _ in range(3))
    return 200 / best
rows = []
for name, port in (("direct (host network)", d), ("--boxcar-publish relay", p)):
    rps, med = load(port)
    rows.append((name, rps, med, bulk(port)))
print("| path | requests/s (16 clients) | median latency | 200 MB download |")
print("|---|---|---|---|")
for name, rps, med, mbs in rows:
    print(f"| {name} | {rps:.0f} | {med:.2f} ms | {mbs:.0f} MB/s |")
print(f"\nrelay/direct: {rows[1][1] / rows[0][1]:.2f}x requests/s, {rows[1][3] / rows[0][3]:.2f}x bulk")
PY
cat "$OUT/publish.md"
