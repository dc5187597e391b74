"""Shared machinery of the help-desk emulators (Python 3 standard library only).

Each emulator (zendesk.py, freshdesk.py, jsm.py) is a strict local fake of one vendor's API, built
from the contracts in the project's reference notes, so that a payload the real service would
reject fails our tests. This module gives them:

- an HTTPS server on 127.0.0.1 with an ephemeral port and a self-signed certificate made with the
  `openssl` command line in the state folder (CN/SAN localhost, IP 127.0.0.1); when it listens it
  prints exactly one line, `READY https://127.0.0.1:PORT CA=DIR/cert.pem`;
- a router of `(method, path pattern)` to handler, with request counts per route;
- scripted faults: `POST /_emulator/faults` with a JSON list (or one object), applied in order to
  the next requests that match:
    {"match": "POST /api/v2/tickets", "status": 429, "retry_after": 1}
    {"status": 429, "text": true}              text/plain body, no Retry-After unless given
    {"status": 500, "after_commit": true}      do the work, then answer 500
    {"reset": true}                            read part of the body, then reset the connection
    {"stall": 30}                              sleep 30 s, then go on as usual
    {"status": 413, "count": 2}                the next two matching requests
  `match` is a shell pattern over `METHOD /path` (query and a `.json` suffix removed), e.g.
  `POST /rest/servicedeskapi/request/*/attachment`; without `match` a fault hits any request.
  `{"expire_tokens": true}` in the list is an action done at once (expire upload tokens or
  temporary attachment ids now);
- `GET /_emulator/state`: the vendor's records and the request counts per route;
- bodies: `Content-Length` is required on requests with a body (chunked uploads get 411, so a
  client that cannot size its multipart bodies fails), large bodies are streamed to disk.
"""

import argparse
import base64
import fnmatch
import hashlib
import json
import os
import re
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

# The largest body an emulator keeps in memory (multipart and JSON); larger ones get 413.
MAX_MEMORY_BODY = 64 * 1024 * 1024


class Response:
    """What a handler answers."""

    def __init__(self, status, body=b"", content_type="application/json; charset=utf-8", headers=None):
        self.status = status
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        self.body = body
        self.content_type = content_type
        self.headers = list(headers or [])


def json_response(status, obj, headers=None):
    return Response(status, obj, "application/json; charset=utf-8", headers)


def text_response(status, text, headers=None):
    return Response(status, text, "text/plain; charset=utf-8", headers)


class BodyTooLarge(Exception):
    pass


class Request:
    """One request: method, path, query, headers and a body read on demand."""

    def __init__(self, handler):
        self.handler = handler
        self.method = handler.command
        url = urlsplit(handler.path)
        self.path = url.path
        self.raw_query = url.query
        self.query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        self.headers = handler.headers
        self.length = int(handler.headers.get("Content-Length") or 0)
        self.consumed = 0

    def header(self, name, default=None):
        return self.headers.get(name, default)

    def read(self, limit=MAX_MEMORY_BODY):
        if self.length > limit:
            raise BodyTooLarge()
        data = self._read_exact(self.length - self.consumed)
        return data

    def _read_exact(self, n):
        chunks = []
        while n > 0:
            chunk = self.handler.rfile.read(min(n, 1 << 20))
            if not chunk:
                raise ConnectionError("client closed the connection mid-body")
            self.consumed += len(chunk)
            n -= len(chunk)
            chunks.append(chunk)
        return b"".join(chunks)

    def stream_to(self, path):
        """Writes the body to `path`; returns (size, sha256 hex)."""
        digest = hashlib.sha256()
        size = 0
        with open(path, "wb") as out:
            left = self.length - self.consumed
            while left > 0:
                chunk = self.handler.rfile.read(min(left, 1 << 20))
                if not chunk:
                    raise ConnectionError("client closed the connection mid-body")
                self.consumed += len(chunk)
                left -= len(chunk)
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
        return size, digest.hexdigest()

    def drain(self):
        left = self.length - self.consumed
        while left > 0:
            chunk = self.handler.rfile.read(min(left, 1 << 20))
            if not chunk:
                return
            self.consumed += len(chunk)
            left -= len(chunk)

    def json(self):
        """The body as JSON, or raises ValueError."""
        data = self.read()
        return json.loads(data.decode("utf-8"))

    def basic_auth(self):
        """(user, password) from a Basic Authorization header, or None."""
        value = self.header("Authorization") or ""
        if not value.startswith("Basic "):
            return None
        try:
            decoded = base64.b64decode(value[6:].strip(), validate=True).decode("utf-8")
        except Exception:
            return None
        if ":" not in decoded:
            return None
        user, password = decoded.split(":", 1)
        return user, password

    def bearer(self):
        value = self.header("Authorization") or ""
        if value.startswith("Bearer "):
            return value[7:].strip()
        return None


