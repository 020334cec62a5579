# Packed files as Slurm tasks, on the single-node Slurm run.sh starts as root for
# every pass (tests/slurm.sh; SLURM_CONF points at it): srun and sbatch run the
# file as they are; each task gets its SLURM_*/PMI* variables and the PMI-2
# socket, its stdio and exit code, the caller's directory where a volume shows it,
# the host's IPC namespace and /dev/shm; scancel and the time limit stop it with
# SIGTERM then SIGKILL; eight tasks on a cold cache extract each layer once
# and run at once.
# MPI (Debian's mpich inside an image) comes last.

# sl_ready: skip (with the reason) where run.sh could not start Slurm
sl_ready() {
    if [ -z "${SLURM_CONF:-}" ]; then
        info "skipped: no Slurm (${BOXCAR_TEST_NO_SLURM:-tests/run.sh starts it only when run as root})"
        exit 0
    fi
    export SLURM_CONF
}
# sl_run CMD...: x with a timeout fit for a job (Slurm's own steps take ~0.2 s)
sl_run() { TMO=${TMO:-90} x "$@"; }
# sl_job_gone ID [SECONDS]: wait until squeue no longer lists the job
sl_job_gone() {
    local i
    for ((i = 0; i < ${2:-30} * 5; i++)); do
        [ -z "$(squeue -h -j "$1" -o %i 2>/dev/null)" ] && return 0
        sleep 0.2
    done
    return 1
}
sl_state() { sacct -n -X -j "$1" -o State 2>/dev/null | head -1 | tr -d ' '; scontrol show job "$1" 2>/dev/null | grep -o 'JobState=[A-Z_]*'; }

t_slurm_srun4() {
    sl_ready
    local F; F=$(P bb)
    sl_run srun --mpi=pmi2 -n 4 -l "$F" sh -c \
        'echo "rank=$SLURM_PROCID/$SLURM_NTASKS pmi=$PMI_RANK/$PMI_SIZE job=$SLURM_JOB_ID step=$SLURM_STEP_ID fd=$(test -S /proc/self/fd/$PMI_FD && echo socket) foo=$FOO cache=${BOXCAR_CACHE:-none}"'
    expect_ok
    local i line
    [ "$(grep -c '' <<<"$OUT")" = 4 ] || { ctx; fail "want 4 lines, one per task"; }
    for i in 0 1 2 3; do
        line=$(grep "^$i: " <<<"$OUT") || { ctx; fail "no output labelled task $i"; }
        [[ $line == "$i: rank=$i/4 pmi=$i/4 job="[0-9]*" step="[0-9]*" fd=socket foo=bar cache=none" ]] ||
            { ctx; fail "task $i: '$line'"; }
    done
    # stdin reaches task 0, stdout and stderr come back apart
    printf 'line one\nline two\n' > "$T/in"
    TMO=90 xin "$T/in" srun -n 1 "$F" sh -c 'cat; echo to-stderr >&2'
    expect_ok
    expect_out "$(printf 'line one\nline two')"
    expect_err_has '^to-stderr$'
}
test_case run "slurm: srun -n 4: each task's rank, SLURM_* and PMI* (socket) inside, its stdio" t_slurm_srun4

t_slurm_exit_codes() {
    sl_ready
    local F; F=$(P bb)
    sl_run srun -n 1 "$F" sh -c 'exit 7'
    expect_rc 7
    sl_run srun -n 1 "$F" no-such-program
    expect_rc 127
    expect_err_has 'boxcar: .*no-such-program'
    printf '#!/bin/sh\n"%s" sh -c "exit 3"\n' "$F" > "$T/job.sh"
    sl_run sbatch --wait -o "$T/job.out" "$T/job.sh"
    expect_rc 3
}
test_case run "slurm: exit codes: srun's and sbatch --wait's are the app's (7, 127, 3)" t_slurm_exit_codes

