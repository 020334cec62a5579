# Identity: the id-map modes (--boxcar-userns), owners kept under subordinate ids,
# supplementary groups, --boxcar-fakeroot, and the postgres scenario: a root
# entrypoint that chowns its data and drops to uid 999 with gosu, reached with psql.
#
# [user] runs as boxcartest, which has subordinate ids (run.sh sees to it): auto
# picks them. [root] is real root: every id maps onto itself.

have_subids() { [ -n "$STORE_SUFFIX" ]; }
# first_start FILE: the start of this user's first range in /etc/subuid or /etc/subgid
first_start() { subid_ranges "$1" | head -1 | cut -d+ -f1; }
# tar_owner TARBALL PATH: "uid:gid" of PATH in the tarball
tar_owner() { tar --numeric-owner --no-recursion -tvf "$1" "$2" | awk '{ sub(/\//, ":", $2); print $2 }'; }
# host_id_of ID FILE: the host id that container id ID (> 0) is under the default map
host_id_of() {
    if [ "$CONFIG" = root ]; then echo "$1"; else echo $(( $(first_start "$2") + $1 - 1 )); fi
}

t_id_owners_kept() {   # layer files keep the tar's owners, inside and in the cache
    local want; want=$(tar_owner "$FIX/debian-minbase.tar" ./etc/shadow)
    [ "${want#*:}" = 42 ] || fail "fixture: /etc/shadow's group is not 42 ($want)"
    x "$(P debian)" stat -c %u:%g /etc/shadow /var/mail
    expect_ok
    expect_out "$want"$'\n'"$(tar_owner "$FIX/debian-minbase.tar" ./var/mail/)"
    local hex; hex=$(rb_hexes "$(P debian)" | head -1)
    [ "$(stat -c %g "$(store)/layers/$hex/etc/shadow")" = "$(host_id_of 42 /etc/subgid)" ] \
        || fail "cached etc/shadow has host gid $(stat -c %g "$(store)/layers/$hex/etc/shadow"), want $(host_id_of 42 /etc/subgid)"
}
t_id_switch_users() {   # root in the container can chown and become another user
    x "$(P debian)" sh -c 'touch /tmp/f && chown 999:999 /tmp/f && stat -c %u:%g /tmp/f &&
        setpriv --reuid=999 --regid=999 --clear-groups sh -c "id -u; id -G; touch /tmp/mine" &&
        stat -c %u /tmp/mine'
    expect_ok; expect_out $'999:999\n999\n999\n999'
}
t_id_groups() {   # supplementary groups from the image's /etc/group, none of the host's
    x "$(P postgres)" --boxcar-user=postgres --boxcar-entrypoint=id
    expect_ok; expect_out "uid=999(postgres) gid=999(postgres) groups=999(postgres),101(ssl-cert)"
    x "$(P postgres)" --boxcar-entrypoint=id -G
    expect_ok; expect_out 0
}
t_id_userns_root() {   # --boxcar-userns=root: one id, and a cache store of its own
    x "$(P debian)" --boxcar-userns=root sh -c 'cat /proc/self/uid_map; chown 999 /tmp'
    expect_rc 1; expect_err_has "Invalid argument"
    [ "$(echo $OUT)" = "0 $(id -u) 1" ] || { ctx; fail "want the single map '0 $(id -u) 1'"; }
    local hex; hex=$(rb_hexes "$(P debian)" | head -1)
    x "$(P debian)" true; expect_ok
    [ "$(stat -c %g "$BOXCAR_CACHE/layers/$hex/etc/shadow")" = "$(id -g)" ] || fail "one-id store: etc/shadow not the caller's"
    [ "$(stat -c %g "$(store)/layers/$hex/etc/shadow")" = "$(host_id_of 42 /etc/subgid)" ] || fail "subids store: etc/shadow lost its group"
}
t_id_keepid() {   # keep-id: the caller's own uid and gid inside
    x "$(P bb)" --boxcar-userns=keep-id sh -c 'id -u; id -g; touch /tmp/x'
    expect_ok; expect_out "$(id -u)"$'\n'"$(id -g)"
    x "$(P bb)" --boxcar-userns=keep-id --boxcar-user=1000 true
    expect_error 125; expect_err_has "keep-id"
}
t_id_bad_mode() {
    x "$(P bb)" --boxcar-userns=everyone true
    expect_error 125; expect_err_has "everyone"
}
t_id_no_subids() {   # a user without ranges: auto maps one id; subids is refused with the fix
    id boxcarnosub >/dev/null 2>&1 || fail "run.sh did not create the user boxcarnosub"
    local c=$T/nosub
    mkdir -p "$c/cache"; chmod 0700 "$c/cache"; chown -R boxcarnosub: "$c"
    local as=(runuser -u boxcarnosub -- env HOME="$c" BOXCAR_CACHE="$c/cache" PATH="$PATH")
    x "${as[@]}" "$(P debian)" cat /proc/self/uid_map
    expect_ok; [ "$(echo $OUT)" = "0 $(id -u boxcarnosub) 1" ] || { ctx; fail "want one mapped id"; }
    x "${as[@]}" "$(P debian)" --boxcar-userns=subids true
    expect_error 125; expect_err_has "no subordinate uid range for user boxcarnosub"; expect_err_has "usermod --add-subuids"
}
t_id_fakeroot() {   # owner and id changes "succeed" and change nothing
    x "$(P debian)" --boxcar-userns=root --boxcar-fakeroot sh -c 'touch /tmp/f && chown 999:999 /tmp/f &&
        setpriv --reuid=999 --regid=999 --clear-groups id -u && stat -c %u:%g /tmp/f'
    expect_ok; expect_out $'0\n0:0'
    x "$(P debian)" --boxcar-fakeroot --boxcar-security-opt=seccomp=unconfined sh -c \
        'chown 5:5 /tmp && stat -c %u /tmp && grep Seccomp: /proc/self/status'
    expect_ok; expect_out $'0\nSeccomp:\t2'
}
SUID_PREP='cp /usr/bin/id /tmp/sid && cp /usr/bin/sleep /tmp/ssleep && chmod 4755 /tmp/sid /tmp/ssleep'
t_id_setuid() {   # a setuid-root binary in the image: nothing under no_new_privs; without it,
                  # root of the namespace at most, which is nobody special on the host
    local drop='setpriv --reuid=65534 --regid=65534 --clear-groups'
    x "$(P debian)" sh -c "$SUID_PREP && $drop /tmp/sid -u"
    expect_ok; expect_out 65534
    x "$(P debian)" --boxcar-security-opt=no-new-privileges=false sh -c "$SUID_PREP && $drop /tmp/sid -u"
    expect_ok; expect_out 0
    [ "$CONFIG" = root ] && return 0
    start_bg debian --boxcar-security-opt=no-new-privileges=false sh -c "$SUID_PREP && echo ready && exec $drop /tmp/ssleep 5"
    wait_for "$T/bg.out" '^ready$' 20 || fail "no ready"
    local p="" i
    for ((i = 0; i < 50; i++)); do p=$(pgrep -f '^/tmp/ssleep 5$') && break; sleep 0.1; done
    [ -n "$p" ] || fail "setuid sleep not found"
    local euid; euid=$(awk '/^Uid:/ {print $3}' "/proc/$p/status")
    [ "$euid" = "$(id -u)" ] || fail "the setuid binary runs with host euid $euid, want the caller's $(id -u)"
    wait_bg 10
}
test_case run "identity: layer files keep their owners (inside, and in the cache)" t_id_owners_kept
test_case run "identity: a setuid binary gains nothing (no_new_privs; else root of the namespace only)" t_id_setuid
test_case run "identity: root inside can chown and switch to uid 999" t_id_switch_users
test_case run "identity: supplementary groups from the image's /etc/group" t_id_groups
test_case run "identity: --boxcar-userns=keep-id runs as the caller; refuses --boxcar-user" t_id_keepid
test_case run "identity: unknown --boxcar-userns mode (125, one line)" t_id_bad_mode
test_case run "identity: --boxcar-fakeroot fakes chown and setuid (seccomp)" t_id_fakeroot
if [ "${CONFIG:-}" = root ]; then
    test_case run "identity: user without subids: one id mapped; subids refused with the fix" t_id_no_subids