def parse_multipart(content_type, body):
    """Parses a multipart/form-data body strictly. Returns a list of parts
    {"name", "filename" (or None), "content_type" (or None), "data"}; raises ValueError with a
    reason when the body is malformed."""
    match = re.search(r'boundary="?([^";]+)"?', content_type or "")
    if not content_type or not content_type.lower().startswith("multipart/form-data") or not match:
        raise ValueError("not multipart/form-data with a boundary")
    boundary = b"--" + match.group(1).encode()
    if not body.startswith(boundary):
        raise ValueError("the body does not start with the boundary")
    parts = []
    position = 0
    while True:
        if not body.startswith(boundary, position):
            raise ValueError("expected a boundary at byte %d" % position)
        position += len(boundary)
        if body.startswith(b"--", position):
            rest = body[position + 2:]
            if rest not in (b"", b"\r\n"):
                raise ValueError("data after the closing boundary")
            return parts
        if not body.startswith(b"\r\n", position):
            raise ValueError("no CRLF after a boundary")
        position += 2
        head_end = body.find(b"\r\n\r\n", position)
        if head_end < 0:
            raise ValueError("a part without the blank line after its headers")
        headers = {}
        for line in body[position:head_end].split(b"\r\n"):
            name, sep, value = line.decode("utf-8", "replace").partition(":")
            if not sep:
                raise ValueError("a malformed part header: %r" % line[:80])
            headers[name.strip().lower()] = value.strip()
        data_start = head_end + 4
        next_boundary = body.find(b"\r\n" + boundary, data_start)
        if next_boundary < 0:
            raise ValueError("a part without a closing boundary")
        disposition = headers.get("content-disposition", "")
        if not disposition.lower().startswith("form-data"):
            raise ValueError("a part without Content-Disposition: form-data")
        name = re.search(r'(?:^|;)\s*name="([^"]*)"', disposition)
        filename = re.search(r'(?:^|;)\s*filename="([^"]*)"', disposition)
        if not name:
            raise ValueError("a part without a name")
        parts.append({
            "name": name.group(1),
            "filename": filename.group(1) if filename else None,
            "content_type": headers.get("content-type"),
            "data": body[data_start:next_boundary],
        })
        position = next_boundary + 2


def http_date(seconds_from_now=0):
    return time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + seconds_from_now))


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


