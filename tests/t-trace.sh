# shellcheck shell=bash
# The trace engine (runner/trace.h, docs/trace-engine.md): no namespaces, the app
# traced with ptrace and its paths translated into the flat root. Chosen with
# --boxcar-engine=trace, or by auto where namespaces are denied (simulated here
# with tests/helpers/deny.c and bwrap --disable-userns; t-doctor.sh has the same
# denials' diagnoses).

t_trace_busybox() {
    fresh_cache "$T/c"
    x "$(P bb)" --boxcar-engine=trace sh -c 'echo hi; exit 3'
    expect_rc 3; expect_out hi
    # the image's root, not the host's (the host has no /etc/fixture-release)
    x "$(P bb)" --boxcar-engine=trace sh -c 'ls /; cat /etc/fixture-release'
    expect_ok
    expect_out_has 'busybox fixture'; expect_out_has srv; expect_out_lacks boot
    # cd and pwd (getcwd mapped back), /proc/self/cwd too; /tmp private and writable
    x "$(P bb)" --boxcar-engine=trace sh -c 'cd /tmp && pwd && /bin/pwd && readlink /proc/self/cwd
        echo w > /tmp/f && cat /tmp/f; cd /etc && cat fixture-release'
    expect_ok; expect_out $'/tmp\n/tmp\n/tmp\nw\nbusybox fixture'
    # ids faked (the image's User, root here); the tree read-only (it is the cache's)
    x "$(P bb)" --boxcar-engine=trace sh -c 'id -u; chown 123 /tmp && echo chown-ok; touch /etc/x 2>&1 | sed "s/.*: //"'
    expect_ok; expect_out $'0\nchown-ok\nRead-only file system'
    # the kernel's first answer on a read-only mount: EEXIST for a name that is
    # there (mkdir -p through the tree), ENOENT for a missing one (rm -f)
    x "$(P bb)" --boxcar-engine=trace sh -c 'mkdir -p /tmp/a/b && echo mkdir-p-ok; mkdir /etc 2>&1 | sed "s/.*: //"
        rm -f /etc/no-such && echo rm-f-ok; rm /etc/fixture-release 2>&1 | sed "s/.*: //"; ln -s x /etc/fixture-release 2>&1 | sed "s/.*: //"'
    expect_ok; expect_out $'mkdir-p-ok\nFile exists\nrm-f-ok\nRead-only file system\nFile exists'
    # (under trace the one-id store: the cache's root, whatever the test user's map)
    [ -n "$(find "$BOXCAR_CACHE" -path '*/flat/*/etc/fixture-release')" ] || fail "no flat tree in $BOXCAR_CACHE"
    [ -z "$(find "$BOXCAR_CACHE" -path '*/flat/*/etc/x')" ] || fail "a write reached the cached tree"
    # through an fd too (fchmod, futimens): the cache's files keep their mode and times
    x "$(P flask)" --boxcar-engine=trace --boxcar-entrypoint=python3 -c 'import os
fd = os.open("/etc/os-release", os.O_RDONLY)
for call in (lambda: os.chmod(fd, 0o777), lambda: os.utime(fd, (0, 0))):
    try: call(); print("changed")
    except OSError as e: print(e.strerror)'
    expect_ok; expect_out $'Read-only file system\nRead-only file system'
    [ -n "$(find "$BOXCAR_CACHE" -path '*/flat/*' -name os-release -type f)" ] || fail "no flat tree of the Flask image"
    [ -z "$(find "$BOXCAR_CACHE" -path '*/flat/*' -name os-release -type f \( -perm -0002 -o ! -newermt @2 \))" ] ||
        fail "fchmod or futimens reached the cached tree"
    # the launcher's fds and the caller's extra ones stay out, as under ns: ls's
    # own listing holds stdio and its directory's fd
    x "$(P bb)" --boxcar-engine=trace sh -c 'exec ls /proc/self/fd' 7</dev/null 9</dev/null
    expect_ok; expect_out $'0\n1\n2\n3'
    # killed by a signal: 128+N
    x "$(P bb)" --boxcar-engine=trace sh -c 'kill -TERM $$'
    expect_rc 143
    # not found: 127
    x "$(P bb)" --boxcar-engine=trace no-such-program
    expect_error 127
}
test_case run "trace: busybox under --boxcar-engine=trace: exit codes, the image's root, cwd, /tmp, ids, read-only tree" t_trace_busybox

