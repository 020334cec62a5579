#!/usr/bin/env bash
# boxcar build driver.
#   ./build.sh          install build deps, build static deps + boxcar, pack and run examples/hello
#   ./build.sh test     the same build, then the whole test suite (tests/run.sh), against
#                       the static build and again against an ASan+UBSan build
#   ./build.sh build    build only          ./build.sh asan   ASan/UBSan build + suite
#   ./build.sh deps     static dependencies only (amd64, then arm64's for the arm64 stub)
#   ./build.sh deps-arm64   arm64's alone (build/deps-arm64)
#   ./build.sh fetch PKG...   fetch (and unpack) Debian source packages into build/deps/src
set -euo pipefail
cd "$(dirname "$0")"
TOP=$PWD
DEPS=$TOP/build/deps          # sources, objects and the static prefix (cached between runs)
PREFIX=$DEPS/prefix
SRC_PKGS="libzstd zlib libarchive libseccomp nettle cjson mbedtls curl"
# The arm64 stub (make stub-arm64): the same Debian sources, unpacked again from
# the fetched .dsc and cross-built with Debian's aarch64 musl wrapper into a
# deps dir of its own; only what the stub links (no curl, no mbedtls).
DEPS_ARM64=$TOP/build/deps-arm64
ARM64_PKGS="libzstd zlib libarchive libseccomp nettle cjson"
ARM64_APT="gcc-aarch64-linux-gnu libc6-dev-arm64-cross musl-dev:arm64 linux-libc-dev-arm64-cross"
APT_PKGS="musl-tools dpkg-dev autoconf automake libtool gperf pkg-config file make gcc
          umoci skopeo buildah busybox-static mmdebstrap uidmap jq python3 runc util-linux
          postgresql-client golang-github-containers-common tmux docker-registry apache2-utils openssl
          bubblewrap qemu-user-static slurm-wlm slurmctld slurmd slurm-client munge mpich libmpich-dev
          libslurm-dev proot"

