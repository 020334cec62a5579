# srun --boxcar=FILE: the SPANK plugin (contrib/slurm/, build/spank_boxcar.so) on the
# single-node Slurm run.sh starts with it in plugstack.conf (tests/slurm.sh): each
# task's command runs inside the file's container as the job's user, with Slurm's
# stdio, environment, limits and exit code; --boxcar-mount and --boxcar-env; bad
# input is one line and a non-zero exit; without --boxcar nothing changes.

# sp_ready: Slurm up (else skip, as t-slurm.sh does) and the plugin built and loaded
sp_ready() {
    if [ -z "${SLURM_CONF:-}" ]; then
        info "skipped: no Slurm (${BOXCAR_TEST_NO_SLURM:-tests/run.sh starts it only when run as root})"
        exit 0
    fi
    export SLURM_CONF
    [ -f "$TOP/build/spank_boxcar.so" ] || fail "build/spank_boxcar.so is missing: build it (make spank; needs libslurm-dev)"
    grep -q spank_boxcar.so "$(dirname "$SLURM_CONF")/plugstack.conf" ||
        fail "plugstack.conf does not load the plugin (tests/run.sh starts Slurm before it was built?)"
}
# sp_holders: this test's holders and their watchdogs (the shared container's
# processes: docs/hpc.md), one pid a line
sp_holders() {
    local f pid
    for f in $(grep -lzxF "T=$T" /proc/[0-9]*/environ 2>/dev/null); do
        pid=${f#/proc/}; pid=${pid%/environ}
        tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qE -- '--boxcar-(hold|join)=' && echo "$pid"
    done
}
# sp_gone: no holder outlives its step (slurmstepd ends just after srun returns)
sp_gone() {
    local i
    for ((i = 0; i < 100; i++)); do [ -z "$(sp_holders)" ] && return 0; sleep 0.1; done
    fail "the step's shared container outlived the step: $(sp_holders | tr '\n' ' ')"
}
# sp_static: the step's shared container runs the packed file's own stub inside
# it as its idle app, which needs the stub static: the sanitized build's
# (libasan, glibc) is not, so those tests are skipped there
sp_static() {
    if [ -n "${BOXCAR_SANITIZED:-}" ]; then
        info "skipped: the sanitized stub is dynamically linked and cannot run inside the container"
        exit 0
    fi
}
sp_run() { TMO=${TMO:-90} x "$@"; [ "$1" = sbatch ] || sp_gone; }
# sp_one_line: the plugin's error is one "boxcar: " line (Slurm's own "task N:
# Exited" line beside it is srun's)
sp_one_line() {
    [ "$(grep -c 'boxcar: ' <<<"$ERR")" = 1 ] || { ctx; fail "want one 'boxcar: ' line on stderr"; }
    expect_err_has "$1"
}

t_spank_tasks() {
    sp_ready; sp_static
    local F; F=$(P layers)   # only the image has /data/a.txt
    [ ! -e /data/a.txt ] || fail "the host has /data/a.txt: the test cannot tell inside from outside"
    sp_run srun -n 2 -l --boxcar="$F" sh -c \
        'echo "$(cat /data/a.txt) rank=$SLURM_PROCID/$SLURM_NTASKS mnt=$(readlink /proc/self/ns/mnt)"'
    expect_ok
    local host i line; host=$(readlink /proc/self/ns/mnt)
    [ "$(grep -c '' <<<"$OUT")" = 2 ] || { ctx; fail "want 2 lines, one per task"; }
    for i in 0 1; do
        line=$(grep "^$i: " <<<"$OUT") || { ctx; fail "no output labelled task $i"; }
        [[ $line == "$i: alpha-again rank=$i/2 mnt=mnt:["*"]" && $line != *"$host"* ]] ||
            { ctx; fail "task $i did not run inside the image: '$line'"; }
    done
    # the exit status and a command the image lacks are the app's (docker's 127)
    sp_run srun -n 1 --boxcar="$F" sh -c 'exit 7'
    expect_rc 7
    sp_run srun -n 1 --boxcar="$F" no-such-program
    expect_rc 127
    expect_err_has '^boxcar: .*no-such-program'
    # stdin reaches task 0, stdout and stderr come back apart
    printf 'line one\nline two\n' > "$T/in"
    TMO=90 xin "$T/in" srun -n 1 --boxcar="$F" sh -c 'cat; echo to-stderr >&2'
    sp_gone
    expect_ok
    expect_out "$(printf 'line one\nline two')"
    expect_err_has '^to-stderr$'
}
test_case run "slurm spank: srun -n 2 --boxcar=FILE: each task inside the image, its rank, stdio, exit code" t_spank_tasks

t_spank_user() {
    sp_ready; sp_static
    local F; F=$(P bb)
    # the container is the job user's: what its root creates is that user's on
    # the host, never root's for another user's job (the plugin execs the file
    # after Slurm drops privileges)
    mkdir -p "$T/o" || fail "mkdir"
    sp_run srun -n 1 --boxcar="$F" --boxcar-mount="$T/o:/o" sh -c 'id -u; touch /o/made'
    expect_ok; expect_out 0
    [ "$(stat -c %u "$T/o/made")" = "$(id -u)" ] || fail "the container's file is uid $(stat -c %u "$T/o/made")'s, not the job user's ($(id -u))"
    # and the task is Slurm's own process (the file replaced it): its pid is the
    # one Slurm tracks, so scancel and signals reach it
    printf '#!/bin/sh\nexec srun -n 1 --boxcar="%s" sh -c "trap \\"echo caught TERM; exit 0\\" TERM; echo ready; while :; do sleep 1; done"\n' \
        "$F" > "$T/job.sh"
    sp_run sbatch --parsable -o "$T/job.out" "$T/job.sh"
    expect_ok
    local id=${OUT%%;*} i
    wait_for "$T/job.out" '^ready$' 60 || fail "the job did not start: $(cat "$T/job.out")"
    scancel "$id" || fail "scancel failed"
    for ((i = 0; i < 150; i++)); do [ -z "$(squeue -h -j "$id" -o %i 2>/dev/null)" ] && break; sleep 0.2; done
    grep -qx 'caught TERM' "$T/job.out" || { show "$(cat "$T/job.out")" >&2; fail "the app never saw scancel's SIGTERM"; }
    sp_gone
}
test_case run "slurm spank: the container is the job user's; scancel's SIGTERM reaches the app" t_spank_user

t_spank_env_limits() {
    sp_ready; sp_static
    local F; F=$(P bb)
    # Slurm's variables and PMI-2 socket reach the app; the limits srun
    # propagates are applied (as slurmstepd would) and their variables dropped
    sp_run bash -c "ulimit -S -n 512; exec srun --mpi=pmi2 -n 1 --boxcar='$F' sh -c \
        'echo job=\${SLURM_JOB_ID:+set} pmi=\$PMI_RANK/\$PMI_SIZE fd=\$(test -S /proc/self/fd/\$PMI_FD && echo socket) nofile=\$(ulimit -n) rlimit_vars=\$(env | grep -c ^SLURM_RLIMIT_)'"
    expect_ok
    expect_out "job=set pmi=0/1 fd=socket nofile=512 rlimit_vars=0"
    # the same without the plugin, for comparison: Slurm's own behaviour
    sp_run bash -c "ulimit -S -n 512; exec srun -n 1 sh -c 'echo nofile=\$(ulimit -n) rlimit_vars=\$(env | grep -c ^SLURM_RLIMIT_)'"
    expect_ok
    expect_out "nofile=512 rlimit_vars=0"
}
test_case run "slurm spank: SLURM_*, the PMI-2 socket and srun's propagated limits reach the app" t_spank_env_limits

t_spank_mount_env() {
    sp_ready; sp_static
    local F; F=$(P bb)
    mkdir -p "$T/a" "$T/b" && echo in-a > "$T/a/f" && echo in-b > "$T/b/f" || fail "setup"
    FROM_SRUN='has, a comma' sp_run srun -n 2 -l --boxcar="$F" --boxcar-mount="$T/a:/a,$T/b:/b:ro" \
        --boxcar-env='GREETING=hello world,FROM_SRUN,EMPTY=' sh -c \
        'echo "$(cat /a/f /b/f | tr "\n" " ")[$GREETING] [$FROM_SRUN] [${EMPTY-unset}]"
         echo "$SLURM_PROCID" > /a/w.$SLURM_PROCID; touch /b/w 2>/dev/null && echo b-writable; true'
    expect_ok
    local s; s=$(sort <<<"$OUT")
    [ "$s" = "$(printf '0: in-a in-b [hello world] [has, a comma] []\n1: in-a in-b [hello world] [has, a comma] []')" ] ||
        { ctx; fail "mounts or variables differ"; }
    [ "$(cat "$T/a/w.0" "$T/a/w.1" 2>&1)" = "$(printf '0\n1')" ] || fail "the tasks' writes to /a are not on the host"
    [ ! -e "$T/b/w" ] || fail ":ro mount was writable"
    # a variable of srun's environment not named stays out, as under docker
    NOT_NAMED=x sp_run srun -n 1 --boxcar="$F" sh -c 'echo "[${NOT_NAMED-unset}]"'
    expect_ok; expect_out "[unset]"
}
test_case run "slurm spank: --boxcar-mount SRC:DST[:ro],... and --boxcar-env NAME[=VALUE],..." t_spank_mount_env

t_spank_cwd_args() {
    sp_ready; sp_static
    local F; F=$(P bb-cfg)   # WorkingDir /srv/work
    mkdir -p "$T/w/sub" && cp "$F" "$T/w/app" || fail "setup"
    # FILE relative to the job's directory (srun --chdir); the caller's directory
    # inside where a mount shows it (t-slurm.sh's rule)
    sp_run srun -n 1 --chdir="$T/w/sub" --boxcar=../app --boxcar-mount="$T/w:/data" pwd
    expect_ok; expect_out /data/sub
    # the command's arguments are the app's, even ones that look like boxcar's options
    sp_run srun -n 1 --boxcar="$F" echo --boxcar-volume=/x:/y --boxcar-- -n z
    expect_ok; expect_out "--boxcar-volume=/x:/y --boxcar-- -n z"
}
test_case run "slurm spank: FILE relative to the job's directory; the command's arguments untouched" t_spank_cwd_args

t_spank_errors() {
    sp_ready
    local F; F=$(P bb)
    mkdir -p "$T/d"
    sp_run srun -n 1 --chdir="$T/d" --boxcar=missing.app true
    expect_rc 125; sp_one_line "error: boxcar: --boxcar=missing.app \(in $T/d\): No such file or directory$"
    # an executable that is not a packed file must not run on the host instead
    sp_run srun -n 1 --boxcar=/bin/echo should-not-print
    expect_rc 125; sp_one_line 'boxcar: --boxcar=/bin/echo: not a file packed by boxcar'
    [[ $OUT != *should-not-print* ]] || fail "/bin/echo ran"
    sp_run srun -n 1 --boxcar="$T/d" true
    expect_rc 125; sp_one_line 'boxcar: --boxcar=.*: not a regular file'
    # options srun refuses before the job starts
    sp_run srun -n 1 --boxcar="$F" --boxcar-env=A=1 --boxcar-env=B=2 true
    [ "$RC" != 0 ] || { ctx; fail "a repeated --boxcar-env was accepted"; }
    sp_one_line 'boxcar: --boxcar-env is given twice.*separated by commas'
    sp_run srun -n 1 --boxcar="$F" --boxcar-mount="$T/d" true
    [ "$RC" != 0 ] || { ctx; fail "a mount without DST was accepted"; }
    sp_one_line "boxcar: bad --boxcar-mount '$T/d': use /SRC:/DST"
    sp_run srun -n 1 --boxcar="$F" --boxcar-mount="/a:/a,relative:/b" true
    [ "$RC" != 0 ] || { ctx; fail "a relative mount source was accepted"; }
    sp_one_line "boxcar: bad --boxcar-mount 'relative:/b': use /SRC:/DST\[:ro\] \(absolute paths\)"
    sp_run srun -n 1 --boxcar="$F" --boxcar-env='1X=2' true
    [ "$RC" != 0 ] || { ctx; fail "a bad variable name was accepted"; }
    sp_one_line "boxcar: bad --boxcar-env '1X=2'"
    sp_run srun -n 1 --boxcar-env=A=1 true
    [ "$RC" != 0 ] || { ctx; fail "--boxcar-env without --boxcar was accepted"; }
    sp_one_line 'boxcar: --boxcar-mount and --boxcar-env need --boxcar=FILE'
    sp_run srun -n 1 --boxcar= true
    [ "$RC" != 0 ] || { ctx; fail "--boxcar= was accepted"; }
    sp_one_line 'boxcar: --boxcar needs a file'
    # what the packed file refuses is its own one line
    sp_run srun -n 1 --boxcar="$F" --boxcar-mount="$T/nonexistent:/x" true
    expect_rc 125; sp_one_line "^boxcar: .*$T/nonexistent"
}
test_case run "slurm spank: a bad FILE or option: one line, a non-zero exit, nothing run on the host" t_spank_errors

t_spank_untouched() {
    sp_ready
    local host; host=$(readlink /proc/self/ns/mnt)
    # the plugin is loaded, and without --boxcar the task is the host's
    sp_run srun -n 2 -l sh -c 'echo "$(readlink /proc/self/ns/mnt) $(id -u) $(test -e /data/a.txt && echo image || echo host)"'
    expect_ok
    [ "$(sort <<<"$OUT")" = "$(printf '0: %s %s host\n1: %s %s host' "$host" "$(id -u)" "$host" "$(id -u)")" ] ||
        { ctx; fail "without --boxcar the tasks differ from the host's"; }
    sp_run srun -n 1 sh -c 'exit 5'
    expect_rc 5
    # (the plugin is loaded: srun lists its options)
    sp_run srun --help
    expect_ok
    [ "$(grep -cE -- '--boxcar(-mount|-env)?=' <<<"$OUT")" = 3 ] || { ctx; fail "srun --help lacks the plugin's 3 options"; }
}
test_case run "slurm spank: without --boxcar the job runs on the host untouched" t_spank_untouched

t_boxcar_end_of_options() {
    local F; F=$(P bb)
    x "$F" --boxcar-entrypoint=echo --boxcar-- --boxcar-volume=/x:/y --boxcar-- a
    expect_ok; expect_out "--boxcar-volume=/x:/y --boxcar-- a"
    x "$F" --boxcar-entrypoint=echo --boxcar--
    expect_ok; expect_out ""
}
test_case run "run: --boxcar-- ends the options: the rest is the app's (spank)" t_boxcar_end_of_options

t_spank_mpi() {
    sp_ready; sp_static
    local F i; F=$(P mpich)   # t-slurm.sh's MPI image (tests/mpich-image.sh)
    [ ! -e /usr/local/bin/mpi-hello ] || fail "the host has /usr/local/bin/mpi-hello: the test cannot tell inside from outside"
    TMO=120 sp_run srun --mpi=pmi2 -n 4 --boxcar="$F" mpi-hello
    expect_ok
    for i in 0 1 2 3; do expect_out_has "rank $i of 4 on $(hostname -s)"; done
    expect_out_has "allreduce sum 6"
    [ "$(grep -c '' <<<"$OUT")" = 5 ] || { ctx; fail "want 5 lines"; }
}
test_case run "slurm spank: MPI through the plugin: srun --mpi=pmi2 -n 4 --boxcar=FILE mpi-hello" t_spank_mpi

t_spank_shared() {
    sp_ready; sp_static
    local F; F=$(P bb)
    # the node's tasks of one step share one container: its namespaces and its
    # writable /tmp (each task waits until it sees the 3 files, 20 s at most)
    sp_run srun -n 3 -l --boxcar="$F" sh -c 'echo > /tmp/from.$SLURM_PROCID; i=0
        while [ "$(ls /tmp | grep -c ^from)" -lt 3 ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
        echo "seen=$(ls /tmp | grep -c ^from) $(readlink /proc/self/ns/mnt) $(readlink /proc/self/ns/pid) rank=$SLURM_PROCID"'
    expect_ok
    [ "$(grep -c '' <<<"$OUT")" = 3 ] || { ctx; fail "want 3 lines, one per task"; }
    [ "$(grep -c ': seen=3 ' <<<"$OUT")" = 3 ] || { ctx; fail "a task did not see the others' files in /tmp"; }
    [ "$(sed 's/^[0-9]*: //; s/ rank=.*//' <<<"$OUT" | sort -u | grep -c '')" = 1 ] ||
        { ctx; fail "the tasks are in different mount or pid namespaces"; }
    local i; for i in 0 1 2; do grep -q "^$i: .* rank=$i$" <<<"$OUT" || { ctx; fail "no line of task $i"; }; done
    local first; first=$(sed -n '1s/^[0-9]*: seen=3 //p' <<<"$OUT")
    # the next step has a container of its own, fresh
    sp_run srun -n 1 --boxcar="$F" sh -c 'echo "$(ls /tmp | grep -c ^from) $(readlink /proc/self/ns/mnt) $(readlink /proc/self/ns/pid)"'
    expect_ok
    [[ $OUT == "0 "* && $OUT != "0 $first" ]] || { ctx; fail "a step ran in the previous step's container ('$first')"; }
}
test_case run "slurm spank: one container per node and step: the step's tasks share /tmp and namespaces, none left after it" t_spank_shared

t_spank_holder_killed() {
    sp_ready; sp_static
    local F i f pid; F=$(P bb)
    # the holder killed under a running step: the task ends (no hang), and the
    # next step starts a container of its own
    srun -n 1 --boxcar="$F" sh -c 'echo up; exec sleep 60' > "$T/out" 2>&1 &
    pid=$!
    wait_for "$T/out" '^up$' 60 || { kill $pid; fail "the step did not start: $(cat "$T/out")"; }
    for f in $(sp_holders); do
        tr '\0' ' ' < "/proc/$f/cmdline" | grep -q -- '--boxcar-hold=' && kill -KILL "$f"
    done
    for ((i = 0; i < 300; i++)); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
    if kill -0 $pid 2>/dev/null; then kill $pid; fail "the step hung after its holder was killed"; fi
    wait $pid && fail "the step's task ended well without its container"
    sp_gone
    sp_run srun -n 2 --boxcar="$F" true
    expect_ok
}
test_case run "slurm spank: a killed holder ends its step's tasks and does not hang the next step" t_spank_holder_killed
