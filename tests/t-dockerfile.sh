# boxcar build: Dockerfiles built rootless, on the fixtures' busybox image
# (made by umoci, not by boxcar); the result runs like any packed file.

# A context: files, a directory, an ignored file, a Dockerfile (stdin).
bld_context() {
    mkdir -p "$T/ctx/sub"
    echo hello > "$T/ctx/a.txt"; echo nested > "$T/ctx/sub/n.txt"; echo secret > "$T/ctx/skip.log"
    printf '*.log\n' > "$T/ctx/.dockerignore"
    cat > "$T/ctx/Dockerfile"
}

bld_multistage_file() {
    bld_context <<EOF
# syntax=docker/dockerfile:1
FROM oci:$FIX/oci-busybox:latest AS base
ARG GREETING=hi
ENV APP=/app
WORKDIR \$APP
COPY a.txt sub ./
RUN echo "\$GREETING from run" > run.txt && echo MARK""ER-RAN
COPY --chown=1000:1000 --chmod=0600 a.txt /owned/
LABEL org.example.k="v 1"
EXPOSE 8080 53/udp
CMD ["cat", "/app/run.txt"]

FROM scratch
COPY --from=base /bin/busybox /bin/busybox
COPY --from=base /app/run.txt /
ENTRYPOINT ["/bin/busybox", "cat", "/run.txt"]
EOF
}

t_bld_multistage() {
    bld_multistage_file
    x "$BOXCAR" build -o "$T/app" --build-arg GREETING=hello "$T/ctx"; expect_ok
    expect_err_has '^\[1/14\] FROM oci:'
    x "$T/app"; expect_ok; expect_out "hello from run"
    x "$BOXCAR" inspect "$T/app"; expect_ok
    [ "$(jq -c .config.config.Entrypoint <<<"$OUT")" = '["/bin/busybox","cat","/run.txt"]' ] || { ctx; fail "Entrypoint"; }
    [ "$(jq '.layers | length' <<<"$OUT")" = 2 ] || { ctx; fail "two layers expected"; }
    x "$BOXCAR" build -q --target base -o "$T/base" --build-arg GREETING=hello "$T/ctx"; expect_ok
    [ -z "$ERR" ] || { ctx; fail "--quiet printed progress"; }
    x "$T/base"; expect_ok; expect_out "hello from run"
    x "$T/base" ls /app; expect_ok; expect_out "$(printf 'a.txt\nn.txt\nrun.txt')"
    x "$T/base" stat -c '%u:%g %a' /owned/a.txt; expect_ok; expect_out "1000:1000 600"
    x "$BOXCAR" inspect "$T/base"; expect_ok
    local c; c=$(jq -c '.config.config | [.WorkingDir, .Labels["org.example.k"], (.ExposedPorts|keys), .Cmd, (.Env|map(select(startswith("APP="))))]' <<<"$OUT")
    [ "$c" = '["/app","v 1",["53/udp","8080/tcp"],["cat","/app/run.txt"],["APP=/app"]]' ] || { ctx; fail "config: $c"; }
}

t_bld_cache() {
    local g="hi $T"   # (a RUN of its own: no other test shares its cache key)
    bld_multistage_file
    x "$BOXCAR" build --build-arg GREETING="$g" -o "$T/app" "$T/ctx"; expect_ok; expect_err_has 'MARKER-RAN'
    x "$BOXCAR" build --build-arg GREETING="$g" -o "$T/app2" "$T/ctx"; expect_ok
    grep -q MARKER-RAN "$T/.err" && { ctx; fail "an unchanged rebuild ran the RUN step"; }
    expect_err_has 'cached'
    cmp "$T/app" "$T/app2" || fail "a rebuild from the cache is not byte-identical"
    local before; before=$(stat -c %Y.%i "$T/app")
    x "$BOXCAR" build --build-arg GREETING="$g" -o "$T/app" "$T/ctx"; expect_ok; expect_err_has 'up to date'
    [ "$(stat -c %Y.%i "$T/app")" = "$before" ] || fail "an unchanged rebuild wrote its file again"
    echo changed > "$T/ctx/sub/n.txt"
    x "$BOXCAR" build --build-arg GREETING="$g" -o "$T/app3" "$T/ctx"; expect_ok; expect_err_has 'MARKER-RAN'
    echo more > "$T/ctx/skip.log"   # ignored: no rebuild
    x "$BOXCAR" build --build-arg GREETING="$g" -o "$T/app4" "$T/ctx"; expect_ok
    grep -q MARKER-RAN "$T/.err" && { ctx; fail "a change to an ignored file ran the RUN step"; }
    x "$BOXCAR" build --build-arg GREETING="$g" --no-cache -o "$T/app5" "$T/ctx"; expect_ok; expect_err_has 'MARKER-RAN'
    x "$T/app5"; expect_ok; expect_out "$g from run"
}

