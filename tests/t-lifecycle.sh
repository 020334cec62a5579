# Lifecycle without a daemon: --boxcar-detach / --boxcar-name, boxcar ps, logs, stop,
# kill, rm, start; stale records; the seed scenario: a detached, named postgres stopped
# by name; a named container's kept writable layer: start, diff, commit.
# The state lives in $XDG_RUNTIME_DIR/boxcar: each test gets its own.

lc_env() {
    export XDG_RUNTIME_DIR=$T/run; mkdir -p "$XDG_RUNTIME_DIR"; chmod 0700 "$XDG_RUNTIME_DIR"
    trap lc_cleanup EXIT   # a failed test leaves no container running
}
lc_cleanup() {
    local id
    for id in $(ls "$XDG_RUNTIME_DIR/boxcar" 2>/dev/null | grep -v '^names$'); do "$BOXCAR" rm -f "$id" >/dev/null 2>&1; done
}
# lc_status NAME: the STATUS column of `boxcar ps -a` for NAME
lc_status() { "$BOXCAR" ps -a | awk -v n="$1" '$2 == n { s = $4; for (i = 5; i <= NF && $i !~ /^[0-9.]+:/; i++) s = s " " $i; print s }'; }
LOOP='trap "echo got-term; exit 7" TERM; echo started; while :; do sleep 0.1; done'

