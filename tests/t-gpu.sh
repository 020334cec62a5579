# shellcheck shell=bash
# --boxcar-gpu (stub/gpu.h): the host's NVIDIA devices and driver in the
# container, tested without a GPU on a fake driver under BOXCAR_TEST_GPUHOST
# (read there instead of the host's /dev, /proc/driver/nvidia,
# /etc/ld.so.cache and /usr/bin): two GPUs whose minors are not their
# indices, a libcuda.so.1 built here (tests/helpers/fakecuda.c) in a loader
# cache made by the real ldconfig, and a probe (helpers/cudaprobe.c) that
# loads it in the Debian image as a CUDA program would. Each test runs on
# both root modes.

UUID0=GPU-0a0a0a0a-1111-2222-3333-000000000000
UUID1=GPU-1b1b1b1b-1111-2222-3333-000000000001

# gpu_node PATH: a stand-in device node (root: /dev/null's numbers; a user: a file)
gpu_node() { if [ "$(id -u)" = 0 ]; then mknod "$1" c 1 3; else : > "$1"; fi; }

# gpu_build: the fake driver's libraries (libcuda.so.1, libnvidia-ml.so.1 and
# libnvidia-other.so.1, which is not the driver's) and the probe, built once a
# pass into $TMPDIR/gpu-driver
gpu_build() {
    local o=$TMPDIR/gpu-driver
    [ -x "$o/cudaprobe" ] && return 0
    mkdir -p "$o.$$" && printf 'int nvmlInit(void) { return 0; }\n' > "$o.$$/ml.c" &&
        cc -shared -fPIC -O2 -Wl,-soname,libcuda.so.1 -o "$o.$$/libcuda.so.1" "$TOP/tests/helpers/fakecuda.c" &&
        cc -shared -fPIC -Wl,-soname,libnvidia-ml.so.1 -o "$o.$$/libnvidia-ml.so.1" "$o.$$/ml.c" &&
        cc -shared -fPIC -Wl,-soname,libnvidia-other.so.1 -o "$o.$$/libnvidia-other.so.1" "$o.$$/ml.c" &&
        cc -O2 -o "$o.$$/cudaprobe" "$TOP/tests/helpers/cudaprobe.c" && rm -rf "$o" && mv "$o.$$" "$o" ||
        fail "cannot build the fake driver or the probe with cc"
}

# gpu_host DIR: the fake driver. Index 0 (bus 3b) is /dev/nvidia1, index 1
# (bus 86) is /dev/nvidia0, as the driver's /proc files say.
gpu_host() {
    local d=$1 bus n a b c minor uuid
    mkdir -p "$d/dev" "$d/etc" "$d/lib" "$d/usr/bin"
    for bus in 0000:3b:00.0:1:$UUID0 0000:86:00.0:0:$UUID1; do
        IFS=: read -r a b c minor uuid <<< "$bus"
        mkdir -p "$d/proc/driver/nvidia/gpus/$a:$b:$c"
        printf 'Model: \t\t Fake GPU\nIRQ:   \t\t 42\nGPU UUID: \t %s\nBus Location: \t %s\nDevice Minor: \t %s\nGPU Excluded: \t No\n' \
            "$uuid" "$a:$b:$c" "$minor" > "$d/proc/driver/nvidia/gpus/$a:$b:$c/information"
    done
    for n in nvidiactl nvidia-uvm nvidia-uvm-tools nvidia0 nvidia1; do gpu_node "$d/dev/$n"; done
    gpu_build
    cp "$TMPDIR/gpu-driver/"*.so.1 "$d/lib/" || fail "cannot copy the fake driver"
    printf '%s/lib\n' "$d" > "$d/ld.so.conf"
    ldconfig -X -C "$d/etc/ld.so.cache" -f "$d/ld.so.conf" || fail "ldconfig failed"
    printf '#!/bin/sh\necho "fake nvidia-smi $*"\n' > "$d/usr/bin/nvidia-smi"
    chmod 755 "$d/usr/bin/nvidia-smi"
    mkdir -p "$T/bin"
    cp "$TMPDIR/gpu-driver/cudaprobe" "$T/bin/" || fail "cannot copy the probe"
    export BOXCAR_TEST_GPUHOST=$d
    unset CUDA_VISIBLE_DEVICES SLURM_STEP_GPUS SLURM_JOB_GPUS
}

# gx MODE ARGS...: run the Debian image on root mode MODE with the probe at /probe
gx() { local m=$1; shift; x "$(P debian)" --boxcar-root="$m" --boxcar-volume="$T/bin:/probe:ro" "$@"; }

# the GPU nodes the container sees, on one line
GPU_NODES='ls /dev | grep "^nvidia[0-9]" | tr "\n" " "; echo;'

