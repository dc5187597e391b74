#!/usr/bin/env python3
"""A strict local Freshdesk API v2 emulator (reference: composers.md §2.2).

    python3 tests/emulators/freshdesk.py --state DIR --api-key FAKE-fd-key

Implements: `POST /api/v2/tickets` as multipart/form-data (or JSON without attachments; anything
else is 415): `name[]` arrays, `custom_fields[key]`, attachment parts that must carry a file name
and a content type, the requester rule (one of requester_id, email, phone, twitter_id,
facebook_id, unique_external_id), status/priority/source enums, the account's ticket `type` list
(`--types`), 20 MB of attachments per ticket (`--max-attachments`), the error envelope
`{"description":"Validation failed","errors":[{field,message,code}]}`; `GET /api/v2/tickets/{id}`;
`GET /api/v2/search/tickets?query="tag:'X'"` (the query in double quotes, as the real filter API
wants); `GET /api/v2/agents/me`, `GET /api/v2/ticket_fields`; rate headers and `X-Request-Id` on
every answer; Basic auth `{api_key}:X`.

Strict readings of unverified [U] points: `subject`, `description`, `status` and `priority` are
required; an unknown field is `invalid_field`; attachments over the cap are a 400 on
`attachments` with code `invalid_value`; the password must be `X`.
"""

import hashlib
import re
import time
import uuid

import emulator
from emulator import json_response

STATUSES = [2, 3, 4, 5, 6, 7]
PRIORITIES = [1, 2, 3, 4]
SOURCES = [1, 2, 3, 7, 9, 10]
INTEGER_FIELDS = {"status", "priority", "source", "requester_id", "responder_id", "group_id",
                  "product_id", "company_id", "email_config_id"}
STRING_FIELDS = {"name", "email", "phone", "twitter_id", "facebook_id", "unique_external_id",
                 "subject", "description", "type", "due_by", "fr_due_by"}
ARRAY_FIELDS = {"tags", "cc_emails", "attachments"}
REQUESTER_FIELDS = ["requester_id", "phone", "email", "twitter_id", "facebook_id",
                    "unique_external_id"]


def failed(*errors):
    return json_response(400, {"description": "Validation failed",
                               "errors": [{"field": f, "message": m, "code": c} for f, m, c in errors]})