t_bld_cache_cmds() {   # boxcar cache du/ls/prune cover the build cache
    fresh_cache "$T/cache"
    bld_multistage_file
    x "$BOXCAR" build -q -o "$T/app" "$T/ctx"; expect_ok
    x "$BOXCAR" cache du; expect_ok
    grep -Eq "^[0-9]+	$BOXCAR_CACHE/build \([1-9][0-9]* layer blobs, [1-9][0-9]* steps" "$T/.out" || { ctx; fail "du shows no build cache"; }
    x "$BOXCAR" cache ls; expect_ok
    grep -Eq '^build/[0-9a-f]{64}  [0-9]+  [0-9T:-]+Z$' "$T/.out" || { ctx; fail "ls lists no build blob"; }
    x "$BOXCAR" cache prune --older-than 1d; expect_ok
    x "$BOXCAR" build -o "$T/app" "$T/ctx"; expect_ok
    grep -q MARKER-RAN "$T/.err" && { ctx; fail "prune --older-than 1d dropped a fresh step"; }
    x "$BOXCAR" cache prune --all; expect_ok; expect_err_has 'pruned [0-9]+ build cache entries'
    [ -z "$(find "$BOXCAR_CACHE/build/blobs" "$BOXCAR_CACHE/build/steps" -type f)" ] || fail "prune --all left build cache files"
    x "$BOXCAR" build -o "$T/app" "$T/ctx"; expect_ok; expect_err_has 'MARKER-RAN'
    x "$T/app"; expect_ok; expect_out "hi from run"
    x "$BOXCAR" cache prune --all; expect_ok
}

t_bld_reproducible() {
    bld_multistage_file
    touch -d @1600000000 "$T/ctx/a.txt"
    SOURCE_DATE_EPOCH=1700000000 x "$BOXCAR" build -o "$T/one" "$T/ctx"; expect_ok
    SOURCE_DATE_EPOCH=1700000000 x "$BOXCAR" build --no-cache -o "$T/two" "$T/ctx"; expect_ok
    cmp "$T/one" "$T/two" || fail "two builds with SOURCE_DATE_EPOCH differ"
    x "$BOXCAR" pack "oci:$FIX/oci-busybox:latest" -o "$T/p1"; expect_ok
    x "$BOXCAR" pack "oci:$FIX/oci-busybox:latest" -o "$T/p2"; expect_ok
    cmp "$T/p1" "$T/p2" || fail "two packs of one image differ"
}

t_bld_run_fails() {
    bld_context <<EOF
FROM oci:$FIX/oci-busybox:latest
RUN true
RUN echo about to fail; exit 3
EOF
    x "$BOXCAR" build -o "$T/app" "$T/ctx"; expect_rc 1
    expect_err_has 'Dockerfile:3: RUN failed: exit status 3'
    [ "$(grep -c '^boxcar: ' "$T/.err")" = 1 ] || { ctx; fail "want one boxcar: line"; }
    [ ! -e "$T/app" ] || fail "a failed build left $T/app"
    ls "$T" | grep -q '\.tmp-' && fail "a failed build left a temporary file"
    return 0
}

