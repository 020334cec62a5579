#!/usr/bin/env bash
# boxcar build against buildah bud on the same Dockerfiles, same run, as root
# (buildah: overlay storage, chroot isolation, --layers for its cache; boxcar:
# its build cache in a fresh BOXCAR_CACHE), plus boxcar as an unprivileged
# user (rootless, subordinate ids: BENCH_USER, default boxcartest):
#   cold      empty caches (both import the base image)
#   nochange  the same context again
#   change    one COPY'd source file changed before each run
# Dockerfiles: tests/dockerfiles/flask.Dockerfile on the Flask fixture, and a
# multi-stage one on busybox (no network). BENCH_NET=1 adds the C program
# (apt-get install gcc: dominated by the download).
# Each run starts after a sync: these VMs' disks are slow to write back, and a
# cold build writes the base image out (extracted, and in the output file).
#   bench/build.sh [RUNS]   (default 5)   results: build/bench/build.md
set -euo pipefail
cd "$(dirname "$0")/.."
TOP=$PWD RUNS=${1:-5} OUT=$TOP/build/bench/build FIX=$TOP/build/test-fixtures
BUSER=${BENCH_USER:-boxcartest}
command -v hyperfine >/dev/null || { echo "bench: needs hyperfine" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "bench: run as root (buildah's storage; the rootless runs use $BUSER)" >&2; exit 1; }
[ -d "$FIX/oci-flask" ] || { echo "bench: run the test suite once first (fixtures)" >&2; exit 1; }
rm -rf "$OUT"; mkdir -p "$OUT"; chmod 0755 "$OUT" "$TOP/build/bench"

# contexts: flask (examples/flask), multi (a few sources "compiled" by RUN)
mkdir -p "$OUT/flask" "$OUT/multi/src"
cp examples/flask/app.py "$OUT/flask/"
cp tests/dockerfiles/flask.Dockerfile "$OUT/flask/Dockerfile"
for i in $(seq 20); do seq 1000 | sed "s/^/$i:/" > "$OUT/multi/src/f$i.txt"; done
cat > "$OUT/multi/Dockerfile" <<'EOF'
ARG BASE
FROM $BASE AS build
WORKDIR /src
COPY src/ ./
RUN cat *.txt | sort | md5sum > /out.sum && wc -l *.txt > /out.count
FROM $BASE
COPY --from=build /out.sum /out.count /srv/
CMD ["cat", "/srv/out.sum"]
EOF
declare -A BASE=([flask]="oci:$FIX/oci-flask:latest" [multi]="oci:$FIX/oci-busybox:latest")
NAMES="flask multi"
if [ "${BENCH_NET:-0}" = 1 ]; then
    mkdir -p "$OUT/c"; cp tests/dockerfiles/c-multistage.Dockerfile "$OUT/c/Dockerfile"
    printf '#include <stdio.h>\nint main(void) { puts("hello"); return 0; }\n' > "$OUT/c/hello.c"
    BASE[c]="oci:$FIX/oci-debian:latest"; NAMES="$NAMES c"
fi
chmod -R a+rwX "$OUT"; chmod 1777 "$OUT"   # (sticky: a cache inside stays safe)
touched() { case $1 in flask) echo app.py ;; multi) echo src/f7.txt ;; c) echo hello.c ;; esac; }

S="--storage-driver overlay --root $OUT/buildah/storage --runroot $OUT/buildah/run"
BC=$OUT/cache-root BU=$OUT/cache-user
bx()  { echo "env BOXCAR_CACHE=$BC $TOP/build/boxcar build -q --build-arg BASE=${BASE[$1]} -o $OUT/$1.out $OUT/$1"; }
bxu() { echo "runuser -u $BUSER -- env HOME=$OUT BOXCAR_CACHE=$BU $TOP/build/boxcar build -q --build-arg BASE=${BASE[$1]} -o $OUT/$1.uout $OUT/$1"; }
bh()  { echo "buildah $S bud -q --layers --isolation chroot --build-arg BASE=${BASE[$1]} -t localhost/bench-$1 $OUT/$1"; }
wipe() { echo "rm -rf $BC $BU; buildah $S rmi -a -f >/dev/null 2>&1 || true; buildah $S rm -a >/dev/null 2>&1 || true"; }
change() { echo "echo \$RANDOM >> $OUT/$1/$(touched "$1")"; }

{
echo "# boxcar build vs buildah bud ($(date -u +%F), $(nproc) cores, $RUNS runs each)"
echo
echo "| Dockerfile | case | buildah (root) | boxcar (root) | boxcar (rootless) | boxcar/buildah |"
echo "|---|---|---|---|---|---|"
} > "$OUT.md"
for n in $NAMES; do
    for c in cold nochange change; do
        prep=":"
        [ $c = cold ] && prep=$(wipe)
        [ $c = change ] && prep=$(change "$n")
        prep="$prep; sync"   # (no run pays for the writeback of the one before)
        # warm the caches once for nochange/change
        [ $c != cold ] && { eval "$(bh "$n")" >/dev/null; eval "$(bx "$n")"; eval "$(bxu "$n")"; }
        hyperfine -N -r "$RUNS" --prepare "bash -c '$prep'" --export-json "$OUT/$n-$c.json" \
            "$(bh "$n")" "$(bx "$n")" "$(bxu "$n")" > "$OUT/$n-$c.log" 2>&1 ||
            { echo "bench: $n $c failed (see $OUT/$n-$c.log)" >&2; exit 1; }
        jq -r --arg n "$n" --arg c "$c" '.results | map(.median) as $m |
            "| \($n) | \($c) | \($m[0]*1000|floor) ms | \($m[1]*1000|floor) ms | \($m[2]*1000|floor) ms | \(($m[1]/$m[0])*100|floor/100) |"' \
            "$OUT/$n-$c.json" >> "$OUT.md"
    done
done
# push: the Flask image to a local docker-registry, then again (no blob the
# second time); buildah pushes its image of the same Dockerfile alongside
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf 'version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: 127.0.0.1:%s\n' \
    "$OUT/registry" "$port" > "$OUT/registry.yml"
docker-registry serve "$OUT/registry.yml" > "$OUT/registry.log" 2>&1 & reg=$!
trap 'kill $reg 2>/dev/null' EXIT
for i in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
eval "$(bh flask)" >/dev/null; eval "$(bx flask)"
{
echo
echo "| push of the Flask image | buildah | boxcar | blobs uploaded (boxcar) |"
echo "|---|---|---|---|"
for round in first second; do
    t0=$(date +%s.%N)
    buildah $S push -q --tls-verify=false localhost/bench-flask "docker://127.0.0.1:$port/bh/flask:v1" >/dev/null 2>&1
    t1=$(date +%s.%N)
    "$TOP/build/boxcar" push "$OUT/flask.out" "docker://127.0.0.1:$port/bx/flask:v1" --tls-verify=false 2> "$OUT/push-$round.err" >/dev/null
    t2=$(date +%s.%N)
    echo "| $round | $(echo "($t1 - $t0) * 1000 / 1" | bc) ms | $(echo "($t2 - $t1) * 1000 / 1" | bc) ms | $(grep -c ': pushed (' "$OUT/push-$round.err") |"
done
} >> "$OUT.md"
kill $reg 2>/dev/null
eval "$(wipe)"; rm -rf "$OUT/buildah" "$OUT/registry"
cat "$OUT.md"