t_lc_detach() {   # -d prints the id at once; ps, logs, stop by name (TERM), ps -a, rm
    needs_writable_root "named containers keep a writable layer"
    lc_env
    x "$(P bb)" --boxcar-detach --boxcar-name=web sh -c "$LOOP"
    expect_ok
    [[ $OUT =~ ^[0-9a-f]{12}$ ]] || { ctx; fail "detach did not print a 12-hex id"; }
    local id=$OUT
    local i; for ((i = 0; i < 50; i++)); do "$BOXCAR" logs web 2>/dev/null | grep -q started && break; sleep 0.1; done
    x "$BOXCAR" logs web; expect_ok; expect_out started
    x "$BOXCAR" ps; expect_ok
    printf '%s\n' "$OUT" | grep -qE "^$id +web +bb +Up " || { ctx; fail "ps does not show web as Up"; }
    x "$BOXCAR" stop web; expect_ok; expect_out web
    [ "$(lc_status web)" = "Exited (7)" ] || { "$BOXCAR" ps -a >&2; fail "status after stop: '$(lc_status web)', want 'Exited (7)'"; }
    x "$BOXCAR" logs web; expect_out $'started\ngot-term'
    x "$BOXCAR" ps; expect_out_lacks web          # not running: only under -a
    x "$BOXCAR" rm "${id:0:6}"; expect_ok          # an id prefix works
    x "$BOXCAR" ps -a; expect_out_lacks web
    [ -z "$(pgrep -f "$(P bb) --boxcar-detach")" ] || fail "a boxcar process lingers"
}
t_lc_names() {   # unique names; a running container is not removed without -f
    needs_writable_root "named containers keep a writable layer"
    lc_env
    x "$(P bb)" --boxcar-detach --boxcar-name=one sh -c "$LOOP"; expect_ok
    x "$(P bb)" --boxcar-detach --boxcar-name=one true
    expect_error 125; expect_err_has "name 'one' is in use"
    x "$(P bb)" --boxcar-name='bad name' true; expect_error 125; expect_err_has "bad container name"
    x "$BOXCAR" rm one; expect_rc 1; expect_err_has "running"
    x "$BOXCAR" rm -f one; expect_ok
    x "$BOXCAR" ps -a; expect_out_lacks one
    x "$BOXCAR" stop nosuch; expect_rc 1; expect_err_has "no container named 'nosuch'"
    x "$BOXCAR" run --name att "$(P bb)" sh -c 'exit 4'; expect_rc 4   # named, attached
    [ "$(lc_status att)" = "Exited (4)" ] || fail "attached named run: status '$(lc_status att)'"
}
t_lc_kill_timeout() {   # an app that ignores the stop signal: KILL after -t; kill -s
    needs_writable_root "named containers keep a writable layer"
    lc_env
    x "$(P bb)" --boxcar-detach --boxcar-name=stubborn sh -c 'trap "echo usr1" USR1; trap "" TERM; echo started; while :; do sleep 0.1; done'
    expect_ok
    local i; for ((i = 0; i < 50; i++)); do "$BOXCAR" logs stubborn 2>/dev/null | grep -q started && break; sleep 0.1; done
    x "$BOXCAR" kill -s USR1 stubborn; expect_ok
    for ((i = 0; i < 50; i++)); do "$BOXCAR" logs stubborn | grep -q usr1 && break; sleep 0.1; done
    "$BOXCAR" logs stubborn | grep -q usr1 || fail "kill -s USR1 did not reach the app"
    local t0; t0=$(date +%s%N)
    x "$BOXCAR" stop -t 1 stubborn; expect_ok
    local ms=$(( ($(date +%s%N) - t0) / 1000000 ))
    [ "$(lc_status stubborn)" = "Exited (137)" ] || fail "status '$(lc_status stubborn)', want 'Exited (137)'"
    [ "$ms" -ge 900 ] && [ "$ms" -lt 8000 ] || fail "stop -t 1 took $ms ms"
}
t_lc_stale() {   # a supervisor killed with -9: its container goes too, ps -a shows it, rm cleans
    needs_writable_root "named containers keep a writable layer"
    lc_env
    x "$(P bb)" --boxcar-detach --boxcar-name=victim sh -c "$LOOP"; expect_ok
    local pid; pid=$(jq -r .pid "$XDG_RUNTIME_DIR/boxcar/$OUT/info")
    local i; for ((i = 0; i < 50; i++)); do [ -n "$(pgrep -P "$pid")" ] && break; sleep 0.1; done
    local init; init=$(pgrep -P "$pid")
    kill -KILL "$pid"
    for ((i = 0; i < 50; i++)); do kill -0 "$init" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$init" 2>/dev/null && fail "the container's init outlived its supervisor"
    [ "$(lc_status victim)" = "Exited (killed)" ] || fail "stale status '$(lc_status victim)'"
    x "$BOXCAR" rm victim; expect_ok
    [ -z "$(ls "$XDG_RUNTIME_DIR/boxcar" | grep -v names)" ] || fail "state left: $(ls "$XDG_RUNTIME_DIR/boxcar")"
}
t_lc_ports() {   # ps shows published ports of a detached server
    needs_writable_root "named containers keep a writable layer"
    lc_env
    local hp; hp=$(free_port)
    x "$BOXCAR" run -d --name srv -p "$hp:8080" "$(P bb)" httpd -f -p 8080; expect_ok
    x "$BOXCAR" ps; expect_ok
    printf '%s\n' "$OUT" | grep -q "0.0.0.0:$hp->8080/tcp" || { ctx; fail "ps lacks the port"; }
    x "$BOXCAR" stop srv; expect_ok
}
t_lc_postgres() {   # the seed scenario: docker run -d --name db ...; docker stop db
    needs_writable_root "named containers keep a writable layer"
    lc_env
    local port; port=$(free_port)
    # (boxcar run takes its flags on both sides of FILE: "--" before the server's own)
    x "$BOXCAR" run -d --name db -e POSTGRES_PASSWORD=s3cret "$(P postgres)" -- -p "$port"; expect_ok
    local i; for ((i = 0; i < 240; i++)); do pg_isready -q -h 127.0.0.1 -p "$port" && break; sleep 0.5; done
    PGPASSWORD=s3cret x psql -h 127.0.0.1 -p "$port" -U postgres -qAtc 'select 40 + 2'
    [ "$OUT" = 42 ] || { "$BOXCAR" logs db | tail -20 >&2; "$BOXCAR" rm -f db; fail "psql: $OUT $ERR"; }
    x "$BOXCAR" stop db; expect_ok; expect_out db
    [ "$(lc_status db)" = "Exited (0)" ] || { "$BOXCAR" logs db | tail -5 >&2; fail "db status '$(lc_status db)', want a clean 'Exited (0)'"; }
    "$BOXCAR" logs db | grep -q "database system is shut down" || fail "no clean shutdown in the log"
    x "$BOXCAR" rm db; expect_ok
}
t_lc_exec() {   # boxcar exec: the container's namespaces, root, env, cwd and user
    needs_writable_root "named containers keep a writable layer"
    lc_env
    x "$(P bb)" --boxcar-detach --boxcar-name=box --boxcar-workdir=/srv --boxcar-net=private sh -c "$LOOP"
    expect_ok
    local i; for ((i = 0; i < 50; i++)); do "$BOXCAR" logs box 2>/dev/null | grep -q started && break; sleep 0.1; done
    x "$BOXCAR" exec box sh -c 'echo "$FOO|$(pwd)|$(id -u)|$(cat /etc/fixture-release)|$(ls /sys/class/net)"
        ps -o pid,args | awk "\$1 == 1 {print \"init\"}"; grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status | tr -s "\t" " "'
    expect_ok; expect_out "bar|/srv|0|busybox fixture|$(own_sys_net | tr ' ' '\n')"$'\ninit\nNoNewPrivs: 1\nSeccomp: 2'
    x "$BOXCAR" exec -e FOO=over -u 1000:1000 -w / box sh -c 'echo "$FOO $(id -u):$(id -g) $(pwd)"; exit 5'
    expect_rc 5; expect_out "over 1000:1000 /"
    x "$BOXCAR" exec box no-such-command; expect_rc 127; expect_err_has "no-such-command"
    x "$BOXCAR" exec -u postgres box true; expect_error 125; expect_err_has "bad exec user"
    x "$BOXCAR" exec box sh -c 'touch /tmp/from-exec'; expect_ok
    x "$BOXCAR" exec box ls /tmp/from-exec; expect_ok   # the same root as the app
    x "$BOXCAR" stop box; expect_ok
    x "$BOXCAR" exec box true; expect_error 125; expect_err_has "not running"
}
# kept LAYER-FILE: the directories of kept writable layers below BOXCAR_CACHE
kept_dirs() { find "$BOXCAR_CACHE" -path '*/containers/*' -prune -print 2>/dev/null; }
# new_layer FILE: the listing (tar -tv, by GNU tar) of FILE's topmost layer
new_layer() {
    local off size
    off=$("$BOXCAR" inspect "$1" | jq '.layers[-1].offset'); size=$("$BOXCAR" inspect "$1" | jq '.layers[-1].size')
    tail -c +$((off + 1)) "$1" | head -c "$size" | zstd -dc | tar --numeric-owner -tvf -
}
layer_digests() { "$BOXCAR" inspect "$1" | jq -r '.layers[].digest'; }

