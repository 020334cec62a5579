# Helpers for the boxcar test suite; sourced by tests/run.sh (inner mode) and the
# tests/t-*.sh files. Every test is a shell function run in a subshell: it fails by
# calling `fail` (which exits the subshell) or by returning non-zero.
#
# Environment provided by run.sh: TOP, BOXCAR, FIX (fixtures), TW (work dir),
# PACKED (packed files), CONFIG (user|root), BOXCAR_CACHE, TMPDIR.

T_PHASE=(); T_NAME=(); T_FN=()
# test PHASE NAME FUNCTION  -- register a test (PHASE: pack = once as root before the
# runtime tests; run = runtime test, run as the unprivileged user and as root)
test_case() { T_PHASE+=("$1"); T_NAME+=("$2"); T_FN+=("$3"); }

fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
note() { printf '%s\n' "$*" >&2; }
# pg_wait PORT: until the postgres started in the background as $PGPID accepts
# connections on PORT (2 minutes), else fail with the end of its $T/pg.err
pg_wait() {
    local i
    for ((i = 0; i < 240; i++)); do
        pg_isready -q -h 127.0.0.1 -p "$1" && return 0
        kill -0 "$PGPID" 2>/dev/null || break
        sleep 0.5
    done
    note "postgres stderr:"; tail -20 "$T/pg.err" >&2
    fail "postgres did not accept connections on port $1"
}
# info MSG: a line shown under the test's result even when it passes (counts, outcomes)
info() { printf '@info %s\n' "$*" >&2; }

# Show a value readably in diagnostics (first 2000 bytes).
show() { printf '%s' "$1" | head -c 2000 | sed -n 'l' | sed 's/^/    | /'; }

# x CMD...   run CMD with stdin from /dev/null and a timeout ($TMO, default 60 s);
#            sets RC, OUT (stdout), ERR (stderr). Files: $T/.out $T/.err
x() {
    timeout -k 5 "${TMO:-60}" "$@" >"$T/.out" 2>"$T/.err" </dev/null
    RC=$?
    OUT=$(cat "$T/.out"); ERR=$(cat "$T/.err")
    [ "$RC" = 124 ] && note "note: timed out after ${TMO:-60}s: $*"
    LAST_CMD="$*"
    return 0
}
# xin INPUTFILE CMD...   like x with stdin from INPUTFILE
xin() {
    local in=$1; shift
    timeout -k 5 "${TMO:-60}" "$@" >"$T/.out" 2>"$T/.err" <"$in"
    RC=$?; OUT=$(cat "$T/.out"); ERR=$(cat "$T/.err"); LAST_CMD="$*"
}

ctx() { note "command: $LAST_CMD"; note "exit: $RC"; note "stdout:"; show "$OUT" >&2; note "stderr:"; show "$ERR" >&2; }

expect_rc() {   # expect_rc CODE...  (any of)
    local c
    for c in "$@"; do [ "$RC" = "$c" ] && return 0; done
    ctx; fail "expected exit status $*, got $RC"
}
expect_ok() { expect_rc 0; }
expect_out() {   # exact stdout
    [ "$OUT" = "$1" ] && return 0
    ctx; note "expected stdout:"; show "$1" >&2; fail "stdout differs"
}
expect_out_has() {   # stdout contains a line equal to $1
    printf '%s\n' "$OUT" | grep -qxF -- "$1" && return 0
    ctx; fail "stdout has no line '$1'"
}
expect_out_lacks() {
    printf '%s\n' "$OUT" | grep -qF -- "$1" || return 0
    ctx; fail "stdout unexpectedly contains '$1'"
}
expect_err_has() {   # stderr matches the extended regexp $1 (case-insensitive)
    printf '%s\n' "$ERR" | grep -qiE -- "$1" && return 0
    ctx; fail "stderr does not match /$1/"
}
# boxcar's own errors: exactly ONE line on stderr, starting with "boxcar: "
expect_one_line_error() {
    local n
    n=$(grep -c '' "$T/.err")
    if [ "$n" != 1 ] || ! head -n1 "$T/.err" | grep -q '^boxcar: .'; then
        ctx; fail "expected exactly one stderr line starting with 'boxcar: ' (got $n lines)"
    fi
}
# expect_error CODE... : exit status is one of CODEs and stderr is one 'boxcar: ' line
expect_error() { expect_rc "$@"; expect_one_line_error; }

