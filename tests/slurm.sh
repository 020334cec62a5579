# A throwaway single-node Slurm for the tests (t-slurm.sh) and benchmarks (bench/hpc*.sh):
# Debian's munged, slurmctld and slurmd, run as root from one directory, on loopback
# ports nothing else uses, with no cgroups (proctrack/linuxproc, task/none), so it
# works in a container. Sourced; needs root.
#
#   slurm_start DIR [LINE...]
#                     write DIR/slurm.conf (its plugstack.conf: the LINEs, e.g.
#                     "required /path/spank_boxcar.so") and a munge key, start the
#                     three daemons, wait until the node is idle; exports SLURM_CONF. On failure:
#                     prints one reason on stderr (and the daemons' last log lines),
#                     stops what it started, returns 1.
#   slurm_stop DIR    stop the daemons slurm_start started there (by their pid files)
#
# Slurm's time unit is the minute and KillWait the seconds between the SIGTERM
# of scancel or a time limit and the SIGKILL; 3 s here keeps the tests short.

SLURM_DAEMONS="slurmd slurmctld munged"

slurm_free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

slurm_write_conf() {   # DIR HOST [PLUGSTACK LINE...]
    local d=$1 host=$2
    cat > "$d/slurm.conf" <<EOF
ClusterName=boxcartest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$(slurm_free_port)
SlurmdPort=$(slurm_free_port)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$d/munge.socket
StateSaveLocation=$d/state
SlurmdSpoolDir=$d/spool
SlurmctldPidFile=$d/slurmctld.pid
SlurmdPidFile=$d/slurmd.pid
SlurmctldLogFile=$d/slurmctld.log
SlurmdLogFile=$d/slurmd.log
PlugStackConfig=$d/plugstack.conf
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SwitchType=switch/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/builtin
MpiDefault=none
ReturnToService=2
SlurmdParameters=config_overrides
KillWait=3
MinJobAge=10
InactiveLimit=0
MessageTimeout=20
NodeName=$host NodeAddr=127.0.0.1 CPUs=16 State=UNKNOWN
PartitionName=boxcar Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
    shift 2
    printf '%s\n' "$@" > "$d/plugstack.conf"
}

slurm_fail() {   # DIR MESSAGE
    local f
    printf 'slurm: %s\n' "$2" >&2
    for f in munged slurmctld slurmd; do
        [ -s "$1/$f.log" ] && { echo "--- $1/$f.log (tail)"; tail -n 5 "$1/$f.log"; } >&2
    done
    slurm_stop "$1"
    return 1
}

slurm_start() {
    local d=$1 host i state
    shift
    [ "$(id -u)" = 0 ] || { echo "slurm: needs root to start slurmd" >&2; return 1; }
    for i in munged slurmctld slurmd sinfo srun; do
        command -v "$i" >/dev/null || { echo "slurm: $i is missing (apt-get install slurm-wlm munge)" >&2; return 1; }
    done
    rm -rf "$d"; mkdir -p "$d/state" "$d/spool" || return 1
    chmod 0755 "$d"
    host=$(hostname -s)
    slurm_write_conf "$d" "$host" "$@"
    export SLURM_CONF=$d/slurm.conf
    head -c 1024 /dev/urandom > "$d/munge.key" && chmod 0400 "$d/munge.key" || return 1
    munged --force --key-file="$d/munge.key" --socket="$d/munge.socket" --pid-file="$d/munged.pid" \
        --log-file="$d/munged.log" --seed-file="$d/munged.seed" 2>>"$d/munged.log" ||
        { slurm_fail "$d" "munged did not start"; return 1; }
    slurmctld -i -f "$SLURM_CONF" 2>>"$d/slurmctld.log" || { slurm_fail "$d" "slurmctld did not start"; return 1; }
    slurmd -f "$SLURM_CONF" 2>>"$d/slurmd.log" || { slurm_fail "$d" "slurmd did not start"; return 1; }
    for ((i = 0; i < 300; i++)); do
        state=$(sinfo -h -o %t 2>/dev/null)
        [ "$state" = idle ] && return 0
        sleep 0.1
    done
    slurm_fail "$d" "the node did not become idle within 30 s (state: ${state:-none})"
}

slurm_stop() {
    local d=$1 f pid i left
    for f in $SLURM_DAEMONS; do
        [ -s "$d/$f.pid" ] || continue
        pid=$(cat "$d/$f.pid")
        # only the daemon this directory started: its pid file and its command line
        if [ -r "/proc/$pid/comm" ] && [ "$(cat "/proc/$pid/comm")" = "$f" ]; then
            kill -TERM "$pid" 2>/dev/null
            for ((i = 0; i < 100; i++)); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
            [ -d "/proc/$pid" ] && kill -KILL "$pid" 2>/dev/null
        fi
        rm -f "$d/$f.pid"
    done
    # slurmstepd of a job still running when slurmd stopped
    left=$( (pgrep -x slurmstepd -P 1 2>/dev/null || true) | while read -r pid; do
        grep -qF "$d" "/proc/$pid/cmdline" "/proc/$pid/environ" 2>/dev/null && echo "$pid"; done)
    [ -n "$left" ] && kill -KILL $left 2>/dev/null
    return 0
}
