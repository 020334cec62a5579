# shellcheck shell=bash
# The arm64 files on a real arm64 kernel (issues 18 and 19): qemu-user cannot
# ptrace or make namespaces (t-arm64.sh), so here qemu-system-aarch64 boots
# Debian's arm64 cloud kernel (build.sh fetches its .deb) with an initramfs of
# Debian's arm64 busybox-static, the kernel's overlay module and the arm64
# files; its /init (helpers/a64vm-init.sh) runs them as root and as uid 1000
# under the trace and the namespace engines, then with user namespaces denied
# (user.max_user_namespaces=0: a real denial, in the VM's kernel). The VM runs
# once (the first test, or the first one selected); the others assert on what
# it printed.
# The dynamic program (helpers/a64probe.c) is built with Debian's
# aarch64-linux-gnu-gcc and runs on Debian's arm64 glibc (libc6-arm64-cross).

A64VM_LOG=$TW/arm64vm.log

# a64vm_dyn_image LAYOUT: tag dyn: busybox, glibc's loader and libc, the probe
# (Entrypoint), a #! script; made with umoci
a64vm_dyn_image() {
    local L=$1 b=$T/bundle-dyn g=/usr/aarch64-linux-gnu/lib
    [ -f $g/libc.so.6 ] || fail "no $g/libc.so.6: apt-get install libc6-dev-arm64-cross (./build.sh does)"
    aarch64-linux-gnu-gcc -O2 -pthread -o "$T/a64probe" "$TOP/tests/helpers/a64probe.c" || fail "cannot build the probe"
    umoci init --layout "$L" && umoci new --image "$L:dyn" || fail "umoci new dyn"
    umoci unpack --rootless --image "$L:dyn" "$b" >/dev/null || fail "umoci unpack dyn"
    mkdir -p "$b/rootfs/bin" "$b/rootfs/etc" "$b/rootfs/tmp" "$b/rootfs/usr/bin" "$b/rootfs/lib/aarch64-linux-gnu"
    cp "$PACKED/arm64-busybox" "$b/rootfs/bin/busybox" && ln -s busybox "$b/rootfs/bin/sh" || fail "busybox"
    cp $g/ld-linux-aarch64.so.1 "$b/rootfs/lib/" && cp $g/libc.so.6 "$b/rootfs/lib/aarch64-linux-gnu/" || fail "glibc"
    cp "$T/a64probe" "$b/rootfs/usr/bin/a64probe"
    printf '#!/bin/sh\necho "script $0 $1"\nexit 5\n' > "$b/rootfs/bin/hello.sh"; chmod 0755 "$b/rootfs/bin/hello.sh"
    printf 'dynamic fixture\n' > "$b/rootfs/etc/fixture-release"
    umoci repack --image "$L:dyn" "$b" || fail "umoci repack dyn"
    umoci config --image "$L:dyn" --architecture arm64 --os linux --config.entrypoint /usr/bin/a64probe \
        --config.workingdir /tmp || fail "umoci config dyn"
}

# a64vm_initramfs DIR: the VM's root (the kernel's own overlay module in it), gzip'd cpio to stdout
a64vm_initramfs() {
    local r=$1
    mkdir -p "$r/bin" "$r/work" "$r/proc" "$r/sys" "$r/dev" "$r/tmp"
    cp "$PACKED/arm64-busybox" "$r/bin/busybox" && cp "$TOP/tests/helpers/a64vm-init.sh" "$r/init" || return 1
    cp "$PACKED/a64" "$r/work/a64" && cp "$PACKED/a64dyn" "$r/work/a64dyn" || return 1
    find k -name overlay.ko -exec cp {} "$r/overlay.ko" \; || return 1
    chmod 0755 "$r/init" "$r/bin/busybox"
    (cd "$r" && find . | cpio -o -H newc --quiet | gzip -1)
}

# a64vm_run: boots the VM, its output (cases) in $A64VM_LOG
a64vm_run() {
    local deb k
    command -v qemu-system-aarch64 >/dev/null || fail "no qemu-system-aarch64: apt-get install qemu-system-arm (./build.sh does)"
    command -v cpio >/dev/null || fail "no cpio: apt-get install cpio (./build.sh does)"
    deb=$(ls "$TOP"/build/deps-arm64/debs/linux-image-*_arm64.deb 2>/dev/null | head -1)
    [ -n "$deb" ] || fail "no arm64 kernel .deb in build/deps-arm64/debs (./build.sh deps-arm64 fetches it)"
    [ -f "$PACKED/a64" ] || fail "no $PACKED/a64 (the arm64 artifact test makes it)"
    dpkg-deb -x "$deb" k || fail "dpkg-deb -x $deb"
    k=$(ls k/boot/vmlinuz-* | head -1)
    a64vm_dyn_image "$T/dyn-layout"
    x "$BOXCAR" pack "oci:$T/dyn-layout:dyn" --platform linux/arm64 -o "$PACKED/a64dyn" --quiet; expect_ok
    a64vm_initramfs "$T/root" > "$T/initrd.gz" || fail "cannot make the initramfs"
    # (-cpu cortex-a72: TCG emulates it faster than max; the VM powers itself off)
    TMO=600 x qemu-system-aarch64 -M virt -cpu cortex-a72 -smp 2 -m 2048 -nographic -no-reboot -nic none \
        -kernel "$k" -initrd "$T/initrd.gz" -append "console=ttyAMA0 quiet loglevel=1 panic=-1"
    tr -d '\r' < "$T/.out" > "$A64VM_LOG"
    grep -q '^@@ done' "$A64VM_LOG" || { tail -n 40 "$A64VM_LOG" >&2; fail "the VM did not finish its cases (rc $RC)"; }
    grep '^@@ .*\(failed\|no overlay\)' "$A64VM_LOG" >&2 && fail "the VM's set-up failed"
    info "$(grep -c '^@@ .* rc=' "$A64VM_LOG") cases in the VM, $(uname -m) host, kernel $(basename "$k")"
}
# a64vm_ready: the VM's log, booting it where no earlier test did (one selected alone)
a64vm_ready() { [ -f "$A64VM_LOG" ] || a64vm_run; }

