#!/usr/bin/env bash
# Run every libFuzzer target for SECONDS each (default 10) from the
# committed seeds; new inputs go to build/fuzz/corpus-*/, crashes to
# build/fuzz/crash-*. By hand, for long runs: tests/fuzz/run.sh 600
# Prints one line per target and exits non-zero if any target crashed.
set -uo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-10}
make -s fuzz || exit 1
rc=0
for f in payload user oci docker layer profile registry dockerfile ignore ldcache tracepath; do
    work=build/fuzz/corpus-$f
    mkdir -p "$work"
    if build/fuzz/fuzz_$f -max_total_time="$secs" -max_len=65536 -timeout=20 -rss_limit_mb=2048 \
        -artifact_prefix=build/fuzz/crash-$f- "$work" "tests/fuzz/corpus/$f" > "build/fuzz/$f.log" 2>&1; then
        echo "fuzz $f: ok ($(grep -o 'Done [0-9]* runs' "build/fuzz/$f.log" | tail -1) in ${secs}s)"
    else
        echo "fuzz $f: FAILED (see build/fuzz/$f.log)"; tail -n 30 "build/fuzz/$f.log" | sed 's/^/# /'
        rc=1
    fi
done
exit $rc
