#!/usr/bin/env python3
"""A strict local Zendesk Support API emulator (reference: composers.md §2.1).

    python3 tests/emulators/zendesk.py --state DIR --email agent@example.test --token FAKE-zd-token

Implements: uploads (raw body, `filename` required and without a path, `token=` chaining, token
TTL (60 min by default, `--upload-ttl`), per-file cap (50 MB, `--max-upload`), content type that
must match a known extension, `DELETE`), `POST /api/v2/tickets` (agents only; `Idempotency-Key`
kept 2 h with `x-idempotency-lookup: hit|miss`, 400 `IdempotentRequestError` on the same key with
another body, `Location`), `POST /api/v2/requests` (subject and comment required, `requester`
required when anonymous), `GET /api/v2/tickets.json?external_id=X`,
`GET /api/v2/requests/search.json?query=X`, `GET /api/v2/users/me.json`; rate-limit headers on
every answer; auth as `{email}/token:{token}` Basic, `--bearer` OAuth token, or anonymous
requests with `--allow-anonymous`.

Where the reference marks a behaviour unverified [U], the emulator picks the strict reading and
says so here: an unknown, expired or already used upload token in `comment.uploads` is a 422
`RecordInvalid` (the real service may ignore it); an upload over the cap is a 413; unknown keys in
a ticket or request object are a 400 (the real service ignores them, which would hide a typo).
"""

import hashlib
import json
import os
import secrets
import time

import emulator
from emulator import json_response, text_response

TICKET_KEYS = {"subject", "comment", "requester", "requester_id", "priority", "type", "tags",
               "custom_fields", "external_id", "ticket_form_id", "status", "group_id",
               "assignee_id", "collaborators", "email_ccs", "due_at", "brand_id", "submitter_id"}
REQUEST_KEYS = {"subject", "comment", "requester", "priority", "type", "custom_fields",
                "ticket_form_id", "collaborators", "email_ccs", "via_followup_source_id",
                "recipient", "due_at", "fields"}
COMMENT_KEYS = {"body", "html_body", "public", "uploads", "author_id"}
PRIORITIES = {"urgent", "high", "normal", "low"}
TYPES = {"problem", "incident", "question", "task"}
IDEMPOTENCY_TTL = 2 * 3600
# Extensions whose content type is checked ("must be recognized and correct").
EXTENSION_TYPES = {
    ".zip": {"application/zip", "application/x-zip-compressed"},
    ".eml": {"message/rfc822"},
    ".txt": {"text/plain"},
    ".log": {"text/plain"},
    ".json": {"application/json"},
    ".png": {"image/png"},
    ".pdf": {"application/pdf"},
}


def invalid(details, description="Record validation errors"):
    return json_response(422, {"error": "RecordInvalid", "description": description,
                               "details": details})


def blank(field, label):
    return {"base": [{"description": "%s: cannot be blank" % label, "error": "BlankValue",
                      "field_key": field}]}


