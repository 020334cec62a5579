# Runtime behaviour of packed files (run as the unprivileged user and as root).

# ------------------------------------------------------------------ every source kind runs
t_src() {   # t_src ARTIFACT EXPECTED ARGS...
    local a=$1 want=$2; shift 2
    x "$(P "$a")" "$@"; expect_ok; expect_out "$want"
}
t_src_oci()      { t_src bb "hello from busybox"; }
t_src_ociarch()  { t_src ociarch "hello from busybox"; }
t_src_skopeo()   { t_src skopeo-docker "hello from busybox"; }
t_src_dsave()    { t_src dsave-bb "hello from busybox"; }
t_src_dsave_l()  { t_src dsave-layers "new-in-opq" cat /data/opq/new-in-opq; }
t_src_zstd()     { t_src zstd "alpha-again" cat /data/a.txt; }
t_src_plain()    { t_src plain "bravo2" cat /data/b.txt; }
t_src_rootfs_dir() {
    t_src rootfs-dir "from-rootfs a b"
    t_src rootfs-dir "from-rootfs x y" x y
    x "$(P rootfs-dir)" --boxcar-entrypoint=/bin/sh -c 'echo "$K1|$K2|$(pwd)"'
    expect_ok; expect_out "v1|with space|/srv/work"
}
t_src_rootfs_tar() {
    t_src rootfs-tar "from-tarball"
    t_src rootfs-tar "1001" id -u
}
t_src_debian() {
    local want; want=$(tar -xOf "$FIX/debian-minbase.tar" ./etc/debian_version)
    t_src debian "$want"
}
t_debian_layers() {
    x "$(P debian)" sh -c 'echo "$BOXCAR_FIXTURE|$(pwd)|$(cat hello.txt)"'
    expect_ok; expect_out "debian|/opt/fixture|hello from the second layer"
}
t_debian_dynamic() {   # glibc dynamic binaries and perl work
    x "$(P debian)" apt-get --version; expect_ok
    [[ $OUT == apt\ 2.* ]] || { ctx; fail "unexpected apt-get --version output"; }
    x "$(P debian)" perl -e 'print "perl ok\n"'; expect_ok; expect_out "perl ok"
}
t_debian_username() {   # --boxcar-user=NAME resolved from the image's /etc/passwd
    x "$(P debian)" --boxcar-user=nobody sh -c 'echo "$(id -u) $(id -g) $(id -un)"'
    expect_ok; expect_out "65534 65534 nobody"
}
test_case run "source oci: runs default Cmd"                  t_src_oci
test_case run "source oci-archive: runs"                      t_src_ociarch
test_case run "source docker-archive (skopeo, symlinked layer.tar): runs" t_src_skopeo
test_case run "source docker-archive (docker save layout): runs" t_src_dsave
test_case run "source docker-archive multi-layer: runs"       t_src_dsave_l
test_case run "source oci zstd layers: runs"                  t_src_zstd
test_case run "source oci uncompressed layers: runs"          t_src_plain
test_case run "source rootfs:DIR with --entrypoint/--cmd/--env/--workdir" t_src_rootfs_dir
test_case run "source rootfs:TARBALL with --cmd/--user"       t_src_rootfs_tar
test_case run "debian (buildah) image runs"                   t_src_debian
test_case run "debian: 2nd layer, Env and WorkingDir from buildah config" t_debian_layers
test_case run "debian: dynamic binaries (apt-get, perl)"      t_debian_dynamic
test_case run "debian: --boxcar-user=nobody by name"          t_debian_username

# ------------------------------------------------------------------ image config
t_cmd_replaced()  { x "$(P bb)" echo replaced; expect_ok; expect_out replaced; }
t_ep_default()    { x "$(P bb-ep)"; expect_ok; expect_out "ep: default cmd"; }
t_ep_args()       { x "$(P bb-ep)" a b; expect_ok; expect_out "ep: a b"; }
t_ep_override() {
    x "$(P bb-ep)" --boxcar-entrypoint=/bin/cat /etc/fixture-release
    expect_ok; expect_out "busybox fixture"
    x "$BOXCAR" run "$(P bb-ep)" --entrypoint /bin/cat /etc/fixture-release
    expect_ok; expect_out "busybox fixture"
}
t_env_image() {
    x "$(P bb)" env; expect_ok
    expect_out_has "FOO=bar"; expect_out_has "SPACED=a b  c"
    expect_out_has "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
}
t_env_noleak() {   # like docker run: the host environment does not leak in
    BOXCAR_LEAK_CHECK=leaked x "$(P bb)" env; expect_ok
    expect_out_lacks "BOXCAR_LEAK_CHECK"
}
t_workdir() {
    x "$(P bb-cfg)" pwd; expect_ok; expect_out /srv/work
    x "$(P bb)" pwd;     expect_ok; expect_out /
    x "$(P bb-cfg)" --boxcar-workdir=/etc pwd; expect_ok; expect_out /etc
    x "$(P bb)" --boxcar-workdir=/does/not/exist/yet pwd; expect_ok; expect_out /does/not/exist/yet
}
t_user_default()  { x "$(P bb)" sh -c 'echo "$(id -u):$(id -g)"'; expect_ok; expect_out "0:0"; }
t_user_numeric()  { x "$(P bb-cfg)" sh -c 'echo "$(id -u):$(id -g)"'; expect_ok; expect_out "1000:1000"; }
t_user_name()     { x "$(P bb-user)" sh -c 'echo "$(id -u):$(id -g):$(id -un)"'; expect_ok; expect_out "1001:1002:app"; }
t_user_override() {
    x "$(P bb)" --boxcar-user=1001 id -u; expect_ok; expect_out 1001
    x "$(P bb-cfg)" --boxcar-user=0 id -u; expect_ok; expect_out 0
    x "$(P bb)" --boxcar-user=app sh -c 'echo "$(id -u):$(id -g)"'; expect_ok; expect_out "1001:1002"
    x "$BOXCAR" run "$(P bb)" -u 1001 id -u; expect_ok; expect_out 1001
}
t_user_file_access() {   # files the image gives to root are not writable for uid 1000
    x "$(P bb-cfg)" sh -c 'echo x >> /etc/passwd && echo WROTE || echo DENIED'
    expect_out_has DENIED
}
test_case run "config: args replace Cmd"                t_cmd_replaced
test_case run "config: Entrypoint + default Cmd"        t_ep_default
test_case run "config: Entrypoint + args"               t_ep_args
test_case run "config: --boxcar-entrypoint / run --entrypoint" t_ep_override
test_case run "config: image Env"                       t_env_image
test_case run "config: host environment does not leak"  t_env_noleak
test_case run "config: WorkingDir and --boxcar-workdir" t_workdir
test_case run "config: default user is root in the container" t_user_default
test_case run "config: numeric User 1000:1000"          t_user_numeric
test_case run "config: User by name from /etc/passwd"   t_user_name
test_case run "config: --boxcar-user / run -u"          t_user_override
# Only where owners are kept: real root, or subordinate ids. With one mapped id every
# file belongs to the image's user (README "Limits").
{ [ "${CONFIG:-}" = root ] || [ -n "$STORE_SUFFIX" ]; } && test_case run "config: non-root User cannot write root's files" t_user_file_access

