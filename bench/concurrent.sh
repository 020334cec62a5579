#!/usr/bin/env bash
# 32 concurrent cold launches of the Flask example's image into one empty cache:
# wall time, against one cold launch alone, and proof that each layer was
# extracted once (--boxcar-verbose logs "extracting layer" per extraction).
# Run as an unprivileged user (as root it re-runs itself as $BENCH_USER).
#   bench/concurrent.sh [N]      results: build/bench/concurrent.md
set -euo pipefail
cd "$(dirname "$0")/.."
TOP=$PWD N=${1:-32} OUT=$TOP/build/bench/concurrent
IMG=build/test-fixtures/oci-flask
if [ "$(id -u)" = 0 ]; then
    u=${BENCH_USER:-boxcartest}
    rm -rf "$OUT"; mkdir -p "$OUT"; chown "$u" "$OUT" "$TOP/build/bench"
    build/boxcar pack -q "oci:$IMG" -o "$OUT/flask"; chown "$u" "$OUT/flask"
    exec setpriv --reuid="$u" --regid="$u" --init-groups env HOME="$OUT" PATH="$PATH" "$TOP/bench/concurrent.sh" "$@"
fi
[ -x "$OUT/flask" ] || build/boxcar pack -q "oci:$IMG" -o "$OUT/flask"
layers=$("$OUT/flask" --boxcar-inspect | jq '.layers | length')
fresh() { rm -rf "$OUT/cache-$1"; mkdir -p "$OUT/cache-$1"; chmod 700 "$OUT/cache-$1"; }
fresh one
s=$(date +%s.%N)
BOXCAR_CACHE=$OUT/cache-one "$OUT/flask" --boxcar-entrypoint=/bin/true
one=$(echo "$(date +%s.%N) - $s" | bc)
fresh many
s=$(date +%s.%N)
for i in $(seq 1 "$N"); do
    BOXCAR_CACHE=$OUT/cache-many "$OUT/flask" --boxcar-verbose --boxcar-entrypoint=/bin/true 2> "$OUT/log.$i" &
done
fails=0; for job in $(jobs -p); do wait "$job" || fails=$((fails + 1)); done
many=$(echo "$(date +%s.%N) - $s" | bc)
extracted=$(cat "$OUT"/log.* | grep -c 'extracting layer' || true)
{
    echo "| launches | wall (s) | failed | layer extractions (image has $layers layers) |"
    echo "|---|---|---|---|"
    echo "| 1 cold | $one | 0 | $layers |"
    echo "| $N concurrent cold | $many | $fails | $extracted |"
} | tee "$TOP/build/bench/concurrent.md"
[ "$extracted" = "$layers" ] || echo "bench: expected $layers extractions, saw $extracted" >&2