class Emulator:
    """The vendor-neutral part of an emulator. A vendor subclass sets `name`, fills `routes` with
    `route(method, pattern, handler)` and may override `authenticate`, `common_headers`,
    `fault_response`, `expire_tokens` and `snapshot`."""

    name = "emulator"

    def __init__(self, options):
        self.options = options
        self.state_dir = options.state
        self.lock = threading.RLock()
        self.routes = []
        self.faults = []
        self.counts = {}
        self.files_dir = os.path.join(self.state_dir, "files")
        os.makedirs(self.files_dir, exist_ok=True)

    # --- to override -------------------------------------------------------------------------

    def authenticate(self, request, route_name):
        """None when allowed, else a Response (401)."""
        return None

    def common_headers(self, request):
        return []

    def fault_response(self, status, fault):
        return json_response(status, {"error": "emulated fault %d" % status})

    def expire_tokens(self):
        pass

    def snapshot(self):
        return {}

    # --- machinery -----------------------------------------------------------------------------

    def route(self, method, pattern, handler):
        regex = "^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+?)", pattern) + r"(?:\.json)?$"
        self.routes.append((method, re.compile(regex), handler, "%s %s" % (method, pattern)))

    def new_file(self, suffix=""):
        fd, path = tempfile.mkstemp(dir=self.files_dir, suffix=suffix)
        os.close(fd)
        return path

    def take_fault(self, method, path):
        key = "%s %s" % (method, re.sub(r"\.json$", "", path))
        with self.lock:
            for index, fault in enumerate(self.faults):
                pattern = fault.get("match")
                if pattern is None or fnmatch.fnmatchcase(key, pattern):
                    fault["count"] = fault.get("count", 1) - 1
                    if fault["count"] <= 0:
                        del self.faults[index]
                    return fault
        return None

    def control(self, request):
        if request.method == "POST" and request.path == "/_emulator/faults":
            try:
                faults = request.json()
            except ValueError as error:
                return json_response(400, {"error": "faults must be JSON: %s" % error})
            if isinstance(faults, dict):
                faults = [faults]
            if not isinstance(faults, list) or not all(isinstance(f, dict) for f in faults):
                return json_response(400, {"error": "faults must be a JSON object or a list of objects"})
            with self.lock:
                for fault in faults:
                    if fault.get("expire_tokens"):
                        self.expire_tokens()
                    else:
                        self.faults.append(dict(fault))
                pending = len(self.faults)
            return json_response(200, {"pending": pending})
        if request.method == "DELETE" and request.path == "/_emulator/faults":
            with self.lock:
                self.faults = []
            return json_response(200, {"pending": 0})
        if request.method == "GET" and request.path == "/_emulator/state":
            with self.lock:
                state = self.snapshot()
                state["counts"] = dict(self.counts)
                state["pending_faults"] = list(self.faults)
            return json_response(200, state)
        return json_response(404, {"error": "no such emulator control endpoint"})

    def dispatch(self, request):
        """Returns a Response, or None when the connection was reset on purpose."""
        if request.path.startswith("/_emulator/"):
            return self.control(request)
        if (request.header("Transfer-Encoding") or "").lower() == "chunked":
            return json_response(411, {"error": "Length Required: send Content-Length, not chunked"},
                                 [("Connection", "close")])
        found = None
        for method, regex, handler, name in self.routes:
            m = regex.match(request.path)
            if m and method == request.method:
                found = (handler, m.groupdict(), name)
                break
        route_name = found[2] if found else "%s %s" % (request.method, request.path)
        with self.lock:
            self.counts[route_name] = self.counts.get(route_name, 0) + 1
        fault = self.take_fault(request.method, request.path)
        if fault and fault.get("stall"):
            time.sleep(float(fault["stall"]))
        if fault and fault.get("reset"):
            part = min(request.length // 2, 256 * 1024)
            try:
                request._read_exact(part)
            except (ConnectionError, OSError):
                pass
            return None
        if found is None:
            return self.not_found(request)
        denied = self.authenticate(request, route_name)
        if denied is not None:
            return denied
        if fault and fault.get("status") and not fault.get("after_commit"):
            return self.fault_response(int(fault["status"]), fault)
        handler, params, _ = found
        try:
            response = handler(request, **params)
        except BodyTooLarge:
            response = json_response(413, {"error": "request body too large for the emulator"})
        if fault and fault.get("after_commit"):
            return self.fault_response(int(fault.get("status", 500)), fault)
        return response

    def not_found(self, request):
        return json_response(404, {"error": "RecordNotFound", "description": "Not found"})

    def serve(self):
        cert, key = make_certificate(self.state_dir)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        app = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            server_version = app.name

            def log_message(self, format, *args):
                if app.options.verbose:
                    sys.stderr.write("%s %s\n" % (app.name, format % args))

            def handle_one(self):
                request = Request(self)
                try:
                    response = app.dispatch(request)
                except (ConnectionError, OSError):
                    self.close_connection = True
                    return
                except Exception:
                    traceback.print_exc()
                    response = json_response(500, {"error": "emulator bug: %s" % traceback.format_exc(limit=3)})
                if response is None:
                    reset(self.connection)
                    self.close_connection = True
                    return
                try:
                    request.drain()
                except (ConnectionError, OSError):
                    self.close_connection = True
                    return
                self.send_response(response.status)
                self.send_header("Content-Type", response.content_type)
                self.send_header("Content-Length", str(len(response.body)))
                for name, value in app.common_headers(request) + response.headers:
                    if name.lower() == "connection" and value.lower() == "close":
                        self.close_connection = True
                    self.send_header(name, value)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(response.body)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = handle_one

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            allow_reuse_address = True

            def finish_request(self, request, client_address):
                try:
                    request.settimeout(120)
                    tls = context.wrap_socket(request, server_side=True)
                except (ssl.SSLError, OSError):
                    return
                try:
                    Handler(tls, client_address, self)
                except (ssl.SSLError, OSError):
                    pass
                finally:
                    try:
                        tls.close()
                    except OSError:
                        pass

        server = Server(("127.0.0.1", self.options.port), Handler)
        port = server.server_address[1]
        print("READY https://127.0.0.1:%d CA=%s" % (port, cert), flush=True)
        try:
            server.serve_forever(poll_interval=0.2)
        except KeyboardInterrupt:
            pass


def reset(connection):
    """Closes the connection with a TCP reset."""
    try:
        raw = connection
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    try:
        connection.close()
    except OSError:
        pass


def make_certificate(folder):
    """A self-signed certificate for localhost and 127.0.0.1 (ECDSA P-256, not a CA, server
    authentication only), made with the openssl command line; reused when present."""
    cert = os.path.join(folder, "cert.pem")
    key = os.path.join(folder, "key.pem")
    if os.path.exists(cert) and os.path.exists(key):
        return cert, key
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", key, "-out", cert, "-days", "7", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
         "-addext", "basicConstraints=critical,CA:FALSE",
         "-addext", "extendedKeyUsage=serverAuth"],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    os.chmod(key, 0o600)
    return cert, key


def arguments(description):
    """An argument parser with the options every emulator takes."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--state", required=True, help="folder for the certificate and stored files")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 [default: any free one]")
    parser.add_argument("--verbose", action="store_true", help="log every request on stderr")
    return parser


def main(emulator_class, parser):
    options = parser.parse_args()
    os.makedirs(options.state, exist_ok=True)
    emulator_class(options).serve()