else
    test_case run "identity: --boxcar-userns=root: one id, its own cache store" t_id_userns_root
fi

# ------------------------------------------------------------------ postgres
# pg_start [RUNNER...]: start the postgres file in the background on a free port;
# PGPID = its pid, PORT; waits until it accepts connections
pg_start() {
    PORT=$(free_port)
    "$@" "$(P postgres)" --boxcar-env=POSTGRES_PASSWORD=s3cret -p "$PORT" >"$T/pg.out" 2>"$T/pg.err" </dev/null &
    PGPID=$!
    # shellcheck disable=SC2064
    trap "kill -KILL $PGPID 2>/dev/null" EXIT
    pg_wait "$PORT"
}
pg_sql() { PGPASSWORD=${PW:-s3cret} x psql -h 127.0.0.1 -p "$PORT" -U postgres -qAtc "$1"; }

t_pg_scenario() {
    pg_start
    pg_sql "select current_user, 6 * 7"; expect_ok; expect_out "postgres|42"
    pg_sql "create table t (v text); insert into t values ('kept'); select v from t"
    expect_ok; expect_out kept
    PW=wrong pg_sql "select 1"; expect_rc 2; expect_err_has "password authentication failed"
    # the server runs as the image's postgres (999): on the host, that id through the map
    local init pg
    init=$(pgrep -P "$PGPID" | head -1); pg=$(pgrep -P "$init" | head -1)
    [ -n "$pg" ] || fail "no server process under the container's init"
    [ "$(ps -o uid= -p "$pg" | tr -d ' ')" = "$(host_id_of 999 /etc/subuid)" ] \
        || fail "server runs as host uid $(ps -o uid= -p "$pg"), want $(host_id_of 999 /etc/subuid)"
    # docker stop: TERM arrives as the image's StopSignal (INT: fast shutdown), exit 0
    kill -TERM "$PGPID"
    local rc=0; wait "$PGPID" || rc=$?
    [ "$rc" = 0 ] || { tail -20 "$T/pg.err" >&2; fail "exit status $rc after TERM, want 0"; }
    grep -q "database system is shut down" "$T/pg.err" || fail "no clean shutdown in the server's log"
    grep -q "database initialized" "$T/pg.err" || fail "the entrypoint did not initialize the cluster"
}
t_pg_one_id() {   # without subordinate ids the entrypoint's chown fails, and boxcar says why
    local as=()
    if [ "$CONFIG" = root ]; then
        local c=$T/nosub
        mkdir -p "$c/cache"; chmod 0700 "$c/cache"; chown -R boxcarnosub: "$c"
        as=(runuser -u boxcarnosub -- env HOME="$c" BOXCAR_CACHE="$c/cache" PATH="$PATH" USER=boxcarnosub)
    fi
    local mode=(); [ "$CONFIG" = root ] || mode=(--boxcar-userns=root)
    x "${as[@]}" "$(P postgres)" "${mode[@]}" --boxcar-env=POSTGRES_PASSWORD=s3cret
    expect_rc 1
    expect_err_has "chown: .*Invalid argument"
    if [ "$CONFIG" = root ]; then
        expect_err_has "only one user id is mapped \(no subordinate uid range for user boxcarnosub in /etc/subuid\)"
        expect_err_has "usermod --add-subuids 100000-165535 --add-subgids 100000-165535 boxcarnosub"
    else
        expect_err_has "note: --boxcar-userns=root maps one user id"
    fi
}
test_case run "postgres: root entrypoint, gosu to 999, initdb; psql from the host with the password" t_pg_scenario
test_case run "postgres: with one mapped id it fails, and the note says why and what to configure" t_pg_one_id
