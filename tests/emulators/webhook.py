#!/usr/bin/env python3
"""A webhook receiver for Casefile's tests: strict about what it accepts, with injectable faults.

    python3 tests/emulators/webhook.py --state DIR [--token T]

Listens on 127.0.0.1 on a free port, prints exactly one line `READY http://127.0.0.1:PORT` and
serves until killed. Python 3 standard library only.

Submissions: `POST` to any path not under `/_emulator/`, `multipart/form-data` with a
`Content-Length` (chunked bodies are refused with 411), the parts `request` (JSON, content type
application/json), `text` (text/markdown) and one or more `bundle` file parts (each with a file
name); any other part name is a 400. With `--token`, `Authorization: Bearer T` is required (401
otherwise). `Idempotency-Key` is required; a key seen before answers the original response again
and records nothing new. A new submission stores its bundles under `DIR/<id>/` and answers
`201 {"id": "WH-1", "url": "http://127.0.0.1:PORT/records/WH-1"}`.

A `GET` on a submission path answers 405 (it takes POSTs); `GET /records/<id>` answers the record.

Control:
  POST /_emulator/faults   a JSON list applied to the next non-control requests, one each, in order:
      {"status": 500}                        answer 500, record nothing
      {"status": 429, "retry_after": 1}      answer 429 with Retry-After: 1
      {"status": 500, "after_commit": true}  record the submission, then answer 500
      {"reset": true}                        read part of the body, then reset the connection
      {"stall": 30}                          sleep 30 s, then go on as usual
  GET /_emulator/state     {"records": [{id, idempotency_key, case, request, text, text_type,
                            attachments: [{name, content_type, size, sha256}]}],
                            "counts": {"requests", "created", "replayed", "rejected", "faults"}}
"""

import argparse
import hashlib
import json
import os
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class State:
    def __init__(self, folder, token):
        self.folder = folder
        self.token = token
        self.lock = threading.Lock()
        self.records = []
        self.by_key = {}  # idempotency key -> (status, body bytes)
        self.faults = []
        self.counts = {"requests": 0, "created": 0, "replayed": 0, "rejected": 0, "faults": 0}

    def next_fault(self):
        with self.lock:
            self.counts["requests"] += 1
            if self.faults:
                self.counts["faults"] += 1
                return self.faults.pop(0)
            return {}

    def count(self, what):
        with self.lock:
            self.counts[what] += 1


