#!/usr/bin/env python3
"""Regenerate the committed seed corpus (tests/fuzz/corpus/*). Run by hand."""
import hashlib, io, json, os, struct, subprocess, tarfile

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")

def put(kind, name, data):
    with open(os.path.join(here, kind, name), "wb") as f:
        f.write(data)

def tar(entries):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name, kind, arg in entries:
            ti = tarfile.TarInfo(name)
            if kind == "dir":
                ti.type, ti.mode = tarfile.DIRTYPE, 0o755
                t.addfile(ti)
            elif kind == "file":
                ti.size, ti.mode = len(arg), 0o644
                t.addfile(ti, io.BytesIO(arg))
            elif kind == "sym":
                ti.type, ti.linkname = tarfile.SYMTYPE, arg
                t.addfile(ti)
            elif kind == "hard":
                ti.type, ti.linkname = tarfile.LNKTYPE, arg
                t.addfile(ti)
    return buf.getvalue()

layer = tar([("etc", "dir", None), ("etc/passwd", "file", b"root:x:0:0::/root:/bin/sh\n"),
             ("etc/.wh.gone", "file", b""), ("opq", "dir", None), ("opq/.wh..wh..opq", "file", b""),
             ("link", "sym", "/etc/passwd"), ("hl", "hard", "etc/passwd")])
put("layer", "basic.tar", layer)
put("layer", "escape.tar", tar([("../up", "file", b"x"), ("sl", "sym", "/tmp"), ("sl/x", "file", b"y")]))

# a whole packed file with an empty stub: one layer, index, trailer
blob = subprocess.run(["zstd", "-q", "-c"], input=layer, capture_output=True, check=True).stdout
sha = lambda b: "sha256:" + hashlib.sha256(b).hexdigest()
index = {"boxcar": 1, "layers": [{"offset": 0, "size": len(blob), "usize": len(layer),
         "diff_id": sha(layer), "digest": sha(blob)}],
         "config": {"architecture": "amd64", "os": "linux", "config": {"Cmd": ["/bin/sh"]}}}
ij = json.dumps(index).encode()
trailer = b"BOXCAR\0\1" + struct.pack("<IIQQ", 1, 0, len(blob), len(ij)) + hashlib.sha256(ij).digest()
put("payload", "one-layer", blob + ij + trailer)

config = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Env": ["A=1"], "Cmd": ["sh"]},
                     "rootfs": {"type": "layers", "diff_ids": [sha(layer)]}}).encode()
manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                       "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "@C", "size": 1},
                       "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": sha(layer), "size": len(layer)}]}).encode()
oindex = json.dumps({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                     "digest": "@M", "size": 1, "annotations": {"org.opencontainers.image.ref.name": "latest"}}]}).encode()
put("oci", "basic", oindex + b"\0" + manifest + b"\0" + config)
dman = json.dumps([{"Config": "@C", "RepoTags": ["busybox:latest"], "Layers": ["abc/layer.tar"]}]).encode()
put("docker", "basic", dman + b"\0" + config)
put("user", "basic", b"app:users\0root:x:0:0:root:/root:/bin/sh\napp:x:1001:1002::/home/app:/bin/sh\n\0root:x:0:\nusers:x:100:\n")

# seccomp profiles (fuzz_profile): first byte = capability set (bit 0: all)
os.makedirs(os.path.join(here, "profile"), exist_ok=True)
with open(os.path.join(os.path.dirname(here), "..", "seccomp", "rules.json"), "rb") as f:
    put("profile", "rules", b"\0" + f.read())
put("profile", "dupargs", b"\0" + json.dumps({
    "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38,
    "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86"]}],
    "syscalls": [
        {"names": ["read", "write", "exit_group"], "action": "SCMP_ACT_ALLOW"},
        {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
         "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}, {"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}]},
        {"names": ["clone"], "action": "SCMP_ACT_ALLOW",
         "args": [{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}],
         "excludes": {"caps": ["CAP_SYS_ADMIN"], "arches": ["s390x"]}},
        {"names": ["bpf"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_BPF"], "minKernel": "5.8"}},
        {"names": ["ptrace"], "action": "SCMP_ACT_TRACE", "errnoRet": 5},
    ]}).encode())
put("profile", "bad-action", b"\1" + b'{"defaultAction": "SCMP_ACT_NOTIFY"}')

# loader caches (fuzz_ldcache): glibc's new format, alone and after the old
# table; new.cache and compat.cache beside them were written by the real
# `ldconfig [-c compat] -r ROOT` over a root holding one library
os.makedirs(os.path.join(here, "ldcache"), exist_ok=True)
def ldcache(entries, old=False):
    strs, offs = b"", []
    head = 48 + 24 * len(entries)
    for name, path in entries:
        offs.append((head + len(strs), head + len(strs) + len(name) + 1))
        strs += name + b"\0" + path + b"\0"
    new = b"glibc-ld.so.cache1.1" + struct.pack("<IIB3xI12x", len(entries), len(strs), 2, 0)
    for k, v in offs:
        new += struct.pack("<iIIIQ", 0x0303, k, v, 0, 0)
    new += strs
    if not old:
        return new
    pre = b"ld.so-1.7.0\0" + struct.pack("<I", 0)
    return pre + b"\0" * (-len(pre) % 8) + new
two = [(b"libcuda.so.1", b"/usr/lib/x86_64-linux-gnu/libcuda.so.1"),
       (b"libnvidia-ml.so.1", b"/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1")]
put("ldcache", "two.cache", ldcache(two))
put("ldcache", "two-compat.cache", ldcache(two, old=True))

os.makedirs(os.path.join(here, "tracepath"), exist_ok=True)
# guest paths (fuzz_tracepath): a flags byte (1: follow), then the path; the
# escapes t-trace.sh checks, through the fuzzer's tree of links
for i, (flags, path) in enumerate([(1, b"etc/passwd"), (1, b"../../../etc"), (1, b"abs/x"), (0, b"bin"),
                                   (1, b"up/up/x"), (1, b"deep/a/up"), (1, b"loop"), (1, b"esc"),
                                   (1, b"proc/self/../../etc"), (1, b"dev/../tmp/x"), (1, b"tmplink/../.."),
                                   (1, b"proc/self/root/../../x"), (1, b"proclink/etc"), (0, b"tmp/./a/../../..")]):
    put("tracepath", "p%02d" % i, bytes([flags]) + path)