class Zendesk(emulator.Emulator):
    name = "zendesk-emulator"

    def __init__(self, options):
        super().__init__(options)
        self.uploads = {}
        self.tickets = []
        self.idempotency = {}
        self.next_ticket = 35436
        self.next_attachment = 498483
        self.rate_remaining = options.rate_limit
        self.route("POST", "/api/v2/uploads", self.upload)
        self.route("DELETE", "/api/v2/uploads/{token}", self.delete_upload)
        self.route("POST", "/api/v2/tickets", self.create_ticket)
        self.route("GET", "/api/v2/tickets", self.list_tickets)
        self.route("GET", "/api/v2/tickets/{id}", self.show_ticket)
        self.route("POST", "/api/v2/requests", self.create_request)
        self.route("GET", "/api/v2/requests/search", self.search_requests)
        self.route("GET", "/api/v2/users/me", self.me)

    # --- vendor behaviour ----------------------------------------------------------------------

    def caller(self, request):
        """'agent', 'end-user', 'anonymous' or None (bad credentials)."""
        o = self.options
        basic = request.basic_auth()
        if basic is not None:
            user, password = basic
            if o.email and o.token and user == "%s/token" % o.email and password == o.token:
                return o.role
            return None
        bearer = request.bearer()
        if bearer is not None:
            return o.role if o.bearer and bearer == o.bearer else None
        if request.header("Authorization"):
            return None
        return "anonymous"

    def authenticate(self, request, route_name):
        who = self.caller(request)
        anonymous_ok = route_name in ("POST /api/v2/requests", "POST /api/v2/uploads",
                                      "GET /api/v2/users/me")
        if who is None or (who == "anonymous" and not (anonymous_ok and self.options.allow_anonymous)):
            return json_response(401, {"error": "Couldn't authenticate you"},
                                 [("WWW-Authenticate", 'Basic realm="Web Password"')])
        return None

    def common_headers(self, request):
        with self.lock:
            self.rate_remaining = max(0, self.rate_remaining - 1)
            remaining = self.rate_remaining
        return [("X-Rate-Limit", str(self.options.rate_limit)),
                ("X-Rate-Limit-Remaining", str(remaining)),
                ("X-Zendesk-Emulator", "1")]

    def fault_response(self, status, fault):
        headers = []
        if fault.get("retry_after") is not None:
            headers.append(("Retry-After", str(fault["retry_after"])))
        if status == 429:
            # Real 429s come as text/plain, sometimes without Retry-After.
            return text_response(429, fault.get("body", "Too Many Requests"), headers)
        if status == 401:
            return json_response(401, {"error": "Couldn't authenticate you"}, headers)
        if status == 403:
            return json_response(403, {"error": "Forbidden",
                                       "description": "You do not have access to this page. Please contact the account owner of this help desk for further help."}, headers)
        if status == 404:
            return json_response(404, {"error": "RecordNotFound", "description": "Not found"}, headers)
        if status == 413:
            return text_response(413, "Request Entity Too Large", headers)
        if status == 422:
            return invalid(blank("subject", "Subject"))
        return json_response(status, {"error": "InternalServerError",
                                      "description": "Something went wrong (emulated %d)" % status}, headers)

    def expire_tokens(self):
        now = time.time()
        for upload in self.uploads.values():
            upload["expires"] = min(upload["expires"], now - 1)

    def snapshot(self):
        now = time.time()
        return {
            "tickets": [self.public_ticket(t, full=True) for t in self.tickets],
            "uploads": [{"token": u["token"], "expired": u["expires"] <= now,
                         "consumed_by": u["consumed_by"],
                         "files": [{k: f[k] for k in ("file_name", "content_type", "size", "sha256")}
                                   for f in u["files"]]}
                        for u in self.uploads.values()],
            "idempotency_keys": sorted(self.idempotency),
        }

    # --- uploads -------------------------------------------------------------------------------

    def upload(self, request):
        filename = request.query.get("filename", "")
        if not filename:
            return json_response(400, {"error": "RecordInvalid", "description": "Record validation errors",
                                       "details": {"filename": [{"description": "cannot be blank"}]}})
        if "/" in filename or "\\" in filename:
            return json_response(400, {"error": "RecordInvalid", "description": "Record validation errors",
                                       "details": {"filename": [{"description": "is invalid: a file name, not a path"}]}})
        content_type = (request.header("Content-Type") or "").split(";")[0].strip().lower()
        if not content_type or content_type.startswith("multipart/") or \
                content_type == "application/x-www-form-urlencoded":
            return json_response(400, {"error": "RecordInvalid", "description": "Record validation errors",
                                       "details": {"content_type": [{"description": "send the raw file bytes with the file's own Content-Type, not a form"}]}})
        extension = os.path.splitext(filename)[1].lower()
        if extension in self.options.blocked_ext:
            return json_response(422, {"error": "AttachmentUnprocessable",
                                       "description": "Attachment file type %s is not allowed" % extension})
        allowed = EXTENSION_TYPES.get(extension)
        if allowed is not None and content_type not in allowed:
            return json_response(422, {"error": "AttachmentUnprocessable",
                                       "description": "Content type %s does not match %s" % (content_type, filename)})
        if request.length > self.options.max_upload:
            return text_response(413, "Request Entity Too Large")
        if request.length == 0:
            return json_response(422, {"error": "RecordInvalid", "description": "Record validation errors",
                                       "details": {"size": [{"description": "the file is empty"}]}})
        chain = request.query.get("token")
        path = self.new_file()
        size, sha256 = request.stream_to(path)
        now = time.time()
        with self.lock:
            if chain:
                upload = self.uploads.get(chain)
                if upload is None or upload["expires"] <= now or upload["consumed_by"]:
                    return json_response(404, {"error": "RecordNotFound", "description": "Not found"})
            else:
                token = secrets.token_hex(8)
                upload = {"token": token, "created": now, "expires": now + self.options.upload_ttl,
                          "files": [], "consumed_by": None}
                self.uploads[token] = upload
            self.next_attachment += 1
            attachment = {"id": self.next_attachment, "file_name": filename,
                          "content_type": content_type, "size": size, "sha256": sha256,
                          "path": path}
            upload["files"].append(attachment)
            return json_response(201, {"upload": {
                "token": upload["token"],
                "expires_at": emulator.iso(upload["expires"]),
                "attachment": self.attachment_json(attachment),
                "attachments": [self.attachment_json(a) for a in upload["files"]],
            }})

    def attachment_json(self, a):
        return {"id": a["id"], "file_name": a["file_name"],
                "content_url": "https://emulator.zendesk.test/attachments/token/%d/?name=%s" % (a["id"], a["file_name"]),
                "mapped_content_url": "https://emulator.zendesk.test/attachments/token/%d/?name=%s" % (a["id"], a["file_name"]),
                "content_type": a["content_type"], "size": a["size"], "width": None, "height": None,
                "inline": False, "deleted": False, "thumbnails": []}

    def delete_upload(self, request, token):
        with self.lock:
            if self.uploads.pop(token, None) is None:
                return json_response(404, {"error": "RecordNotFound", "description": "Not found"})
        return emulator.Response(204, b"", "text/plain")

    # --- tickets and requests ------------------------------------------------------------------

    def read_object(self, request, wrapper):
        try:
            body = request.json()
        except (ValueError, UnicodeDecodeError) as error:
            return None, None, json_response(400, {"error": "Unprocessable Entity",
                                                   "description": "Invalid JSON: %s" % error})
        if not isinstance(body, dict) or not isinstance(body.get(wrapper), dict):
            return None, None, json_response(400, {"error": "InvalidEndpoint",
                                                   "description": "Expected a %r object" % wrapper})
        return body, body[wrapper], None

    def check_comment(self, comment, now, consume=False):
        """A 422 Response for a bad comment, else None."""
        if not isinstance(comment, dict):
            return invalid(blank("description", "Description"))
        unknown = set(comment) - COMMENT_KEYS
        if unknown:
            return json_response(400, {"error": "InvalidValue",
                                       "description": "Unknown comment field(s): %s" % ", ".join(sorted(unknown))})
        text = comment.get("body") or comment.get("html_body")
        if not isinstance(text, str) or not text.strip():
            return invalid(blank("description", "Description"))
        uploads = comment.get("uploads", [])
        if not isinstance(uploads, list) or not all(isinstance(t, str) for t in uploads):
            return invalid({"uploads": [{"description": "Uploads must be a list of upload tokens"}]})
        for token in uploads:
            upload = self.uploads.get(token)
            if upload is None or upload["expires"] <= now or upload["consumed_by"]:
                return invalid({"uploads": [{"description": "Upload token %s is invalid or has expired" % token,
                                             "error": "InvalidValue"}]})
        return None

    def check_requester(self, requester, required):
        if requester is None:
            if required:
                return invalid({"requester": [{"description": "Requester: is required for anonymous requests",
                                               "error": "BlankValue"}]})
            return None
        if not isinstance(requester, dict) or set(requester) - {"name", "email", "locale_id"}:
            return invalid({"requester": [{"description": "Requester: takes name, email and locale_id"}]})
        email = requester.get("email")
        if not isinstance(email, str) or "@" not in email:
            return invalid({"requester": [{"description": "Requester: Email is invalid", "error": "InvalidValue"}]})
        if required and not (isinstance(requester.get("name"), str) and requester["name"].strip()):
            return invalid({"requester": [{"description": "Requester: Name cannot be blank", "error": "BlankValue"}]})
        return None

    def store(self, via, fields, comment, now):
        self.next_ticket += 1
        attachments = []
        for token in comment.get("uploads", []):
            upload = self.uploads[token]
            upload["consumed_by"] = self.next_ticket
            attachments.extend(upload["files"])
        ticket = {"id": self.next_ticket, "via": via, "created_at": emulator.iso(now),
                  "status": "new", "subject": fields.get("subject"),
                  "description": comment.get("body") or comment.get("html_body"),
                  "comment": {k: v for k, v in comment.items()},
                  "requester": fields.get("requester"),
                  "priority": fields.get("priority"), "type": fields.get("type"),
                  "tags": sorted({t.lower() for tag in fields.get("tags", []) for t in tag.split()}),
                  "external_id": fields.get("external_id"),
                  "attachments": attachments}
        self.tickets.append(ticket)
        return ticket

    def public_ticket(self, t, full=False):
        out = {"id": t["id"], "url": "https://emulator.zendesk.test/api/v2/tickets/%d.json" % t["id"],
               "subject": t["subject"], "description": t["description"], "status": t["status"],
               "priority": t["priority"], "type": t["type"], "tags": t["tags"],
               "external_id": t["external_id"], "created_at": t["created_at"]}
        if full:
            out["via"] = t["via"]
            out["requester"] = t["requester"]
            out["comment"] = t["comment"]
            out["attachments"] = [{k: a[k] for k in ("file_name", "content_type", "size", "sha256")}
                                  for a in t["attachments"]]
        return out

    def create_ticket(self, request):
        if self.caller(request) != "agent":
            return self.fault_response(403, {})
        key = request.header("Idempotency-Key")
        body, ticket, error = self.read_object(request, "ticket")
        if error:
            return error
        digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
        now = time.time()
        with self.lock:
            if key is not None:
                if len(key) > 255 or not key.strip():
                    return json_response(400, {"error": "InvalidValue",
                                               "description": "Idempotency-Key must be 1 to 255 characters"})
                kept = self.idempotency.get(key)
                if kept and kept["at"] + IDEMPOTENCY_TTL > now:
                    if kept["digest"] != digest:
                        return json_response(400, {"error": "IdempotentRequestError",
                                                   "description": "Request parameters don't match the given idempotency key"},
                                             [("x-idempotency-lookup", "miss")])
                    return emulator.Response(kept["status"], kept["body"], kept["content_type"],
                                             kept["headers"] + [("x-idempotency-lookup", "hit")])
            unknown = set(ticket) - TICKET_KEYS
            if unknown:
                return json_response(400, {"error": "InvalidValue",
                                           "description": "Unknown ticket field(s): %s" % ", ".join(sorted(unknown))})
            problem = self.check_comment(ticket.get("comment"), now)
            if problem:
                return problem
            if ticket.get("priority") is not None and ticket["priority"] not in PRIORITIES:
                return invalid({"priority": [{"description": "Priority: is not included in the list", "error": "InvalidValue"}]})
            if ticket.get("type") is not None and ticket["type"] not in TYPES:
                return invalid({"type": [{"description": "Type: is not included in the list", "error": "InvalidValue"}]})
            tags = ticket.get("tags", [])
            if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
                return invalid({"tags": [{"description": "Tags must be a list of strings"}]})
            if ticket.get("external_id") is not None and not isinstance(ticket["external_id"], str):
                return invalid({"external_id": [{"description": "External id must be a string"}]})
            problem = self.check_requester(ticket.get("requester"), False)
            if problem:
                return problem
            stored = self.store("tickets", ticket, ticket["comment"], now)
            answer = json_response(201, {"ticket": self.public_ticket(stored),
                                         "audit": {"id": stored["id"] * 10, "ticket_id": stored["id"],
                                                   "events": [{"type": "Comment", "body": stored["description"],
                                                               "attachments": [self.attachment_json(a) for a in stored["attachments"]]}]}},
                                   [("Location", "https://emulator.zendesk.test/api/v2/tickets/%d.json" % stored["id"])])
            if key is not None:
                self.idempotency[key] = {"digest": digest, "at": now, "status": answer.status,
                                         "body": answer.body, "content_type": answer.content_type,
                                         "headers": list(answer.headers)}
                answer.headers.append(("x-idempotency-lookup", "miss"))
            return answer

    def list_tickets(self, request):
        if self.caller(request) != "agent":
            return self.fault_response(403, {})
        external_id = request.query.get("external_id")
        with self.lock:
            found = [self.public_ticket(t) for t in self.tickets
                     if external_id is None or t["external_id"] == external_id]
        return json_response(200, {"tickets": found, "count": len(found), "next_page": None,
                                   "previous_page": None})

    def show_ticket(self, request, id):
        with self.lock:
            for t in self.tickets:
                if str(t["id"]) == id:
                    return json_response(200, {"ticket": self.public_ticket(t)})
        return self.fault_response(404, {})

    def create_request(self, request):
        who = self.caller(request)
        body, req, error = self.read_object(request, "request")
        if error:
            return error
        now = time.time()
        with self.lock:
            unknown = set(req) - REQUEST_KEYS
            if unknown:
                return json_response(400, {"error": "InvalidValue",
                                           "description": "Unknown request field(s): %s" % ", ".join(sorted(unknown))})
            if not isinstance(req.get("subject"), str) or not req["subject"].strip():
                return invalid(blank("subject", "Subject"))
            problem = self.check_comment(req.get("comment"), now)
            if problem:
                return problem
            problem = self.check_requester(req.get("requester"), who == "anonymous")
            if problem:
                return problem
            for field, allowed in (("priority", PRIORITIES), ("type", TYPES)):
                if req.get(field) is not None and req[field] not in allowed:
                    return invalid({field: [{"description": "%s: is not included in the list" % field.title()}]})
            stored = self.store("requests", req, req["comment"], now)
            return json_response(201, {"request": self.public_request(stored)})

    def public_request(self, t):
        return {"id": t["id"], "url": "https://emulator.zendesk.test/api/v2/requests/%d.json" % t["id"],
                "status": t["status"], "subject": t["subject"], "description": t["description"],
                "priority": t["priority"], "type": t["type"], "created_at": t["created_at"]}

    def search_requests(self, request):
        query = request.query.get("query", "").strip()
        if not query:
            return json_response(400, {"error": "InvalidSearchQuery", "description": "query is required"})
        words = query.lower().split()
        with self.lock:
            found = [self.public_request(t) for t in self.tickets
                     if all(w in ("%s %s" % (t["subject"], t["description"])).lower() for w in words)]
        return json_response(200, {"requests": found, "count": len(found), "next_page": None,
                                   "previous_page": None})

    def me(self, request):
        who = self.caller(request)
        if who == "anonymous":
            return json_response(200, {"user": {"id": None, "name": "Anonymous user", "email": None,
                                                "role": "end-user"}})
        return json_response(200, {"user": {"id": 1, "name": "Emulated Agent",
                                            "email": self.options.email, "role": who}})


def main():
    parser = emulator.arguments(__doc__.splitlines()[0])
    parser.add_argument("--email", help="the agent's e-mail for {email}/token Basic auth")
    parser.add_argument("--token", help="the API token")
    parser.add_argument("--bearer", help="an OAuth bearer token that is accepted too")
    parser.add_argument("--role", default="agent", choices=["agent", "end-user"],
                        help="the role of the credentials [default: agent]")
    parser.add_argument("--allow-anonymous", action="store_true",
                        help="anyone may submit requests and uploads without credentials")
    parser.add_argument("--upload-ttl", type=float, default=3600, help="upload token lifetime in seconds")
    parser.add_argument("--max-upload", type=int, default=50 * 1024 * 1024, help="per-file cap in bytes")
    parser.add_argument("--blocked-ext", action="append", default=[],
                        help="an extension the account does not allow (.exe); repeatable")
    parser.add_argument("--rate-limit", type=int, default=700, help="X-Rate-Limit [default: 700]")
    emulator.main(Zendesk, parser)


if __name__ == "__main__":
    main()
