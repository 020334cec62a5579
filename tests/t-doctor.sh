# doctor and the launch name the real cause of a host that cannot run a file, and
# the admin's fix (runner/diagnose.c), each cause simulated where this machine can:
# a nested user namespace with no room (bwrap --disable-userns), a seccomp filter
# denying user namespaces or mounts (tests/helpers/deny.c). The rest (Debian's and
# Ubuntu's sysctls, an old kernel) cannot be set up here: their messages are checked
# on given facts (tests/helpers/diagnose.c).

# doctor_line STATUS CHECK REGEX: doctor's stdout ($OUT) has that line
doctor_line() {
    grep -qE -- "^$1 +$2 +$3" <<<"$OUT" && return 0
    ctx; fail "doctor printed no '$1  $2' line matching /$3/"
}
# The summary, last: the root mode, then the engine
doctor_summary() {   # ROOT-MODE-REGEX ENGINE-REGEX
    local tail2; tail2=$(tail -n 2 <<<"$OUT")
    grep -qE -- "^root mode: $1" <<<"${tail2%%$'\n'*}" && grep -qE -- "^engine: $2" <<<"${tail2#*$'\n'}" && return 0
    ctx; fail "the summary's last two lines are not /root mode: $1/, /engine: $2/"
}
# Doctor must not call a limit OK when no namespace can be made.
doctor_no_ok_limit() {
    ! grep -qE '^OK .*max_user_namespaces' <<<"$OUT" || { ctx; fail "max_user_namespaces reported OK though no namespace can be made"; }
}

NESTED=(bwrap --dev-bind / / --unshare-user --disable-userns --)
nested_why='cannot create a user namespace \(ENOSPC\): this process runs inside a user namespace \(a sandbox or container\) whose parent namespace allows no more.*; fix: run the file outside that sandbox'
t_doctor_nested() {
    command -v bwrap >/dev/null || fail "bwrap is missing (Debian package bubblewrap; build.sh installs it)"
    x "${NESTED[@]}" "$BOXCAR" doctor
    expect_rc 1
    doctor_line FAIL 'unprivileged user namespaces' "$nested_why"
    doctor_no_ok_limit
    doctor_line FAIL 'overlayfs in user namespaces' 'not tried: no user namespace can be made'
    doctor_summary 'flat, under the trace engine \(no user and mount namespace here\)$' "trace \(ptrace path translation, no PID or network isolation\), as namespaces cannot be used: $nested_why"
    x "${NESTED[@]}" "$(P bb)" --boxcar-engine=ns true
    expect_error 125; expect_err_has "^boxcar: starting the container: $nested_why"
}

seccomp_why='a seccomp filter on this process denies it \(in Docker, its default profile\); fix: run the container with `--security-opt seccomp=unconfined`'
t_doctor_seccomp_userns() {
    local deny; deny=$(helper deny) || exit 1
    x "$deny" userns-eperm -- "$BOXCAR" doctor
    expect_rc 1
    doctor_line FAIL 'unprivileged user namespaces' "cannot create a user namespace \(EPERM\): $seccomp_why, or a seccomp profile that allows unshare and clone with CLONE_NEWUSER"
    doctor_no_ok_limit
    doctor_summary 'flat, under the trace engine' "trace .*, as namespaces cannot be used: cannot create a user namespace \(EPERM\): $seccomp_why"
    x "$deny" userns-eperm -- "$(P bb)" --boxcar-engine=ns true
    expect_error 125; expect_err_has "^boxcar: starting the container: cannot create a user namespace \(EPERM\): $seccomp_why"
}

# unshare works, mounting in the namespace is denied (Ubuntu's case, here by a filter)
t_doctor_mount_denied() {
    local deny e; deny=$(helper deny) || exit 1
    for e in EACCES EPERM; do
        local mode=mount-${e,,}
        x "$deny" "$mode" -- "$BOXCAR" doctor
        expect_rc 1
        doctor_line OK 'unprivileged user namespaces' 'work \(user.max_user_namespaces = [0-9]+\)'
        doctor_line FAIL 'mounts in user namespaces' "mounting is denied in the user namespace \($e\): $seccomp_why .*allows mount, fsopen"
        doctor_line FAIL 'overlayfs in user namespaces' 'not tried: mounting is denied'
        doctor_summary 'flat, under the trace engine' "trace .*, as namespaces cannot be used: mounting is denied in the user namespace \($e\): $seccomp_why"
        x "$deny" "$mode" -- "$(P bb)" --boxcar-engine=ns true
        expect_error 125; expect_err_has "^boxcar: make mounts private: mounting is denied in the user namespace \($e\): $seccomp_why"
    done
}