# ------------------------------------------------------------------ arguments
t_args_untouched() {
    local args=('a b' '"dq"' "'sq'" '' 'ü日本🚀' '$HOME' '*' 'back\slash' '--flag' ' lead'
                'trail ' $'tab\there' $'new\nline' 'x=y' '-' '--' '--boxcar-env=NOT=parsed')
    local want; want=$(printf '[%s]\n' "${args[@]}")
    x "$(P bb)" printf '[%s]\n' "${args[@]}"; expect_ok; expect_out "$want"
    x "$(P bb)" sh -c 'echo $#' sh '' '' ''; expect_ok; expect_out 3
}
t_args_boxcar_prefix_only_leading() {
    x "$(P bb)" echo --boxcar-env=X=1 --boxcar-help; expect_ok
    expect_out "--boxcar-env=X=1 --boxcar-help"
    x "$(P bb-ep)" -- a; expect_ok; expect_out "ep: -- a"
}
t_args_run() {   # boxcar run: "--" separates run options from the app's args
    x "$BOXCAR" run "$(P bb)" -- echo -e x; expect_ok; expect_out "x"
    x "$BOXCAR" run "$(P bb-ep)" -- -w x; expect_ok; expect_out "ep: -w x"
}
test_case run "args: spaces, quotes, empty, unicode, newlines pass untouched" t_args_untouched
test_case run "args: --boxcar-* parsed only before the first app arg" t_args_boxcar_prefix_only_leading
test_case run "args: boxcar run -- ARGS"                t_args_run

# ------------------------------------------------------------------ exit status
t_exit_codes() {
    local c
    for c in 0 1 3 42 255; do
        x "$(P bb)" sh -c "exit $c"; expect_rc "$c"
    done
}
t_exit_signal() {
    x "$(P bb)" sh -c 'kill -KILL $$'; expect_rc 137
    x "$(P bb)" sh -c 'kill -TERM $$'; expect_rc 143
    x "$(P bb)" sh -c 'kill -SEGV $$'; expect_rc 139
}
t_exit_126() {
    x "$(P bb-noexec)"; expect_error 126
    x "$(P bb)" /bin/notexec; expect_error 126
    x "$(P bb)" /etc; expect_error 126
    expect_out_lacks "this-must-not-run"
}
t_exit_127() {
    x "$(P bb-missing)"; expect_error 127; expect_err_has 'does-not-exist'
    x "$(P bb)" /no/such/program; expect_error 127
    x "$(P bb)" no-such-command-in-path; expect_error 127
    x "$(P bb)" --boxcar-entrypoint=/nope; expect_error 127
}
test_case run "exit: status passes through (0 1 3 42 255)" t_exit_codes
test_case run "exit: killed by signal N gives 128+N"    t_exit_signal
test_case run "exit: 126 for a non-executable entrypoint" t_exit_126
test_case run "exit: 127 for a missing entrypoint"      t_exit_127