t_trace_escapes() {
    fresh_cache "$T/c"
    echo host-secret > "$T/secret"
    # `..` never climbs above the image's root; absolute symlinks resolve inside it
    x "$(P bb)" --boxcar-engine=trace sh -c "cat /../../../etc/fixture-release; cd /tmp && cat ../../../../etc/fixture-release
        ln -s /etc /tmp/abs && cat /tmp/abs/fixture-release; cat /../../..$T/secret 2>&1 | sed 's/.*: //'
        cat /proc/self/root/etc/fixture-release; cat /proc/\$\$/root/../..$T/secret 2>&1 | sed 's/.*: //'
        ln -s ../../../../../../../.. /tmp/up && cat /tmp/up$T/secret 2>&1 | sed 's/.*: //'
        cd /tmp && cat /proc/self/cwd/../etc/fixture-release; cat /proc/self/cwd/../../../..$T/secret 2>&1 | sed 's/.*: //'
        exec 3</etc; cat /proc/self/fd/3/../../../..$T/secret 2>&1 | sed 's/.*: //'"
    expect_ok
    expect_out $'busybox fixture\nbusybox fixture\nbusybox fixture\nNo such file or directory\nbusybox fixture\nNo such file or directory\nNo such file or directory\nbusybox fixture\nNo such file or directory\nNo such file or directory'
    # `..` out of /proc, /dev and /sys (the host's, passed through) is the image's
    # root too, not the host's: in a path, and as the cwd
    x "$(P bb)" --boxcar-engine=trace sh -c "cat /proc/../etc/fixture-release /dev/../etc/fixture-release
        cat /sys/class/../../etc/fixture-release /proc/self/../../etc/fixture-release; cat /dev/..$T/secret 2>&1 | sed 's/.*: //'
        cd /dev/.. && pwd && cat etc/fixture-release; cd /proc/self/.. && cd .. && ls | grep -cx boot"
    expect_rc 1   # (grep -c: no match)
    expect_out $'busybox fixture\nbusybox fixture\nbusybox fixture\nbusybox fixture\nNo such file or directory\n/\nbusybox fixture\n0'
}
test_case run "trace: path escapes: .. chains, absolute and relative symlinks, /proc/PID/root, /proc/self/cwd/.. and fd/N/.. stay inside the image" t_trace_escapes

t_trace_dynamic() {
    fresh_cache "$T/c"
    # glibc's programs through the image's own loader (PT_INTERP), and a #! script
    x "$(P debian)" --boxcar-engine=trace bash -c 'cat /etc/debian_version >/dev/null && echo deb
        printf "#!/bin/sh\necho script \$1\n" > /tmp/s && chmod +x /tmp/s && /tmp/s arg
        dpkg -l | grep -c "^ii" | grep -qv "^0$" && echo dpkg; exit 5'
    expect_rc 5; expect_out $'deb\nscript arg\ndpkg'
    # apt-get as under ns on the flat root: access(W_OK) says EROFS, so it reads without its caches
    x "$(P debian)" --boxcar-engine=trace sh -c 'apt-get install --simulate --no-download -y base-files 2>&1 | tail -1
        [ -w /etc ] || echo etc-ro; [ -w /tmp ] && echo tmp-rw'
    expect_ok; expect_out_has etc-ro; expect_out_has tmp-rw; expect_out_lacks 'E: '
    # the same tree seen by both engines (the flat root's; -xdev leaves /proc & co. out, and /run's tmpfs under ns)
    x "$(P debian)" --boxcar-root=flat --boxcar-engine=ns sh -c 'find / -xdev | grep -v "^/run/" | sort | md5sum; find / -xdev | grep -vc "^/run/"'
    expect_ok; local ns=$OUT
    x "$(P debian)" --boxcar-engine=trace sh -c 'find / -xdev | grep -v "^/run/" | sort | md5sum; find / -xdev | grep -vc "^/run/"'
    expect_ok; expect_out "$ns"
}
test_case run "trace: the Debian image: dynamic programs through the image's loader, a #! script, dpkg -l, find / the same as under ns" t_trace_dynamic

