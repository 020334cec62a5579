#!/usr/bin/env python3
"""A flaky HTTP proxy in front of a registry, for the retry/resume tests.

    flakyproxy.py UPSTREAM-PORT PORTFILE LOG

Each blob path: the 1st GET answers 503; the 2nd sends the headers and half the
body, then drops the connection; later GETs are passed through (with the client's
Range header). Each blob GET is logged as "PATH status range" to LOG. For pushes:
the 1st POST of each path and the 1st PUT of each upload's digest (its body read
whole) answer 503, logged as "PUT DIGEST n"; later ones are passed through, with
the client's Host (so the registry's Location names the proxy). Everything else is
passed through. Writes its own port to PORTFILE.
"""
import http.client, http.server, os, sys, threading, urllib.parse

upstream, portfile, logfile = int(sys.argv[1]), sys.argv[2], sys.argv[3]
seen, lock = {}, threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        blob = "/blobs/" in self.path
        with lock:
            n = seen[self.path] = seen.get(self.path, 0) + 1
        rng = self.headers.get("Range", "-")
        if blob:
            with open(logfile, "a") as f:
                f.write("%s %d %s\n" % (self.path, n, rng))
        if blob and n == 1:
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        c = http.client.HTTPConnection("127.0.0.1", upstream)
        hdrs = {k: v for k, v in self.headers.items() if k.lower() in ("range", "accept", "authorization")}
        c.request("GET", self.path, headers=hdrs)
        r = c.getresponse()
        body = r.read()
        self.send_response(r.status)
        for k, v in r.getheaders():
            if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if blob and n == 2 and len(body) > 1000:
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self.wfile.write(body)


    def forward(self, method):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0") or 0))
        key = method + " " + (urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query).get("digest", [""])[0]
                              if method == "PUT" else self.path.split("?")[0])
        with lock:
            n = seen[key] = seen.get(key, 0) + 1
        if method in ("PUT", "POST"):
            with open(logfile, "a") as f:
                f.write("%s %d\n" % (key, n))
        if method in ("PUT", "POST") and n == 1:
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        c = http.client.HTTPConnection("127.0.0.1", upstream)
        keep = ("accept", "authorization", "content-type", "host")
        c.request(method, self.path, body=body, headers={k: v for k, v in self.headers.items() if k.lower() in keep})
        r = c.getresponse()
        data = r.read()
        self.send_response(r.status)
        for k, v in r.getheaders():
            if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if method != "HEAD":
            self.wfile.write(data)

    def do_HEAD(self):
        self.forward("HEAD")

    def do_POST(self):
        self.forward("POST")

    def do_PUT(self):
        self.forward("PUT")


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(portfile + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(portfile + ".tmp", portfile)
srv.serve_forever()