bld_bad() {   # EXPECTED-EXIT REGEXP DOCKERFILE-TEXT [BUILD ARGS...]
    local want=$1 re=$2 text=$3; shift 3
    rm -rf "$T/ctx"; printf '%s\n' "$text" | bld_context
    x "$BOXCAR" build -o "$T/app" "$@" "$T/ctx"; expect_rc "$want"; expect_err_has "^boxcar: .*$re"
    # (progress lines come first; the error is one line)
    [ "$(grep -c '^boxcar: ' "$T/.err")" = 1 ] || { ctx; fail "want one boxcar: line"; }
    [ ! -e "$T/app" ] || fail "a failed build left $T/app"
}

t_bld_bad_input() {
    local from="FROM oci:$FIX/oci-busybox:latest"
    bld_bad 1 'Dockerfile:2: unknown instruction' "$from"$'\nFROB x'
    bld_bad 1 'Dockerfile:2: .*nothere.*not found' "$from"$'\nCOPY nothere /x'
    bld_bad 1 'Dockerfile:2: .*outside the build context' "$from"$'\nCOPY ../x /x'
    bld_bad 1 'Dockerfile:2: .*skip.log.*not found' "$from"$'\nCOPY skip.log /x'
    ln -s /etc "$T/ctx/evil"; ln -s ../.. "$T/ctx/up"
    printf '%s\nCOPY evil/passwd /x\n' "$from" > "$T/ctx/Dockerfile"
    x "$BOXCAR" build -o "$T/app" "$T/ctx"; expect_rc 1; expect_err_has '^boxcar: .*Dockerfile:2: .*evil/passwd: a symlink leads out of the build context'
    printf '%s\nCOPY up /x\n' "$from" > "$T/ctx/Dockerfile"
    x "$BOXCAR" build -o "$T/app" "$T/ctx"; expect_rc 1; expect_err_has 'up: a symlink leads out of the build context'
    bld_bad 1 'Dockerfile:2: .*heredoc' "$from"$'\nRUN <<EOF\necho never ends'
    bld_bad 1 'Dockerfile:1: .*first instruction' 'RUN true'
    bld_bad 1 'no stage of that name' "$from" --target nosuch
    bld_bad 2 'build-arg' "$from" --build-arg '=x'
    bld_bad 2 'bogus' "$from" --bogus-flag
    bld_bad 1 'Dockerfile:2: .*more than one source' "$from"$'\nCOPY a.txt sub /dest'
}

t_bld_args_onbuild() {
    bld_context <<EOF
ARG BASE=oci:$FIX/oci-busybox:latest
FROM \$BASE AS base
ONBUILD RUN echo triggered > /trig
ARG V
ENV FROMARG=\${V:-unset} ALT=\${V:+set}
RUN echo "\$V" > /v
SHELL ["/bin/sh", "-ec"]
RUN test "\$V" = given
HEALTHCHECK --interval=30s --timeout=1m30s --retries=3 CMD wget -q localhost || exit 1
EOF
    x "$BOXCAR" build -o "$T/base" --build-arg V=given --build-arg UNUSED=1 "$T/ctx"; expect_ok
    expect_err_has 'UNUSED.*not used'
    x "$BOXCAR" inspect "$T/base"; expect_ok
    [ "$(jq -c '.config.config | [.Healthcheck, .Shell]' <<<"$OUT")" = \
      '[{"Test":["CMD-SHELL","wget -q localhost || exit 1"],"Interval":30000000000,"Timeout":90000000000,"Retries":3},["/bin/sh","-ec"]]' ] ||
        { ctx; fail "Healthcheck or Shell"; }
    x "$T/base" sh -c 'cat /v; echo $FROMARG $ALT; test -e /trig || echo no-trigger-here'; expect_ok
    expect_out "$(printf 'given\ngiven set\nno-trigger-here')"
    mkdir -p "$T/ctx2"; printf 'FROM %s\nRUN cat /trig\n' "$T/base" > "$T/ctx2/Dockerfile"
    x "$BOXCAR" build -o "$T/child" "$T/ctx2"; expect_ok; expect_err_has '^triggered'
    x "$T/child" cat /trig; expect_ok; expect_out triggered
}