class Freshdesk(emulator.Emulator):
    name = "freshdesk-emulator"

    def __init__(self, options):
        super().__init__(options)
        self.tickets = []
        self.next_ticket = 1000
        self.next_attachment = 5000
        self.rate_remaining = options.rate_limit
        self.types = [t.strip() for t in options.types.split(",") if t.strip()]
        self.route("POST", "/api/v2/tickets", self.create_ticket)
        self.route("GET", "/api/v2/tickets/{id}", self.show_ticket)
        self.route("GET", "/api/v2/search/tickets", self.search)
        self.route("GET", "/api/v2/agents/me", self.me)
        self.route("GET", "/api/v2/ticket_fields", self.ticket_fields)

    def authenticate(self, request, route_name):
        basic = request.basic_auth()
        if basic is None or basic[0] != self.options.api_key or basic[1] != "X":
            return json_response(401, {"code": "invalid_credentials",
                                       "message": "You have to be logged in to perform this action."})
        return None

    def common_headers(self, request):
        with self.lock:
            self.rate_remaining = max(0, self.rate_remaining - 1)
            remaining = self.rate_remaining
        return [("X-RateLimit-Total", str(self.options.rate_limit)),
                ("X-RateLimit-Remaining", str(remaining)),
                ("X-RateLimit-Used-CurrentRequest", "1"),
                ("X-Request-Id", str(uuid.uuid4())),
                ("X-Freshdesk-API-Version", "latest=v2; requested=v2")]

    def fault_response(self, status, fault):
        headers = []
        if fault.get("retry_after") is not None:
            headers.append(("Retry-After", str(fault["retry_after"])))
        bodies = {
            401: {"code": "invalid_credentials", "message": "You have to be logged in to perform this action."},
            403: {"code": "access_denied", "message": "You are not authorized to perform this action."},
            404: {"code": "not_found", "message": "The requested resource could not be found."},
            413: {"code": "request_too_large", "message": "The request is too large."},
            429: {"code": "rate_limit_exceeded", "message": "You have exceeded the limit of requests per minute."},
        }
        body = bodies.get(status, {"code": "internal_error",
                                   "message": "We're sorry, but something went wrong (emulated %d)." % status})
        return json_response(status, body, headers)

    def not_found(self, request):
        return json_response(404, {"code": "not_found", "message": "The requested resource could not be found."})

    def snapshot(self):
        return {"tickets": [self.public(t, full=True) for t in self.tickets]}

    # --- tickets -------------------------------------------------------------------------------

    def parse_form(self, request):
        """(fields, attachments, error Response)."""
        content_type = request.header("Content-Type") or ""
        kind = content_type.split(";")[0].strip().lower()
        fields = {"tags": [], "cc_emails": [], "custom_fields": {}}
        attachments = []
        if kind == "application/json":
            try:
                body = request.json()
            except (ValueError, UnicodeDecodeError):
                return None, None, failed(("", "Request body has invalid json format", "invalid_json"))
            if not isinstance(body, dict):
                return None, None, failed(("", "Request body has invalid json format", "invalid_json"))
            if "attachments" in body:
                return None, None, failed(("attachments", "It should contain elements of type valid file format only", "datatype_mismatch"))
            for key, value in body.items():
                fields[key] = value
            return fields, attachments, None
        if kind != "multipart/form-data":
            return None, None, json_response(415, {"code": "invalid_content_type",
                                                   "message": "Content-Type header should have application/json or multipart/form-data"})
        try:
            parts = emulator.parse_multipart(content_type, request.read())
        except ValueError as error:
            # Malformed multipart has produced 500s on the real service; say why here.
            return None, None, json_response(500, {"code": "internal_error",
                                                   "message": "We're sorry, but something went wrong. (malformed multipart: %s)" % error})
        errors = []
        for part in parts:
            name = part["name"]
            array = re.fullmatch(r"(\w+)\[\]", name)
            nested = re.fullmatch(r"custom_fields\[(\w+)\]", name)
            if array and array.group(1) == "attachments":
                if not part["filename"] or not part["content_type"]:
                    errors.append(("attachments", "It should contain elements of type valid file format only", "datatype_mismatch"))
                    continue
                attachments.append(part)
            elif part["filename"] is not None:
                errors.append((name, "Unexpected/invalid field in request", "invalid_field"))
            elif array and array.group(1) in ARRAY_FIELDS:
                fields[array.group(1)].append(part["data"].decode("utf-8", "replace"))
            elif nested:
                fields["custom_fields"][nested.group(1)] = part["data"].decode("utf-8", "replace")
            elif name in INTEGER_FIELDS | STRING_FIELDS:
                fields[name] = part["data"].decode("utf-8", "replace")
            elif name in ARRAY_FIELDS:
                errors.append((name, "It should be a/an Array (send %s[] parts)" % name, "datatype_mismatch"))
            else:
                errors.append((name, "Unexpected/invalid field in request", "invalid_field"))
        for name in INTEGER_FIELDS:
            if isinstance(fields.get(name), str):
                if re.fullmatch(r"[0-9]+", fields[name]):
                    fields[name] = int(fields[name])
                else:
                    errors.append((name, "Value set is of type String.It should be a/an Integer", "datatype_mismatch"))
                    del fields[name]
        if errors:
            return None, None, failed(*errors)
        return fields, attachments, None

    def create_ticket(self, request):
        fields, attachments, error = self.parse_form(request)
        if error:
            return error
        errors = []
        known = INTEGER_FIELDS | STRING_FIELDS | ARRAY_FIELDS | {"custom_fields"}
        for name in fields:
            if name not in known:
                errors.append((name, "Unexpected/invalid field in request", "invalid_field"))
        if not any(fields.get(f) for f in REQUESTER_FIELDS):
            errors.append(("requester_id", "Please fill at least 1 of requester_id, phone, email, twitter_id, facebook_id fields", "missing_field"))
        email = fields.get("email")
        if email is not None and not (isinstance(email, str) and re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email)):
            errors.append(("email", "It should be in the 'valid email address' format", "invalid_value"))
        for name in ("subject", "description"):
            if not isinstance(fields.get(name), str) or not fields[name].strip():
                errors.append((name, "It should be a/an String", "missing_field"))
        for name, allowed in (("status", STATUSES), ("priority", PRIORITIES), ("source", SOURCES)):
            value = fields.get(name)
            if value is None and name != "source":
                errors.append((name, "It should be one of these values: '%s'" % ",".join(map(str, allowed)), "missing_field"))
            elif value is not None and value not in allowed:
                errors.append((name, "It should be one of these values: '%s'" % ",".join(map(str, allowed)), "invalid_value"))
        if fields.get("type") is not None and fields["type"] not in self.types:
            errors.append(("type", "It should be one of these values: '%s'" % ",".join(self.types), "invalid_value"))
        for name in ("tags", "cc_emails"):
            value = fields.get(name, [])
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                errors.append((name, "It should be a/an Array", "datatype_mismatch"))
            elif name == "tags" and any(len(v) > 32 or "," in v for v in value):
                errors.append(("tags", "Has 32 characters at most and no commas in each tag", "invalid_value"))
        total = sum(len(p["data"]) for p in attachments)
        if total > self.options.max_attachments:
            errors.append(("attachments", "The cumulative size of all attachments must not exceed %d bytes (%d sent)" % (self.options.max_attachments, total), "invalid_value"))
        if errors:
            return failed(*errors)
        now = time.time()
        with self.lock:
            self.next_ticket += 1
            stored_attachments = []
            for part in attachments:
                self.next_attachment += 1
                stored_attachments.append({
                    "id": self.next_attachment, "name": part["filename"],
                    "content_type": part["content_type"], "size": len(part["data"]),
                    "sha256": hashlib.sha256(part["data"]).hexdigest()})
            description = fields["description"]
            ticket = {"id": self.next_ticket, "created_at": emulator.iso(now), "updated_at": emulator.iso(now),
                      "subject": fields["subject"], "description": description,
                      "description_text": re.sub(r"<[^>]+>", "", description),
                      "email": fields.get("email"), "name": fields.get("name"),
                      "status": fields["status"], "priority": fields["priority"],
                      "source": fields.get("source", 2), "type": fields.get("type"),
                      "tags": fields.get("tags", []), "cc_emails": fields.get("cc_emails", []),
                      "custom_fields": fields.get("custom_fields", {}),
                      "attachments": stored_attachments}
            self.tickets.append(ticket)
            return json_response(201, self.public(ticket),
                                 [("Location", "https://emulator.freshdesk.test/api/v2/tickets/%d" % ticket["id"])])

    def public(self, t, full=False):
        out = {k: t[k] for k in ("id", "subject", "description", "description_text", "status",
                                 "priority", "source", "type", "tags", "cc_emails",
                                 "custom_fields", "created_at", "updated_at")}
        out["requester_id"] = 9000 + t["id"]
        out["attachments"] = [{"id": a["id"], "name": a["name"], "content_type": a["content_type"],
                               "size": a["size"],
                               "attachment_url": "https://emulator.freshdesk.test/attachments/%d" % a["id"],
                               "created_at": t["created_at"], "updated_at": t["updated_at"]}
                              for a in t["attachments"]]
        if full:
            out["email"] = t["email"]
            out["name"] = t["name"]
            for stored, shown in zip(t["attachments"], out["attachments"]):
                shown["sha256"] = stored["sha256"]
        return out

    def show_ticket(self, request, id):
        with self.lock:
            for t in self.tickets:
                if str(t["id"]) == id:
                    return json_response(200, self.public(t))
        return self.not_found(request)

    def search(self, request):
        query = request.query.get("query", "")
        bad = failed(("query", "It should be in the 'valid query' format (wrap the query in double quotes)", "invalid_value"))
        if len(query) < 2 or not (query.startswith('"') and query.endswith('"')) or len(query) > 512:
            return bad
        inner = query[1:-1].strip()
        tokens = re.findall(r"\(|\)|AND|OR|\w+:(?:'[^']*'|\d+|null)|\S+", inner)
        terms = []
        joins = []
        for token in tokens:
            if token in ("AND", "OR"):
                joins.append(token)
                continue
            m = re.fullmatch(r"(\w+):(?:'([^']*)'|(\d+)|null)", token)
            if not m or m.group(1) not in ("tag", "status", "priority", "type"):
                return bad
            terms.append((m.group(1), m.group(2) if m.group(2) is not None else m.group(3)))
        if not terms or len(joins) != len(terms) - 1 or len(set(joins)) > 1:
            return bad

        def hit(ticket, term):
            field, value = term
            if field == "tag":
                return any(tag.lower() == (value or "").lower() for tag in ticket["tags"])
            return str(ticket.get(field)) == str(value)

        combine = any if joins and joins[0] == "OR" else all
        with self.lock:
            found = [self.public(t) for t in self.tickets if combine(hit(t, term) for term in terms)]
        return json_response(200, {"results": found, "total": len(found)})

    def me(self, request):
        return json_response(200, {"id": 77, "type": "support_agent", "available": True,
                                   "contact": {"name": "Emulated Agent", "email": "agent@example.test"}})

    def ticket_fields(self, request):
        return json_response(200, [
            {"id": 1, "name": "requester", "label": "Search a requester", "type": "default_requester", "required_for_agents": True},
            {"id": 2, "name": "subject", "label": "Subject", "type": "default_subject", "required_for_agents": True},
            {"id": 3, "name": "ticket_type", "label": "Type", "type": "default_ticket_type", "choices": self.types},
            {"id": 4, "name": "priority", "label": "Priority", "type": "default_priority",
             "choices": {"Low": 1, "Medium": 2, "High": 3, "Urgent": 4}},
        ])


def main():
    parser = emulator.arguments(__doc__.splitlines()[0])
    parser.add_argument("--api-key", required=True, help="the API key (Basic user; password X)")
    parser.add_argument("--types", default="Question,Incident,Problem,Feature Request,Refund",
                        help="the account's ticket types, comma-separated")
    parser.add_argument("--max-attachments", type=int, default=20 * 1024 * 1024,
                        help="total attachment bytes per ticket [default: 20 MiB]")
    parser.add_argument("--rate-limit", type=int, default=400, help="X-RateLimit-Total [default: 400]")
    emulator.main(Freshdesk, parser)


if __name__ == "__main__":
    main()