t_slurm_one_id() {
    sl_ready
    [ "$(id -u)" != 0 ] || { info "skipped: root runs with the host's ids"; exit 0; }
    # a task maps one id by default (no newuidmap per task); subids when asked
    sl_run srun -n 1 "$(P bb)" cat /proc/self/uid_map
    expect_ok
    [ "$(awk '{print $1, $2, $3}' <<<"$OUT")" = "0 $(id -u) 1" ] || { ctx; fail "want one id (0 -> $(id -u)) in a job"; }
    sl_run srun -n 1 "$(P bb)" --boxcar-userns=subids cat /proc/self/uid_map
    expect_ok
    [ "$(grep -c '' <<<"$OUT")" -gt 1 ] || { ctx; fail "--boxcar-userns=subids: want the subordinate ids mapped too"; }
}
test_case run "slurm: a task maps one id by default (as ch-run: no newuidmap per task); --boxcar-userns=subids maps the subordinate ids" t_slurm_one_id

t_slurm_sbatch_array() {
    sl_ready
    local F i; F=$(P bb)
    # the script runs the file as it is, directly and through srun
    cat > "$T/job.sh" <<EOF
#!/bin/sh
"$F" sh -c 'echo "direct \$SLURM_ARRAY_TASK_ID of \$SLURM_ARRAY_TASK_COUNT"'
srun -n 2 "$F" sh -c 'echo "step \$SLURM_ARRAY_TASK_ID.\$SLURM_PROCID"' | sort
EOF
    sl_run sbatch --wait --array=0-2 -n 2 -o "$T/out-%a" "$T/job.sh"
    expect_ok
    for i in 0 1 2; do
        [ "$(cat "$T/out-$i" 2>/dev/null)" = "$(printf 'direct %s of 3\nstep %s.0\nstep %s.1' $i $i $i)" ] ||
            { note "out-$i:"; show "$(cat "$T/out-$i" 2>&1)" >&2; fail "array task $i's output differs"; }
    done
}
test_case run "slurm: sbatch --wait, a job array of 3 (direct and srun steps)" t_slurm_sbatch_array

# sl_stop_job scancel|limit: a job whose app traps TERM (says so, then keeps
# going), stopped by scancel or its time limit, gets SIGTERM, then SIGKILL
sl_stop_job() {
    local F id; F=$(P bb)
    cat > "$T/job.sh" <<EOF
#!/bin/sh
exec "$F" sh -c 'trap "echo caught TERM" TERM; echo ready; while :; do sleep 1; done'
EOF
    sl_run sbatch --parsable --time=5 -o "$T/job.out" "$T/job.sh"
    expect_ok
    id=${OUT%%;*}
    wait_for "$T/job.out" '^ready$' 30 || { sl_state "$id" >&2; fail "the job did not start"; }
    # the time limit: lowered below the time run (a user may lower their
    # own), slurmctld's next check (every 30 s) ends the job as TIMEOUT
    if [ "$1" = scancel ]; then scancel "$id" || fail "scancel failed"
    else scontrol update JobId="$id" TimeLimit=0 || fail "scontrol update TimeLimit=0 failed"; fi
    sl_job_gone "$id" 60 || fail "job $id still listed after 60s: $(sl_state "$id")"
    grep -qx 'caught TERM' "$T/job.out" || { show "$(cat "$T/job.out")" >&2; fail "the app never saw SIGTERM"; }
    [ "$1" = scancel ] || grep -q 'DUE TO TIME LIMIT' "$T/job.out" ||
        { show "$(cat "$T/job.out")" >&2; fail "the job did not end by its time limit"; }
    # SIGKILL came: nothing of the job is left
    ! pgrep -f "caught TERM" -u "$(id -u)" >/dev/null || fail "the app still runs: $(pgrep -af 'caught TERM')"
}
t_slurm_scancel() { sl_ready; sl_stop_job scancel; }
test_case run "slurm: scancel: the app gets SIGTERM (its trap runs), then SIGKILL" t_slurm_scancel
t_slurm_time_limit() { sl_ready; sl_stop_job limit; }
test_case run "slurm: time limit: the app gets SIGTERM (its trap runs), then SIGKILL" t_slurm_time_limit