# P NAME: path of a file packed in the pack phase (fails the test when missing)
P() {
    [ -x "$PACKED/$1" ] || fail "packed file '$1' is missing (its 'pack:' test failed?)"
    printf '%s\n' "$PACKED/$1"
}

# fresh_cache DIR: make an empty private cache dir and point BOXCAR_CACHE at it
fresh_cache() { [ -d "$1" ] && chmod -R u+rwX "$1" 2>/dev/null; rm -rf "$1"; mkdir -p "$1"; chmod 0700 "$1"; export BOXCAR_CACHE=$1; }

# diff_ids LAYOUT TAG: the image's layer diff_ids (one per line, "sha256:...")
oci_config() {   # LAYOUT TAG -> path of the config blob
    local L=$1 tag=$2 m c
    m=$(jq -r --arg t "$tag" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $t) | .digest' "$L/index.json")
    c=$(jq -r .config.digest "$L/blobs/sha256/${m#sha256:}")
    printf '%s\n' "$L/blobs/sha256/${c#sha256:}"
}
diff_ids() { jq -r '.rootfs.diff_ids[]' "$(oci_config "$1" "$2")"; }

# The cache store the default id map (auto) uses below BOXCAR_CACHE: "/ids/TAG" with
# subordinate ids (stub/userns.h), "" with one mapped id or as root. `store` prints the
# store's directory for the current BOXCAR_CACHE.
subid_ranges() {   # FILE [USER]: "START+COUNT" per range of USER (default: the caller)
    local who=${2:-$(id -un)}
    awk -F: -v n="$who" -v u="$(id -u "$who")" '($1 == n || $1 == u) && $3 > 0 { print $2 "+" $3 }' "$1" 2>/dev/null
}
store_suffix_for() {   # USER: the store suffix auto gives USER
    [ "$(id -u "$1")" != 0 ] && command -v newuidmap >/dev/null && command -v newgidmap >/dev/null &&
        [ -n "$(subid_ranges /etc/subuid "$1")" ] && [ -n "$(subid_ranges /etc/subgid "$1")" ] || return 0
    printf '/ids/%s\n' "$( { subid_ranges /etc/subuid "$1" | sed 's/^/u/'; subid_ranges /etc/subgid "$1" | sed 's/^/g/'; } | head -16 | paste -sd.)"
}
STORE_SUFFIX=$(store_suffix_for "$(id -un)")
store() { printf '%s%s\n' "$BOXCAR_CACHE" "$STORE_SUFFIX"; }

# cache_layer_dirs: names of the directories under $(store)/layers, sorted
cache_layer_dirs() {
    [ -d "$(store)/layers" ] || return 0
    find "$(store)/layers" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort
}

# The in-container half of tests/lister.py: raw records for the trees given as args.
INCTR_LISTER='for top; do find "$top" -xdev; done | while IFS= read -r p; do
  t=; h=
  if [ -L "$p" ]; then t=$(readlink "$p")
  elif [ -f "$p" ]; then h=$(sha256sum < "$p"); h=${h%% *}
  fi
  printf "%s\t%s\t%s\t%s\n" "$(stat -c "%i %h %f %s %Y" "$p")" "$p" "$t" "$h"
done'

# compare_listing EXPECTED GOT : diff two canonical listings; fail with the diff
compare_listing() {
    if ! diff -u "$1" "$2" > "$T/listing.diff"; then
        note "listing differs (- expected from umoci unpack, + boxcar):"
        grep '^[-+][^-+]' "$T/listing.diff" | head -40 | sed 's/^/    /' >&2
        fail "$(grep -c '^[-+][^-+]' "$T/listing.diff") differing lines"
    fi
    [ -s "$2" ] || fail "empty listing"
}