t_trace_refused() {
    fresh_cache "$T/c"
    x "$(P bb)" --boxcar-engine=trace --boxcar-publish=8080:80 true
    expect_error 125; expect_err_has 'publish needs a network namespace'
    x "$(P bb)" --boxcar-engine=trace --boxcar-net=none true
    expect_error 125; expect_err_has 'net other than host'
    x "$(P bb)" --boxcar-engine=trace --boxcar-name=t1 true
    expect_error 125; expect_err_has 'named container needs namespaces'
    x "$(P bb)" --boxcar-engine=trace --boxcar-gpu true
    expect_error 125; expect_err_has 'gpu binds the driver into a mount namespace'
    x "$(P bb)" --boxcar-engine=sideways true
    expect_error 125; expect_err_has 'auto, ns or trace'
}
test_case run "trace: what needs namespaces is refused in one line each" t_trace_refused

t_trace_auto() {
    local deny mode; deny=$(helper deny) || exit 1
    fresh_cache "$T/c"
    for mode in userns-eperm mount-eacces; do
        x "$deny" "$mode" -- "$(P bb)" sh -c 'cat /etc/fixture-release; exit 4'
        expect_rc 4; expect_out 'busybox fixture'
        expect_err_has '^boxcar: note: .*seccomp filter.*; running with the trace engine instead \(--boxcar-engine=trace\)'
        [ "$(grep -c '' <<<"$ERR")" = 1 ] || fail "more than the one note on stderr"
    done
    if command -v bwrap >/dev/null; then
        x bwrap --dev-bind / / --unshare-user --disable-userns -- "$(P bb)" sh -c 'cat /etc/fixture-release'
        expect_ok; expect_out 'busybox fixture'; expect_err_has 'ENOSPC.*running with the trace engine'
    fi
    # the namespace engine, asked for, still fails there with its diagnosis
    x "$deny" userns-eperm -- "$(P bb)" --boxcar-engine=ns true
    expect_error 125; expect_err_has 'cannot create a user namespace \(EPERM\)'
}
test_case run "trace: auto picks the trace engine where namespaces are denied (deny userns-eperm, mount-eacces, bwrap), with one note" t_trace_auto

t_trace_threads() {
    fresh_cache "$T/c"
    cat > "$T/thr.py" <<'PY'
import os, subprocess, threading
out = []
def work(i):
    out.append(subprocess.run(["sh", "-c", "echo t$0", str(i)], capture_output=True, text=True).stdout.strip())
ts = [threading.Thread(target=work, args=(i,)) for i in range(4)]
[t.start() for t in ts]
[t.join() for t in ts]
print(" ".join(sorted(out)), os.getcwd(), os.path.realpath("/proc/self/cwd"))
print(open("/etc/os-release").readline().strip())
PY
    chmod 644 "$T/thr.py"
    x "$(P flask)" --boxcar-engine=trace --boxcar-volume="$T:/x:ro" --boxcar-entrypoint=python3 /x/thr.py
    expect_ok; expect_out $'t0 t1 t2 t3 /app /app\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"'
    # faked ids: setuid changes what getuid & co. answer, children inherit it
    x "$(P flask)" --boxcar-engine=trace --boxcar-entrypoint=python3 -c 'import os, subprocess
print(os.getuid(), os.getresuid())
os.setgid(998); os.setuid(999)
print(os.getuid(), os.geteuid(), os.getgid(), os.getresuid())
print(subprocess.run(["id", "-u"], capture_output=True, text=True).stdout.strip())'
    expect_ok; expect_out $'0 (0, 0, 0)\n999 999 998 (999, 999, 999)\n999'
    # unix sockets: bind and connect by their guest path, named back by getsockname
    x "$(P flask)" --boxcar-engine=trace --boxcar-entrypoint=python3 -c 'import os, socket
s = socket.socket(socket.AF_UNIX); s.bind("/tmp/sock"); s.listen(1)
c = socket.socket(socket.AF_UNIX); c.connect("/tmp/sock"); a, _ = s.accept(); c.send(b"hi")
print(os.path.exists("/tmp/sock"), s.getsockname(), c.getpeername(), a.recv(2).decode())
try: socket.socket(socket.AF_UNIX).bind("/etc/sock")
except OSError as e: print(e.strerror)'
    expect_ok; expect_out $'True /tmp/sock /tmp/sock hi\nRead-only file system'
    # an app that traces is refused cleanly (one tracer a process)
    x "$(P flask)" --boxcar-engine=trace --boxcar-entrypoint=python3 -c 'import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
print(libc.ptrace(0, 0, 0, 0), os.strerror(ctypes.get_errno()))'
    expect_ok; expect_out '-1 Operation not permitted'
    # a read-only volume is read-only
    x "$(P flask)" --boxcar-engine=trace --boxcar-volume="$T:/x:ro" --boxcar-entrypoint=sh -c 'touch /x/new 2>&1 | sed "s/.*: //"'
    expect_ok; expect_out 'Read-only file system'
}
test_case run "trace: python threads spawning subprocesses (the Flask image), faked ids across setuid and fork, unix sockets, ptrace refused, a volume, cwd mapped back" t_trace_threads