# Each cause's message and fix, on given facts (no host here has them all)
t_doctor_causes() {
    local d; d=$(helper diagnose runner/diagnose.c common/err.c) || exit 1
    says() {   # REGEX ARGS...: diagnose ARGS prints a line matching REGEX
        local want=$1; shift
        x "$d" "$@"; expect_ok
        grep -qE -- "$want" <<<"$OUT" || { ctx; fail "diagnose $*: not /$want/"; }
    }
    says "^$nested_why.*\(bwrap without --disable-userns" userns ENOSPC nested=1 max=2147483647
    says '\(ENOSPC\): user.max_user_namespaces is 0 in this namespace.*fix: an admin can run `sysctl -w user.max_user_namespaces=15000`' userns ENOSPC max=0 nested=1
    says '\(ENOSPC\): all 100 user namespaces that user.max_user_namespaces allows are in use; fix: .*`sysctl -w user.max_user_namespaces=200`' userns ENOSPC max=100
    says "\(EPERM\): kernel.unprivileged_userns_clone is 0 \(Debian's switch\).*fix: an admin can run \`sysctl -w kernel.unprivileged_userns_clone=1\`" userns EPERM userns_clone=0
    says "^cannot create a user namespace \(EPERM\): $seccomp_why" userns EPERM seccomp_userns=1 userns_clone=1
    says 'security policy' userns EPERM userns_clone=0 root=1   # the switch never stops root
    says '^mounting is denied in the user namespace \(EACCES\): a security module \(AppArmor, SELinux\)' mount EACCES
    says "^mounting is denied in the user namespace \(EACCES\): $seccomp_why" mount EACCES seccomp_mount=1 apparmor=1
    says '^cannot mount overlayfs in the user namespace \(EINVAL\): Linux 5.10: overlayfs mounts in user namespaces need Linux 5.11 or later; fix: an admin can install Linux 5.11' overlay EINVAL kernel=5.10
    says 'no overlayfs .*`modprobe overlay`' overlay ENODEV
    # Ubuntu: the profile for the file's own path, with `userns,`; the restriction stays on
    says "^mounting is denied in the user namespace \(EPERM\): Ubuntu's AppArmor restricts unprivileged user namespaces \(kernel.apparmor_restrict_unprivileged_userns = 1\).*fix: an admin can allow this file alone" \
        mount EPERM apparmor=1 "self=/home/u/bin/my app"
    expect_out_lacks 'apparmor_restrict_unprivileged_userns=0'
    local cmd want
    cmd=$(sed -n "s/.*\`\(printf '.*'\) | sudo tee \/etc\/apparmor.d\/boxcar-my-app && sudo apparmor_parser -r \/etc\/apparmor.d\/boxcar-my-app\`\$/\1/p" <<<"$OUT")
    [ -n "$cmd" ] || { ctx; fail "no printf ... | sudo tee /etc/apparmor.d/boxcar-my-app && apparmor_parser command"; }
    want=$(printf '%s\n' 'abi <abi/4.0>,' 'include <tunables/global>' 'profile boxcar-my-app "/home/u/bin/my app" flags=(unconfined) {' '  userns,' '}')
    [ "$(bash -c "$cmd")" = "$want" ] || { show "$(bash -c "$cmd")" >&2; fail "the command does not print the profile"; }
    says "profile boxcar-FILE \"/path/to/FILE\"" mount EPERM apparmor=1 "self=/tmp/it's"   # quotes: a placeholder
    says "^cannot create a user namespace \(EPERM\): Ubuntu's AppArmor .*profile boxcar-app \"/opt/app\"" userns EPERM apparmor=1
}

# Why one id only: newuidmap not found (the uidmap package), no_new_privs set (a sandbox:
# the setuid newuidmap would gain nothing); as root no subordinate ids are needed.
t_doctor_subids_causes() {
    mkdir -p "$T/empty"
    x env PATH="$T/empty" "$BOXCAR" doctor
    expect_ok
    if [ "$CONFIG" = root ]; then doctor_line OK 'subordinate ids' 'not needed: running as root'; return; fi
    [ -n "$STORE_SUFFIX" ] || fail "the test user has no subordinate ids (run.sh gives it some)"
    doctor_line WARN 'subordinate ids' 'newuidmap/newgidmap are not installed: one id is mapped; .*an admin can install the uidmap package \(`apt-get install uidmap`\)'
    x setpriv --no-new-privs "$BOXCAR" doctor
    expect_ok
    doctor_line WARN 'subordinate ids' 'no_new_privs is set on this process \(a sandbox set it\), so the setuid newuidmap cannot map them: one id is mapped; .*run the file outside that sandbox'
}

test_case run "doctor: in a namespace with no room for another (bwrap --disable-userns): the parent's limit, its fix; the file says the same (125)" t_doctor_nested
test_case run "doctor: seccomp denying user namespaces (deny userns-eperm): the filter, its fix; the file says the same (125)" t_doctor_seccomp_userns
test_case run "doctor: mounts denied in the user namespace (deny mount-eacces/eperm): named with the errno; the file says the same (125)" t_doctor_mount_denied
test_case run "doctor: each cause's message and fix on given facts (Debian, Ubuntu's AppArmor profile, old kernel, limits)" t_doctor_causes
test_case run "doctor: why subordinate ids are not used: no newuidmap (uidmap package), no_new_privs" t_doctor_subids_causes