# What buildah leaves that docker build does not: its RUN mount stubs.
bld_buildah_only=$'^/(etc/hostname|etc/hosts|etc/resolv\\.conf|run)\t'

# tests/dockerfiles/faithful.Dockerfile (every instruction, COPY/ADD's forms) built
# by boxcar and by buildah (fixtures.sh): the same tree (path, type, mode, size,
# link target, content; owners where this identity sees them) and config.
t_bld_faithful() {
    . "$TOP/tests/dockerfiles/context.sh"; faithful_context "$T/ctx"
    x "$BOXCAR" build -q --build-arg "BASE=oci:$FIX/oci-busybox:latest" \
        -f "$TOP/tests/dockerfiles/faithful.Dockerfile" -o "$T/app" "$T/ctx"; expect_ok
    x "$T/app" --boxcar-extract="$T/rootfs"; expect_ok
    grep -Ev "$bld_buildah_only" "$FIX/ref/bud-faithful.list" > "$T/want.list"
    if [ "$(id -u)" = 0 ]; then   # (extracted as root: the owners are the tar's)
        python3 "$TOP/tests/lister.py" tree --owner "$T/rootfs" > "$T/got.list"
    else
        sed -i 's/\t[^\t]*$//' "$T/want.list"
        python3 "$TOP/tests/lister.py" tree "$T/rootfs" > "$T/got.list"
    fi
    compare_listing "$T/want.list" "$T/got.list"
    x "$BOXCAR" inspect "$T/app"; expect_ok
    jq -S '.config.config | {Entrypoint, Cmd, Env, WorkingDir, User, ExposedPorts, Volumes, Labels, StopSignal}' <<<"$OUT" > "$T/got.config"
    jq -S 'del(.Labels["io.buildah.version"])' "$FIX/ref/bud-faithful.config" > "$T/want.config"
    diff -u "$T/want.config" "$T/got.config" >&2 || fail "the config differs from buildah's"
}

# The seed tutorial: Flask (COPY, RUN, EXPOSE, ENTRYPOINT/CMD), served.
t_bld_flask() {
    x "$BOXCAR" build -q --build-arg "BASE=oci:$FIX/oci-flask:latest" \
        -f "$TOP/tests/dockerfiles/flask.Dockerfile" -o "$T/flask" "$TOP/examples/flask"; expect_ok
    local hp; hp=$(free_port)
    set -m
    env --default-signal=INT,QUIT "$T/flask" --boxcar-net=private --boxcar-publish="$hp:5000" > "$T/bg.out" 2>&1 < /dev/null &
    local pid=$!
    set +m
    local i ok=0
    for ((i = 0; i < 600; i++)); do
        python3 "$TOP/tests/netclient.py" get "$hp" > "$T/got" 2>/dev/null && { ok=1; break; }
        sleep 0.1
    done
    kill -TERM "$pid"; wait "$pid"
    [ $ok = 1 ] || { cat "$T/bg.out" >&2; fail "the built Flask app did not answer on $hp"; }
    [ "$(cat "$T/got")" = "Hello World!" ] || fail "got '$(cat "$T/got")'"
}

