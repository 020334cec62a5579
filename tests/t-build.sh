# build.sh itself: fetching the Debian source packages (issue: a security update's
# source can be missing from the archive), and the version line it leads to.
# A fake apt-get early in PATH plays the archive; build.sh runs from a copy of
# itself, so its build/deps is the test's scratch dir.

# fake_apt MODE...: one MODE per call, in order: ok | 404 | enospc
fake_apt() {
    mkdir -p "$T/bin" "$T/repo"
    cp "$TOP/build.sh" "$T/repo/build.sh"
    printf '%s\n' "$@" > "$T/modes"
    cat > "$T/bin/apt-get" <<'SH'
#!/bin/sh
# the fake archive: answers each call with the next mode in $T/modes
echo "$*" >> "$T/calls"
n=$(grep -c '' "$T/calls"); mode=$(sed -n "${n}p" "$T/modes")
case $1:$2 in source:*/*) v=1.0-1 ;; *) v=1.0-1+deb12u1 ;; esac
echo "Reading package lists..."
case $mode in
ok)  echo "Get:1 http://archive.invalid bookworm/main fakepkg $v (dsc) [100 B]"
     mkdir -p fakepkg-1.0/debian; : > "fakepkg_$v.dsc"; exit 0 ;;
404) echo "Err:1 http://archive.invalid bookworm-security/main fakepkg $v (dsc)"
     echo "  404  Not Found [IP: 192.0.2.1 80]"
     echo "E: Failed to fetch http://archive.invalid/fakepkg_$v.dsc  404  Not Found [IP: 192.0.2.1 80]"
     exit 100 ;;
enospc) echo "Get:1 http://archive.invalid bookworm-security/main fakepkg $v (dsc) [100 B]"
     echo "E: Write error - write (28: No space left on device)"; exit 100 ;;
esac
SH
    chmod +x "$T/bin/apt-get"
}
run_fetch() { T=$T PATH=$T/bin:$PATH x "$T/repo/build.sh" fetch fakepkg; }

t_fetch_fallback() {   # newest 404s -> the release's version
    fake_apt 404 ok; run_fetch; expect_ok
    [ "$(sed -n 2p "$T/calls")" = "source fakepkg/$(. /etc/os-release; echo "$VERSION_CODENAME")" ] || {
        cat "$T/calls" >&2; fail "the second try was not PKG/RELEASE"; }
    [ "$OUT" = "$T/repo/build/deps/src/fakepkg/fakepkg-1.0" ] || { ctx; fail "fetch printed the wrong dir"; }
    expect_err_has "fakepkg 1.0-1\+deb12u1 cannot be had; falling back"
    grep -q '404  Not Found' "$T/repo/build/deps/log.fetch.fakepkg" || fail "apt's output is not in the log"
    run_fetch; expect_ok   # fetched once: the archive is not asked again
    [ "$(grep -c '' "$T/calls")" = 2 ] || fail "a fetched source was fetched again"
}
t_fetch_no_fallback() {   # a full disk is no reason to take an older version
    fake_apt enospc ok; run_fetch; expect_rc 1
    [ "$(grep -c '' "$T/calls")" = 1 ] || { cat "$T/calls" >&2; fail "build.sh fell back after a write error"; }
    [ "$(grep -c '' "$T/.err")" = 1 ] || { ctx; fail "not one error line"; }
    expect_err_has "^build.sh: error: .*fakepkg 1.0-1\+deb12u1 .*No space left on device.*not falling back"
    [ ! -e "$T/repo/build/deps/src/fakepkg" ] || fail "a failed fetch left a source dir"
}
t_fetch_both_fail() {   # one line: the package, both versions, apt's reason, the log
    fake_apt 404 404; run_fetch; expect_rc 1
    [ "$(grep -c '' "$T/calls")" = 2 ] || fail "expected two tries"
    grep -v '^build.sh: source .* falling back' "$T/.err" > "$T/errline"
    [ "$(grep -c '' "$T/errline")" = 1 ] || { ctx; fail "not one error line"; }
    grep -qE "^build.sh: error: apt-get source failed: fakepkg 1.0-1\+deb12u1 \(404 +Not Found\), then fakepkg/[a-z]+ 1.0-1 \(404 +Not Found\) \(log: .*log.fetch.fakepkg\)$" \
        "$T/errline" || { ctx; fail "the error line does not name both versions and the reason"; }
    [ ! -e "$T/repo/build/deps/src/fakepkg" ] || fail "a failed fetch left a source dir"
}
t_boxcar_version() {   # boxcar links every recorded library, at the recorded version
    x "$BOXCAR" version; expect_ok
    expect_libraries "$OUT" boxcar
    x "$BOXCAR" version extra; expect_error 2; expect_err_has "version takes no arguments"
}
test_case pack "build.sh: a missing source version falls back to the release's" t_fetch_fallback
test_case pack "build.sh: other fetch failures do not fall back"               t_fetch_no_fallback
test_case pack "build.sh: both tries fail: one line with versions and reason"  t_fetch_both_fail
test_case pack "boxcar version names the libraries and their source versions"  t_boxcar_version
t_module_arrows() {   # docs/architecture.md: a module includes only what stands below it
    local -A may=([cli]="builder containers pack stub runner common" [builder]="containers pack stub runner common"
        [containers]="pack stub runner common"
        [stub]="runner common" [pack]="common" [runner]="common" [common]="" [contrib/slurm]="common")
    local m f dep bad=()
    for m in "${!may[@]}"; do
        [ -d "$TOP/$m" ] || fail "module $m/ is missing"
        for f in "$TOP/$m"/*.[ch]; do
            for dep in $(sed -n 's|^#include "\.\./\([a-z]*\)/.*|\1|p' "$f" | sort -u); do
                [[ " ${may[$m]} " == *" $dep "* ]] || bad+=("${f#"$TOP"/} includes $dep/")
            done
        done
    done
    [ ${#bad[@]} = 0 ] || fail "arrows pointing up: ${bad[*]}"
    # and nothing outside the seven modules and contrib/ (the SPANK plugin, a shared
    # object on common/'s format) holds C sources but tools/, tests/ and bench/'s programs
    bad=($(cd "$TOP" && git ls-files '*.c' 2>/dev/null | grep -vE '^(cli|builder|containers|pack|stub|runner|common|contrib/slurm|tools|tests|bench)/'))
    [ ${#bad[@]} = 0 ] || fail "C sources outside the modules: ${bad[*]}"
}
test_case pack "modules: includes follow the arrows (docs/architecture.md)"      t_module_arrows
