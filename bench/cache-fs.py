#!/usr/bin/env python3
"""Count one launch's calls from an `strace -f -y` log (bench/cache-fs.sh).

    cache-fs.py TRACE FILE CACHE [RO]

Prints one markdown row tail: bytes read from FILE (calls) | metadata calls
on CACHE (and RO) | data calls on CACHE (bytes written) | other file calls.
A call is on a path when the line names it (a path argument, or an fd that
strace -y shows with its path)."""
import os
import re
import sys

DATA_READ = {"read", "pread64", "readv", "preadv", "preadv2"}
DATA_WRITE = {"write", "pwrite64", "writev", "pwritev", "pwritev2"}
COPY = {"copy_file_range", "sendfile", "splice"}
FILE_CALLS = {"open", "openat", "openat2", "creat", "stat", "lstat", "newfstatat", "fstatat64", "statx",
              "access", "faccessat", "faccessat2", "readlink", "readlinkat", "execve", "execveat",
              "mkdir", "mkdirat", "rename", "renameat", "renameat2", "unlink", "unlinkat", "rmdir",
              "link", "linkat", "symlink", "symlinkat", "chmod", "fchmodat", "chown", "fchownat",
              "utimensat", "getxattr", "lgetxattr", "setxattr", "lsetxattr", "statfs", "truncate",
              "mknod", "mknodat", "chdir", "chroot", "mount", "umount2", "pivot_root", "open_tree",
              "move_mount", "fsopen", "fsconfig", "fsmount", "mount_setattr", "getdents64", "fstat",
              "fstatfs", "flock", "fchmod", "fchown", "fsetxattr", "fgetxattr", "close", "fchdir"}
CALL = re.compile(r"^\d+ +(\w+)\((.*)\) += (-?\d+|\?)")


def lines(path):
    """Whole calls: an <unfinished ...> line joined with its resumption."""
    pending = {}
    with open(path, errors="replace") as f:
        for raw in f:
            raw = raw.rstrip("\n")
            m = re.match(r"^(\d+) +(.*)$", raw)
            if not m:
                continue
            pid, rest = m.groups()
            if rest.endswith("<unfinished ...>"):
                pending[pid] = rest[: -len("<unfinished ...>")]
                continue
            r = re.match(r"^<\.\.\. \w+ resumed>(.*)$", rest)
            if r:
                rest = pending.pop(pid, "") + r.group(1)
            yield pid + " " + rest


def main():
    trace, packed, cache = sys.argv[1:4]
    ro = sys.argv[4] if len(sys.argv) > 4 and sys.argv[4] else None
    packed, cache = os.path.realpath(packed), os.path.realpath(cache)
    ro = os.path.realpath(ro) if ro else None
    rd_bytes = rd_calls = meta = meta_ro = data = wr_bytes = other = 0
    for line in lines(trace):
        m = CALL.match(line)
        if not m:
            continue
        name, args, ret = m.groups()
        n = int(ret) if ret not in ("?",) else -1
        if "<" + packed + ">" in args:
            if name in DATA_READ | COPY:
                rd_calls += 1
                rd_bytes += max(n, 0)
            continue
        on_cache = cache + "/" in args or cache + ">" in args or '"' + cache + '"' in args
        on_ro = ro is not None and (ro + "/" in args or ro + ">" in args or '"' + ro + '"' in args)
        if on_cache or on_ro:
            if name in DATA_READ | DATA_WRITE | COPY:
                data += 1
                wr_bytes += max(n, 0) if name in DATA_WRITE | COPY else 0
            else:
                meta += 1
                meta_ro += 1 if on_ro and not on_cache else 0
            continue
        if name in FILE_CALLS:
            other += 1
    ro_part = f" ({meta_ro} on the read-only cache)" if ro else ""
    print(f"{rd_bytes:,} ({rd_calls}) | {meta:,}{ro_part} | {data:,} ({wr_bytes:,}) | {other:,}")


if __name__ == "__main__":
    main()