# The seed tutorial's multi-stage C program: apt-get install gcc in one stage
# (subordinate ids, or with one id --boxcar-fakeroot's mode), FROM scratch after.
t_bld_c_multistage() {
    local as=() c=$T
    if [ "$CONFIG" = root ]; then   # (root's own run is the other tests'; here: one id)
        c=$T/nosub; mkdir -p "$c/cache"; chmod 0700 "$c/cache"
        as=(runuser -u boxcarnosub -- env HOME="$c" BOXCAR_CACHE="$c/cache" PATH="$PATH" USER=boxcarnosub)
    fi
    mkdir -p "$c/ctx"; printf '#include <stdio.h>\nint main(void) { puts("hello from C"); return 0; }\n' > "$c/ctx/hello.c"
    [ "$CONFIG" = root ] && chown -R boxcarnosub: "$c"
    TMO=600 x "${as[@]}" "$BOXCAR" build --build-arg "BASE=oci:$FIX/oci-debian:latest" \
        -f "$TOP/tests/dockerfiles/c-multistage.Dockerfile" -o "$c/hello" "$c/ctx"; expect_ok
    x "${as[@]}" "$c/hello"; expect_ok; expect_out "hello from C"
    x "$BOXCAR" inspect "$c/hello"; expect_ok
    [ "$(jq '.layers | length' <<<"$OUT")" = 1 ] || { ctx; fail "FROM scratch + one COPY: one layer"; }
}

# Heredocs (expanded or not, RUN's left to the shell), a destination through
# the image's symlink, a Dockerfile's own NAME.dockerignore.
t_bld_forms() {
    printf 'FROM scratch\n' | bld_context
    cat > "$T/ctx/app.Dockerfile" <<EOF
FROM oci:$FIX/oci-busybox:latest
ARG NAME=world
RUN mkdir -p /opt/real && ln -s /opt/real /linkdir
COPY a.txt /linkdir/
COPY <<EOT /etc/greeting
hello \$NAME
EOT
COPY <<'EOT' /etc/raw
\$NOT_EXPANDED
EOT
RUN <<EOS
x=42
echo "x is \$x" > /x.txt
EOS
EOF
    echo 'sub' > "$T/ctx/app.Dockerfile.dockerignore"
    x "$BOXCAR" build -f "$T/ctx/app.Dockerfile" -o "$T/app" "$T/ctx"; expect_ok
    x "$T/app" sh -c 'cat /opt/real/a.txt /etc/greeting /etc/raw /x.txt; test -L /linkdir && echo link'; expect_ok
    expect_out "$(printf 'hello\nhello world\n$NOT_EXPANDED\nx is 42\nlink')"
    printf 'FROM oci:%s/oci-busybox:latest\nCOPY sub /sub\n' "$FIX" > "$T/ctx/app.Dockerfile"
    x "$BOXCAR" build -f "$T/ctx/app.Dockerfile" -o "$T/app2" "$T/ctx"; expect_rc 1
    expect_err_has 'sub: not found in the build context'
    rm "$T/ctx/app.Dockerfile.dockerignore"   # (the context's .dockerignore does not exclude sub)
    x "$BOXCAR" build -f "$T/ctx/app.Dockerfile" -o "$T/app2" "$T/ctx"; expect_ok
}

# Stages the target does not need are not built; COPY --from an image;
# --from-map under Docker's name normalisation; --label; --network none.
t_bld_stages_map() {
    printf 'FROM scratch\n' | bld_context
    cat > "$T/ctx/Dockerfile" <<'EOF'
FROM alpine AS unused
RUN echo this stage must not run; exit 7

FROM docker.io/library/alpine:latest AS main
COPY --from=oci:FIXDIR/oci-busybox:latest /bin/busybox /bb
RUN ls /sys/class/net > /nets
CMD ["cat", "/nets"]
EOF
    sed -i "s|FIXDIR|$FIX|" "$T/ctx/Dockerfile"
    x "$BOXCAR" build --from-map "alpine=oci:$FIX/oci-busybox:latest" --network none --label a.b=c \
        --target main -o "$T/app" "$T/ctx"; expect_ok
    grep -q 'must not run' "$T/.err" && { ctx; fail "an unneeded stage ran"; }
    x "$T/app"; expect_ok; expect_out "$(own_sys_net | tr ' ' '\n')"
    x "$T/app" cmp /bb /bin/busybox; expect_ok
    x "$BOXCAR" inspect "$T/app"; expect_ok
    [ "$(jq -r '.config.config.Labels["a.b"]' <<<"$OUT")" = c ] || { ctx; fail "--label"; }
    printf 'alpine:latest=oci:%s/oci-busybox:latest\n# a comment\n' "$FIX" > "$T/map"
    x "$BOXCAR" build --from-map "$T/map" --target main -o "$T/app2" "$T/ctx"; expect_ok
    x "$BOXCAR" build --target main -o "$T/app3" "$T/ctx" --from-map alpine=oci:/nowhere; expect_rc 1
    expect_err_has '^boxcar: .*Dockerfile:4: FROM: .*nowhere'
    [ "$(grep -c '^boxcar: ' "$T/.err")" = 1 ] || { ctx; fail "want one boxcar: line"; }
}