t_lc_start() {   # a named container keeps its writable layer across stop/start; unnamed runs do not
    needs_writable_root "named containers keep a writable layer"
    lc_env
    x "$(P bb)" --boxcar-name=keeper --boxcar-env=GREETING=hi sh -c \
        'n=$(cat /count 2>/dev/null || echo 0); echo $((n + 1)) > /count; echo "run $((n + 1)) $GREETING"'
    expect_ok; expect_out "run 1 hi"
    [ "$(kept_dirs | wc -l)" = 1 ] || fail "no kept layer for the named container: $(kept_dirs)"
    x "$BOXCAR" start keeper; expect_ok; expect_out keeper
    local i; for ((i = 0; i < 50; i++)); do [ "$(lc_status keeper)" = "Exited (0)" ] && break; sleep 0.1; done
    x "$BOXCAR" logs keeper; expect_out "run 2 hi"      # started detached, same args, same layer
    x "$BOXCAR" start keeper; expect_ok
    for ((i = 0; i < 50; i++)); do "$BOXCAR" logs keeper | grep -q "run 3" && break; sleep 0.1; done
    x "$BOXCAR" logs keeper; expect_out $'run 2 hi\nrun 3 hi'
    x "$(P bb)" sh -c 'cat /count 2>/dev/null || echo none'; expect_out none   # unnamed: its own, fresh
    x "$BOXCAR" run --rm --name gone "$(P bb)" sh -c 'touch /x; exit 3'; expect_rc 3   # --rm: forgotten
    x "$BOXCAR" ps -a; expect_ok; printf '%s\n' "$OUT" | grep -q ' gone ' && fail "--rm left a record"
    x "$(P bb)" --boxcar-detach --boxcar-name=busy sh -c "$LOOP"; expect_ok
    x "$BOXCAR" start busy; expect_rc 1; expect_err_has "already running"
    x "$BOXCAR" rm -f busy keeper; expect_ok
    [ -z "$(kept_dirs)" ] || fail "rm left the kept layers: $(kept_dirs)"
    x "$BOXCAR" start keeper; expect_rc 1; expect_err_has "no container named 'keeper'"
}
t_lc_diff() {   # docker container diff: A/C/D against the image's merged layers
    needs_writable_root "named containers keep a writable layer"
    lc_env
    # layers: /data/new.txt and /data/opq/x were deleted by lower layers (whiteout, opaque
    # dir), so writing them adds them; /data/sticky is replaced by a new dir (opaque)
    x "$(P layers)" --boxcar-name=ch sh -c 'echo 1 > /data/new.txt; echo 2 > /data/opq/x
        echo 3 >> /data/opq/new-in-opq; rm /data/b.txt; rm -rf /data/sticky; mkdir /data/sticky
        touch /data/sticky/n; chmod 600 /data/keep.txt; cat /etc/hostname >/dev/null'
    expect_ok
    x "$BOXCAR" diff ch; expect_ok
    expect_out $'C /data\nD /data/b.txt\nC /data/keep.txt\nA /data/new.txt\nC /data/opq\nC /data/opq/new-in-opq\nA /data/opq/x\nC /data/sticky\nA /data/sticky/n'
    # the image's Volumes are data, not changes; boxcar's own mount points are not changes
    x "$(P bb-stopsig)" --boxcar-name=vol sh -c 'echo x > /data/vol/f; echo y > /etc/y'; expect_ok
    x "$BOXCAR" diff vol; expect_ok; expect_out $'A /data\nC /etc\nA /etc/y'
    x "$(P bb)" --boxcar-name=clean true; expect_ok
    x "$BOXCAR" diff clean; expect_ok; expect_out ""
    x "$(P bb)" --boxcar-detach sh -c "$LOOP"; expect_ok; local id=$OUT
    x "$BOXCAR" diff "$id"; expect_error 125; expect_err_has "only named containers"
    x "$BOXCAR" diff nosuch; expect_error 125; expect_err_has "no container named 'nosuch'"
    x "$BOXCAR" diff; expect_rc 2
}
t_lc_commit() {   # docker commit: the image's layers as they were, plus one layer of changes
    needs_writable_root "named containers keep a writable layer"
    lc_env
    x "$(P debian)" --boxcar-name=deb sh -c 'echo hi > /etc/newfile; chown 33:33 /etc/newfile
        ln /etc/newfile /etc/hard; ln -s newfile /etc/sym; rm /etc/issue
        rm -rf /usr/share/doc; mkdir /usr/share/doc; echo n > /usr/share/doc/new'
    expect_ok
    x "$BOXCAR" commit deb -o deb2 --cmd 'cat /etc/newfile' --env FOO=bar; expect_ok
    [ "$(layer_digests deb2 | head -n -1)" = "$(layer_digests "$(P debian)")" ] || fail "the image's layers changed"
    new_layer deb2 > listing
    local want; for want in 'etc/.wh.issue' 'usr/share/doc/.wh..wh..opq' 'etc/hard' 'etc/newfile link to etc/hard' \
        'etc/sym -> newfile' 'usr/share/doc/new'; do   # (names sorted: hard comes first)
        grep -q " $want\$" listing || { cat listing >&2; fail "the new layer lacks '$want'"; }
    done
    grep -q ' 33/33 .* etc/hard$' listing || { cat listing >&2; fail "etc/newfile lost its owner"; }
    x ./deb2; expect_ok; expect_out hi              # --cmd
    x ./deb2 sh -c 'echo "$FOO $(stat -c %u:%g /etc/newfile) $(readlink /etc/sym)"; ls /usr/share/doc; [ -e /etc/issue ] || echo no-issue'
    expect_ok; expect_out $'bar 33:33 newfile\nnew\nno-issue'
    x ./deb2 --boxcar-name=deb2c sh -c 'echo more > /etc/more'; expect_ok     # commit of a commit
    x "$BOXCAR" commit deb2c -o deb3; expect_ok
    [ "$("$BOXCAR" inspect deb3 | jq '.layers | length')" = $(( $("$BOXCAR" inspect "$(P debian)" | jq '.layers | length') + 2 )) ] ||
        fail "commit of a commit: wrong layer count"
    x ./deb3 cat /etc/more /etc/newfile; expect_ok; expect_out $'more\nhi'
    x "$(P debian)" --boxcar-name=same true; expect_ok        # unchanged: the original layers
    x "$BOXCAR" commit same -o same.img; expect_ok
    [ "$(layer_digests same.img)" = "$(layer_digests "$(P debian)")" ] || fail "unchanged container: layers differ"
    x "$BOXCAR" commit same; expect_rc 2
    for o in --creds=a:b --cert-dir=/tmp --platform=linux/amd64 --tls-verify=false; do
        x "$BOXCAR" commit same -o f "$o"; expect_error 2; [ -e f ] && fail "$o: a file was left"
        grep -q "commit pulls nothing" "$T/.err" || fail "$o: not named as a registry option: $(cat "$T/.err")"
    done
    x "$BOXCAR" commit same -o /nonexistent/dir/f; expect_error 1; [ -e /nonexistent/dir ] && fail "created a dir"
    x "$BOXCAR" commit nosuch -o f; expect_error 125; [ -e f ] && fail "a file was left"
    ls | grep -q 'tmp-' && fail "a temporary file was left: $(ls)"
    return 0
}
test_case run "lifecycle: boxcar start: a named container keeps its writable layer; rm removes it" t_lc_start
test_case run "lifecycle: boxcar diff: A/C/D over whiteouts and opaque dirs; Volumes and mount points left out" t_lc_diff
test_case run "lifecycle: boxcar commit: original layers + a layer of changes (whiteouts, owners, links); commit of a commit" t_lc_commit
test_case run "lifecycle: boxcar exec: namespaces, root, env, cwd, user, confinement" t_lc_exec
test_case run "lifecycle: --boxcar-detach --boxcar-name; ps, logs, stop (TERM), rm by id prefix" t_lc_detach
test_case run "lifecycle: unique names, rm of a running one needs -f, attached named runs" t_lc_names
test_case run "lifecycle: kill -s, stop -t kills what ignores its stop signal" t_lc_kill_timeout
test_case run "lifecycle: a killed supervisor takes its container along; ps -a and rm" t_lc_stale
test_case run "lifecycle: run -d -p: ps shows the published port" t_lc_ports
test_case run "lifecycle: postgres detached and named, psql, stopped by name (exit 0)" t_lc_postgres
