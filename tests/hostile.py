#!/usr/bin/env python3
"""Layer tars and OCI layouts for tests/t-robust.sh, made with python3's tarfile.

  hostile.py cases                         list the hostile case names
  hostile.py tars OUTDIR TOKEN SENTINEL    write OUTDIR/CASE.N.tar for every case (N = layer
                                           number, 1 or 2); TOKEN is a unique string used
                                           in every name that must never appear outside
                                           the extraction root; SENTINEL is an absolute
                                           path to an existing file that must stay intact
  hostile.py many OUT.tar PREFIX NFILES SEED   a layer of NFILES small files (plus a few
                                           larger ones) under PREFIX/, deterministic
  hostile.py layout BASE_LAYOUT BASE_TAG OUT_LAYOUT TAG TAR...
                                           add an image TAG to OUT_LAYOUT (created when
                                           missing): BASE's layers + the uncompressed TARs,
                                           BASE's config with correct diff_ids

The layouts are plain OCI image layouts (oci-layout, index.json, blobs/sha256) so that
`boxcar pack oci:OUT_LAYOUT:TAG` takes them like any other image; uncompressed layer
blobs make digest == diff_id.
"""
import hashlib
import io
import json
import os
import random
import shutil
import sys
import tarfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lister import sha256_file  # noqa: E402  (one file hasher for the tests)

MTIME = 1700000000


def info(name, type_=tarfile.REGTYPE, mode=0o644, size=0, linkname="", uid=0, gid=0,
         devmajor=0, devminor=0):
    ti = tarfile.TarInfo(name)
    ti.type = type_
    ti.mode = mode
    ti.size = size
    ti.linkname = linkname
    ti.uid, ti.gid = uid, gid
    ti.uname = ti.gname = "root" if uid == 0 else ""
    ti.mtime = MTIME
    ti.devmajor, ti.devminor = devmajor, devminor
    return ti