# ------------------------------------------------------------------ signals, PID 1, zombies
# start_bg ARTIFACT ARGS... : start in the background (own process group, signals not
# ignored), stdout+stderr to $T/bg.out; sets BGPID
sig_state() {   # PID: SigIgn/SigBlk/SigCgt of PID and its descendants, as notes
    local p=$1 c
    note "signals of $p ($(tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null | head -c 60)): $(grep -E '^Sig(Ign|Blk|Cgt)' "/proc/$p/status" 2>/dev/null | tr -s '\t\n' '  ')"
    for c in $(pgrep -P "$p"); do sig_state "$c"; done
}
start_bg() {
    local f; f=$(P "$1"); shift
    set -m
    # (without a terminal, bash starts background jobs with INT and QUIT ignored;
    # the launcher keeps what it is told to ignore, as docker's client does)
    env --default-signal=INT,QUIT "$f" "$@" > "$T/bg.out" 2>&1 < /dev/null &
    BGPID=$!
    set +m
}
wait_bg() {   # wait_bg SECONDS : wait for BGPID, sets RC; kills it after SECONDS
    local i
    for ((i = 0; i < ${1:-10} * 10; i++)); do
        kill -0 "$BGPID" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$BGPID" 2>/dev/null; then
        kill -KILL -- "-$BGPID" 2>/dev/null; wait "$BGPID"
        note "output:"; show "$(cat "$T/bg.out")" >&2
        fail "process did not exit within ${1:-10}s"
    fi
    wait "$BGPID"; RC=$?
}
TRAP_APP='for s in HUP INT QUIT USR1 USR2 WINCH; do trap "echo got $s" $s; done
trap "echo got TERM; exit 42" TERM
echo ready
while :; do sleep 0.05; done'
t_sig_term() {
    start_bg bb sh -c "$TRAP_APP"
    wait_for "$T/bg.out" '^ready$' 20 || { cat "$T/bg.out" >&2; kill -KILL -- "-$BGPID"; fail "app never became ready"; }
    kill -TERM "$BGPID"
    wait_bg 10
    grep -qx "got TERM" "$T/bg.out" || { show "$(cat "$T/bg.out")" >&2; fail "app did not get SIGTERM"; }
    [ "$RC" = 42 ] || fail "exit status $RC, want 42 (the app's own)"
}
t_sig_others() {
    local s
    start_bg bb sh -c "$TRAP_APP"
    wait_for "$T/bg.out" '^ready$' 20 || { cat "$T/bg.out" >&2; kill -KILL -- "-$BGPID"; fail "app never became ready"; }
    sig_state "$BGPID"   # (shown if the test fails: ignored or blocked signals down the tree)
    for s in HUP INT QUIT USR1 USR2 WINCH; do
        kill -"$s" "$BGPID"
        wait_for "$T/bg.out" "^got $s\$" 5 || { kill -KILL -- "-$BGPID"; show "$(cat "$T/bg.out")" >&2; fail "SIG$s not forwarded"; }
    done
    kill -TERM "$BGPID"; wait_bg 10
    [ "$RC" = 42 ] || fail "exit status $RC, want 42"
}
t_sig_clean() {   # launched with signals ignored (nohup, a background job), the app is not
    # (grep directly: busybox sh -c leaves QUIT ignored in what it execs)
    x sh -c 'trap "" INT QUIT HUP; exec "$0" grep -E "^Sig(Ign|Blk)" /proc/self/status' "$(P bb)"
    expect_ok; expect_out $'SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000'
}
t_sig_stopsignal() {   # SIGTERM arrives as the image's StopSignal (docker stop's rule)
    start_bg bb-stopsig sh -c "$TRAP_APP"
    wait_for "$T/bg.out" '^ready$' 20 || { cat "$T/bg.out" >&2; kill -KILL -- "-$BGPID"; fail "app never became ready"; }
    kill -TERM "$BGPID"
    wait_for "$T/bg.out" '^got USR1$' 5 || { kill -KILL -- "-$BGPID"; show "$(cat "$T/bg.out")" >&2; fail "StopSignal USR1 not sent for TERM"; }
    grep -qx "got TERM" "$T/bg.out" && fail "the app got SIGTERM although the image asks for SIGUSR1"
    kill -KILL -- "-$BGPID" 2>/dev/null; wait "$BGPID" 2>/dev/null
    return 0
}
t_sig_default() {   # an app that does not handle SIGTERM dies of it: 143
    start_bg bb sh -c 'echo ready; exec sleep 100'
    wait_for "$T/bg.out" '^ready$' 20 || { kill -KILL -- "-$BGPID"; fail "not ready"; }
    sleep 0.2
    kill -TERM "$BGPID"; wait_bg 10
    [ "$RC" = 143 ] || fail "exit status $RC, want 143"
}
t_pid1() {
    x "$(P bb)" sh -c 'read -r a b c ppid rest < /proc/$$/stat; echo "pid=$$ ppid=$ppid pid1=$(cat /proc/1/comm 2>/dev/null || echo none)"'
    expect_ok
    [[ $OUT =~ ^pid=([0-9]+)\ ppid=1\ pid1=(.+)$ ]] || { ctx; fail "unexpected output (want ppid=1)"; }
    [ "${BASH_REMATCH[1]}" != 1 ] || { ctx; fail "the app is PID 1 (boxcar's init should be)"; }
    [ "${BASH_REMATCH[2]}" != none ] || { ctx; fail "no PID 1 visible"; }
    x "$(P bb)" sh -c 'ls -d /proc/[0-9]* | wc -l'; expect_ok
    [ "$OUT" -lt 6 ] || { ctx; fail "too many processes visible: not a private PID namespace?"; }
}
t_zombies() {
    x "$(P bb)" sh -c '
        for i in 1 2 3 4 5; do (sleep 0.7 &); done
        sleep 0.3
        n=0; for s in /proc/[0-9]*/stat; do read -r p c st pp rest < "$s" 2>/dev/null || continue
            [ "$c" = "(sleep)" ] && [ "$pp" = 1 ] && n=$((n+1)); done
        sleep 1.5
        z=0; for s in /proc/[0-9]*/stat; do read -r p c st rest < "$s" 2>/dev/null || continue
            [ "$st" = Z ] && z=$((z+1)); done
        echo "orphans=$n zombies=$z"'
    expect_ok; expect_out "orphans=5 zombies=0"
}
test_case run "signals: SIGTERM forwarded, app decides exit status" t_sig_term
test_case run "signals: HUP INT QUIT USR1 USR2 WINCH forwarded" t_sig_others
test_case run "signals: the app starts with default dispositions, nothing blocked" t_sig_clean
test_case run "signals: untrapped SIGTERM ends the app, 143" t_sig_default
test_case run "signals: SIGTERM arrives as the image's StopSignal" t_sig_stopsignal
test_case run "pid: PID 1 is boxcar's init, the app is its child" t_pid1
test_case run "pid: orphans are reparented to PID 1 and reaped" t_zombies

# ------------------------------------------------------------------ env / volumes
t_env_opt() {
    x "$(P bb)" --boxcar-env=FOO=over --boxcar-env='NEW=x y' --boxcar-env=EMPTY= sh -c 'echo "$FOO|$NEW|${EMPTY-unset}|$SPACED"'
    expect_ok; expect_out "over|x y||a b  c"
    x "$BOXCAR" run "$(P bb)" -e FOO=r -e NEW=2 sh -c 'echo "$FOO|$NEW"'
    expect_ok; expect_out "r|2"
}
t_vol_rw() {
    mkdir "$T/vol"; echo in > "$T/vol/in.txt"
    x "$(P bb)" --boxcar-volume="$T/vol:/mnt/vol" sh -c 'cat /mnt/vol/in.txt; echo out > /mnt/vol/out.txt'
    expect_ok; expect_out in
    [ "$(cat "$T/vol/out.txt" 2>/dev/null)" = out ] || fail "write through the volume not visible on the host"
    [ "$(stat -c %u "$T/vol/out.txt")" = "$(id -u)" ] || fail "file written in the volume is owned by uid $(stat -c %u "$T/vol/out.txt"), not the caller"
}
t_vol_ro() {
    mkdir "$T/vol"; echo in > "$T/vol/in.txt"
    x "$(P bb)" --boxcar-volume="$T/vol:/mnt/vol:ro" sh -c 'cat /mnt/vol/in.txt; (echo x > /mnt/vol/new) 2>/dev/null && echo WROTE || echo ROFAIL'
    expect_ok; expect_out $'in\nROFAIL'
    [ ! -e "$T/vol/new" ] || fail "ro volume was written"
}
t_vol_run() {
    mkdir "$T/vol" "$T/ro"; echo r > "$T/ro/r.txt"
    x "$BOXCAR" run "$(P bb)" -v "$T/vol:/work" -v "$T/ro:/ro:ro" -w /work sh -c 'cat /ro/r.txt > copied; pwd; (echo x > /ro/new) 2>/dev/null || echo ROFAIL'
    expect_ok; expect_out $'/work\nROFAIL'
    [ "$(cat "$T/vol/copied" 2>/dev/null)" = r ] || fail "write through -v not visible on the host"
}
t_vol_file() {
    echo file-content > "$T/f.txt"
    x "$(P bb)" --boxcar-volume="$T/f.txt:/etc/mounted.txt:ro" cat /etc/mounted.txt
    expect_ok; expect_out file-content
}
test_case run "env: --boxcar-env and boxcar run -e"     t_env_opt
test_case run "volume: rw, writes visible on host, owned by caller" t_vol_rw
test_case run "volume: ro, writes fail"                 t_vol_ro
test_case run "volume: boxcar run -v -w"                t_vol_run
test_case run "volume: a single file"                   t_vol_file