say() { printf 'build.sh: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else die "need root or sudo to run: $*"; fi; }

install_packages() {
    local missing=()
    for p in $APT_PKGS; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p"); done
    [ ${#missing[@]} -eq 0 ] && return 0
    say "installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${APT_OPTS:-} "${missing[@]}" >/dev/null
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
# $1 = the deps dir (default the host's), $2 = where that target's linux/, asm/
# and asm-generic/ are (default the host's).
kernel_headers() {
    local inc=${1:-$DEPS}/kinc from=${2:-}
    [ -d "$inc/linux" ] && return 0
    mkdir -p "$inc"
    cp -r "${from:-/usr/include}/linux" "${from:-/usr/include}/asm-generic" "$inc/"
    cp -r "${from:-/usr/include/$(gcc -dumpmachine)}/asm" "$inc/asm"
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
# The target build_dep builds for: its compiler, archiver, configure's --host,
# deps dir and prefix. amd64 is the host's musl-gcc; arm64 is Debian's
# aarch64-linux-musl-gcc (musl-dev:arm64's wrapper over gcc-aarch64-linux-gnu,
# with its musl-gcc.specs).
use_target() {
    case $1 in
    amd64) XCC=musl-gcc XAR=ar XRANLIB=ranlib XHOST= XDEPS=$DEPS ;;
    arm64) XCC=aarch64-linux-musl-gcc XAR=aarch64-linux-gnu-ar XRANLIB=aarch64-linux-gnu-ranlib
           XHOST=--host=aarch64-linux-musl XDEPS=$DEPS_ARM64 ;;
    esac
    XPREFIX=$XDEPS/prefix XTARGET=$1
}
use_target amd64

# The arm64 build's own copy of a source: unpacked again (dpkg-source, Debian's
# patches applied) from the .dsc fetch_source got, so the two builds never
# share objects. Prints the unpacked dir.
arm64_source() {
    local pkg=$1 base=$DEPS_ARM64/src/$1 dsc dir name
    dir=$(ls -d "$base"/*/ 2>/dev/null | head -1) || true
    [ -n "$dir" ] && { echo "${dir%/}"; return 0; }
    name=$(basename "$(fetch_source "$pkg")")
    dsc=$(ls "$DEPS/src/$pkg"/*.dsc | head -1) || die "no .dsc for $pkg in $DEPS/src/$pkg"
    rm -rf "$base" "$base.tmp"; mkdir -p "$base.tmp"
    (cd "$base.tmp" && dpkg-source --no-check -x "$dsc" "$name") >"$DEPS_ARM64/log.unpack.$pkg" 2>&1 ||
        die "cannot unpack $dsc (log: $DEPS_ARM64/log.unpack.$pkg)"
    mv "$base.tmp" "$base" || die "cannot rename $base.tmp"
    echo "$base/$name"
}

build_dep() {      # $1 = source package, for the target use_target chose
    local pkg=$1 d stamp=$XDEPS/stamp.$1
    [ "$pkg" = nettle ] && stamp=$XDEPS/stamp.nettle-hogweed   # (older builds lack libhogweed.a)
    [ "$pkg" = libzstd ] && stamp=$XDEPS/stamp.libzstd-mt      # (older builds lack threads)
    [ -f "$stamp" ] && return 0
    if [ "$XTARGET" = amd64 ]; then d=$(fetch_source "$pkg"); else d=$(arm64_source "$pkg"); fi
    say "building static $pkg ($(basename "$d")) for $XTARGET"
    local P=$XPREFIX I="-isystem $XDEPS/kinc -I$XPREFIX/include" L="-L$XPREFIX/lib" log=$XDEPS/log.$pkg
    local CONF="$XHOST --prefix=$P --disable-shared --enable-static"
    (
    cd "$d"
    export CC=$XCC AR=$XAR RANLIB=$XRANLIB
    case $pkg in
    libzstd)
        env CFLAGS="-O2 -fPIC -ffunction-sections -fdata-sections" \
            make -C lib -j"$(nproc)" libzstd.a-mt ZSTD_LEGACY_SUPPORT=0 >/dev/null
        mkdir -p "$P/lib" "$P/include"
        cp lib/libzstd.a "$P/lib/"; cp lib/zstd.h lib/zstd_errors.h lib/zdict.h "$P/include/" ;;
    zlib)
        CFLAGS="$MCFLAGS" ./configure --static --prefix="$P" >/dev/null
        make -j"$(nproc)" libz.a >/dev/null && make install >/dev/null ;;
    libarchive)
        autoreconf -fi >/dev/null 2>&1
        CFLAGS="$MCFLAGS $I" CPPFLAGS="$I" LDFLAGS="$L" ./configure $CONF \
            --disable-bsdtar --disable-bsdcpio --disable-bsdcat \
            --disable-acl --disable-xattr --without-openssl --without-xml2 --without-expat \
            --without-iconv --without-lzma --without-bz2lib --without-lz4 --without-lzo2 \
            --without-nettle --without-mbedtls --without-cng --with-zlib --with-zstd >/dev/null
        make -j"$(nproc)" libarchive.la >/dev/null
        make install-libLTLIBRARIES install-includeHEADERS >/dev/null ;;
    libseccomp)
        CFLAGS="$MCFLAGS $I" ./configure $CONF --disable-python >/dev/null
        make -j"$(nproc)" -C src libseccomp.la >/dev/null
        make -C src install-libLTLIBRARIES >/dev/null; make -C include install >/dev/null ;;
    nettle)   # hogweed (ed25519) on nettle's mini-gmp: no GMP needed
        CFLAGS="$MCFLAGS" ./configure $CONF --libdir="$P/lib" --enable-fat \
            --enable-mini-gmp --disable-openssl --disable-documentation >/dev/null
        make -j"$(nproc)" libnettle.a libhogweed.a >/dev/null
        make install-headers >/dev/null; cp libnettle.a libhogweed.a "$P/lib/" ;;
    mbedtls)   # TLS for curl (registry pulls): small, static-friendly, Debian-maintained
        make -C library -j"$(nproc)" CC="$XCC" CFLAGS="$MCFLAGS" libmbedcrypto.a libmbedx509.a libmbedtls.a >/dev/null
        cp library/libmbedcrypto.a library/libmbedx509.a library/libmbedtls.a "$P/lib/"
        cp -r include/mbedtls include/psa "$P/include/" ;;
    curl)      # HTTP(S) only, on mbedtls; boxcar finds the CA bundle at run time
        CFLAGS="$MCFLAGS" CPPFLAGS="$I" LDFLAGS="$L" ./configure $CONF \
            --with-mbedtls="$P" --without-zlib --without-brotli \
            --without-zstd --without-libpsl --without-libidn2 --without-nghttp2 --without-librtmp \
            --without-libssh2 --without-ca-bundle --without-ca-path --disable-ldap --disable-ldaps \
            --disable-rtsp --disable-dict --disable-telnet --disable-tftp --disable-pop3 --disable-imap \
            --disable-smb --disable-smtp --disable-gopher --disable-mqtt --disable-ftp --disable-file \
            --disable-manual --disable-ntlm --disable-alt-svc --disable-hsts --disable-cookies \
            --disable-docs --enable-threaded-resolver >/dev/null
        make -C lib -j"$(nproc)" libcurl.la >/dev/null
        make -C lib install-libLTLIBRARIES >/dev/null; make -C include install >/dev/null ;;
    cjson)
        mkdir -p "$P/include/cjson"
        $XCC $MCFLAGS -c cJSON.c -o cJSON.o && $XAR rcs "$P/lib/libcjson.a" cJSON.o
        cp cJSON.h "$P/include/cjson/" ;;
    esac
    ) >"$log" 2>&1 || { tail -n 40 "$log" >&2; die "building $pkg for $XTARGET failed (log: $log)"; }
    touch "$stamp"
}

# arm64's compiler and headers: Debian's cross gcc, arm64 musl (multiarch, so
# the arch is added to dpkg first) and the arm64 kernel headers.
deps_arm64() {
    if ! dpkg --print-foreign-architectures | grep -qx arm64; then
        say "adding the arm64 architecture to dpkg (for musl-dev:arm64)"
        as_root dpkg --add-architecture arm64
        as_root apt-get update -qq
    fi
    APT_PKGS=$ARM64_APT install_packages
    # the arm64 VM (tests/t-arm64vm.sh): the emulator, not its GUI and firmware
    APT_PKGS="qemu-system-arm cpio" APT_OPTS=--no-install-recommends install_packages
    kernel_headers "$DEPS_ARM64" /usr/aarch64-linux-gnu/include
    use_target arm64
    mkdir -p "$XPREFIX/lib" "$XPREFIX/include"
    for p in $ARM64_PKGS; do build_dep "$p"; done
    use_target amd64
    # the tests' arm64 image (tests/t-arm64.sh): busybox-static's arm64 .deb
    if ! ls "$DEPS_ARM64"/debs/busybox-static_*_arm64.deb >/dev/null 2>&1; then
        mkdir -p "$DEPS_ARM64/debs"
        (cd "$DEPS_ARM64/debs" && apt-get download busybox-static:arm64) >"$DEPS_ARM64/log.debs" 2>&1 ||
            die "cannot download busybox-static:arm64 (log: $DEPS_ARM64/log.debs)"
    fi
    # the arm64 VM's kernel (tests/t-arm64vm.sh): the one Debian's cloud arm64 image depends on
    if ! ls "$DEPS_ARM64"/debs/linux-image-*_arm64.deb >/dev/null 2>&1; then
        local k
        k=$(apt-cache depends linux-image-cloud-arm64:arm64 | sed -n 's/^ *Depends: \(linux-image-[^:]*\).*/\1/p' | head -1)
        [ -n "$k" ] || die "no linux-image-cloud-arm64:arm64 in apt's lists"
        (cd "$DEPS_ARM64/debs" && apt-get download "$k:arm64") >>"$DEPS_ARM64/log.debs" 2>&1 ||
            die "cannot download $k:arm64 (log: $DEPS_ARM64/log.debs)"
    fi
}

deps() {
    install_packages
    enable_deb_src
    kernel_headers
    mkdir -p "$PREFIX/lib" "$PREFIX/include"
    for p in $SRC_PKGS; do build_dep "$p"; done
    record_versions
    deps_arm64
}

build() {
    deps
    # the SPANK plugin (contrib/slurm/) where Slurm's headers are (libslurm-dev)
    local spank=; [ -f /usr/include/slurm/spank.h ] && spank=spank
    make -s -j"$(nproc)" PREFIX="$PREFIX" KINC="$DEPS/kinc" all stub-arm64 $spank "$@"
    local f
    for f in build/boxcar build/stub-arm64; do
        file -L $f | grep -q 'statically linked' || die "$f is not statically linked"
        readelf -l $f | grep -q INTERP && die "$f has an ELF interpreter (not static)"
    done
    readelf -h build/stub-arm64 | grep -q 'Machine: *AArch64' || die "build/stub-arm64 is not an AArch64 binary"
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
    ln -sf ../stub-arm64 build/asan/stub-arm64   # (boxcar finds it beside itself)
}

# Under the sanitizers the suite runs as the unprivileged user (the main
# configuration: every line of boxcar's own code that root runs, the user
# runs too) and, below, with the fallbacks; as root and on the flat root it
# runs in the static pass (CI's time: issue 18).
# The pass with the old kernels' fallbacks forced runs the tests whose code
# those fallbacks change (the mounts, paths in the root, fds, /sys) and two of
# the builder's, not the whole suite once more (CI's time: issue 17), in both
# builds. A PATTERN given runs as asked.
asan_fallback_subset() {
    [ $# = 0 ] || return 0
    echo '\] (robust|fidelity|fs|flat|volume|security|net|error|stdio|pid|signals|exit|config|lifecycle|identity): |build: (multi-stage|the same tree)'
}

# Under the sanitizers, Slurm's tests (and the SPANK plugin's, named "slurm
# spank:") are left out: the daemons and the plugin are not boxcar's sanitized
# code, and the static pass runs them as the user and as root (CI's time). So
# is the arm64 VM: what runs in it is the static arm64 stub either way.
asan_exclude() {
    [ $# = 0 ] || return 0
    echo '^\[[a-z+]*\] slurm|^pack: arm64 VM'
}

# The whole suite twice: against the static build, then the sanitizer build.
# Ends with one line "N passed, M failed" over both.
test_all() {
    local pass=0 fail=0 line rc=0
    for cfg in static asan; do
        local log=$TOP/build/test-$cfg.log
        if [ $cfg = asan ]; then build_asan; fi
        say "test suite against the $cfg build"
        if [ $cfg = static ]; then
            BOXCAR_TEST_FALLBACK_FILTER=${BOXCAR_TEST_FALLBACK_FILTER:-$(asan_fallback_subset "$@")} \
            tests/run.sh "$@" | tee "$log" || rc=1
        else BOXCAR=$TOP/build/asan/boxcar BOXCAR_SANITIZED=1 \
            BOXCAR_TEST_CONFIGS=${BOXCAR_TEST_CONFIGS:-user fallback} \
            BOXCAR_TEST_FALLBACK_FILTER=${BOXCAR_TEST_FALLBACK_FILTER:-$(asan_fallback_subset "$@")} \
            BOXCAR_TEST_EXCLUDE=${BOXCAR_TEST_EXCLUDE:-$(asan_exclude "$@")} \
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
    deps-arm64) deps_arm64 ;;
    fetch) shift; for p in "$@"; do fetch_source "$p"; done ;;
    test)  build; shift; test_all "$@" ;;
    asan)  build; build_asan; shift
           BOXCAR=$TOP/build/asan/boxcar BOXCAR_SANITIZED=1 exec tests/run.sh "$@" ;;
    clean) rm -rf build/obj build/boxcar build/stub build/arm64 build/stub-arm64 ;;
    *)     die "unknown command '$1' (use: all, build, test, asan, deps, deps-arm64, clean)" ;;
esac