t_trace_signals() {
    fresh_cache "$T/c"
    "$(P bb)" --boxcar-engine=trace sh -c 'trap "echo term; exit 7" TERM; echo ready; while :; do sleep 0.1; done' >"$T/o" 2>&1 &
    local pid=$! i
    for i in $(seq 100); do grep -q ready "$T/o" && break; sleep 0.1; done
    kill -TERM "$pid"
    wait "$pid"; RC=$?
    [ "$RC" = 7 ] || fail "SIGTERM to the stub: exit $RC, want 7 (the app's trap); output: $(cat "$T/o")"
    grep -qx term "$T/o" || fail "the app's trap did not run: $(cat "$T/o")"
    # stopped and continued (a group-stop under the tracer), then it ends normally
    x "$(P bb)" --boxcar-engine=trace sh -c 'sleep 0.5 & p=$!; kill -STOP $p; sleep 0.2
        sed -n "s/^State:.\(.\).*/\1/p" /proc/$p/status; kill -CONT $p; wait $p; echo rc=$?'
    expect_ok; expect_out $'t\nrc=0'
}
test_case run "trace: SIGTERM sent to the file reaches the app; a stopped child continues" t_trace_signals

t_trace_places() {
    fresh_cache "$T/c"
    # as the flat root under ns (t-flat.sh): an image Volume writable with the
    # image's content, --tmpfs, a volume, a new WorkingDir, the /etc files
    x "$(P bb-stopsig)" --boxcar-engine=trace --boxcar-tmpfs=/scratch --boxcar-volume="$T:/mnt/host" --boxcar-workdir=/new/wd sh -c '
        echo v > /data/vol/f && cat /data/vol/f
        touch /scratch/s && echo scratch-rw
        echo h > /mnt/host/from-ctr && pwd
        for f in hosts resolv.conf hostname; do [ -e /etc/$f ] && printf "%s " $f; done; echo
        stat -c %a /tmp'
    expect_ok; expect_out $'v\nscratch-rw\n/new/wd\nhosts resolv.conf hostname \n1777'
    [ "$(cat "$T/from-ctr")" = h ] || fail "the volume did not reach the host"
    x "$(P debian)" --boxcar-engine=trace sh -c '[ -d /run/lock ] && echo run-seeded; grep -c . /etc/resolv.conf >/dev/null && echo resolv'
    expect_ok; expect_out $'run-seeded\nresolv'
}
test_case run "trace: writable places: image Volumes seeded, --tmpfs, volumes, new WorkingDir, /run seeded, /etc files" t_trace_places

t_trace_owners() {
    fresh_cache "$T/c"
    # the store's files are the caller's on the host: stat says the app's own
    # (its faked euid/egid, after setuid too); the host's /dev/null stays root's.
    # busybox's stat (stat/lstat), python's os.stat and os.fstat (newfstatat, fstat),
    # coreutils' stat (statx)
    x "$(P bb)" --boxcar-engine=trace sh -c 'stat -c %u:%g /etc/fixture-release /tmp /dev/null; touch /tmp/new; stat -c %u:%g /tmp/new'
    expect_ok; expect_out $'0:0\n0:0\n0:0\n0:0'
    x "$(P flask)" --boxcar-engine=trace --boxcar-entrypoint=python3 -c 'import os
def own(st): return "%d:%d" % (st.st_uid, st.st_gid)
fd = os.open("/etc/os-release", os.O_RDONLY)
print(own(os.stat("/app")), own(os.fstat(fd)), own(os.lstat("/tmp")), own(os.stat("/dev/null")))
os.setgid(998); os.setuid(999)
print(own(os.stat("/app")), own(os.fstat(fd)), own(os.stat("/dev/null")), os.getgroups())
os.setgroups([5, 7]); print(os.getgroups())'
    # (a caller whose ids the app starts with has fstat unstopped, so after the
    # faked setuid the file shows its host owner there: docs/trace-engine.md)
    local after='999:998 999:998'; [ "$(id -u)" = 0 ] && after='999:998 0:0'
    expect_ok; expect_out "0:0 0:0 0:0 0:0"$'\n'"$after 0:0 []"$'\n[5, 7]'
    x "$(P debian)" --boxcar-engine=trace --boxcar-user=65534:65534 sh -c 'stat -c %u:%g /etc/passwd /dev/null; id -u; id -G'
    expect_ok; expect_out $'65534:65534\n0:0\n65534\n65534'
}
test_case run "trace: owners in stat, lstat, fstat, newfstatat and statx results are the app's faked ids (caller's files only); getgroups faked" t_trace_owners

