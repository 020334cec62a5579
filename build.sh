#!/usr/bin/env bash
# boxcar build driver.
#   ./build.sh          install build deps, build static deps + boxcar, pack and run examples/hello
#   ./build.sh test     the same build, then the whole test suite (tests/run.sh), against
#                       the static build and again against an ASan+UBSan build
#   ./build.sh build    build only          ./build.sh asan   ASan/UBSan build + suite
#   ./build.sh deps     static dependencies only
#   ./build.sh fetch PKG...   fetch (and unpack) Debian source packages into build/deps/src
set -euo pipefail
cd "$(dirname "$0")"
TOP=$PWD
DEPS=$TOP/build/deps          # sources, objects and the static prefix (cached between runs)
PREFIX=$DEPS/prefix
SRC_PKGS="libzstd zlib libarchive libseccomp nettle cjson mbedtls curl"
APT_PKGS="musl-tools dpkg-dev autoconf automake libtool gperf pkg-config file make gcc
          umoci skopeo buildah busybox-static mmdebstrap uidmap jq python3 runc util-linux
          postgresql-client golang-github-containers-common tmux docker-registry apache2-utils openssl"

say() { printf 'build.sh: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else die "need root or sudo to run: $*"; fi; }

install_packages() {
    local missing=()
    for p in $APT_PKGS; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p"); done
    [ ${#missing[@]} -eq 0 ] && return 0
    say "installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

enable_deb_src() {
    if grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ || grep -qs '^deb-src' /etc/apt/sources.list; then return 0; fi
    say "enabling deb-src lines"
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
        as_root sed -i 's/^Types: deb$/Types: deb deb-src/' /etc/apt/sources.list.d/debian.sources
    else
        grep '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' | as_root tee /etc/apt/sources.list.d/boxcar-src.list >/dev/null
    fi
    as_root apt-get update -qq
}

# musl-gcc uses -nostdinc: give it the kernel headers libseccomp and we need.
kernel_headers() {
    local inc=$DEPS/kinc
    [ -d "$inc/linux" ] && return 0
    mkdir -p "$inc"
    cp -r /usr/include/linux /usr/include/asm-generic "$inc/"
    cp -r "/usr/include/$(gcc -dumpmachine)/asm" "$inc/asm"
}

# One `apt-get source` try into a fresh scratch dir. $1 = package or package/release.
# Its output is kept in $log.try (and appended to $log); sets TRIED (the version apt
# picked) and WHY (apt's first reason).
try_source() {
    local spec=$1 scratch=$2 log=$3 rc=0
    rm -rf "$scratch"; mkdir -p "$scratch"
    (cd "$scratch" && apt-get source "$spec") >"$log.try" 2>&1 || rc=$?
    { echo "\$ apt-get source $spec (exit $rc)"; cat "$log.try"; } >>"$log"
    TRIED=$(sed -nE 's/^(Get|Err|Ign):[0-9]+ .* ([^ ]+) \(dsc\).*/\2/p' "$log.try" | head -n1)
    WHY=$(grep -m1 -E '^ +[0-9]{3} |^E: ' "$log.try" | sed -E 's/^ +//; s/ *\[IP: [^]]*\]//' || true)
    # apt can exit 0 having fetched nothing (some archives failed): no .dsc, no tree
    if [ $rc = 0 ] && ! ls -d "$scratch"/*.dsc "$scratch"/*/ >/dev/null 2>&1; then rc=1; fi
    return $rc
}

# Only a version the archive cannot serve (404, or no such source) may fall back to
# the release's own: a full disk or a broken network must not quietly pick another.
version_missing() { grep -qE '(^| )404( |$)|Unable to find a source package|Can not find version' "$1"; }

fetch_source() {   # $1 = source package; prints its unpacked dir
    local pkg=$1 dir base=$DEPS/src/$1 log=$DEPS/log.fetch.$1 rel first
    dir=$(ls -d "$base"/*/ 2>/dev/null | head -1) || true
    [ -n "$dir" ] && { echo "${dir%/}"; return 0; }
    rm -rf "$base" "$base.tmp"; mkdir -p "$DEPS/src"; : >"$log"
    rel=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
    if ! try_source "$pkg" "$base.tmp" "$log"; then
        first="$pkg ${TRIED:-(newest)} (${WHY:-apt-get failed})"
        version_missing "$log.try" && [ -n "$rel" ] ||
            die "apt-get source failed: $first; not falling back, as that version is not missing (log: $log)"
        say "source $pkg ${TRIED:-(newest)} cannot be had; falling back to $pkg/$rel"
        try_source "$pkg/$rel" "$base.tmp" "$log" ||
            die "apt-get source failed: $first, then $pkg/$rel ${TRIED:+$TRIED }(${WHY:-apt-get failed}) (log: $log)"
    fi
    rm -f "$log.try"
    mv "$base.tmp" "$base" || die "cannot rename $base.tmp"   # whole or absent: never half-unpacked
    dir=$(ls -d "$base"/*/ | head -1)
    echo "${dir%/}"
}

# The Debian source version a fetched tree was built from (its changelog's top entry).
source_version() { dpkg-parsechangelog -l "$1/debian/changelog" -S Version; }

# build/deps/versions: "LIBRARY VERSION" per static dependency, compiled into boxcar
# and the stub (boxcar version, --boxcar-version, --boxcar-inspect).
record_versions() {
    local p name out=$DEPS/versions
    for p in $SRC_PKGS; do
        case $p in libzstd) name=zstd ;; cjson) name=cJSON ;; *) name=$p ;; esac
        echo "$name $(source_version "$(fetch_source "$p")")"
    done >"$out.tmp" && mv "$out.tmp" "$out"
}

MCFLAGS="-Os -fPIC -ffunction-sections -fdata-sections"
build_dep() {      # $1 = source package
    local pkg=$1 d stamp=$DEPS/stamp.$1
    [ "$pkg" = nettle ] && stamp=$DEPS/stamp.nettle-hogweed   # (older builds lack libhogweed.a)
    [ "$pkg" = libzstd ] && stamp=$DEPS/stamp.libzstd-mt      # (older builds lack threads)
    [ -f "$stamp" ] && return 0
    d=$(fetch_source "$pkg")
    say "building static $pkg ($(basename "$d"))"
    local I="-isystem $DEPS/kinc -I$PREFIX/include" L="-L$PREFIX/lib" log=$DEPS/log.$pkg
    (
    cd "$d"
    case $pkg in
    libzstd)
        env CC=musl-gcc CFLAGS="-O2 -fPIC -ffunction-sections -fdata-sections" \
            make -C lib -j"$(nproc)" libzstd.a-mt ZSTD_LEGACY_SUPPORT=0 >/dev/null
        mkdir -p "$PREFIX/lib" "$PREFIX/include"
        cp lib/libzstd.a "$PREFIX/lib/"; cp lib/zstd.h lib/zstd_errors.h lib/zdict.h "$PREFIX/include/" ;;
    zlib)
        CC=musl-gcc CFLAGS="$MCFLAGS" ./configure --static --prefix="$PREFIX" >/dev/null
        make -j"$(nproc)" libz.a >/dev/null && make install >/dev/null ;;
    libarchive)
        autoreconf -fi >/dev/null 2>&1
        CC=musl-gcc CFLAGS="$MCFLAGS $I" CPPFLAGS="$I" LDFLAGS="$L" ./configure --prefix="$PREFIX" \
            --disable-shared --enable-static --disable-bsdtar --disable-bsdcpio --disable-bsdcat \
            --disable-acl --disable-xattr --without-openssl --without-xml2 --without-expat \
            --without-iconv --without-lzma --without-bz2lib --without-lz4 --without-lzo2 \
            --without-nettle --without-mbedtls --without-cng --with-zlib --with-zstd >/dev/null
        make -j"$(nproc)" libarchive.la >/dev/null
        make install-libLTLIBRARIES install-includeHEADERS >/dev/null ;;
    libseccomp)
        CC=musl-gcc CFLAGS="$MCFLAGS $I" ./configure --prefix="$PREFIX" --disable-shared \
            --enable-static --disable-python >/dev/null
        make -j"$(nproc)" -C src libseccomp.la >/dev/null
        make -C src install-libLTLIBRARIES >/dev/null; make -C include install >/dev/null ;;
    nettle)   # hogweed (ed25519) on nettle's mini-gmp: no GMP needed
        CC=musl-gcc CFLAGS="$MCFLAGS" ./configure --prefix="$PREFIX" --libdir="$PREFIX/lib" \
            --disable-shared --enable-static --enable-fat --enable-mini-gmp --disable-openssl \
            --disable-documentation >/dev/null
        make -j"$(nproc)" libnettle.a libhogweed.a >/dev/null
        make install-headers >/dev/null; cp libnettle.a libhogweed.a "$PREFIX/lib/" ;;
    mbedtls)   # TLS for curl (registry pulls): small, static-friendly, Debian-maintained
        make -C library -j"$(nproc)" CC=musl-gcc CFLAGS="$MCFLAGS" libmbedcrypto.a libmbedx509.a libmbedtls.a >/dev/null
        cp library/libmbedcrypto.a library/libmbedx509.a library/libmbedtls.a "$PREFIX/lib/"
        cp -r include/mbedtls include/psa "$PREFIX/include/" ;;
    curl)      # HTTP(S) only, on mbedtls; boxcar finds the CA bundle at run time
        CC=musl-gcc CFLAGS="$MCFLAGS" CPPFLAGS="$I" LDFLAGS="$L" ./configure --prefix="$PREFIX" \
            --disable-shared --enable-static --with-mbedtls="$PREFIX" --without-zlib --without-brotli \
            --without-zstd --without-libpsl --without-libidn2 --without-nghttp2 --without-librtmp \
            --without-libssh2 --without-ca-bundle --without-ca-path --disable-ldap --disable-ldaps \
            --disable-rtsp --disable-dict --disable-telnet --disable-tftp --disable-pop3 --disable-imap \
            --disable-smb --disable-smtp --disable-gopher --disable-mqtt --disable-ftp --disable-file \
            --disable-manual --disable-ntlm --disable-alt-svc --disable-hsts --disable-cookies \
            --disable-docs --enable-threaded-resolver >/dev/null
        make -C lib -j"$(nproc)" libcurl.la >/dev/null
        make -C lib install-libLTLIBRARIES >/dev/null; make -C include install >/dev/null ;;
    cjson)
        mkdir -p "$PREFIX/include/cjson"
        musl-gcc $MCFLAGS -c cJSON.c -o cJSON.o && ar rcs "$PREFIX/lib/libcjson.a" cJSON.o
        cp cJSON.h "$PREFIX/include/cjson/" ;;
    esac
    ) >"$log" 2>&1 || { tail -n 40 "$log" >&2; die "building $pkg failed (log: $log)"; }
    touch "$stamp"
}