t_slurm_cwd() {
    sl_ready
    local F; F=$(P bb-cfg)   # WorkingDir /srv/work
    mkdir -p "$T/w/sub" && cd "$T/w/sub" || fail "mkdir"
    sl_run srun -n 1 "$F" --boxcar-volume="$T/w:/data" pwd
    expect_ok; expect_out /data/sub
    sl_run srun -n 1 "$F" --boxcar-volume="$T/w:/data" --boxcar-volume="$T/w/sub:/deeper" pwd
    expect_ok; expect_out /deeper
    # not shown by a volume: the image's WorkingDir
    sl_run srun -n 1 "$F" pwd
    expect_ok; expect_out /srv/work
    # --boxcar-workdir wins; outside Slurm, docker's rule (the image's)
    sl_run srun -n 1 "$F" --boxcar-volume="$T/w:/data" --boxcar-workdir=/tmp pwd
    expect_ok; expect_out /tmp
    x "$F" --boxcar-volume="$T/w:/data" pwd
    expect_ok; expect_out /srv/work
}
test_case run "slurm: working directory: the caller's where a volume shows it, else the image's" t_slurm_cwd

t_slurm_ipc() {
    sl_ready
    local F host; F=$(P bb)
    host=$(readlink /proc/self/ns/ipc)
    local name=boxcar-test-$$-$RANDOM
    sl_run srun -n 2 "$F" sh -c "readlink /proc/self/ns/ipc; echo \$SLURM_PROCID > /dev/shm/$name.\$SLURM_PROCID"
    expect_ok
    [ "$(sort -u <<<"$OUT")" = "$host" ] || { ctx; fail "tasks are not in the host's IPC namespace ($host)"; }
    [ "$(cat /dev/shm/$name.0 /dev/shm/$name.1 2>&1)" = "$(printf '0\n1')" ] ||
        { rm -f /dev/shm/$name.*; fail "the tasks' /dev/shm is not the host's"; }
    rm -f /dev/shm/$name.*
    sl_run srun -n 1 "$F" --boxcar-ipc=private sh -c 'readlink /proc/self/ns/ipc; ls /dev/shm | wc -l'
    expect_ok
    [ "$(head -1 <<<"$OUT")" != "$host" ] || { ctx; fail "--boxcar-ipc=private shares the host's"; }
    expect_out_has 0
    # outside Slurm: its own unless asked
    x "$F" sh -c 'readlink /proc/self/ns/ipc'
    expect_ok; [ "$OUT" != "$host" ] || fail "outside Slurm the container shares the host's IPC namespace"
    x "$F" --boxcar-ipc=host sh -c 'readlink /proc/self/ns/ipc'
    expect_ok; expect_out "$host"
    x "$F" --boxcar-ipc=shareable true
    expect_error 125; expect_err_has "boxcar-ipc.*shareable.*host or private"
}
test_case run "slurm: IPC: a job's tasks share the host's namespace and /dev/shm; --boxcar-ipc" t_slurm_ipc