# FROM a registry: pulled once, then the local copy (docker build's way),
# with the registry gone; --pull asks it again.
t_bld_registry() {
    reg_setup
    reg_serve plain
    mkdir -p ctx; printf 'FROM 127.0.0.1:%s/bb:v1\nRUN echo pulled > /ok\n' "$REGPORT" > ctx/Dockerfile
    x "$BOXCAR" build --tls-verify=false -o app ctx; expect_ok
    x ./app cat /ok; expect_ok; expect_out pulled
    reg_cleanup; sleep 0.2
    printf 'FROM 127.0.0.1:%s/bb:v1\nRUN echo again > /ok\n' "$REGPORT" > ctx/Dockerfile
    x "$BOXCAR" build --tls-verify=false -o app ctx; expect_ok
    x ./app cat /ok; expect_ok; expect_out again
    x "$BOXCAR" build --pull --tls-verify=false -o app2 ctx; expect_rc 1
    expect_err_has "^boxcar: .*Dockerfile:1: FROM: .*127.0.0.1:$REGPORT"
    [ -e app2 ] && fail "a failed build wrote its file"
    x "$BOXCAR" cache prune --all; expect_ok
}

# --oci / --docker-archive: the image for other tools (umoci, skopeo), the
# same layers as the packed file (pack of the archive gives its diff_ids back).
t_bld_oci_out() {
    bld_multistage_file
    x "$BOXCAR" build -q --target base -o "$T/app" --oci "$T/lay:v1" --compress gzip --docker-archive "$T/da.tar:bx:v1" "$T/ctx"; expect_ok
    x "$BOXCAR" build -q --target base --oci "$T/only" "$T/ctx"; expect_ok
    [ -d "$T/only/blobs" ] && [ -d ./ctx ] || fail "--oci alone: no layout, or a packed file over ./ctx"
    skopeo inspect --raw "oci:$T/only" | grep -q 'tar+zstd' || fail "--oci's layers are not zstd by default"
    umoci unpack --rootless --image "$T/lay:v1" "$T/un" > /dev/null 2>&1 || fail "umoci cannot unpack the layout"
    x "$T/app" --boxcar-extract="$T/ex"; expect_ok
    python3 "$TOP/tests/lister.py" tree "$T/un/rootfs" > "$T/want.list"
    python3 "$TOP/tests/lister.py" tree "$T/ex" > "$T/got.list"
    compare_listing "$T/want.list" "$T/got.list"
    x "$BOXCAR" pack "docker-archive:$T/da.tar" -o "$T/back"; expect_ok
    [ "$("$BOXCAR" inspect "$T/back" | jq -c '[.layers[].diff_id]')" = "$("$BOXCAR" inspect "$T/app" | jq -c '[.layers[].diff_id]')" ] ||
        fail "the docker-archive's layers are not the file's"
    x "$T/back"; expect_ok; expect_out "hi from run"
}