# wait_for FILE REGEX [SECONDS]: poll until FILE has a line matching REGEX
wait_for() {
    local i n=$(( ${3:-15} * 10 ))
    for ((i = 0; i < n; i++)); do
        grep -qE -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

# free_port [udp]: a port nothing on 127.0.0.1 uses now (tcp, or udp)
free_port() {
    python3 -c 'import socket, sys
s = socket.socket(type=socket.SOCK_DGRAM if sys.argv[1:] == ["udp"] else socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' "$@"
}

# flip_byte FILE OFFSET: xor one byte in place
flip_byte() {
    python3 - "$1" "$2" <<'EOF'
import sys
p, off = sys.argv[1], int(sys.argv[2])
with open(p, "r+b") as f:
    f.seek(off); b = f.read(1); f.seek(off); f.write(bytes([b[0] ^ 0x55]))
EOF
}

# xor_byte FILE OFFSET MASK: flip bits of one byte in place
xor_byte() {
    local b
    b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
    [ -n "$b" ] || fail "xor_byte: offset $2 is beyond the end of $1"
    # shellcheck disable=SC2059
    printf "$(printf '\\%03o' $(( (b ^ $3) & 255 )))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# versions_file: the "LIBRARY VERSION" record the binary under test was built with
versions_file() { if [ -n "${BOXCAR_SANITIZED:-}" ]; then echo "$TOP/build/asan/versions"; else echo "$TOP/build/deps/versions"; fi; }
# expect_libraries LINE stub|boxcar: a version line names every library the binary
# links with the recorded source version (curl and mbedtls are boxcar's alone)
expect_libraries() {
    local line=$1 which=$2 lib v n=0
    [[ $line == "boxcar "[0-9]*" (payload format "[0-9]*")"* ]] || { show "$line" >&2; fail "not a version line"; }
    [ "$(grep -c '' <<<"$line")" = 1 ] || { show "$line" >&2; fail "the version line is not one line"; }
    while read -r lib v; do
        case $which:$lib in
        stub:curl|stub:mbedtls) [[ $line != *" $lib/"* ]] || fail "the stub claims $lib, which it does not link" ;;
        *) [[ $line == *" $lib/$v"* ]] || { show "$line" >&2; fail "the version line lacks $lib/$v"; }; n=$((n + 1)) ;;
        esac
    done < "$(versions_file)"
    [ $n -ge 5 ] || fail "only $n libraries recorded in $(versions_file)"
}

# fallback_forced NAME: is that fallback forced in this pass (common/fallback.h)?
# A test of what only a writable root can do (writing outside /tmp and
# volumes, named containers and their layers): skipped, and said so, in the
# flat-root pass (BOXCAR_ROOT=flat), whose root is read-only by design.
needs_writable_root() {
    [ "${BOXCAR_ROOT:-}" = flat ] || return 0
    info "skipped on the flat root: ${1:-needs a writable root}"
    exit 0
}
fallback_forced() { [[ ,${BOXCAR_TEST_FALLBACKS:-}, == *,all,* || ,${BOXCAR_TEST_FALLBACKS:-}, == *,$1,* ]]; }
# own_sys_net: what a container with its own network lists in /sys/class/net: its
# own interfaces (lo), or the host's where it gets the host's /sys (the fallback)
own_sys_net() { if fallback_forced no-own-sysfs; then ls /sys/class/net | tr '\n' ' ' | sed 's/ $//'; else echo lo; fi; }

# helper NAME [SOURCE...]: build the C test helper tests/helpers/NAME.c (with the
# project's SOURCEs, paths from the top) into $TMPDIR/helpers once a pass, and print
# its path. Use: `local d; d=$(helper deny) || exit 1`.
helper() {
    local name=$1 out=$TMPDIR/helpers/$1 src; shift
    src=("$TOP/tests/helpers/$name.c" "${@/#/$TOP/}")
    if [ ! -x "$out" ] || [ -n "$(find "${src[@]}" -newer "$out" 2>/dev/null)" ]; then
        mkdir -p "$TMPDIR/helpers"
        cc -std=gnu11 -O2 -D_GNU_SOURCE -Wall -Wextra -Wno-format-truncation -Werror -o "$out.$$" "${src[@]}" >&2 &&
            mv "$out.$$" "$out" || fail "cannot build tests/helpers/$name.c with cc"
    fi
    printf '%s\n' "$out"
}