# ------------------------------------------------------------------ the container's filesystem
t_writes_vanish() {
    if [ "${BOXCAR_ROOT:-}" = flat ]; then   # read-only there: the write fails, as under --read-only
        x "$(P bb)" sh -c 'echo x > /etc/vanishing-file'
        expect_rc 1; expect_err_has 'Read-only file system'
        return 0
    fi
    x "$(P bb)" sh -c 'echo x > /etc/vanishing-file && rm /etc/passwd && echo more >> /etc/fixture-release && mkdir /newdir && echo ok'
    expect_ok; expect_out ok
    x "$(P bb)" sh -c 'ls /etc/vanishing-file /newdir 2>/dev/null; head -n1 /etc/passwd; cat /etc/fixture-release'
    expect_out $'root:x:0:0:root:/root:/bin/sh\nbusybox fixture'
    [ -z "$(find "$BOXCAR_CACHE" -name vanishing-file 2>/dev/null)" ] || fail "a container write reached the layer cache"
}
t_dev() {
    x "$(P bb)" sh -c 'for n in null zero full random urandom tty; do [ -c /dev/$n ] || echo "missing $n"; done
        [ -d /dev/pts ] || echo "missing pts"; [ -d /dev/shm ] || echo "missing shm"
        echo x > /dev/null || echo "null not writable"
        head -c 3 /dev/zero | wc -c; head -c 5 /dev/urandom | wc -c
        (echo x > /dev/full) 2>/dev/null && echo "full accepted a write"
        [ -e /dev/mem ] && echo "has /dev/mem"; [ -e /dev/kmsg ] && echo "has /dev/kmsg"
        find /dev -type b | sed "s/^/block device: /"
        echo done'
    expect_ok; expect_out $'3\n5\ndone'
}
t_proc_sys() {
    x "$(P bb)" sh -c '[ -r /proc/self/status ] || echo "no /proc/self"; [ -d /sys/class ] || echo "no /sys"
        (mkdir /sys/boxcar-test) 2>/dev/null && echo "/sys writable"
        grep -q " /proc proc " /proc/mounts || echo "no proc mount"
        echo done'
    expect_ok; expect_out done
}
t_etc() {
    x "$(P bb)" sh -c 'for f in hostname hosts resolv.conf; do [ -s /etc/$f ] || echo "missing /etc/$f"; done
        [ "$(hostname)" = "$(cat /etc/hostname)" ] || echo "hostname mismatch: $(hostname) vs $(cat /etc/hostname)"
        grep -q localhost /etc/hosts || echo "no localhost in /etc/hosts"
        echo done'
    expect_ok; expect_out done
}
t_uts() {
    local before; before=$(hostname)
    # as under Docker, changing the hostname needs CAP_SYS_ADMIN (not a default one)
    x "$(P bb)" sh -c 'hostname changed-inside 2>/dev/null && echo CHANGED || echo refused'
    expect_ok; expect_out refused
    x "$(P bb)" --boxcar-cap-add=SYS_ADMIN sh -c 'hostname changed-inside && hostname'
    expect_ok; expect_out changed-inside
    [ "$(hostname)" = "$before" ] || fail "the host's hostname changed!"
}
t_tmp() { x "$(P bb)" sh -c 'echo t > /tmp/t && cat /tmp/t'; expect_ok; expect_out t; }
t_hostnet() {
    local host; host=$(ls /sys/class/net | sort | tr '\n' ' ')
    x "$(P bb)" sh -c 'ls /sys/class/net | sort | tr "\n" " "'
    expect_ok; expect_out "$host"
}
test_case run "fs: writes to the container root vanish on exit" t_writes_vanish
test_case run "fs: minimal /dev"                        t_dev
test_case run "fs: /proc mounted, /sys read-only"       t_proc_sys
t_masked() {   # Docker's masked paths read empty; its read-only ones refuse writes
    x "$(P bb)" sh -c 'for f in /proc/keys /proc/timer_list /proc/sched_debug; do [ -e $f ] && printf "%s=%s\n" $f "$(wc -c < $f)"; done
        ls -A /proc/acpi 2>/dev/null | wc -l
        (echo x > /proc/sys/kernel/domainname) 2>/dev/null && echo WROTE-SYS || echo sys-ro'
    expect_ok
    expect_out_lacks WROTE-SYS; expect_out_has sys-ro
    local l; while IFS= read -r l; do
        case $l in /proc/*=*) [ "${l#*=}" = 0 ] || { ctx; fail "$l: masked path is not empty"; } ;; esac
    done <<< "$OUT"
    [ -e /proc/keys ] && ! grep -q '^/proc/keys=0$' <<< "$OUT" && { ctx; fail "/proc/keys not masked"; }
    return 0
}
test_case run "fs: masked and read-only /proc paths (Docker's lists)" t_masked
t_readonly_tmpfs_hostname() {   # docker run --read-only --tmpfs --hostname; image Volumes stay writable
    x "$(P bb-stopsig)" --boxcar-read-only --boxcar-tmpfs=/scratch --boxcar-hostname=box1 sh -c '
        touch /x 2>/dev/null && echo ROOT-WRITABLE || echo root-ro
        touch /scratch/y && echo tmpfs-ok
        touch /data/vol/z && echo volume-ok
        echo "$(hostname) $(cat /etc/hostname) $HOSTNAME"'
    expect_ok; expect_out $'root-ro\ntmpfs-ok\nvolume-ok\nbox1 box1 box1'
    x "$BOXCAR" run --read-only "$(P bb)" --tmpfs /t -h box2 sh -c 'touch /t/a && hostname; touch /b 2>/dev/null || echo ro'
    expect_ok; expect_out $'box2\nro'
    x "$(P bb)" --boxcar-tmpfs=relative true; expect_error 125
}
test_case run "fs: --boxcar-read-only, --boxcar-tmpfs, --boxcar-hostname, image Volumes" t_readonly_tmpfs_hostname

# ------------------------------------------------------------------ security defaults
# Docker's defaults: 14 capabilities (CapBnd a80425fb), no_new_privs, seccomp filter
t_security_defaults() {
    x "$(P bb)" sh -c 'grep -E "^(CapBnd|CapEff|NoNewPrivs|Seccomp):" /proc/self/status | tr -s "\t" " "'
    expect_ok
    expect_out_has "CapBnd: 00000000a80425fb"; expect_out_has "CapEff: 00000000a80425fb"
    expect_out_has "NoNewPrivs: 1"; expect_out_has "Seccomp: 2"
}
t_security_denied() {   # calls Docker's profile refuses fail with EPERM, even for root inside
    x "$(P bb)" sh -c 'mkdir -p /mnt/t; mount -t tmpfs none /mnt/t 2>&1; echo "rc=$?"'
    expect_ok; expect_out_lacks "rc=0"
    grep -qiE 'denied|not permitted' <<< "$OUT" || { ctx; fail "mount was not refused with EPERM"; }
    x "$(P bb)" sh -c 'grep -c " /mnt/t " /proc/mounts'; expect_out 0
}
t_security_opts() {
    x "$(P bb)" --boxcar-security-opt=seccomp=unconfined --boxcar-security-opt=no-new-privileges=false \
        sh -c 'grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status | tr -s "\t" " "'
    expect_ok; expect_out_has "Seccomp: 0"; expect_out_has "NoNewPrivs: 0"
    x "$(P bb)" --boxcar-security-opt=no-new-privileges=false \
        sh -c 'grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status | tr -s "\t" " "'
    expect_ok; expect_out_has "Seccomp: 2"; expect_out_has "NoNewPrivs: 0"
    x "$(P bb)" --boxcar-cap-drop=ALL sh -c 'grep ^CapBnd: /proc/self/status | tr -s "\t" " "'
    expect_ok; expect_out "CapBnd: 0000000000000000"
    x "$BOXCAR" run "$(P bb)" --cap-add NET_ADMIN --cap-drop=CHOWN sh -c 'grep ^CapBnd: /proc/self/status | tr -s "\t" " "'
    expect_ok; expect_out "CapBnd: 00000000a80435fa"
    x "$(P bb)" --boxcar-cap-add=NOT_A_CAP true; expect_error 125; expect_err_has NOT_A_CAP
    x "$(P bb)" --boxcar-security-opt=apparmor=x true; expect_error 125
}
test_case run "security: Docker's default capabilities, no_new_privs, seccomp" t_security_defaults
test_case run "security: boxcar's PID 1 and port relay keep nothing the app can reach via /proc" t_security_sealed
test_case run "security: process_vm_readv between the app's processes (MPI's CMA), not on boxcar's PID 1" t_security_cma
test_case run "security: seccomp=FILE.json, a real profile (containers/common's)" t_security_profile_real
test_case run "security: seccomp=FILE.json rules: args, errnoRet, includes/excludes; bad profiles (125)" t_security_profile_rules
test_case run "security: --boxcar-ulimit / run --ulimit" t_ulimit
test_case run "limits: --boxcar-memory/-cpus/-pids-limit via cgroup v2, or a clear error" t_cgroup_limits
[ "${CONFIG:-}" = root ] && test_case run "limits: cgroup v2 without the controller: clear error, nothing left" t_cgroup_v2_no_controller
test_case run "security: mount refused with EPERM inside (seccomp + capabilities)" t_security_denied
test_case run "security: --boxcar-security-opt, --boxcar-cap-add/drop, run --cap-add" t_security_opts
test_case run "fs: /etc/hostname, /etc/hosts, /etc/resolv.conf" t_etc
test_case run "fs: hostname changes stay inside (uts ns)" t_uts
test_case run "fs: /tmp writable"                       t_tmp
test_case run "net: host network is shared"             t_hostnet

# ------------------------------------------------------------------ stdio
# seccomp=FILE.json in Docker's format. containers/common's default profile (Debian's
# golang-github-containers-common, which buildah brings) allows personality() only for a
# few personas and answers others with its defaultErrnoRet 38; boxcar's default allows it.
CONTAINERS_PROFILE=/usr/share/containers/seccomp.json
PERSONA='my $r = syscall(135, 0x0040000); print $r == -1 ? "errno " . ($! + 0) : "ok", "\n"'
t_security_profile_real() {
    [ -f "$CONTAINERS_PROFILE" ] || fail "$CONTAINERS_PROFILE missing (package golang-github-containers-common)"
    x "$(P debian)" perl -e "$PERSONA"; expect_ok; expect_out ok
    x "$(P debian)" --boxcar-security-opt=seccomp="$CONTAINERS_PROFILE" sh -c \
        "perl -e '$PERSONA'; grep Seccomp: /proc/self/status | tr -s '\t' ' '; apt-get --version | head -c 4"
    expect_ok; expect_out $'errno 38\nSeccomp: 2\napt '
}
t_security_profile_rules() {   # args, errnoRet, includes/excludes on caps and arches
    local prof=$TOP/tests/seccomp/rules.json
    x "$(P debian)" --boxcar-security-opt=seccomp="$prof" sh -c 'touch /tmp/f && chmod 755 /tmp/f && echo chmod-ok
        chmod u+s /tmp/f 2>&1; mkdir /tmp/d 2>&1; uname -s 2>&1; true'
    expect_ok
    expect_out_has chmod-ok
    expect_out_has "chmod: changing permissions of '/tmp/f': Operation not permitted"
    expect_out_has "mkdir: cannot create directory '/tmp/d': Permission denied"
    expect_out_has "uname: cannot get system name: Permission denied"
    x "$BOXCAR" run --cap-add SYS_ADMIN --security-opt "seccomp=$prof" "$(P debian)" uname -s
    expect_ok; expect_out Linux
    printf '{"defaultAction": "SCMP_ACT_NOTIFY"}' > "$T/notify.json"
    x "$(P bb)" --boxcar-security-opt=seccomp="$T/notify.json" true
    expect_error 125; expect_err_has "$T/notify.json"; expect_err_has SCMP_ACT_NOTIFY
    printf '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": ' > "$T/cut.json"
    x "$(P bb)" --boxcar-security-opt=seccomp="$T/cut.json" true
    expect_error 125; expect_err_has "cut.json.*JSON"
    printf '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 9, "value": 1, "op": "SCMP_CMP_EQ"}]}]}' > "$T/args.json"
    x "$(P bb)" --boxcar-security-opt=seccomp="$T/args.json" true
    expect_error 125; expect_err_has 'syscalls\[0\].*args'
    x "$(P bb)" --boxcar-security-opt=seccomp="$T/none.json" true
    expect_error 125; expect_err_has "none.json"
}
t_security_sealed() {   # PID 1 is a copy of the launcher, the relay holds host-side sockets
    local port; port=$(free_port udp)
    x "$(P bb)" --boxcar-publish="$port:9999/udp" sh -c 'for p in 1 2; do
        tr "\0" " " < /proc/$p/cmdline | grep -q -- --boxcar-publish || echo "pid $p is not boxcar"
        for f in /proc/$p/fd/*; do   # (real root may list the numbers; none may be opened)
            readlink "$f" >/dev/null 2>&1 && echo "fd $f resolves: $(readlink "$f")"
        done
        ls /proc/$p/root/ >/dev/null 2>&1 && echo "root of $p readable"
    done; echo done'
    expect_ok; expect_out done
}
# process_vm_readv (MPI's single-copy transfers between a node's ranks), as
# Docker allows it: between the app's own processes; not on boxcar's PID 1
# (the kernel's ptrace check), nor writes to it
t_security_cma() {
    x "$(P flask)" --boxcar-entrypoint=python3 -c 'import ctypes, errno, subprocess
libc = ctypes.CDLL(None, use_errno=True)
class iov(ctypes.Structure): _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]
def call(fn, pid, addr):
    buf = ctypes.create_string_buffer(16)
    l, r = iov(ctypes.cast(buf, ctypes.c_void_p), 16), iov(addr, 16)
    n = fn(pid, ctypes.byref(l), 1, ctypes.byref(r), 1, 0)
    return str(n) if n >= 0 else errno.errorcode[ctypes.get_errno()]
p = subprocess.Popen(["sleep", "30"])
addr = int(open("/proc/%d/maps" % p.pid).readline().split("-")[0], 16)
print("child", call(libc.process_vm_readv, p.pid, addr))
print("pid1", call(libc.process_vm_readv, 1, addr), call(libc.process_vm_writev, 1, addr))
p.kill()'
    expect_ok; expect_out $'child 16\npid1 EPERM EPERM'
}
t_ulimit() {   # docker run --ulimit: soft:hard, -1, one name at a time
    x "$(P bb)" --boxcar-ulimit=nofile=100:200 --boxcar-ulimit=core=0 --boxcar-ulimit=stack=-1 \
        sh -c 'ulimit -n; ulimit -Hn; ulimit -c; ulimit -s'
    expect_ok; expect_out $'100\n200\n0\nunlimited'
    x "$BOXCAR" run --ulimit nproc=77 "$(P bb)" sh -c 'ulimit -u; ulimit -Hu'
    expect_ok; expect_out $'77\n77'
    local hard; hard=$(ulimit -Hn)
    x "$(P bb)" --boxcar-ulimit=nofile=10:$((hard + 1)) true
    expect_error 125; expect_err_has "ulimit nofile"
    x "$(P bb)" --boxcar-ulimit=files=10 true; expect_error 125; expect_err_has "files=10"
    x "$(P bb)" --boxcar-ulimit=nofile=20:10 true; expect_error 125; expect_err_has "soft limit"
}

# --boxcar-memory/-cpus/-pids-limit: applied through a delegated cgroup v2 subtree where
# the host has one (checked from the host while the container runs), else a clear error.
t_cgroup_limits() {
    x "$(P bb)" --boxcar-memory=lots true; expect_error 125; expect_err_has "lots"
    x "$(P bb)" --boxcar-cpus=0 true; expect_error 125; expect_err_has "cpus"
    if [ "$(stat -fc %T /sys/fs/cgroup)" != cgroup2fs ]; then
        x "$(P bb)" --boxcar-memory=64m true
        expect_error 125; expect_err_has "cgroup v2.*cgroup v1 here"
        x "$BOXCAR" run --pids-limit 10 "$(P bb)" true
        expect_error 125; expect_err_has "cgroup v2"
        return 0
    fi
    start_bg bb --boxcar-pids-limit=10 --boxcar-memory=64m sh -c 'echo ready; sleep 5'
    wait_for "$T/bg.out" '^ready$' 20
    local app cg; app=$(pgrep -P "$(pgrep -P "$BGPID" | head -1)" | head -1)
    cg=$(sed -n 's/^0:://p' "/proc/$app/cgroup" 2>/dev/null)
    if [ -n "$app" ] && [ -n "$cg" ]; then
        [ "$(cat "/sys/fs/cgroup$cg/pids.max")" = 10 ] || fail "pids.max of $cg is $(cat "/sys/fs/cgroup$cg/pids.max")"
        [ "$(cat "/sys/fs/cgroup$cg/memory.max")" = $((64 << 20)) ] || fail "memory.max is not 64 MiB"
        wait_bg 10; [ "$RC" = 0 ] || fail "exit $RC"
        info "cgroup v2 limits applied in $cg"
    else
        wait_bg 10; expect_rc 125
        grep -qE 'cgroup .*(delegated|enable)' "$T/bg.out" || { cat "$T/bg.out" >&2; fail "no clear cgroup error"; }
        info "cgroup v2 here, not delegated: $(head -c 150 "$T/bg.out")"
    fi
}
t_cgroup_v2_no_controller() {   # root: a cgroup2 mount without the pids controller (v1 owns it)
    grep -q pids /sys/fs/cgroup/cgroup.controllers 2>/dev/null && return 0
    x unshare -m sh -c 'mount -t cgroup2 none /sys/fs/cgroup && grep -qw pids /sys/fs/cgroup/cgroup.controllers && exit 3
        "$1" --boxcar-pids-limit=10 echo CONTAINER-RAN; rc=$?; ls /sys/fs/cgroup | grep boxcar; exit $rc' sh "$(P bb)"
    [ "$RC" = 3 ] && { info "pids controller available in cgroup v2: skipped"; return 0; }
    expect_error 125; expect_err_has "cannot enable '\+pids' in cgroup"; expect_out_lacks CONTAINER-RAN
    expect_out_lacks boxcar-
}

# An interactive bash in the Debian image, driven by tmux: prompt, line editing, ^C stops
# the foreground command only, a window resize reaches the app (size and SIGWINCH), ^D
# exits with the last command's status.
tm() { tmux -S "$T/tmux.sock" "$@"; }
tm_wait() {   # REGEX [SECONDS]: until the pane shows a line matching REGEX
    local i
    for ((i = 0; i < ${2:-15} * 10; i++)); do
        tm capture-pane -p -t t 2>/dev/null | grep -qE -- "$1" && return 0
        sleep 0.1
    done
    note "pane:"; tm capture-pane -p -t t 2>/dev/null | sed 's/^/    | /' >&2
    return 1
}
t_tmux_shell() {
    command -v tmux >/dev/null || fail "tmux is not installed"
    trap 'tm kill-server 2>/dev/null' EXIT
    tm new-session -d -s t -x 100 -y 30 "$(P debian) bash; echo EXIT=\$? > '$T/exit'"
    tm_wait '[#] ?$' || fail "no prompt"
    tm send-keys -t t 'echo ord' C-b C-b C-b w Enter
    tm_wait '^word$' || fail "line editing (C-b, insert) did not give 'word'"
    tm send-keys -t t 'sleep 30' Enter; sleep 0.5; tm send-keys -t t C-c
    tm send-keys -t t 'echo after-$((6*7))' Enter
    tm_wait '^after-42$' 5 || fail "^C did not stop the foreground command (or killed the shell)"
    tm send-keys -t t "sh -c 'trap \"echo got-winch; stty size\" WINCH; echo armed; while :; do sleep 0.1; done'" Enter
    tm_wait '^armed$' || fail "trap app did not start"
    tm resize-window -t t -x 120 -y 40
    tm_wait '^got-winch$' 5 || fail "SIGWINCH did not reach the app"
    tm_wait '^40 120$' 5 || fail "the new window size did not reach the app's terminal"
    tm send-keys -t t C-c; tm_wait '[#] ?$' || fail "no prompt after ^C"
    tm send-keys -t t "sh -c 'exit 3'" Enter; sleep 0.3; tm send-keys -t t C-d
    local i; for ((i = 0; i < 100; i++)); do [ -s "$T/exit" ] && break; sleep 0.1; done
    [ "$(cat "$T/exit" 2>/dev/null)" = EXIT=3 ] || fail "after ^D: '$(cat "$T/exit" 2>/dev/null)', want EXIT=3"
}

t_stdin() {
    echo hi > "$T/in"; xin "$T/in" "$(P bb)" cat; expect_ok; expect_out hi
    head -c 1000000 /dev/urandom > "$T/big"
    xin "$T/big" "$(P bb)" sha256sum; expect_ok
    [ "${OUT%% *}" = "$(sha256sum < "$T/big" | cut -c1-64)" ] || { ctx; fail "stdin corrupted"; }
    printf 'a\nb\n' | timeout 30 "$(P bb)" wc -l > "$T/o"; [ "$(tr -d ' ' < "$T/o")" = 2 ] || fail "pipe stdin: $(cat "$T/o")"
}
t_stdout_stderr() {
    x "$(P bb)" true   # warm the cache
    x "$(P bb)" sh -c 'echo out; echo err >&2'
    expect_ok; expect_out out
    [ "$ERR" = err ] || { ctx; fail "stderr should be exactly the app's (no boxcar noise when not a TTY)"; }
    x "$(P bb)" sh -c 'head -c 3000000 /dev/zero'; expect_ok
    [ "$(stat -c %s "$T/.out")" = 3000000 ] || fail "large stdout truncated: $(stat -c %s "$T/.out")"
}
test_case run "stdio: stdin passes through"             t_stdin
t_tty() {   # an interactive shell on a terminal: prompt, ^C stops the foreground command only, exit status
    command -v script >/dev/null || fail "script(1) (util-linux) is needed"
    mkfifo "$T/in"
    ( script -qfec "$(P bb) --boxcar-entrypoint=/bin/sh" /dev/null < "$T/in" > "$T/out" 2>&1; echo "rc=$?" > "$T/rc" ) &
    local bg=$!
    exec 7> "$T/in"
    wait_for "$T/out" '# ' 20 || { exec 7>&-; show "$(cat "$T/out")" >&2; fail "no shell prompt"; }
    printf '[ -t 0 ] && [ -t 1 ] && echo "is-$((20+1))-tty"\n' >&7
    wait_for "$T/out" 'is-21-tty' 10 || { exec 7>&-; show "$(cat "$T/out")" >&2; fail "stdin/stdout are not a terminal"; }
    printf 'sleep 30\n' >&7
    sleep 1
    printf '\003' >&7
    printf 'echo after-int-$((6*7))\n' >&7
    wait_for "$T/out" 'after-int-42' 10 || { exec 7>&-; show "$(cat "$T/out")" >&2; fail "^C did not stop the foreground command (or killed the shell)"; }
    printf 'exit 5\n' >&7
    exec 7>&-
    wait "$bg"
    [ "$(cat "$T/rc")" = rc=5 ] || { show "$(cat "$T/out")" >&2; fail "exit status $(cat "$T/rc"), want rc=5"; }
}
test_case run "stdio: interactive shell on a terminal (^C, exit status)" t_tty
test_case run "stdio: interactive bash under tmux: editing, ^C, resize, ^D status" t_tmux_shell

# ------------------------------------------------------------------ doctor
t_doctor() {
    x "$BOXCAR" doctor; expect_ok
    local c
    for c in "unprivileged user namespaces" "overlayfs in user namespaces" cache seccomp "subordinate ids" cgroups; do
        grep -qE "^(OK|WARN) +$c " <<< "$OUT" || { ctx; fail "no OK/WARN line for '$c'"; }
    done
    grep -qE '^OK +overlayfs in user namespaces' <<< "$OUT" || { ctx; fail "overlay probe did not pass"; }
    grep -qE '^OK +unprivileged user namespaces +work \(user.max_user_namespaces = [0-9]+\)$' <<< "$OUT" ||
        { ctx; fail "no limit shown next to working namespaces"; }
    [ "$(tail -n 2 <<< "$OUT")" = $'root mode: overlay\nengine: ns (namespaces)' ] || { ctx; fail "the summary is not last, or not overlay and ns"; }
    if [ -n "$STORE_SUFFIX" ]; then   # subordinate ids really mapped (a child tries)
        grep -qE '^OK +subordinate ids +65537 uids and 65537 gids mapped' <<< "$OUT" || { ctx; fail "subids not reported as working"; }
    fi
    x "$(P bb)" --boxcar-doctor; expect_ok; expect_out_has "$(grep '^OK *unprivileged' <<< "$OUT")"
}
t_doctor_fail() {   # a cache others can write is a FAIL line and exit 1
    mkdir -p "$T/open/c"; chmod 0777 "$T/open"
    BOXCAR_CACHE=$T/open/c x "$BOXCAR" doctor
    expect_rc 1
    grep -qE '^FAIL +cache .*others can modify' <<< "$OUT" || { ctx; fail "no FAIL line for the unsafe cache"; }
}
test_case run "doctor: every check reports, namespaces and overlayfs OK" t_doctor
test_case run "doctor: an unsafe cache is a FAIL, exit 1" t_doctor_fail
test_case run "stdio: stdout/stderr separate, no extra output" t_stdout_stderr

# ------------------------------------------------------------------ info verbs
t_inspect() {
    x "$(P layers)" --boxcar-inspect; expect_ok
    echo "$OUT" > "$T/i.json"
    jq -e . "$T/i.json" >/dev/null || { ctx; fail "not JSON"; }
    local cfg; cfg=$(oci_config "$FIX/oci-busybox" layers)
    [ "$(jq -c .config.config.Cmd "$T/i.json")" = "$(jq -c .config.Cmd "$cfg")" ] || fail "config.config.Cmd differs from the image's"
    [ "$(jq -c .config.config.Env "$T/i.json")" = "$(jq -c .config.Env "$cfg")" ] || fail "config.config.Env differs"
    [ "$(jq -c '[.layers[].diff_id]' "$T/i.json")" = "$(jq -c .rootfs.diff_ids "$cfg")" ] || {
        jq -c '[.layers[].diff_id]' "$T/i.json" >&2; fail "layers[].diff_id differ from the image's rootfs.diff_ids"; }
    x "$BOXCAR" inspect "$(P layers)"; expect_ok
    [ "$(jq -S . <<<"$OUT")" = "$(jq -S . "$T/i.json")" ] || fail "boxcar inspect differs from --boxcar-inspect"
}
t_inspect_noextract() {
    fresh_cache "$T/cache"
    x "$(P bb)" --boxcar-inspect; expect_ok
    x "$(P bb)" --boxcar-version; expect_ok
    [ -z "$(cache_layer_dirs)" ] || fail "inspect/version extracted layers: $(cache_layer_dirs)"
}
t_version_help() {
    x "$(P bb)" --boxcar-version; expect_ok
    expect_libraries "$OUT" stub
    local line=$OUT
    x "$(P bb)" --boxcar-inspect; expect_ok
    local lib v
    while read -r lib v; do
        [[ $line == *" $lib/$v"* ]] || continue
        [ "$(jq -r --arg l "$lib" '.build.libraries[$l]' <<<"$OUT")" = "$v" ] || {
            ctx; fail "--boxcar-inspect's build.libraries.$lib is not $v"; }
    done < "$(versions_file)"
    [ "$(jq -r .build.boxcar <<<"$OUT")" = "$(awk '{print $2}' <<<"$line")" ] || fail "build.boxcar differs from the version line"
    x "$(P bb)" --boxcar-help; expect_ok
    printf '%s' "$OUT" | grep -q -- '--boxcar-env' || { ctx; fail "--boxcar-help does not mention --boxcar-env"; }
    printf '%s' "$OUT" | grep -q -- '--boxcar-volume' || { ctx; fail "--boxcar-help does not mention --boxcar-volume"; }
}
t_readme_options() {   # both come from one table (stub/options.c); README is kept by hand
    x "$(P bb)" --boxcar-help; expect_ok
    sed -n 's/^  --boxcar-\([a-z-]*\).*/\1/p' <<<"$OUT" | sort -u > "$T/help"
    sed -n '/^| option | docker run/,/^$/p' "$TOP/README.md" | cut -d'|' -f2 | grep -o -- '--boxcar-[a-z-]*' |
        sed 's/^--boxcar-//' | sort -u > "$T/readme"
    [ "$(grep -c '' "$T/help")" -ge 25 ] || { cat "$T/help" >&2; fail "too few options in --boxcar-help"; }
    diff "$T/help" "$T/readme" >&2 || fail "README's option table and --boxcar-help differ (< help, > README)"
}
t_invocation() {   # /proc/self/exe resolution: symlink, PATH lookup, renamed copy
    ln -s "$(P bb)" "$T/link"
    x "$T/link"; expect_ok; expect_out "hello from busybox"
    mkdir "$T/bin"; cp "$(P bb)" "$T/bin/renamed-app"
    PATH=$T/bin:$PATH x renamed-app echo via-path; expect_ok; expect_out via-path
    (cd / && x "$T/bin/renamed-app" pwd && [ "$OUT" = / ]) || fail "run from / failed"
}
t_pack_unpriv() {   # packing needs no privileges
    x "$BOXCAR" pack "oci:$FIX/oci-busybox:ep" -o "$T/mine" --quiet; expect_ok
    x "$T/mine" packed-by-me; expect_ok; expect_out "ep: packed-by-me"
}
test_case run "info: --boxcar-inspect / boxcar inspect" t_inspect
test_case run "info: inspect and version extract nothing" t_inspect_noextract
test_case run "info: --boxcar-version, --boxcar-help"   t_version_help
test_case run "info: README's option table lists exactly the options --boxcar-help does" t_readme_options
test_case run "invocation: via symlink, PATH, renamed copy" t_invocation
test_case run "pack works as this user and the result runs" t_pack_unpriv
