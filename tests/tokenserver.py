#!/usr/bin/env python3
"""A small bearer-token server for the registry tests (distribution's token auth).

    tokenserver.py PORT KEY.pem CERT.pem USER:PASS PORTFILE

GET /token?service=S&scope=repository:NAME:pull[,push] answers {"token": JWT}, an
RS256 JWT signed with KEY.pem (via the openssl CLI) whose header carries CERT.pem
(x5c), so a registry with `rootcertbundle: CERT.pem` trusts it. Requests with Basic
USER:PASS get what they ask; anonymous ones get pull only on names starting with
"public/"; a wrong password gets 401. Writes the port it listens on to PORTFILE.
"""
import base64, http.server, json, os, secrets, subprocess, sys, time, urllib.parse

port, key, cert, creds, portfile = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
der = subprocess.run(["openssl", "x509", "-in", cert, "-outform", "DER"], check=True,
                     capture_output=True).stdout


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def jwt(claims):
    head = {"typ": "JWT", "alg": "RS256", "x5c": [base64.b64encode(der).decode()]}
    signing = b64url(json.dumps(head).encode()) + "." + b64url(json.dumps(claims).encode())
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key], input=signing.encode(),
                         check=True, capture_output=True).stdout
    return signing + "." + b64url(sig)


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        sys.stderr.write("token: " + (fmt % args) + "\n")

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        if url.path != "/token":
            self.send_error(404)
            return
        q = urllib.parse.parse_qs(url.query)
        auth = self.headers.get("Authorization", "")
        user = None
        if auth.startswith("Basic "):
            if base64.b64decode(auth[6:]).decode() != creds:
                self.send_error(401)
                return
            user = creds.split(":")[0]
        access = []
        for scope in q.get("scope", []):
            typ, name, actions = scope.split(":", 2)
            if user is None:
                if not name.startswith("public/"):
                    continue
                actions = "pull"
            access.append({"type": typ, "name": name, "actions": actions.split(",")})
        now = int(time.time())
        token = jwt({"iss": "boxcar-test-issuer", "sub": user or "", "aud": q.get("service", [""])[0],
                     "exp": now + 600, "nbf": now - 10, "iat": now, "jti": secrets.token_hex(8),
                     "access": access})
        body = json.dumps({"token": token, "expires_in": 600}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
with open(portfile + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(portfile + ".tmp", portfile)
srv.serve_forever()
