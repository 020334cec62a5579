# Networking: --boxcar-net=host|none|private and --boxcar-publish (boxcar's own relay,
# no helper binary). Servers inside are busybox httpd and a perl UDP echo; the host
# side is tests/netclient.py.

NC=$TOP/tests/netclient.py
# www: a document root for busybox httpd, bound read-only at /www
www() { mkdir -p "$T/www"; echo "served by boxcar $1" > "$T/www/index.html"; chmod -R a+rX "$T/www"; }
# wait_http PORT [SECONDS]: until the published port serves (default 10 s)
wait_http() {
    local i
    for ((i = 0; i < ${2:-10} * 10; i++)); do python3 "$NC" get "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done
    note "server output:"; cat "$T/bg.out" >&2; return 1
}
# relay_pid: the relay under the container's init (its cmdline is the launcher's)
relay_pid() {
    local init c; init=$(pgrep -P "$BGPID" | head -1)
    for c in $(pgrep -P "$init"); do
        tr '\0' ' ' < "/proc/$c/cmdline" | grep -q "^$1 " && { echo "$c"; return 0; }
    done
    return 1
}

t_net_none() {   # own namespace, loopback only (up), its own /sys/class/net, /etc/hosts
    x "$(P bb)" --boxcar-net=none sh -c 'ls /sys/class/net; cut -d: -f1 /proc/net/dev | tail -n +3 | tr -d " "
        grep -c "$(hostname)" /etc/hosts'
    expect_ok; expect_out "$(own_sys_net | tr ' ' '\n')"$'\nlo\n1'
    www none
    x "$(P bb)" --boxcar-net=none --boxcar-volume="$T/www:/www:ro" sh -c \
        'httpd -p 8080 -h /www; for i in 1 2 3 4 5 6 7 8 9 10; do wget -qO- http://127.0.0.1:8080/ && break; sleep 0.2; done'
    expect_ok; expect_out "served by boxcar none"
    # the host's services are out of reach
    local port; port=$(free_port)
    python3 "$NC" hold "$port" > "$T/hold.out" & local holder=$!
    wait_for "$T/hold.out" ready 10 || fail "holder did not start"
    x "$(P bb)" --boxcar-net=none sh -c "nc -w 2 127.0.0.1 $port < /dev/null && echo REACHED || echo unreachable"
    kill "$holder"
    expect_out unreachable
}
t_net_publish() {   # -p HOST:CTR: served on the host port, nothing on the container's
    www publish
    local hp cp; hp=$(free_port); cp=$(free_port)
    start_bg bb --boxcar-publish="127.0.0.1:$hp:$cp" --boxcar-volume="$T/www:/www:ro" httpd -f -p "$cp" -h /www
    wait_http "$hp" || { kill -KILL "$BGPID"; fail "nothing served on the host's port $hp"; }
    x python3 "$NC" get "$hp"; expect_ok; expect_out "served by boxcar publish"
    x python3 "$NC" refused "$cp"; expect_ok   # the container's own port is not on the host
    x "$BOXCAR" run -p "$cp" --network private "$(P bb)" true   # (its port is free on the host)
    expect_ok
    kill -TERM "$BGPID"; wait_bg 10
    [ "$RC" = 143 ] || [ "$RC" = 0 ] || fail "httpd ended with $RC after TERM"
    x python3 "$NC" refused "$hp"; expect_ok   # nothing lingers
}
t_net_load() {   # many concurrent connections through the relay: no errors, no leaked fds
    www load
    local hp; hp=$(free_port)
    start_bg bb --boxcar-publish="$hp:8080" --boxcar-volume="$T/www:/www:ro" httpd -f -p 8080 -h /www
    wait_http "$hp" || { kill -KILL "$BGPID"; fail "not served"; }
    local relay before after
    relay=$(relay_pid "$(P bb)") || { kill -KILL "$BGPID"; fail "relay process not found"; }
    before=$(ls "/proc/$relay/fd" | wc -l)
    x python3 "$NC" load "$hp" 32 1500 "served by boxcar load"
    [ "$RC" = 0 ] || { kill -KILL "$BGPID"; ctx; fail "errors under load"; }
    info "relay: $OUT (32 concurrent clients)"
    local i; for ((i = 0; i < 50; i++)); do after=$(ls "/proc/$relay/fd" | wc -l); [ "$after" = "$before" ] && break; sleep 0.1; done
    kill -TERM "$BGPID"; wait_bg 10
    [ "$after" = "$before" ] || fail "relay fds: $before before the load, $after after"
}
t_net_udp() {   # -p .../udp, to a perl echo server in the Debian image
    local hp; hp=$(free_port udp)
    start_bg debian --boxcar-publish="$hp:9000/udp" perl -MIO::Socket::INET -e \
        '$s = IO::Socket::INET->new(LocalAddr => "127.0.0.1:9000", Proto => "udp") or die; print "ready\n"; $| = 1;
         while ($s->recv($m, 2048)) { $s->send("echo:$m") }'
    wait_for "$T/bg.out" '^ready$' 30 || { kill -KILL "$BGPID"; cat "$T/bg.out" >&2; fail "echo server did not start"; }
    x python3 "$NC" udp "$hp" ping-one; expect_ok; expect_out "echo:ping-one"
    x python3 "$NC" udp "$hp" ping-two; expect_ok; expect_out "echo:ping-two"
    kill -TERM "$BGPID"; wait_bg 10
}
t_net_errors() {   # bad specs, combinations, a port in use: 125 and one line
    x "$(P bb)" --boxcar-publish=70000:80 true; expect_error 125; expect_err_has "70000:80"
    x "$(P bb)" --boxcar-publish=80:80/sctp true; expect_error 125; expect_err_has "tcp or udp"
    x "$(P bb)" --boxcar-net=host --boxcar-publish=8080:80 true; expect_error 125; expect_err_has "net=private"
    x "$(P bb)" --boxcar-net=none --boxcar-publish=8080:80 true; expect_error 125; expect_err_has "none"
    x "$(P bb)" --boxcar-net=bridge true; expect_error 125; expect_err_has "bridge"
    local port; port=$(free_port)
    python3 "$NC" hold "$port" > "$T/hold.out" & local holder=$!
    wait_for "$T/hold.out" ready 10 || fail "holder did not start"
    x "$(P bb)" --boxcar-publish="$port:80" echo CONTAINER-RAN
    kill "$holder"
    expect_error 125; expect_err_has "$port.*already in use"; expect_out_lacks CONTAINER-RAN
}
t_net_flask() {   # the seed scenario: ./flask --boxcar-net=private --boxcar-publish=5005:5000
    local hp; hp=$(free_port)   # (5005 in the issue; a free port here)
    start_bg flask --boxcar-net=private --boxcar-publish="$hp:5000"
    wait_http "$hp" 120 || { kill -KILL "$BGPID"; fail "flask not served on $hp"; }
    x python3 "$NC" get "$hp"; expect_ok; expect_out "Hello World!"
    x python3 "$NC" refused 5000; expect_ok
    kill -TERM "$BGPID"; wait_bg 10
}
test_case run "net: the Flask example behind --boxcar-publish (Hello World!, nothing on 5000)" t_net_flask
test_case run "net: --boxcar-net=none: loopback only, own /sys/class/net, host unreachable" t_net_none
test_case run "net: --boxcar-publish HOST:CTR (tcp): served on the host, not the container port" t_net_publish
test_case run "net: 1500 requests from 32 clients through a published port, no leaked fds" t_net_load
test_case run "net: --boxcar-publish .../udp" t_net_udp
test_case run "net: bad publish specs, net/publish clashes, port in use (125)" t_net_errors
