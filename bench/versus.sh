#!/usr/bin/env bash
# Two builds of boxcar against each other, paired in one hyperfine run per
# round (so drift in this noisy VM hits both alike): warm start of /bin/true
# in the busybox fixture with one mapped id, and the Flask fixture's first
# launch (--boxcar-entrypoint=/bin/true) into a tmpfs cache emptied before
# each run; plus the two stubs' sizes. For a change's before/after: build the
# old commit in a worktree (`git worktree add /tmp/old REV`, link build/deps,
# `make`), then
#   bench/versus.sh /tmp/old/build/boxcar build/boxcar [ROUNDS]   (default 10)
#   results: build/bench/versus.md
set -euo pipefail
cd "$(dirname "$0")/.."
TOP=$PWD OLD=$(realpath "$1") NEW=$(realpath "$2") ROUNDS=${3:-10} OUT=$TOP/build/bench/versus
FIX=$TOP/build/test-fixtures
command -v hyperfine >/dev/null || { echo "bench: needs hyperfine (apt-get install hyperfine)" >&2; exit 1; }
[ -d "$FIX/oci-flask" ] || { echo "bench: run the test suite once first (fixtures)" >&2; exit 1; }
mkdir -p "$OUT"; chmod 1777 "$OUT"
for v in old new; do
    bin=$OLD; [ $v = new ] && bin=$NEW
    "$bin" pack "oci:$FIX/oci-busybox:latest" -o "$OUT/bb-$v" --quiet
    "$bin" pack "oci:$FIX/oci-flask" -o "$OUT/flask-$v" --quiet
done
chmod a+rx "$OUT"/bb-* "$OUT"/flask-*
cat > "$OUT/rounds.sh" <<IN
set -e
cd "$OUT"
export BOXCAR_CACHE=/dev/shm/boxcar-versus-\$(id -u) XDG_RUNTIME_DIR=$OUT/run-\$(id -u)
mkdir -p "\$BOXCAR_CACHE" "\$XDG_RUNTIME_DIR"; chmod 700 "\$BOXCAR_CACHE" "\$XDG_RUNTIME_DIR"
rm -f warm-*.json cold-*.json
./bb-old --boxcar-userns=root true; ./bb-new --boxcar-userns=root true
for r in \$(seq $ROUNDS); do
    hyperfine -N -w 20 -r 200 --export-json warm-\$r.json \
        './bb-old --boxcar-userns=root true' './bb-new --boxcar-userns=root true' >/dev/null
done
for r in \$(seq \$(( ($ROUNDS + 1) / 2 ))); do
    hyperfine -w 1 -r 5 --prepare "rm -rf \$BOXCAR_CACHE/ids \$BOXCAR_CACHE/layers \$BOXCAR_CACHE/tmp" \
        --export-json cold-\$r.json './flask-old --boxcar-userns=root --boxcar-entrypoint=/bin/true' \
        './flask-new --boxcar-userns=root --boxcar-entrypoint=/bin/true' >/dev/null
done
rm -rf "\$BOXCAR_CACHE"
IN
if [ "$(id -u)" = 0 ]; then
    u=${BENCH_USER:-boxcartest}
    id "$u" >/dev/null 2>&1 || useradd -m "$u"
    setpriv --reuid="$u" --regid="$u" --init-groups bash "$OUT/rounds.sh"
else
    bash "$OUT/rounds.sh"
fi
stub_size() { python3 -c 'import json,sys; print(json.load(sys.stdin)["layers"][0]["offset"])'; }
{
    echo "| | old | new | new/old |"
    echo "|---|---|---|---|"
    python3 - "$OUT" <<'PY'
import json, glob, statistics as st, sys
out = sys.argv[1]
for kind, what in (("warm", "warm start, one mapped id"), ("cold", "cold first launch, Flask")):
    o, n, r = [], [], []
    for f in sorted(glob.glob(f"{out}/{kind}-*.json")):
        a, b = (x["median"] for x in json.load(open(f))["results"])
        o.append(a); n.append(b); r.append(b / a)
    print(f"| {what} | {st.median(o)*1e3:.2f} ms | {st.median(n)*1e3:.2f} ms | "
          f"{st.median(r):.3f} (rounds {min(r):.2f}-{max(r):.2f}) |")
PY
    echo "| stub | $("$OLD" inspect "$OUT/bb-old" | stub_size) B | $("$NEW" inspect "$OUT/bb-new" | stub_size) B | |"
} | tee "$OUT/../versus.md"
