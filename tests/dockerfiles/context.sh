# The build context of tests/dockerfiles/*.Dockerfile, made the same way for
# buildah (tests/fixtures.sh) and for boxcar build (tests/t-dockerfile.sh):
#   faithful_context DIR
faithful_context() {
    local d=$1
    mkdir -p "$d/sub/deeper" "$d/arch/top/inner"
    echo a > "$d/a.txt"; echo bee > "$d/b.txt"; echo ignored > "$d/c.log"
    echo kept > "$d/keep.log"
    echo nested > "$d/sub/n.txt"; printf '#!/bin/sh\necho x\n' > "$d/sub/deeper/x.sh"
    chmod 0755 "$d/sub/deeper/x.sh"; chmod 0640 "$d/b.txt"; chmod 0750 "$d/sub/deeper"
    ln -sf a.txt "$d/link-to-a"
    echo in-archive > "$d/arch/top/inner/f"; ln -sf f "$d/arch/top/inner/l"
    tar -C "$d/arch" --numeric-owner --owner=0 --group=0 --mtime=@1700000000 -czf "$d/archive.tar.gz" top
    rm -rf "$d/arch"
    printf '*.log\n!keep.log\n' > "$d/.dockerignore"
    find "$d" -exec touch -h -d @1700000000 {} +
}