class Layer:
    """A tar written entry by entry; entries may carry data regardless of type."""

    def __init__(self):
        self.buf = io.BytesIO()

    def raw(self, ti, data=b""):
        """Header (PAX) + data padded to 512; ti.size is written as given."""
        self.buf.write(ti.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape"))
        if data:
            self.buf.write(data)
            pad = (-len(data)) % 512
            self.buf.write(b"\0" * pad)

    def file(self, name, data=b"", mode=0o644, **kw):
        self.raw(info(name, tarfile.REGTYPE, mode, len(data), **kw), data)

    def dir(self, name, mode=0o755, **kw):
        self.raw(info(name, tarfile.DIRTYPE, mode, **kw))

    def symlink(self, name, target):
        self.raw(info(name, tarfile.SYMTYPE, 0o777, linkname=target))

    def hardlink(self, name, target, data=b""):
        # a hard link entry carrying data: pax allows it and libarchive then writes the
        # data into the link's target; a pax header makes the archive pax for readers
        ti = info(name, tarfile.LNKTYPE, 0o644, len(data), linkname=target)
        ti.pax_headers = {"comment": "hard link with data"}
        self.raw(ti, data)

    def dev(self, name, type_, major, minor):
        self.raw(info(name, type_, 0o666, devmajor=major, devminor=minor))

    def bytes(self, eof=True):
        return self.buf.getvalue() + (b"\0" * 1024 if eof else b"")


def cases(token, sentinel):
    """{case: [layer1_bytes, (layer2_bytes)]}"""
    up16 = "../" * 16
    c = {}

    L = Layer()  # '..' in names: relative escapes of several depths
    L.file("../escape-%s" % token, b"escaped\n")
    L.file(up16 + "tmp/%s-dotdot" % token, b"escaped\n")
    L.dir("sub/")
    L.file("sub/../../escape2-%s" % token, b"escaped\n")
    c["dotdot"] = [L.bytes()]

    L = Layer()  # absolute names
    L.file("/tmp/%s-abs" % token, b"absolute\n")
    L.file("/%s-abs-root" % token, b"absolute\n")
    c["absolute"] = [L.bytes()]

    L = Layer()  # a symlink to an absolute dir, then a file through it
    L.symlink("lnk", "/tmp/%s-dir" % token)
    L.file("lnk/pwned-%s" % token, b"through a symlink\n")
    c["symlink-abs"] = [L.bytes()]

    L = Layer()  # a symlink climbing out, then files through it
    L.symlink("up", "../../..")
    L.file("up/%s-up" % token, b"through ../../..\n")
    L.symlink("up1", "..")
    L.file("up1/%s-up1" % token, b"through ..\n")
    c["symlink-up"] = [L.bytes()]

    L = Layer()  # a directory swapped for a symlink, then a file below the name
    L.dir("swap/")
    L.file("swap/inside", b"fine\n")
    L.symlink("swap", "/tmp/%s-dir" % token)
    L.file("swap/pwned-%s" % token, b"through a swapped dir\n")
    c["symlink-swap"] = [L.bytes()]

    L = Layer()  # hard link to /etc/passwd (no data: never risk writing into it)
    L.hardlink("passwd-link", "/etc/passwd")
    L.file("after-passwd", b"after\n")
    c["hardlink-passwd"] = [L.bytes()]

    L = Layer()  # hard links that climb out, carrying data
    L.hardlink("out1", "../outside-%s" % token, b"PWNED\n")
    L.hardlink("out3", "../../../outside-%s" % token, b"PWNED\n")
    L.hardlink("out16", up16 + sentinel.lstrip("/"), b"PWNED\n")
    c["hardlink-dotdot"] = [L.bytes()]

    L = Layer()  # hard link to an absolute path, then a regular file of that name
    L.hardlink("abs-link", sentinel)
    L.file("abs-link", b"PWNED by writing through a link\n")
    c["hardlink-abs-write"] = [L.bytes()]

    L = Layer()  # hard link through a symlink that points outside
    L.symlink("ls", "/tmp/%s-dir" % token)
    L.hardlink("hl-through", "ls/victim", b"PWNED\n")
    c["hardlink-via-symlink"] = [L.bytes()]

    L = Layer()  # mount targets, WorkingDir and Volumes through symlinks that point out
    out = "tmp/%s-dir" % token
    L.symlink("proc", "/" + out)                              # made before pivot_root
    L.symlink("w", up16 + out + "/w")                         # WorkingDir /w/sub: '..' chain
    L.symlink("v", "/proc/self/root/" + out + "/v")           # Volume /v/data: a magic link
    L.symlink("mnt", "/" + out)                               # --boxcar-volume target /mnt/data
    L.symlink("etc/hosts", "/proc/self/root/" + out + "/hosts")
    L.symlink("etc/resolv.conf", up16 + out + "/resolv.conf")
    L.symlink("etc/hostname", "/" + out + "/hostname")
    c["mount-targets"] = [L.bytes()]

    L = Layer()  # hard link to a path that only comes later
    L.hardlink("early-link", "later-file")
    L.file("later-file", b"later\n")
    c["hardlink-forward"] = [L.bytes()]

    L = Layer()  # device nodes (skipped without root)
    L.dir("dev/")
    L.dev("dev/evil-mem", tarfile.CHRTYPE, 1, 1)
    L.dev("dev/evil-disk", tarfile.BLKTYPE, 8, 0)
    L.file("after-devices", b"after\n")
    c["devices"] = [L.bytes()]

    L = Layer()  # setuid/setgid/sticky/world-writable bits
    L.file("suid-root", b"#!/bin/sh\necho suid\n", mode=0o4755)
    L.file("sgid-root", b"#!/bin/sh\necho sgid\n", mode=0o2755)
    L.file("suid-other", b"x\n", mode=0o6777, uid=4242, gid=4242)
    L.dir("wdir/", mode=0o1777)
    L.dir("./", mode=0o777)
    c["setuid"] = [L.bytes()]

    L = Layer()  # a path longer than PATH_MAX
    comp = "d" * 200
    L.file("/".join([comp] * 25) + "/leaf", b"deep\n")
    L.file("after-long", b"after\n")
    c["long-path"] = [L.bytes()]

    L = Layer()  # one component longer than NAME_MAX, and a long symlink target
    L.file("n" * 300, b"long name\n")
    L.symlink("longtarget", "t" * 5000)
    L.file("after-long", b"after\n")
    c["long-name"] = [L.bytes()]

    L = Layer()  # the same path twice: the last entry wins
    L.file("dup.txt", b"first\n")
    L.file("dup.txt", b"second\n")
    L.symlink("dup-link", "dup.txt")
    L.file("dup-link", b"regular now\n")
    L.file("dup-dir", b"a file first\n")
    L.dir("dup-dir/")
    L.file("dup-dir/child", b"child\n")
    c["duplicates"] = [L.bytes()]

    L = Layer()  # a directory, then a file of the same name in the same layer
    L.dir("dup-gone/")
    L.file("dup-gone/inner", b"inner\n")
    L.file("dup-gone", b"file replaces dir\n")
    L.symlink("dup-gone2", "dup.txt")
    L.dir("dup-gone2/")
    L.file("dup-gone2/inner", b"dir replaces symlink\n")
    c["dup-dir-to-file"] = [L.bytes()]

    L = Layer()  # a header declaring 1 TiB, no data
    L.raw(info("bomb", tarfile.REGTYPE, 0o644, 1 << 40))
    c["tar-bomb"] = [L.bytes()]

    L = Layer()  # 1 TiB declared, a little data, then the stream ends
    L.raw(info("bomb2", tarfile.REGTYPE, 0o644, 1 << 40), b"x" * 4096)
    c["tar-bomb-short"] = [L.bytes(eof=False)]

    # whiteouts aimed outside
    L = Layer()
    L.symlink("wl", "/tmp/%s-dir" % token)
    L.file("wl/.wh.victim", b"")
    L.file("wl/.wh..wh..opq", b"")
    c["whiteout-symlink"] = [L.bytes()]

    L = Layer()
    L.file("../.wh.outside-%s" % token, b"")
    L.file(up16 + sentinel.lstrip("/").rsplit("/", 1)[0] + "/.wh." + os.path.basename(sentinel), b"")
    c["whiteout-dotdot"] = [L.bytes()]

    # across layers: the symlink comes from the layer below
    L1 = Layer()
    L1.symlink("xl", "/tmp/%s-dir" % token)
    L1.symlink("xup", "../../../..")
    L2 = Layer()
    L2.file("xl/pwned-%s" % token, b"across layers\n")
    L2.file("xup/%s-xup" % token, b"across layers\n")
    c["xlayer-symlink"] = [L1.bytes(), L2.bytes()]

    L2 = Layer()
    L2.file("xl/.wh.victim", b"")
    L2.file("xl/.wh..wh..opq", b"")
    c["xlayer-whiteout"] = [L1.bytes(), L2.bytes()]

    # not hostile, but hard for a plain user flattening the layers: the
    # second writes into (and whites out inside) a directory the first left
    # read-only; the result must keep the read-only mode
    L1, L2 = Layer(), Layer()
    L1.dir("rodir", 0o555)
    L1.file("rodir/a", b"a\n", 0o444)
    L1.file("rodir/gone", b"gone\n", 0o444)
    L2.file("rodir/b", b"b\n", 0o444)
    L2.file("rodir/.wh.gone", b"")
    c["xlayer-readonly-dir"] = [L1.bytes(), L2.bytes()]

    return c


def cmd_cases(_args):
    for k in cases("T", "/S"):
        print(k)


def cmd_tars(args):
    out, token, sentinel = args
    os.makedirs(out, exist_ok=True)
    for name, layers in cases(token, sentinel).items():
        for i, data in enumerate(layers, 1):
            with open(os.path.join(out, "%s.%d.tar" % (name, i)), "wb") as f:
                f.write(data)


def cmd_many(args):
    out, prefix, n, seed = args[0], args[1].strip("/"), int(args[2]), int(args[3])
    rnd = random.Random(seed)
    L = Layer()
    L.dir(prefix + "/")
    ndirs = max(1, n // 100)
    for d in range(ndirs):
        L.dir("%s/d%03d/" % (prefix, d))
    for i in range(n):
        size = rnd.choice((0, 10, 100, 700, 1500, 4000, 9000))
        L.file("%s/d%03d/f%05d" % (prefix, i % ndirs, i), rnd.randbytes(size))
    for i in range(4):
        L.file("%s/big%d.bin" % (prefix, i), rnd.randbytes(2 << 20))
    for i in range(0, n, 50):
        L.symlink("%s/s%05d" % (prefix, i), "d%03d/f%05d" % (i % ndirs, i))
    with open(out, "wb") as f:
        f.write(L.bytes())


def put_blob(layout, data=None, path=None):
    """Store bytes (or a file) as a blob; returns (digest, size)."""
    bdir = os.path.join(layout, "blobs", "sha256")
    os.makedirs(bdir, exist_ok=True)
    if path is not None:
        hexd = sha256_file(path)
        dst = os.path.join(bdir, hexd)
        if not os.path.exists(dst):
            shutil.copyfile(path, dst)
        return "sha256:" + hexd, os.path.getsize(dst)
    hexd = hashlib.sha256(data).hexdigest()
    with open(os.path.join(bdir, hexd), "wb") as f:
        f.write(data)
    return "sha256:" + hexd, len(data)


def blob_path(layout, digest):
    return os.path.join(layout, "blobs", "sha256", digest.split(":", 1)[1])


def cmd_layout(args):
    base, base_tag, out, tag = args[:4]
    tars = args[4:]
    with open(os.path.join(base, "index.json")) as f:
        bidx = json.load(f)
    mdesc = [m for m in bidx["manifests"]
             if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == base_tag]
    if len(mdesc) != 1:
        sys.exit("hostile.py: no tag %s in %s" % (base_tag, base))
    with open(blob_path(base, mdesc[0]["digest"])) as f:
        man = json.load(f)
    with open(blob_path(base, man["config"]["digest"])) as f:
        cfg = json.load(f)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    layers = []
    for l in man["layers"]:
        d, s = put_blob(out, path=blob_path(base, l["digest"]))
        layers.append(dict(l, digest=d, size=s))
    diff_ids = list(cfg["rootfs"]["diff_ids"])
    for t in tars:
        d, s = put_blob(out, path=t)
        layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": d, "size": s})
        diff_ids.append(d)
    cfg["rootfs"] = {"type": "layers", "diff_ids": diff_ids}
    cfg.pop("history", None)
    cd, cs = put_blob(out, json.dumps(cfg, sort_keys=True).encode())
    man = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
           "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": cs},
           "layers": layers}
    md, ms = put_blob(out, json.dumps(man, sort_keys=True).encode())
    ipath = os.path.join(out, "index.json")
    idx = {"schemaVersion": 2, "manifests": []}
    if os.path.exists(ipath):
        with open(ipath) as f:
            idx = json.load(f)
    idx["manifests"] = [m for m in idx["manifests"]
                        if m.get("annotations", {}).get("org.opencontainers.image.ref.name") != tag]
    idx["manifests"].append({"mediaType": "application/vnd.oci.image.manifest.v1+json",
                             "digest": md, "size": ms,
                             "annotations": {"org.opencontainers.image.ref.name": tag}})
    with open(ipath, "w") as f:
        json.dump(idx, f)


def main():
    cmds = {"cases": cmd_cases, "tars": cmd_tars, "many": cmd_many, "layout": cmd_layout}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        sys.exit(__doc__)
    cmds[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