t_gpu_binds() {
    gpu_host "$T/host"
    local m
    for m in overlay flat; do
        fresh_cache "$T/c-$m"
        gx "$m" --boxcar-gpu sh -c '
            ls /dev | grep nvidia | tr "\n" " "; echo
            echo "$LD_LIBRARY_PATH"; echo "${PATH##*:}"
            ls /usr/local/nvidia/lib64 | tr "\n" " "; echo
            /probe/cudaprobe; nvidia-smi -L
            touch /usr/local/nvidia/lib64/libcuda.so.1 2>&1 | sed "s/.*: //"
            awk "\$5 == \"/dev/nvidia0\" { print \"node-bound\" }" /proc/self/mountinfo'
        expect_ok
        expect_out "nvidia-uvm nvidia-uvm-tools nvidia0 nvidia1 nvidiactl 
/usr/local/nvidia/lib64
/usr/local/nvidia/bin
libcuda.so.1 libnvidia-ml.so.1 
fake driver: 2 devices
fake nvidia-smi -L
Read-only file system
node-bound"
        if [ "$(id -u)" = 0 ]; then   # the host's node itself (its numbers), not a copy
            gx "$m" --boxcar-gpu stat -c '%F %t,%T' /dev/nvidia1
            expect_ok; expect_out 'character special file 1,3'
        fi
        # NVIDIA's CUDA images name the directory already: left as it is;
        # another path keeps its entries after the driver's
        gx "$m" --boxcar-gpu --boxcar-env=LD_LIBRARY_PATH=/usr/local/nvidia/lib:/usr/local/nvidia/lib64 --boxcar-env=PATH=/usr/local/nvidia/bin:/usr/bin:/bin \
            sh -c 'echo "$LD_LIBRARY_PATH|$PATH"'
        expect_ok; expect_out '/usr/local/nvidia/lib:/usr/local/nvidia/lib64|/usr/local/nvidia/bin:/usr/bin:/bin'
        gx "$m" --boxcar-gpu --boxcar-env=LD_LIBRARY_PATH=/opt/lib sh -c 'echo "$LD_LIBRARY_PATH"'
        expect_ok; expect_out '/usr/local/nvidia/lib64:/opt/lib'
        # without the option: no GPU, no driver (a flat root keeps the empty
        # mount point made in its tree, as it keeps a volume's)
        gx "$m" sh -c "$GPU_NODES"' ls -A /usr/local/nvidia 2>/dev/null | wc -l; /probe/cudaprobe | cut -c1-21'
        expect_ok; expect_out $'\n0\ndlopen: libcuda.so.1:'
    done
}
t_gpu_diff() {   # the driver's directory is boxcar's mount point, not a change to the image
    gpu_host "$T/host"
    fresh_cache "$T/c"
    export XDG_RUNTIME_DIR=$T/run; mkdir -p "$XDG_RUNTIME_DIR"; chmod 0700 "$XDG_RUNTIME_DIR"
    x "$(P debian)" --boxcar-root=overlay --boxcar-name=gpu --boxcar-gpu sh -c 'ls /usr/local/nvidia/lib64/libcuda.so.1 /dev/nvidia0'
    expect_ok
    x "$BOXCAR" diff gpu; expect_ok; expect_out ""
    x "$BOXCAR" rm gpu; expect_ok
}
t_gpu_linked_dir() {   # an image whose /usr/local is a link: the mount goes through it, the link stays
    gpu_host "$T/host"
    fresh_cache "$T/c"
    cp -a "$FIX/rootfs-busybox" "$T/rootfs"
    mkdir -p "$T/rootfs/opt/local/keep" "$T/rootfs/usr"
    rm -rf "$T/rootfs/usr/local"; ln -s ../opt/local "$T/rootfs/usr/local"
    x "$BOXCAR" pack "rootfs:$T/rootfs" --cmd /bin/sh -o "$T/linked" --quiet; expect_ok
    local m
    for m in overlay flat; do
        x "$T/linked" --boxcar-root=$m --boxcar-gpu sh -c 'readlink /usr/local; ls /opt/local; ls /opt/local/nvidia/lib64'
        expect_ok; expect_out $'../opt/local\nkeep\nnvidia\nlibcuda.so.1\nlibnvidia-ml.so.1'
    done
}
test_case run "gpu: an image whose /usr/local is a link keeps it (the driver's directory made through it)" t_gpu_linked_dir

test_case run "gpu: nothing of the driver lands in a named container's writable layer (boxcar diff)" t_gpu_diff

test_case run "gpu: device nodes, the driver's libraries and tools bound (overlay and flat), the loader's path" t_gpu_binds

