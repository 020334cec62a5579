#!/usr/bin/env bash
# The trace engine (docs/trace-engine.md) against the namespace engine and
# proot, on the same root directory: the Flask fixture's flat tree (Debian
# bookworm with python3), the one the trace engine runs on. Contenders:
#   ns      --boxcar-engine=ns --boxcar-root=flat --boxcar-userns=root (the
#           same one-id store, so the same tree)
#   trace   --boxcar-engine=trace
#   proot   proot -0 -w / -r TREE -b /proc -b /dev -b /sys (Debian's proot
#           5.1, seccomp-accelerated; -0 and the binds as the trace engine
#           fakes root and passes /proc, /dev and /sys)
#   old     (with OLD-BOXCAR) another build's --boxcar-engine=trace, for a
#           before/after in the same run
# Workloads: true (/bin/true, warm start), python (python3 -c pass), imports
# (python3 importing fifteen stdlib modules), find (find / -xdev | wc -l).
# Paired rounds: each round is one hyperfine run of every contender, so drift
# in this noisy VM hits them alike; the table gives the median over the rounds
# of each one's median and the median of the per-round ratios. Each
# workload's stop count (--boxcar-verbose) follows the table.
# Run by hand as an unprivileged user (as root it re-runs itself as
# $BENCH_USER, default boxcartest); needs the test fixtures (run the suite
# once), hyperfine and proot.
#   bench/trace.sh [ROUNDS] [OLD-BOXCAR]   (default 10 rounds)
#   results: build/bench/trace/trace.md
set -euo pipefail
cd "$(dirname "$0")/.."
TOP=$PWD ROUNDS=${1:-10} OLD=${2:+$(realpath "$2")} OUT=$TOP/build/bench/trace
FIX=$TOP/build/test-fixtures
for c in hyperfine proot jq; do
    command -v $c >/dev/null || { echo "bench: needs $c (apt-get install $c)" >&2; exit 1; }
done
[ -x build/boxcar ] || { echo "bench: build first (./build.sh build)" >&2; exit 1; }
[ -d "$FIX/oci-flask" ] || { echo "bench: run the test suite once first (fixtures)" >&2; exit 1; }
if [ "$(id -u)" = 0 ]; then
    u=${BENCH_USER:-boxcartest}
    id "$u" >/dev/null 2>&1 || useradd -m "$u"
    mkdir -p "$OUT"; chmod 0755 "$TOP/build/bench" "$OUT"; chown "$u" "$OUT"
    exec setpriv --reuid="$u" --regid="$u" --init-groups env HOME="$OUT" USER="$u" PATH="$PATH" \
        "$TOP/bench/trace.sh" "$ROUNDS" ${OLD:+"$OLD"}
fi
mkdir -p "$OUT"
# a cache of its own: one flat tree in it, the one both engines and proot use;
# XDG_RUNTIME_DIR a tmpfs, as /run/user/UID is (the trace engine makes its
# private /tmp & co. there; on a disk they cost a launch journal writes)
export BOXCAR_CACHE=$OUT/cache XDG_RUNTIME_DIR=/dev/shm/boxcar-trace-bench-$(id -u)
# (proot passes the environment on: no __pycache__ written into the cache's tree)
export PYTHONDONTWRITEBYTECODE=1
mkdir -p "$XDG_RUNTIME_DIR"; chmod 700 "$XDG_RUNTIME_DIR"
build/boxcar pack -q "oci:$FIX/oci-flask" -o "$OUT/py"
[ -z "$OLD" ] || "$OLD" pack -q "oci:$FIX/oci-flask" -o "$OUT/py-old"
NS="$OUT/py --boxcar-engine=ns --boxcar-root=flat --boxcar-userns=root --boxcar-entrypoint="
TR="$OUT/py --boxcar-engine=trace --boxcar-entrypoint="
"$OUT/py" --boxcar-engine=trace --boxcar-entrypoint=/bin/true   # (the first launch extracts and merges)
"$OUT/py" --boxcar-engine=ns --boxcar-root=flat --boxcar-userns=root --boxcar-entrypoint=/bin/true
trees=$(find "$BOXCAR_CACHE/flat" -mindepth 1 -maxdepth 1 -type d)
[ "$(echo "$trees" | wc -l)" = 1 ] && [ -x "$trees/usr/bin/python3" ] ||
    { echo "bench: expected one flat tree in $BOXCAR_CACHE/flat, found: $trees" >&2; exit 1; }
PR="proot -0 -w / -r $trees -b /proc -b /dev -b /sys "
IMPORTS='import json, re, os, subprocess, argparse, logging, email.mime.text, http.client, urllib.request, xml.etree.ElementTree, decimal, csv, datetime, pathlib, tempfile'

# run_set NAME PROG ARGS: every contender in each round, then the table's rows
run_set() {
    local name=$1 prog=$2 args=$3 k
    local cmds=(-n ns "$NS$prog $args" -n trace "$TR$prog $args" -n proot "$PR$prog $args")
    [ -z "$OLD" ] || cmds+=(-n old "$OUT/py-old --boxcar-engine=trace --boxcar-entrypoint=$prog $args")
    rm -f "$OUT/$name".*.json
    for k in $(seq "$ROUNDS"); do
        hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$OUT/$name.$k.json" "${cmds[@]}" \
            >"$OUT/hyperfine.log" 2>&1 || { cat "$OUT/hyperfine.log" >&2; exit 1; }
    done
    NAME=$name jq -rs 'def med: sort | if length % 2 == 1 then .[length / 2 | floor]
                                   else (.[length / 2 - 1] + .[length / 2]) / 2 end;
        def ms(x): x * 1000 * 10 | round / 10;
        def r(x): x * 100 | round / 100;
        (map(.results | map({(.command): .median}) | add)) as $r |
        "| \(env.NAME) | \(ms($r | map(.ns) | med)) | \(ms($r | map(.trace) | med)) | \(ms($r | map(.proot) | med)) | " +
        "\(r($r | map(.trace / .ns) | med)) | \(r($r | map(.trace / .proot) | med)) | " +
        (if $r[0].old then "\(ms($r | map(.old) | med)) | \(r($r | map(.old / .ns) | med)) | " +
            "\(r($r | map(.old / .proot) | med)) | \(r($r | map(.trace / .old) | med)) |" else "" end)' \
        "$OUT/$name".*.json
    "$OUT/py" --boxcar-verbose --boxcar-engine=trace --boxcar-entrypoint="$prog" "${@:4}" 2>&1 >/dev/null |
        sed -n 's/^boxcar: trace: /  - '"$name"': /p' >> "$OUT/stops"
}

: > "$OUT/stops"
{
    echo "| workload (median of $ROUNDS paired rounds) | ns ms | trace ms | proot ms | trace/ns | trace/proot |${OLD:+ old trace ms | old/ns | old/proot | trace/old |}"
    echo "|---|---|---|---|---|---|${OLD:+---|---|---|---|}"
    RUNS=30 run_set true /bin/true ''
    RUNS=20 run_set python python3 '-c pass' -c pass
    RUNS=10 run_set imports python3 "-c '$IMPORTS'" -c "$IMPORTS"
    RUNS=5 run_set find sh "-c 'find / -xdev | wc -l'" -c 'find / -xdev | wc -l'
    echo
    echo "Stops made by the trace engine (--boxcar-verbose):"
    cat "$OUT/stops"
} | tee "$OUT/trace.md"
