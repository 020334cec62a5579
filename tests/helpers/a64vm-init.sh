#!/bin/busybox sh
# shellcheck shell=dash
# /init of the arm64 VM that tests/t-arm64vm.sh boots (Debian's arm64 kernel
# under qemu-system-aarch64, this initramfs as its root): runs the arm64 files
# in /work as root and as uid 1000, under both engines, then with user
# namespaces denied. Each case prints "@@ NAME begin", its stdout and stderr
# as "o:" and "e:" lines, and "@@ NAME rc=N"; the host asserts on them.
c() {   # c NAME CMD...: one case
    echo "@@ $1 begin"
    n=$1; shift
    "$@" >"$HOME/o" 2>"$HOME/e" </dev/null
    rc=$?
    sed 's/^/o:/' "$HOME/o"; sed 's/^/e:/' "$HOME/e"
    echo "@@ $n rc=$rc"
}

cases() {   # cases WHO: every case, as WHO (root or user), with its own cache
    w=$1
    export HOME BOXCAR_CACHE=$HOME/cache
    for e in trace ns; do
        c "$w-$e-sh" /work/a64 --boxcar-engine=$e sh -c 'echo hi; cat /etc/fixture-release; exit 3'
        c "$w-$e-root" /work/a64 --boxcar-engine=$e sh -c 'ls /; cat /host-marker /../../host-marker /etc/../../host-marker 2>&1
            ls /proc/self/root/ | grep -c host-marker; cd /etc/../../.. && pwd'
        c "$w-$e-cwd" /work/a64 --boxcar-engine=$e sh -c 'cd /tmp && pwd && readlink /proc/self/cwd && id -u && echo w > /tmp/f && cat /tmp/f'
        c "$w-$e-signal" /work/a64 --boxcar-engine=$e sh -c 'kill -TERM $$; sleep 5'
        c "$w-$e-pidns" /work/a64 --boxcar-engine=$e busybox readlink /proc/self/ns/pid
        c "$w-$e-dyn" /work/a64dyn --boxcar-engine=$e an-arg
    done
}

as_user() { su -s /bin/sh -c "/init $*" u; }   # (busybox's setpriv has no --reuid)
case ${1:-} in   # (run again as the user: /init cases WHO, /init c NAME CMD...)
    cases) cases "$2"; exit ;;
    c) shift; export HOME BOXCAR_CACHE=$HOME/cache; c "$@"; exit ;;
esac

/bin/busybox --install -s /bin
export PATH=/bin
# pivot_root refuses the initramfs (rootfs) as the old root: a tmpfs root first
if [ ! -e /.switched ]; then
    mkdir /newroot && mount -t tmpfs -o mode=0755 root /newroot && cp -a /bin /init /work /overlay.ko /newroot/ &&
        mkdir /newroot/proc /newroot/sys /newroot/dev /newroot/tmp /newroot/etc && touch /newroot/.switched &&
        exec switch_root /newroot /init
    echo "@@ switch_root failed"
fi
mount -t proc proc /proc && mount -t sysfs sys /sys && mount -t devtmpfs dev /dev || echo "@@ mounts failed"
chmod 1777 /tmp
insmod /overlay.ko || echo "@@ no overlay module"
echo "a file of the VM's root, outside the image" > /host-marker
mkdir -p /home/u /root && chown 1000:1000 /home/u
echo 'root:x:0:0::/root:/bin/sh
u:x:1000:1000::/home/u:/bin/sh' > /etc/passwd
echo 'root:x:0:
u:x:1000:' > /etc/group
chmod 0755 /work && chmod 0755 /work/*
echo "@@ host-pidns $(readlink /proc/self/ns/pid)"

HOME=/root cases root
as_user cases user

# where user namespaces are denied: auto falls back to the trace engine
sysctl -w user.max_user_namespaces=0 >/dev/null
HOME=/root BOXCAR_CACHE=/root/cache c root-denied /work/a64dyn denied
as_user c user-denied /work/a64dyn denied
echo "@@ done"
poweroff -f