t_trace_stat_answers() {
    # a rootless run whose ids are faked has its stats made by the tracer at the
    # entry (one stop: stat_enter): every answer is to be the kernel's, so the
    # same script gives the same lines under both engines
    fresh_cache "$T/c"
    cat > "$T/st.py" <<'PY'
import os, ctypes, errno, socket
libc = ctypes.CDLL(None, use_errno=True)
def own(st): return "%d:%d:%o" % (st.st_uid, st.st_gid, st.st_mode)
def kind(st): return "%o" % (st.st_mode & 0o170000)
def t(name, f):
    try: print(name, f())
    except OSError as e: print(name, errno.errorcode[e.errno])
d = os.open("/etc", os.O_RDONLY | os.O_DIRECTORY)
t("rel", lambda: own(os.stat("os-release", dir_fd=d)))
t("rel-nofollow", lambda: own(os.stat("os-release", dir_fd=d, follow_symlinks=False)))
t("rel-missing", lambda: own(os.stat("nope", dir_fd=d)))
t("badfd", lambda: own(os.stat("x", dir_fd=999)))
t("notdir", lambda: own(os.stat("x", dir_fd=os.open("/etc/os-release", os.O_RDONLY))))
t("enotdir-path", lambda: own(os.stat("/etc/os-release/x")))
t("fstat-dir", lambda: own(os.fstat(d)))
t("fstat-badfd", lambda: own(os.fstat(777)))
r, w = os.pipe(); t("fstat-pipe", lambda: kind(os.fstat(r)))
s = socket.socket(); t("fstat-socket", lambda: kind(os.fstat(s.fileno())))
os.symlink("/etc/os-release", "/tmp/l")
p = os.open("/tmp/l", os.O_PATH | os.O_NOFOLLOW); t("fstat-opath-link", lambda: kind(os.fstat(p)))
t("lstat-link", lambda: kind(os.lstat("/tmp/l"))); t("stat-link", lambda: own(os.stat("/tmp/l")))
os.chdir("/etc"); t("cwd-rel", lambda: own(os.stat("hostname"))); t("dot", lambda: own(os.stat(".")))
t("proc-self-fd", lambda: os.stat("/proc/self/fd/%d" % d).st_ino == os.fstat(d).st_ino)
t("proc-self", lambda: os.stat("/proc/self").st_ino == os.stat("/proc/%d" % os.getpid()).st_ino)
t("proc-self-exe", lambda: os.stat("/proc/self/exe").st_ino == os.stat("/usr/bin/python3.11").st_ino)
buf = ctypes.create_string_buffer(256)
print("efault", libc.syscall(262, -100, ctypes.c_char_p(b"/etc"), ctypes.c_void_p(8), 0), errno.errorcode[ctypes.get_errno()])
print("empty-path", libc.syscall(262, -100, ctypes.c_char_p(b""), buf, 0), errno.errorcode[ctypes.get_errno()])
print("statx-empty", libc.syscall(332, d, ctypes.c_char_p(b""), 0x1000, 0xfff, buf), ctypes.c_uint32.from_buffer(buf, 20).value)
PY
    chmod 0644 "$T/st.py"
    x "$(P flask)" --boxcar-engine=ns --boxcar-root=flat --boxcar-volume="$T:/x:ro" --boxcar-entrypoint=python3 /x/st.py
    expect_ok; local ns=$OUT
    expect_out_has 'badfd EBADF'; expect_out_has 'fstat-opath-link 120000'; expect_out_has 'efault -1 EFAULT'
    x "$(P flask)" --boxcar-engine=trace --boxcar-verbose --boxcar-volume="$T:/x:ro" --boxcar-entrypoint=python3 /x/st.py
    expect_ok; expect_out "$ns"
    # (rootless with faked root: no exit stop left for its 200-odd stats; the
    # few left are readlink's, getcwd's and the socket calls')
    local exits; exits=$(tr '\n' ' ' <<<"$ERR" | sed -n 's/.*), \([0-9]*\) at exit;.*/\1/p')
    [ "$(id -u)" = 0 ] || [ "${exits:-999}" -le 20 ] || { ctx; fail "$exits exit stops: the stats were not answered at the entry"; }
}
test_case run "trace: stats answered by the tracer at the entry give the kernel's answers (dirfd names, errors, fd forms, pipes, sockets, O_PATH links, EFAULT), as under ns" t_trace_stat_answers