class Rejected(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


def parse_header_params(value):
    """`form-data; name="x"; filename="y"` -> ("form-data", {"name": "x", "filename": "y"})."""
    pieces = value.split(";")
    params = {}
    for piece in pieces[1:]:
        if "=" not in piece:
            continue
        key, _, val = piece.strip().partition("=")
        val = val.strip()
        if len(val) >= 2 and val[0] == val[-1] == '"':
            val = val[1:-1]
        params[key.strip().lower()] = val
    return pieces[0].strip().lower(), params


def parse_multipart(body, content_type):
    kind, params = parse_header_params(content_type)
    if kind != "multipart/form-data":
        raise Rejected(415, f"content type must be multipart/form-data, got {content_type!r}")
    boundary = params.get("boundary")
    if not boundary:
        raise Rejected(400, "multipart/form-data without a boundary")
    delimiter = b"--" + boundary.encode("latin-1")
    if not body.startswith(delimiter + b"\r\n"):
        raise Rejected(400, "the body does not start with the boundary")
    end = b"\r\n" + delimiter + b"--\r\n"
    if not body.endswith(end):
        raise Rejected(400, "the body does not end with the closing boundary")
    inner = body[len(delimiter) + 2 : len(body) - len(end)]
    parts = []
    for raw in inner.split(b"\r\n" + delimiter + b"\r\n"):
        head, sep, content = raw.partition(b"\r\n\r\n")
        if not sep:
            raise Rejected(400, "a part has no header/body separator")
        headers = {}
        for line in head.decode("utf-8").split("\r\n"):
            name, colon, value = line.partition(":")
            if not colon:
                raise Rejected(400, f"bad part header line {line!r}")
            headers[name.strip().lower()] = value.strip()
        disposition, dparams = parse_header_params(headers.get("content-disposition", ""))
        if disposition != "form-data" or "name" not in dparams:
            raise Rejected(400, "a part lacks Content-Disposition: form-data; name=...")
        parts.append(
            {
                "name": dparams["name"],
                "filename": dparams.get("filename"),
                "content_type": headers.get("content-type"),
                "content": content,
            }
        )
    return parts


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "CasefileWebhookEmulator/1"

    def log_message(self, *args):  # quiet: the tests read the state, not the log
        pass

    @property
    def state(self):
        return self.server.state

    def answer(self, status, payload, headers=()):
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.close_connection = True
            raise Rejected(411, "chunked bodies are not accepted: send a Content-Length")
        length = self.headers.get("Content-Length")
        if length is None:
            self.close_connection = True
            raise Rejected(411, "Content-Length is required")
        try:
            length = int(length)
        except ValueError:
            self.close_connection = True
            raise Rejected(400, f"bad Content-Length {length!r}")
        chunks, left = [], length
        while left > 0:
            chunk = self.rfile.read(min(left, 1 << 20))
            if not chunk:
                self.close_connection = True
                raise Rejected(400, "the body is shorter than its Content-Length")
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def reset(self):
        """Reads a little of the body, then resets the connection (RST, not a clean close)."""
        try:
            self.rfile.read(min(int(self.headers.get("Content-Length") or 0), 64 * 1024))
        except (OSError, ValueError):
            pass
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    # ---- control ---------------------------------------------------------------------------------

    def control(self, method):
        if method == "POST" and self.path == "/_emulator/faults":
            try:
                faults = json.loads(self.read_body() or b"[]")
            except (Rejected, ValueError) as error:
                return self.answer(400, {"error": str(error)})
            if not isinstance(faults, list) or not all(isinstance(f, dict) for f in faults):
                return self.answer(400, {"error": "send a JSON list of fault objects"})
            with self.state.lock:
                self.state.faults.extend(faults)
            return self.answer(200, {"queued": len(self.state.faults)})
        if method == "GET" and self.path == "/_emulator/state":
            with self.state.lock:
                return self.answer(200, {"records": self.state.records, "counts": self.state.counts})
        return self.answer(404, {"error": f"no control {method} {self.path}"})

    # ---- submissions -----------------------------------------------------------------------------

    def do_GET(self):
        if self.path.startswith("/_emulator/"):
            return self.control("GET")
        fault = self.state.next_fault()
        if self.apply_early(fault):
            return
        if self.path.startswith("/records/"):
            wanted = self.path[len("/records/") :]
            with self.state.lock:
                found = [r for r in self.state.records if r["id"] == wanted]
            return self.answer(200, found[0]) if found else self.answer(404, {"error": "no such record"})
        if not self.authorized():
            return self.answer(401, {"error": "missing or wrong bearer token"})
        return self.answer(405, {"error": "this webhook takes POSTs"}, [("Allow", "POST")])

    def do_HEAD(self):
        self.send_response(405)
        self.send_header("Allow", "POST")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def authorized(self):
        if self.state.token is None:
            return True
        return self.headers.get("Authorization", "") == f"Bearer {self.state.token}"

    def apply_early(self, fault):
        """Faults that act before the request is handled; True when the request is done."""
        if fault.get("stall"):
            time.sleep(float(fault["stall"]))
        if fault.get("reset"):
            self.reset()
            return True
        if "status" in fault and not fault.get("after_commit"):
            if self.command == "POST":
                try:
                    self.read_body()
                except Rejected:
                    pass
            headers = []
            if "retry_after" in fault:
                headers.append(("Retry-After", str(fault["retry_after"])))
            self.answer(int(fault["status"]), {"error": "injected fault"}, headers)
            return True
        return False

    def do_POST(self):
        if self.path.startswith("/_emulator/"):
            return self.control("POST")
        fault = self.state.next_fault()
        if self.apply_early(fault):
            return
        try:
            status, payload = self.submit()
        except Rejected as error:
            self.state.count("rejected")
            return self.answer(error.status, {"error": error.message})
        if fault.get("after_commit"):
            return self.answer(int(fault.get("status", 500)), {"error": "injected fault after commit"})
        return self.answer(status, payload)

    def submit(self):
        if not self.authorized():
            self.read_body()
            raise Rejected(401, "missing or wrong bearer token")
        body = self.read_body()
        key = self.headers.get("Idempotency-Key")
        if not key:
            raise Rejected(400, "Idempotency-Key is required")
        with self.state.lock:
            if key in self.state.by_key:
                self.state.counts["replayed"] += 1
                return self.state.by_key[key]
        parts = parse_multipart(body, self.headers.get("Content-Type", ""))
        names = [p["name"] for p in parts]
        unknown = sorted(set(names) - {"request", "text", "bundle"})
        if unknown:
            raise Rejected(400, f"unknown parts {unknown}")
        for needed in ("request", "text"):
            if names.count(needed) != 1:
                raise Rejected(400, f"exactly one {needed!r} part is required, got {names.count(needed)}")
        if "bundle" not in names:
            raise Rejected(400, "at least one 'bundle' file part is required")
        request = next(p for p in parts if p["name"] == "request")
        text = next(p for p in parts if p["name"] == "text")
        if (request["content_type"] or "").split(";")[0].strip() != "application/json":
            raise Rejected(400, "the 'request' part must be application/json")
        try:
            request_json = json.loads(request["content"])
        except ValueError as error:
            raise Rejected(400, f"the 'request' part is not JSON: {error}")
        if (text["content_type"] or "").split(";")[0].strip() != "text/markdown":
            raise Rejected(400, "the 'text' part must be text/markdown")
        bundles = [p for p in parts if p["name"] == "bundle"]
        for bundle in bundles:
            name = bundle["filename"]
            if not name or "/" in name or "\\" in name or name in (".", ".."):
                raise Rejected(400, "every 'bundle' part needs a plain file name")
            if not bundle["content_type"]:
                raise Rejected(400, f"bundle {name} has no Content-Type")
        with self.state.lock:
            if key in self.state.by_key:  # a concurrent twin got here first
                self.state.counts["replayed"] += 1
                return self.state.by_key[key]
            record_id = f"WH-{len(self.state.records) + 1}"
            folder = os.path.join(self.state.folder, record_id)
            os.makedirs(folder, exist_ok=True)
            attachments = []
            for bundle in bundles:
                with open(os.path.join(folder, bundle["filename"]), "wb") as out:
                    out.write(bundle["content"])
                attachments.append(
                    {
                        "name": bundle["filename"],
                        "content_type": bundle["content_type"],
                        "size": len(bundle["content"]),
                        "sha256": hashlib.sha256(bundle["content"]).hexdigest(),
                    }
                )
            host, port = self.server.server_address[:2]
            response = (201, {"id": record_id, "url": f"http://{host}:{port}/records/{record_id}"})
            self.state.records.append(
                {
                    "id": record_id,
                    "idempotency_key": key,
                    "case": self.headers.get("X-Casefile-Case"),
                    "path": self.path,
                    "request": request_json,
                    "text": text["content"].decode("utf-8"),
                    "text_type": text["content_type"],
                    "attachments": attachments,
                }
            )
            self.state.by_key[key] = response
            self.state.counts["created"] += 1
            return response


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--state", required=True, help="folder for received bundles")
    parser.add_argument("--token", help="require Authorization: Bearer TOKEN")
    args = parser.parse_args()
    os.makedirs(args.state, exist_ok=True)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.state = State(args.state, args.token)
    print(f"READY http://127.0.0.1:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
