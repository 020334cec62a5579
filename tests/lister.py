#!/usr/bin/env python3
"""Canonical listing of a file tree, for comparing flattened image root filesystems.

  lister.py tree [--mtime] [--owner] ROOT [SUBDIR...]   walk ROOT (or ROOT/SUBDIR...)
                                              without following symlinks
  lister.py raw [--mtime]                     read records made inside a container by
                                              tests/lib.sh's in-container lister (stdin)

One line per path, sorted by path bytes, tab separated:
  /path  type  mode  size  link-target  sha256  hardlink-group [mtime]
type: f d l p c b s; mode: octal permission bits incl. setuid/setgid/sticky (none for
symlinks); size and sha256 for regular files only; hardlink-group: the smallest path
of the listed paths sharing the file's (device, inode), '-' when alone. Ownership is
ignored (rootless extraction maps every owner to the caller) unless --owner (tree only)
adds a last field uid:gid.
"""
import hashlib
import os
import stat
import sys

TYPES = {stat.S_IFREG: "f", stat.S_IFDIR: "d", stat.S_IFLNK: "l", stat.S_IFIFO: "p",
         stat.S_IFCHR: "c", stat.S_IFBLK: "b", stat.S_IFSOCK: "s"}


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def emit(records, with_mtime, owners=None):
    """records: list of (path_bytes, st_mode, size, target_bytes, sha, inode_key, mtime);
    owners: {path_bytes: "uid:gid"} to list them, or None."""
    groups = {}
    for r in records:
        if r[1] is not None and stat.S_ISREG(r[1]):
            groups.setdefault(r[5], []).append(r[0])
    out = []
    for path, mode, size, target, sha, key, mtime in records:
        t = TYPES.get(stat.S_IFMT(mode), "?")
        perm = "-" if t == "l" else "%04o" % stat.S_IMODE(mode)
        hl = "-"
        if t == "f":
            g = groups.get(key, [])
            if len(g) > 1:
                hl = min(g).decode("utf-8", "surrogateescape")
        fields = [path.decode("utf-8", "surrogateescape"), t, perm,
                  str(size) if t == "f" else "-",
                  target.decode("utf-8", "surrogateescape") if t == "l" else "-",
                  sha if t == "f" else "-", hl]
        if with_mtime:
            fields.append(str(mtime) if t in ("f", "l") else "-")
        if owners is not None:
            fields.append(owners[path])
        out.append((path, "\t".join(fields)))
    out.sort()
    w = sys.stdout.buffer
    for _, line in out:
        w.write(line.encode("utf-8", "surrogateescape") + b"\n")


def tree(root, subdirs, with_mtime, with_owner=False):
    root = os.fsencode(root.rstrip("/") or "/")
    records = []
    owners = {} if with_owner else None

    def visit(rel):
        full = root + rel if rel else root
        st = os.lstat(full)
        target = os.readlink(full) if stat.S_ISLNK(st.st_mode) else b""
        sha = sha256_file(full) if stat.S_ISREG(st.st_mode) else ""
        records.append((rel or b"/", st.st_mode, st.st_size, target, sha,
                        (st.st_dev, st.st_ino), int(st.st_mtime)))
        if owners is not None:
            owners[rel or b"/"] = "%d:%d" % (st.st_uid, st.st_gid)
        if stat.S_ISDIR(st.st_mode):
            for name in sorted(os.listdir(full)):
                visit(rel + b"/" + name)

    if subdirs:
        for s in subdirs:
            visit(b"/" + os.fsencode(s).strip(b"/"))
    else:
        st = os.lstat(root)
        for name in sorted(os.listdir(root)):
            visit(b"/" + name)
    emit(records, with_mtime, owners)


def raw(with_mtime):
    """Lines: '<inode> <nlink> <rawmode-hex> <size> <mtime>\\t<path>\\t<target>\\t<sha>'."""
    records = []
    for line in sys.stdin.buffer.read().split(b"\n"):
        if not line:
            continue
        parts = line.split(b"\t")
        if len(parts) != 4:
            sys.exit("lister.py raw: bad record: %r" % line)
        st, path, target, sha = parts
        ino, _nlink, mode, size, mtime = st.split(b" ")
        records.append((path, int(mode, 16), int(size), target, sha.decode(),
                        int(ino), int(mtime)))
    emit(records, with_mtime)


def main(argv):
    with_mtime = "--mtime" in argv
    with_owner = "--owner" in argv
    argv = [a for a in argv if a not in ("--mtime", "--owner")]
    if len(argv) >= 2 and argv[0] == "tree":
        tree(argv[1], argv[2:], with_mtime, with_owner)
    elif argv[:1] == ["raw"]:
        raw(with_mtime)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