# trace_pg PORT [ARGS...]: the postgres example in the background (its entrypoint:
# initdb, then the server) on PORT; waits until it accepts connections
trace_pg() {
    local port=$1; shift
    "$(P postgres)" "$@" --boxcar-env=POSTGRES_PASSWORD=s3cret -p "$port" >"$T/pg.out" 2>"$T/pg.err" </dev/null &
    PGPID=$!
    pg_wait "$port"
}
# trace_pg_session PORT [ARGS...]: start, query, stop with TERM; the queries' output in $OUT
trace_pg_session() {
    local port; port=$(free_port)
    trace_pg "$port" "$@"
    PGPASSWORD=s3cret x psql -h 127.0.0.1 -p "$port" -U postgres -qAtc "select current_user, 6 * 7" \
        -c "create table t (v text); insert into t values ('kept'); select v from t" \
        -c "select count(*) > 0 from pg_stat_activity"
    expect_ok; local out=$OUT
    kill -TERM "$PGPID"
    local rc=0; wait "$PGPID" || rc=$?
    [ "$rc" = 0 ] || { tail -20 "$T/pg.err" >&2; fail "postgres ($*): exit status $rc after TERM, want 0"; }
    grep -q "database initialized" "$T/pg.err" || fail "postgres ($*): the entrypoint did not initialize the cluster"
    grep -q "database system is shut down" "$T/pg.err" || fail "postgres ($*): no clean shutdown"
    OUT=$out
}

t_trace_postgres() {   # (the run's cache: the ns engine's subids store holds files a fresh_cache could not remove)
    # started as root (the entrypoint chowns, then gosu postgres: initdb checks
    # its data directory is its own), and as the image's user from the start
    local user ns
    for user in root postgres; do
        trace_pg_session --boxcar-engine=ns --boxcar-user="$user"; ns=$OUT
        [ "$ns" = $'postgres|42\nkept\nt' ] || fail "ns engine as $user: $ns"
        trace_pg_session --boxcar-engine=trace --boxcar-user="$user"
        [ "$OUT" = "$ns" ] || fail "trace engine as $user: $(show "$OUT"), want the ns engine's $(show "$ns")"
    done
}
test_case run "trace: the postgres example (initdb, server, queries) as root and as postgres, the same as under ns" t_trace_postgres

t_trace_flask() {
    fresh_cache "$T/c"
    # The example's app.py binds 5000 itself (app.run(port=5000)), which a test may
    # not assume free: the same app (its module, /app/app.py) is served by Flask's
    # own CLI, which takes the port, on the host's network (no namespace under trace)
    local port i; port=$(free_port)
    "$(P flask)" --boxcar-engine=trace --boxcar-entrypoint=python3 -m flask --app app run --port "$port" \
        >"$T/flask.out" 2>&1 </dev/null &
    local pid=$!
    # (a cold cache: the image extracted and merged first; 2 minutes on a loaded machine)
    for ((i = 0; i < 600; i++)); do
        python3 "$TOP/tests/netclient.py" get "$port" >/dev/null 2>&1 && break
        kill -0 "$pid" 2>/dev/null || { note "flask ended: $(tail -5 "$T/flask.out")"; break; }
        sleep 0.2
    done
    kill -0 "$pid" 2>/dev/null || note "flask's output: $(tail -5 "$T/flask.out")"
    x python3 "$TOP/tests/netclient.py" get "$port"
    expect_ok; expect_out "Hello World!"
    grep -q "GET / HTTP" "$T/flask.out" || fail "the request is not in the app's log: $(cat "$T/flask.out")"
    kill -TERM "$pid"
    local rc=0; wait "$pid" || rc=$?
    [ "$rc" = 143 ] || fail "flask after TERM: exit $rc, want 143"
}
test_case run "trace: the Flask example answering on the host's network (a free port through Flask's CLI)" t_trace_flask