t_a64vm_boot() { rm -f "$A64VM_LOG"; a64vm_run; }
test_case pack "arm64 VM: Debian's arm64 kernel (qemu-system-aarch64) runs the arm64 files as root and as uid 1000" t_a64vm_boot

# vm CASE: RC, OUT and ERR of the VM's case CASE (as x sets them)
vm() {
    grep -q "^@@ $1 rc=" "$A64VM_LOG" || fail "the VM ran no case $1"
    RC=$(sed -n "s/^@@ $1 rc=//p" "$A64VM_LOG")
    OUT=$(awk -v n="$1" '$0 == "@@ " n " begin" { f = 1; next } /^@@ / { f = 0 } f && sub(/^o:/, "")' "$A64VM_LOG")
    ERR=$(awk -v n="$1" '$0 == "@@ " n " begin" { f = 1; next } /^@@ / { f = 0 } f && sub(/^e:/, "")' "$A64VM_LOG")
    LAST_CMD="(the VM's case $1: tests/helpers/a64vm-init.sh)"
}

t_a64vm_busybox() {
    local w e
    a64vm_ready
    for w in root user; do for e in trace ns; do
        vm "$w-$e-sh"; expect_rc 3; expect_out $'hi\nmulti-arch fixture'
        vm "$w-$e-root"; expect_ok
        expect_out_has etc; expect_out_has bin
        expect_out_lacks 'outside the image'
        printf '%s\n' "$OUT" | grep -qx host-marker && { ctx; fail "$w $e: ls / shows the VM's root"; }
        [ "$(printf '%s\n' "$OUT" | grep -c "No such file")" = 3 ] || { ctx; fail "$w $e: not three ENOENTs for the host's file"; }
        [ "$(printf '%s\n' "$OUT" | tail -n 2)" = $'0\n/' ] || { ctx; fail "$w $e: /proc/self/root or .. climbed out"; }
        vm "$w-$e-cwd"; expect_ok; expect_out $'/tmp\n/tmp\n0\nw'
        vm "$w-$e-signal"; expect_rc 143
    done; done
}
test_case pack "arm64 VM: busybox under both engines, as root and uid 1000: exit codes, the image's root, .. and /proc/self/root, cwd, ids 0, signals" t_a64vm_busybox

t_a64vm_dynamic() {
    local w e want
    a64vm_ready
    want=$'exe=/usr/bin/a64probe\nargv0=/usr/bin/a64probe\ncwd=/tmp\nuid=0 euid=0 gid=0\nthreads=4\nstat-owner=0\nescape=No such file or directory'
    for w in root user; do for e in trace ns; do
        vm "$w-$e-dyn"; expect_rc 7
        [ "$(printf '%s\n' "$OUT" | head -n 7)" = "$want" ] || { ctx; note "expected first:"; show "$want" >&2; fail "$w $e: the probe's view differs"; }
        expect_out_has 'script /bin/hello.sh an-arg'; expect_out_has 'script-status=5'
    done
        # the tree is the cache's, read-only under trace; the ns engine's upper takes writes
        vm "$w-trace-dyn"; expect_out_has 'write-tree=Read-only file system'
        vm "$w-ns-dyn"; expect_out_has 'write-tree=written'
    done
}
test_case pack "arm64 VM: a dynamic glibc program through the image's loader, the same under both engines: /proc/self/exe, argv[0], threads, fork, a #! script" t_a64vm_dynamic

t_a64vm_engines() {
    local w host
    a64vm_ready
    host=$(sed -n 's/^@@ host-pidns //p' "$A64VM_LOG")
    [ -n "$host" ] || fail "the VM printed no pid namespace of its own"
    for w in root user; do
        vm "$w-trace-pidns"; expect_ok; expect_out "$host"   # (no namespace: the VM's own)
        vm "$w-ns-pidns"; expect_ok
        [ -n "$OUT" ] && [ "$OUT" != "$host" ] || { ctx; fail "$w: the ns engine made no pid namespace"; }
        # denied for real: auto picks the trace engine, with one note naming why
        vm "$w-denied"; expect_rc 7; expect_out_has 'script /bin/hello.sh denied'
        expect_err_has 'running with the trace engine instead'
        [ "$(printf '%s\n' "$ERR" | grep -c .)" = 1 ] || { ctx; fail "$w: more than the one note on stderr"; }
    done
}
test_case pack "arm64 VM: each engine is what it says (pid namespaces); with user.max_user_namespaces=0 auto runs the trace engine, one note" t_a64vm_engines