deps() {
    install_packages
    enable_deb_src
    kernel_headers
    mkdir -p "$PREFIX/lib" "$PREFIX/include"
    for p in $SRC_PKGS; do build_dep "$p"; done
    record_versions
}

build() {
    deps
    make -s -j"$(nproc)" PREFIX="$PREFIX" KINC="$DEPS/kinc" "$@"
    file -L build/boxcar | grep -q 'statically linked' || die "build/boxcar is not statically linked"
    readelf -l build/boxcar | grep -q INTERP && die "build/boxcar has an ELF interpreter (not static)"
    return 0
}

# ASan+UBSan build (glibc, Debian's -dev libraries) in build/asan/.
build_asan() {
    APT_PKGS="libarchive-dev libzstd-dev nettle-dev libcjson-dev libseccomp-dev libc6-dev libcurl4-openssl-dev" install_packages
    mkdir -p build/asan
    dpkg-query -W -f='${source:Package} ${source:Version}\n' libzstd-dev zlib1g-dev libarchive-dev \
        libseccomp-dev nettle-dev libcjson-dev libcurl4-openssl-dev |
        sed 's/^libzstd /zstd /; s/^cjson /cJSON /' >build/asan/versions
    make -s -j"$(nproc)" asan
}

# Under the sanitizers the suite runs as the unprivileged user (the main
# configuration: every line of boxcar's own code that root runs, the user
# runs too) and, below, with the fallbacks; as root and on the flat root it
# runs in the static pass (CI's time: issue 18).
# Under the sanitizers, the pass with the old kernels' fallbacks forced runs
# the tests whose code those fallbacks change (the mounts, paths in the root,
# fds, /sys) and two of the builder's, not the whole suite a third time: the
# static build runs it all (CI's time: issue 17). A PATTERN given runs as asked.
asan_fallback_subset() {
    [ $# = 0 ] || return 0
    echo '\] (robust|fidelity|fs|flat|volume|security|net|error|stdio|pid|signals|exit|config|lifecycle|identity): |build: (multi-stage|the same tree)'
}

# The whole suite twice: against the static build, then the sanitizer build.
# Ends with one line "N passed, M failed" over both.
test_all() {
    local pass=0 fail=0 line rc=0
    for cfg in static asan; do
        local log=$TOP/build/test-$cfg.log
        if [ $cfg = asan ]; then build_asan; fi
        say "test suite against the $cfg build"
        if [ $cfg = static ]; then tests/run.sh "$@" | tee "$log" || rc=1
        else BOXCAR=$TOP/build/asan/boxcar BOXCAR_SANITIZED=1 \
            BOXCAR_TEST_CONFIGS=${BOXCAR_TEST_CONFIGS:-user fallback} \
            BOXCAR_TEST_FALLBACK_FILTER=${BOXCAR_TEST_FALLBACK_FILTER:-$(asan_fallback_subset "$@")} \
            tests/run.sh "$@" | tee "$log" || rc=1; fi
        line=$(tail -n 1 "$log")
        if [[ $line =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
            pass=$((pass + BASH_REMATCH[1])); fail=$((fail + BASH_REMATCH[2]))
        else
            fail=$((fail + 1)); rc=1
        fi
    done
    # the fuzz targets, briefly (long runs by hand: tests/fuzz/run.sh 600)
    APT_PKGS="clang libclang-rt-14-dev" install_packages
    say "fuzz targets, ${BOXCAR_FUZZ_SECONDS:-10}s each"
    tests/fuzz/run.sh "${BOXCAR_FUZZ_SECONDS:-10}" | tee "$TOP/build/test-fuzz.log" || rc=1
    local ok bad
    ok=$(grep -c ': ok' "$TOP/build/test-fuzz.log" || true)
    bad=$(grep -c ': FAILED' "$TOP/build/test-fuzz.log" || true)
    pass=$((pass + ok)); fail=$((fail + bad))
    echo "$pass passed, $fail failed"
    [ $rc = 0 ] && [ $fail = 0 ]
}

case ${1:-all} in
    all)   build; say "packing examples/hello"; examples/hello/build.sh; say "running it:"; build/hello ;;
    build) build ;;
    deps)  deps ;;
    fetch) shift; for p in "$@"; do fetch_source "$p"; done ;;
    test)  build; shift; test_all "$@" ;;
    asan)  build; build_asan; shift
           BOXCAR=$TOP/build/asan/boxcar BOXCAR_SANITIZED=1 exec tests/run.sh "$@" ;;
    clean) rm -rf build/obj build/boxcar build/stub ;;
    *)     die "unknown command '$1' (use: all, build, test, asan, deps, clean)" ;;
esac