t_trace_exec() {
    fresh_cache "$T/c"
    # a dynamic program runs through the image's loader, but /proc/self/exe and
    # /proc/PID/exe name the program (read, and opened), and argv[0] is kept
    # (glibc's ld.so --argv0: bookworm's is 2.36)
    x "$(P debian)" --boxcar-engine=trace bash -c 'readlink /proc/self/exe; readlink /proc/$$/exe
        md5sum /proc/self/exe /usr/bin/md5sum | cut -d" " -f1 | uniq | wc -l
        exec -a myname bash -c "echo \$0"'
    expect_ok; expect_out $'/usr/bin/readlink\n/usr/bin/bash\n1\nmyname'   # (1: md5sum opened itself)
    # fexecve (execveat(fd, "", AT_EMPTY_PATH)): the fd's program through the image's
    # loader too, not the host's (the loader mapped is the image's file)
    x "$(P flask)" --boxcar-engine=trace --boxcar-entrypoint=python3 -c 'import os
script = """echo $0; readlink /proc/$$/exe
[ "$(stat -L -c %i /lib64/ld-linux-x86-64.so.2)" = "$(awk "/ld-linux/ { print \\$5; exit }" /proc/$$/maps)" ] && echo image-loader"""
os.execve(os.open("/bin/sh", os.O_RDONLY), ["mysh", "-c", script], {"PATH": "/usr/bin:/bin"})'
    expect_ok; expect_out $'mysh\n/usr/bin/dash\nimage-loader'
}
test_case run "trace: exec: /proc/self/exe names the program, not the loader; argv[0] kept (ld.so --argv0); fexecve through the image's loader" t_trace_exec

t_trace_refused_calls() {
    fresh_cache "$T/c"
    # io_uring_setup: ENOSYS (its opens would bypass the tracer; programs fall back);
    # what changes the host, not the image, is refused with EPERM, for real root
    # too ([root]). Each is asked in a way that is harmless if it reached the host:
    # a missing path (the kernel would say ENOENT), the host's own hostname.
    x "$(P flask)" --boxcar-engine=trace --boxcar-entrypoint=python3 -c 'import ctypes, os, socket
libc = ctypes.CDLL(None, use_errno=True)
def call(*a):
    r = libc.syscall(*a); return "ok" if r >= 0 else os.strerror(ctypes.get_errno())
params = ctypes.create_string_buffer(120)
print("io_uring_setup", call(425, 1, params))
for name, nr in (("mount", 165), ("umount2", 166), ("chroot", 161)):
    print(name, call(nr, b"/no/such/dir", b"/no/such/dir", b"none", 4096, None) if nr == 165 else call(nr, b"/no/such/dir", 0))
try: socket.sethostname(socket.gethostname()); print("sethostname ok")
except OSError as e: print("sethostname", e.strerror)'
    expect_ok
    expect_out $'io_uring_setup Function not implemented\nmount Operation not permitted\numount2 Operation not permitted\nchroot Operation not permitted\nsethostname Operation not permitted'
    # sendto a unix path: translated as bind and connect are (the host has no /tmp/dg);
    # send(2) on a connected socket (no address) is not stopped at all
    x "$(P flask)" --boxcar-engine=trace --boxcar-entrypoint=python3 -c 'import socket
r = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); r.bind("/tmp/dg")
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.sendto(b"dgram", "/tmp/dg")
print(r.recv(10).decode())
a, b = socket.socketpair(); a.send(b"pair"); print(b.recv(4).decode())'
    expect_ok; expect_out $'dgram\npair'
}
test_case run "trace: io_uring_setup answers ENOSYS; mount, umount2, chroot, sethostname refused (EPERM), for real root too; sendto a unix path translated" t_trace_refused_calls