t_gpu_select() {
    gpu_host "$T/host"
    local m
    for m in overlay flat; do
        fresh_cache "$T/c-$m"
        # by index (nvidia-smi's, the PCI order: index 0 is minor 1) and by UUID
        gx "$m" --boxcar-gpu=0 sh -c "$GPU_NODES"' /probe/cudaprobe'
        expect_ok; expect_out $'nvidia1 \nfake driver: 1 devices'
        gx "$m" --boxcar-gpu="$UUID1" sh -c "$GPU_NODES"
        expect_ok; expect_out 'nvidia0 '
        gx "$m" --boxcar-gpu="1,$UUID0" sh -c "$GPU_NODES"
        expect_ok; expect_out 'nvidia0 nvidia1 '
        # the job's GPUs: CUDA_VISIBLE_DEVICES, Slurm's global ids before it
        CUDA_VISIBLE_DEVICES=1 gx "$m" --boxcar-gpu sh -c "$GPU_NODES"' /probe/cudaprobe'
        expect_ok; expect_out $'nvidia0 \nfake driver: 1 devices'
        CUDA_VISIBLE_DEVICES=$UUID0 gx "$m" --boxcar-gpu sh -c "$GPU_NODES"
        expect_ok; expect_out 'nvidia1 '
        SLURM_STEP_GPUS=0 SLURM_JOB_GPUS=0,1 CUDA_VISIBLE_DEVICES=0 gx "$m" --boxcar-gpu sh -c "$GPU_NODES"
        expect_ok; expect_out 'nvidia1 '
        SLURM_JOB_GPUS=1 CUDA_VISIBLE_DEVICES=0 gx "$m" --boxcar-gpu sh -c "$GPU_NODES"
        expect_ok; expect_out 'nvidia0 '
        CUDA_VISIBLE_DEVICES='' gx "$m" --boxcar-gpu sh -c "$GPU_NODES"' /probe/cudaprobe'
        expect_ok; expect_out $'\nfake driver: 0 devices'
        # all: every GPU, whatever the job's are
        CUDA_VISIBLE_DEVICES=1 gx "$m" --boxcar-gpu=all sh -c "$GPU_NODES"
        expect_ok; expect_out 'nvidia0 nvidia1 '
    done
    # a GPU the host lacks: one line naming it and where it came from
    gx overlay --boxcar-gpu=2 true
    expect_error 125; expect_err_has "gpu: its value names GPU '2', which this host does not have \(it has 2 GPUs\)"
    CUDA_VISIBLE_DEVICES=GPU-nope gx flat --boxcar-gpu true
    expect_error 125; expect_err_has "CUDA_VISIBLE_DEVICES names GPU 'GPU-nope'"
    # without the driver's /proc files, the nodes give the GPUs, by minor
    rm -r "$T/host/proc"
    gx overlay --boxcar-gpu=0 sh -c "$GPU_NODES"
    expect_ok; expect_out 'nvidia0 '
}
test_case run "gpu: selection by index and UUID, CUDA_VISIBLE_DEVICES and Slurm's GPUs, all; unknown GPUs refused" t_gpu_select

t_gpu_nodriver() {
    fresh_cache "$T/c"
    mkdir -p "$T/bin" "$T/none"
    # no driver: one line, 125, on both root modes
    BOXCAR_TEST_GPUHOST=$T/none x "$(P debian)" --boxcar-gpu true
    expect_error 125; expect_err_has '^boxcar: --boxcar-gpu: no NVIDIA driver on this host \(.*/dev/nvidiactl: No such file'
    BOXCAR_TEST_GPUHOST=$T/none x "$(P debian)" --boxcar-root=flat --boxcar-gpu=0 true
    expect_error 125; expect_err_has 'no NVIDIA driver'
    # nodes but no libcuda in the loader's cache; a damaged cache
    gpu_host "$T/host"
    rm "$T/host/lib/libcuda.so.1"
    ldconfig -X -C "$T/host/etc/ld.so.cache" -f "$T/host/ld.so.conf" || fail "ldconfig failed"
    x "$(P debian)" --boxcar-gpu true
    expect_error 125; expect_err_has 'libcuda.so.1 is not in the loader.s cache'
    head -c 100 /dev/urandom > "$T/host/etc/ld.so.cache"
    x "$(P debian)" --boxcar-gpu true
    expect_error 125; expect_err_has 'ld.so.cache: not a loader cache'
    head -c 30 "$TOP/tests/fuzz/corpus/ldcache/new.cache" > "$T/host/etc/ld.so.cache"
    x "$(P debian)" --boxcar-gpu true
    expect_error 125; expect_err_has 'not a loader cache|cut short'
}
test_case run "gpu: no driver, no libcuda, a damaged loader cache: one line, exit 125" t_gpu_nodriver