# ADD URL: fetched (0600, named by the URL), --checksum checked, refused
# under --network none.
t_bld_add_url() {
    mkdir -p "$T/www"; echo remote-content > "$T/www/f.txt"
    local port; port=$(free_port)
    python3 -m http.server "$port" --bind 127.0.0.1 --directory "$T/www" > "$T/www.log" 2>&1 &
    local srv=$!
    local i; for ((i = 0; i < 100; i++)); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
    local sum; sum=sha256:$(sha256sum "$T/www/f.txt" | cut -d' ' -f1)
    printf 'FROM scratch\n' | bld_context
    printf 'FROM oci:%s/oci-busybox:latest\nADD http://127.0.0.1:%s/f.txt /dl/\nADD --checksum=%s http://127.0.0.1:%s/f.txt?x=1 /named\n' \
        "$FIX" "$port" "$sum" "$port" > "$T/ctx/Dockerfile"
    x "$BOXCAR" build -o "$T/app" "$T/ctx"; expect_ok
    x "$T/app" sh -c 'cat /dl/f.txt /named; stat -c %a /dl/f.txt'; expect_ok
    expect_out "$(printf 'remote-content\nremote-content\n600')"
    sed -i "s/--checksum=sha256:[0-9a-f]*/--checksum=sha256:$(printf '%064d' 0)/" "$T/ctx/Dockerfile"
    x "$BOXCAR" build -o "$T/app2" "$T/ctx"; expect_rc 1; expect_err_has '^boxcar: .*Dockerfile:3: ADD: .*does not match'
    x "$BOXCAR" build --network none -o "$T/app2" "$T/ctx"; expect_rc 1; expect_err_has 'Dockerfile:2: .*network none'
    kill "$srv"; wait "$srv" 2>/dev/null
    return 0
}

# `boxcar build .` writes ./NAME into its own context: the next build does
# not take it in; from the parent, ./NAME is the context: a usage error.
t_bld_default_out() {
    mkdir -p "$T/myapp"; echo x > "$T/myapp/f"
    printf 'FROM oci:%s/oci-busybox:latest\nCOPY . /src/\nCMD ["ls", "/src"]\n' "$FIX" > "$T/myapp/Dockerfile"
    (cd "$T/myapp" && x "$BOXCAR" build . && cp "$T/.err" "$T/first.err"); [ -x "$T/myapp/myapp" ] || { cat "$T/first.err" >&2; fail "no ./myapp"; }
    (cd "$T/myapp" && x "$BOXCAR" build . && [ "$RC" = 0 ] && grep -q 'cached' "$T/.err" && grep -q 'up to date' "$T/.err") ||
        { cat "$T/.err" >&2; fail "the second build took its own output in"; }
    x "$T/myapp/myapp"; expect_ok; expect_out "$(printf 'Dockerfile\nf')"
    x "$BOXCAR" build myapp; expect_error 2; expect_err_has 'default output ./myapp is a directory'
}

test_case run "build: multi-stage busybox Dockerfile builds and runs" t_bld_multistage
test_case run "build: the cache: a hit, a miss after a change, --no-cache" t_bld_cache
test_case run "build: boxcar cache du/ls/prune cover the build cache" t_bld_cache_cmds
test_case run "build: SOURCE_DATE_EPOCH builds and packs are byte-identical" t_bld_reproducible
test_case run "build: a failing RUN names its line and status, leaves nothing" t_bld_run_fails
test_case run "build: bad Dockerfiles and options: one line, 1 or 2" t_bld_bad_input
test_case run "build: the same tree and config as buildah bud (every instruction)" t_bld_faithful
test_case run "build: the Flask tutorial's Dockerfile, served (Hello World!)" t_bld_flask
test_case run "build: a C program: apt-get install gcc, then FROM scratch" t_bld_c_multistage
test_case run "build: heredocs, a destination through a symlink, NAME.dockerignore" t_bld_forms
test_case run "build: unneeded stages skipped, COPY --from an image, --from-map, --label, --network none" t_bld_stages_map
test_case run "build: FROM a registry: pulled once, then the local copy; --pull asks again" t_bld_registry
test_case run "build: --oci and --docker-archive outputs, read by umoci and pack" t_bld_oci_out
test_case run "build: ADD URL (0600, named by the URL), --checksum, --network none" t_bld_add_url
test_case run "build: ./NAME by default, left out of its own context; from the parent: 2" t_bld_default_out
test_case run "build: ARGs, ENV substitution, SHELL, ONBUILD from a packed file" t_bld_args_onbuild