t_trace_symlink_race() {
    fresh_cache "$T/c"
    echo host-secret > "$T/secret"; chmod 644 "$T/secret"
    # a symlink swapped (atomically, by another thread) between targets while
    # another reads through it: each read goes through one target or the other,
    # resolved inside the image, never the host's (the residual window, a
    # directory swapped for a symlink between the tracer's and the kernel's
    # lookups, is documented in docs/trace-engine.md)
    cat > "$T/race.py" <<'PY'
import os, sys, threading, time
secret = sys.argv[1]
targets = ["/", "../../../../../../../..", "/etc/../..", "/tmp"]
os.symlink("/", "/tmp/l")
done = False
def swap():
    i = 0
    while not done:
        os.symlink(targets[i % len(targets)], "/tmp/l.new"); os.replace("/tmp/l.new", "/tmp/l"); i += 1
th = threading.Thread(target=swap); th.start()
inside = leaked = 0
end = time.time() + 3
while time.time() < end:
    for p in ("/tmp/l" + secret, "/tmp/l/etc/os-release"):
        try:
            with open(p) as f: data = f.read()
        except OSError: continue
        if "host-secret" in data: leaked += 1
        elif "PRETTY_NAME" in data: inside += 1
done = True; th.join()
print("leaked", leaked, "inside", "yes" if inside > 10 else inside)
PY
    chmod 644 "$T/race.py"
    x "$(P flask)" --boxcar-engine=trace --boxcar-volume="$T:/x:ro" --boxcar-entrypoint=python3 /x/race.py "$T/secret"
    expect_ok; expect_out 'leaked 0 inside yes'
}
test_case run "trace: a symlink swapped during a run while another thread reads through it stays inside the image" t_trace_symlink_race
t_trace_cache() {
    fresh_cache "$T/c"
    # the engine remembers what the tree's paths are (it does not change during a run),
    # never a writable place's: a link in /tmp, or in a volume, replaced mid-run is read anew
    mkdir -p "$T/vol"
    x "$(P bb)" --boxcar-engine=trace --boxcar-volume="$T/vol:/v" sh -c '
        for d in /tmp /v; do
            ln -s /etc $d/l && cat $d/l/fixture-release; rm $d/l && mkdir $d/l && echo new > $d/l/fixture-release
            cat $d/l/fixture-release; rm -r $d/l && ln -s /etc $d/l && cat $d/l/fixture-release; rm $d/l
        done; cd /etc && pwd && cat fixture-release
        cd /tmp; d=d; for i in $(seq 30); do d=$d/dddddddddddddddddddd; done   # (paths past the first short read)
        mkdir -p $d && echo deep > $d/f && cat /tmp/$d/f'
    expect_ok; expect_out $'busybox fixture\nnew\nbusybox fixture\nbusybox fixture\nnew\nbusybox fixture\n/etc\nbusybox fixture\ndeep'
    # fstat (no stop: the filter lets AT_EMPTY_PATH through) sees the file stat sees
    x "$(P flask)" --boxcar-engine=trace --boxcar-entrypoint=python3 -c 'import os
fd = os.open("/etc/os-release", os.O_RDONLY)
print(os.fstat(fd).st_ino == os.stat("/etc/os-release").st_ino, os.getcwd())'
    expect_ok; expect_out 'True /app'
    # where XDG_RUNTIME_DIR is a tmpfs (as /run/user/UID), the private /tmp & co. are made there, and removed
    local xdg=/dev/shm/boxcar-t-trace-$(id -u)-$$
    [ "$(stat -f -c %T /dev/shm)" = tmpfs ] || fail "this test needs /dev/shm on a tmpfs"
    rm -rf "$xdg"; mkdir -m 700 "$xdg"
    XDG_RUNTIME_DIR=$xdg x "$(P bb)" --boxcar-engine=trace sh -c "echo w > /tmp/f && cat /tmp/f && ls $xdg"
    local left; left=$(ls -A "$xdg"); rm -rf "$xdg"
    expect_ok; expect_out_has w
    grep -q '^boxcar-trace-' <<<"$OUT" || fail "no private directory in $xdg during the run: $OUT"
    [ -z "$left" ] || fail "private directories left in $xdg: $left"
}
test_case run "trace: links in writable places followed anew each time (the tree's remembered), fstat and getcwd, private dirs in a tmpfs XDG_RUNTIME_DIR" t_trace_cache
