# boxcar's own runtime errors: exit 125 and exactly one "boxcar: ..." line on stderr.

t_rerr_option_typo() {
    x "$(P bb)" --boxcar-evn=FOO=1 true
    expect_error 125; expect_err_has 'boxcar-evn'
    x "$(P bb)" --boxcar-bogus
    expect_error 125; expect_err_has 'boxcar-bogus'
}
t_rerr_truncated() {
    local f; f=$(P bb)
    cp "$f" "$T/half"; truncate -s $(( $(stat -c %s "$f") / 2 )) "$T/half"
    x "$T/half"; expect_error 125
    cp "$f" "$T/short"; truncate -s -8 "$T/short"
    x "$T/short"; expect_error 125
    x "$T/short" --boxcar-inspect; expect_error 125
}
t_rerr_truncated_cold() {   # same with an empty cache (nothing to fall back on)
    fresh_cache "$T/cache"
    local f; f=$(P layers)
    cp "$f" "$T/cut"; truncate -s $(( $(stat -c %s "$f") - 100000 )) "$T/cut"
    x "$T/cut" true; expect_error 125
}
t_rerr_bad_volume() {
    x "$(P bb)" --boxcar-volume=no-colon-here true
    expect_error 125
    x "$(P bb)" --boxcar-volume="$T/x:relative/target" true
    expect_error 125
}
t_rerr_bad_user() {
    x "$(P bb)" --boxcar-user=no-such-user id -u
    expect_error 125; expect_err_has 'no-such-user'
}
t_rerr_run_missing() {
    x "$BOXCAR" run "$T/no-such-file"
    expect_error 125
    x "$BOXCAR" inspect "$T/no-such-file"
    [ "$RC" != 0 ] || fail "inspect of a missing file succeeded"
    expect_one_line_error
}
t_rerr_not_packed() {   # an ordinary executable is not a boxcar file
    x "$BOXCAR" run /bin/true
    expect_error 125
    x "$BOXCAR" inspect /bin/true
    [ "$RC" != 0 ] || fail "inspect of /bin/true succeeded"
    expect_one_line_error
}
test_case run "error: --boxcar-* option typo (125, names the option)" t_rerr_option_typo
test_case run "error: truncated packed file (125)"      t_rerr_truncated
test_case run "error: truncated packed file, cold cache (125)" t_rerr_truncated_cold
test_case run "error: malformed --boxcar-volume (125)"  t_rerr_bad_volume
test_case run "error: unknown user name (125)"          t_rerr_bad_user
test_case run "error: boxcar run/inspect of a missing file" t_rerr_run_missing
test_case run "error: boxcar run/inspect of a non-boxcar file" t_rerr_not_packed
