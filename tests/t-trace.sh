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