t_slurm_cold8() {
    sl_ready
    fresh_cache "$T/cache"
    local F n want; F=$(P layers)
    want=$("$F" --boxcar-inspect | jq '.layers | length')
    # each task then waits (30 s at most) until all eight run, as an MPI
    # job's ranks do: a launcher must never wait for the others' containers
    # to end (their locks on the layers they share)
    mkdir -m 0777 "$T/up"
    TMO=180 x srun -n 8 -l "$F" --boxcar-verbose --boxcar-volume="$T/up:/up" sh -c \
        'cat /data/a.txt; touch /up/$SLURM_PROCID; i=0
         while [ "$(ls /up | wc -l)" -lt 8 ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
         echo "up: $(ls /up | wc -l)"'
    expect_ok
    [ "$(grep -c ': alpha-again$' <<<"$OUT")" = 8 ] || { ctx; fail "not 8 tasks printing the file"; }
    [ "$(grep -c ': up: 8$' <<<"$OUT")" = 8 ] || { ctx; fail "the tasks did not all run at once (a launcher waited for another's container)"; }
    n=$(tr '\r' '\n' <<<"$ERR" | grep -ci 'extracting')
    [ "$n" = "$want" ] || { ctx; fail "$n 'extracting' lines over 8 tasks for $want layers"; }
    info "8 tasks, cold cache: $n extractions for $want layers"
}
test_case run "slurm: eight tasks, cold first launch at once: one extraction per layer, all running together" t_slurm_cold8

# MPI: Debian's mpich inside the image (tests/mpich-image.sh), its PMI-2 client
# talking to srun's mpi/pmi2 through PMI_FD, its shared memory through the
# host's IPC namespace and /dev/shm
pa_mpich() {
    [ -d "$FIX/oci-mpich" ] || fail "no $FIX/oci-mpich: tests/mpich-image.sh failed (see build/test-work.fixtures.log)"
    pack_artifact mpich "oci:$FIX/oci-mpich:latest"
}
test_case artifact "mpich <- oci-mpich (tests/mpich-image.sh)" pa_mpich

t_slurm_mpi() {
    sl_ready
    local F i; F=$(P mpich)
    TMO=120 x srun --mpi=pmi2 -n 4 "$F"
    expect_ok
    for i in 0 1 2 3; do expect_out_has "rank $i of 4 on $(hostname -s)"; done
    expect_out_has "allreduce sum 6"
    [ "$(grep -c '' <<<"$OUT")" = 5 ] || { ctx; fail "want 5 lines"; }
    # its shared memory needs the node's one IPC namespace and /dev/shm
    TMO=60 x srun --mpi=pmi2 -n 2 "$F" --boxcar-ipc=private
    [ "$RC" != 0 ] || { ctx; fail "MPI ran with a /dev/shm per task: the shared /dev/shm is not what it used"; }
    expect_err_has 'shared memory'
}
test_case run "slurm: MPI (Debian's mpich in the image): srun --mpi=pmi2 -n 4: ranks 0-3 of 4, allreduce" t_slurm_mpi

# --boxcar-share=step: the node's tasks of a step in one container without the
# plugin (stub/shared.h): one PID namespace, the image's command, each task's
# rank; MPI across them; outside a step, one line and 125
t_slurm_share() {
    sl_ready
    local F M i; F=$(P bb); M=$(P mpich)
    sl_run srun -n 3 -l "$F" --boxcar-share=step --boxcar-env=FOO=shared sh -c \
        'echo "$(readlink /proc/self/ns/pid) rank=$SLURM_PROCID foo=$FOO holder=$(grep -c boxcar-hold /proc/1/cmdline)"'
    expect_ok
    [ "$(grep -c '' <<<"$OUT")" = 3 ] || { ctx; fail "want 3 lines, one per task"; }
    [ "$(sed 's/^[0-9]*: //; s/ .*//' <<<"$OUT" | sort -u | wc -l)" = 1 ] || { ctx; fail "the tasks are not in one PID namespace"; }
    [ "$(sed 's/^[0-9]*: //; s/ .*//' <<<"$OUT" | sort -u)" != "$(readlink /proc/self/ns/pid)" ] || { ctx; fail "the tasks ran in the host's PID namespace"; }
    for i in 0 1 2; do grep -q "^$i: pid:.* rank=$i foo=shared holder=1$" <<<"$OUT" || { ctx; fail "task $i"; }; done
    # the image's command (Entrypoint + Cmd) when none is given
    TMO=120 x srun --mpi=pmi2 -n 4 "$M" --boxcar-share=step
    expect_ok
    for i in 0 1 2 3; do expect_out_has "rank $i of 4 on $(hostname -s)"; done
    expect_out_has "allreduce sum 6"
    # no holder outlives its step (its watchdog ends it)
    for ((i = 0; i < 50; i++)); do pgrep -u "$(id -u)" -f -- '--boxcar-(hold|share)=' >/dev/null || break; sleep 0.2; done
    pgrep -u "$(id -u)" -af -- '--boxcar-(hold|share)=' && fail "a step's container or its watchdog outlived the step by 10 s"
    x "$F" --boxcar-share=step true; expect_error 125; expect_err_has "not in a Slurm job step"
    x "$F" --boxcar-share=node true; expect_error 125; expect_err_has "bad --boxcar-share"
}
test_case run "slurm: --boxcar-share=step: the node's tasks in one container without the plugin (one PID namespace, MPI)" t_slurm_share
