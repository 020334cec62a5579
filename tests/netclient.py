#!/usr/bin/env python3
"""Network probes for tests/t-net.sh (the host side of published ports).

  netclient.py get PORT                 HTTP GET http://127.0.0.1:PORT/, print the body
  netclient.py refused PORT             exit 0 if nothing accepts on 127.0.0.1:PORT
  netclient.py load PORT WORKERS N WANT N GETs from WORKERS threads, each on a new
                                        connection; every body must contain WANT
  netclient.py udp PORT MESSAGE         send one datagram, print the reply (2 s)
  netclient.py hold PORT                listen on 0.0.0.0:PORT, print "ready", wait
"""
import concurrent.futures, socket, sys, time, urllib.request

def get(port, timeout=10):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=timeout) as r:
        return r.status, r.read().decode()

def main():
    cmd, port = sys.argv[1], int(sys.argv[2])
    if cmd == "get":
        status, body = get(port)
        print(body, end="")
        return 0 if status == 200 else 1
    if cmd == "refused":
        try:
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
            return 1
        except OSError:
            return 0
    if cmd == "load":
        workers, n, want = int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
        t0 = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(workers) as ex:
            results = list(ex.map(lambda _: get(port), range(n)))
        bad = [r for r in results if r[0] != 200 or want not in r[1]]
        print(f"{n - len(bad)} ok, {len(bad)} bad, {n / (time.monotonic() - t0):.0f} req/s")
        return 1 if bad else 0
    if cmd == "udp":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(2)
        for _ in range(5):   # the server may still be starting
            s.sendto(sys.argv[3].encode(), ("127.0.0.1", port))
            try:
                print(s.recv(65536).decode())
                return 0
            except socket.timeout:
                continue
        return 1
    if cmd == "hold":
        s = socket.socket()
        s.bind(("0.0.0.0", port))
        s.listen()
        print("ready", flush=True)
        time.sleep(120)
        return 0
    return 2

if __name__ == "__main__":
    sys.exit(main())
