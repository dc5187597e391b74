#!/usr/bin/env python3
"""A strict local Jira Service Management Cloud `servicedeskapi` emulator (reference:
composers.md §2.3).

    python3 tests/emulators/jsm.py --state DIR --email bot@example.test --token FAKE-jsm-token \\
        --account-id 5b10ac8d82e05b22cc7d4ef5

Everything is under `/rest/servicedeskapi`:
- `GET /servicedesk/{id}`, `GET /servicedesk/{id}/requesttype/{rt}/field` (the field schema:
  summary and description required, plus `--require-field` ids);
- `POST /servicedesk/{id}/attachTemporaryFile`: multipart with `X-Atlassian-Token: no-check`
  (else 403 "XSRF check failed"), parts named `file` with a file name; temporary ids expire after
  `--temp-ttl` seconds;
- `POST /request`: `requestFieldValues` validated against the schema (required fields, unknown
  fields, summary at most 255 characters), `raiseOnBehalfOf` must be a known accountId (an e-mail
  address is refused); customer-only credentials (`--role customer`) cannot create (403);
- `POST /request/{key}/attachment` with `temporaryAttachmentIds` and `public`;
  `GET /request/{key}/attachment`;
- `GET /request?searchTerm=X&serviceDeskId=..&requestOwnership=..`: requests whose summary
  contains the term;
- errors as `{"errorMessage":…,"i18nErrorMessage":{…}}` (validation adds `errors`); 429 faults carry
  `Retry-After` (when given), `X-RateLimit-Reset` and `RateLimit-Reason`.

Strict readings of unverified [U] points: an unknown or expired temporary id is a 404 naming it;
`requestOwnership` defaults to `OWNED_REQUESTS` (requests the caller reported), so a search for a
request raised on behalf of someone else needs `ALL_REQUESTS`; unknown top-level keys are a 400.
"""

import hashlib
import re
import secrets
import time

import emulator
from emulator import json_response, text_response

API = "/rest/servicedeskapi"
REQUEST_KEYS = {"serviceDeskId", "requestTypeId", "requestFieldValues", "raiseOnBehalfOf",
                "requestParticipants", "isAdfRequest", "channel", "form"}
OWNERSHIP = {"OWNED_REQUESTS", "PARTICIPATED_REQUESTS", "ORGANIZATION", "ALL_ORGANIZATIONS",
             "APPROVER", "ALL_REQUESTS"}


def error(status, message, key="sd.error", errors=None):
    body = {"errorMessage": message, "i18nErrorMessage": {"i18nKey": key, "parameters": []}}
    if errors is not None:
        body["errors"] = errors
    return json_response(status, body)


class Jsm(emulator.Emulator):
    name = "jsm-emulator"

    def __init__(self, options):
        super().__init__(options)
        self.temporary = {}
        self.requests = []
        self.next_issue = 10500
        self.customers = set(options.customer) | {options.account_id}
        self.route("GET", API + "/servicedesk/{desk}", self.desk)
        self.route("GET", API + "/servicedesk/{desk}/requesttype/{rt}/field", self.fields)
        self.route("POST", API + "/servicedesk/{desk}/attachTemporaryFile", self.attach_temporary)
        self.route("POST", API + "/request", self.create)
        self.route("GET", API + "/request", self.search)
        self.route("GET", API + "/request/{key}", self.show)
        self.route("POST", API + "/request/{key}/attachment", self.attach)
        self.route("GET", API + "/request/{key}/attachment", self.list_attachments)

    # --- vendor behaviour ----------------------------------------------------------------------

    def authenticate(self, request, route_name):
        o = self.options
        basic = request.basic_auth()
        bearer = request.bearer()
        ok = (basic is not None and basic == (o.email, o.token)) or \
             (bearer is not None and o.bearer is not None and bearer == o.bearer)
        if not ok:
            return error(401, "Client must be authenticated to access this resource.",
                         "sd.auth.required")
        return None

    def common_headers(self, request):
        return [("X-ARequestId", secrets.token_hex(8))]

    def fault_response(self, status, fault):
        headers = []
        if fault.get("retry_after") is not None:
            headers.append(("Retry-After", str(fault["retry_after"])))
        if status == 429:
            reset = time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime(time.time() + 60))
            headers += [("X-RateLimit-Reset", reset), ("X-RateLimit-Limit", "100"),
                        ("X-RateLimit-Remaining", "0"), ("RateLimit-Reason", "jira-burst-based")]
            return emulator.Response(429, b"", "text/plain", headers)
        messages = {401: "Client must be authenticated to access this resource.",
                    403: "You do not have permission to perform this operation.",
                    404: "The request was not found.",
                    413: "The attachment is too large."}
        body = error(status, messages.get(status, "Internal server error (emulated %d)" % status))
        body.headers = headers
        return body

    def not_found(self, request):
        return error(404, "No resource at %s" % request.path)

    def expire_tokens(self):
        now = time.time()
        for temp in self.temporary.values():
            temp["expires"] = min(temp["expires"], now - 1)

    def snapshot(self):
        now = time.time()
        return {
            "requests": [self.public(r, full=True) for r in self.requests],
            "temporary": [{"id": t["id"], "fileName": t["fileName"], "size": t["size"],
                           "expired": t["expires"] <= now, "used": t["used"]}
                          for t in self.temporary.values()],
        }

    # --- discovery -----------------------------------------------------------------------------

    def check_desk(self, desk):
        if desk != self.options.service_desk:
            return error(404, "The service desk with ID %s does not exist." % desk,
                         "sd.service.desk.not.found")
        return None

    def schema(self):
        fields = [
            {"fieldId": "summary", "name": "What do you need?", "description": "A short summary",
             "required": True, "validValues": [], "jiraSchema": {"type": "string", "system": "summary"}},
            {"fieldId": "description", "name": "Why do you need this?", "description": "Details",
             "required": True, "validValues": [], "jiraSchema": {"type": "string", "system": "description"}},
        ]
        for extra in self.options.require_field:
            fields.append({"fieldId": extra, "name": extra, "description": "", "required": True,
                           "validValues": [], "jiraSchema": {"type": "string"}})
        return fields

    def desk(self, request, desk):
        problem = self.check_desk(desk)
        if problem:
            return problem
        return json_response(200, {"id": desk, "projectId": "10002", "projectName": "IT Help",
                                   "projectKey": self.options.project_key,
                                   "_links": {"self": "https://emulator.atlassian.test%s/servicedesk/%s" % (API, desk)}})

    def fields(self, request, desk, rt):
        problem = self.check_desk(desk)
        if problem:
            return problem
        if rt != self.options.request_type:
            return error(404, "The request type with ID %s does not exist." % rt, "sd.request.type.not.found")
        return json_response(200, {"requestTypeFields": self.schema(),
                                   "canRaiseOnBehalfOf": self.options.role == "agent",
                                   "canAddRequestParticipants": True})

    # --- temporary files -----------------------------------------------------------------------

    def attach_temporary(self, request, desk):
        if (request.header("X-Atlassian-Token") or "").lower() != "no-check":
            return text_response(403, "XSRF check failed")
        problem = self.check_desk(desk)
        if problem:
            return problem
        try:
            parts = emulator.parse_multipart(request.header("Content-Type"), request.read())
        except ValueError as reason:
            return error(400, "The multipart body could not be read: %s" % reason)
        if not parts:
            return error(400, "No files were attached (send parts named 'file').")
        created = []
        now = time.time()
        with self.lock:
            for part in parts:
                if part["name"] != "file" or not part["filename"]:
                    return error(400, "Each part must be named 'file' and carry a filename; got %r." % part["name"])
            for part in parts:
                if len(part["data"]) > self.options.max_file:
                    return error(413, "The file %s is larger than the attachment limit." % part["filename"])
                temp_id = "temp%d" % secrets.randbelow(10 ** 18)
                self.temporary[temp_id] = {
                    "id": temp_id, "fileName": part["filename"], "size": len(part["data"]),
                    "mimeType": part["content_type"] or "application/octet-stream",
                    "sha256": hashlib.sha256(part["data"]).hexdigest(),
                    "expires": now + self.options.temp_ttl, "used": False}
                created.append({"temporaryAttachmentId": temp_id, "fileName": part["filename"]})
        return json_response(201, {"temporaryAttachments": created})

    # --- requests ------------------------------------------------------------------------------

    def public(self, r, full=False):
        out = {"issueId": r["issueId"], "issueKey": r["issueKey"],
               "requestTypeId": self.options.request_type, "serviceDeskId": self.options.service_desk,
               "createdDate": {"iso8601": emulator.iso(r["created"]), "epochMillis": int(r["created"] * 1000)},
               "reporter": {"accountId": r["reporter"], "displayName": "Reporter"},
               "requestFieldValues": [{"fieldId": k, "label": k.title(), "value": v}
                                      for k, v in r["fields"].items()],
               "currentStatus": {"status": "Waiting for support", "statusCategory": "NEW"},
               "_links": {"web": "https://emulator.atlassian.test/servicedesk/customer/portal/%s/%s"
                                 % (self.options.service_desk, r["issueKey"]),
                          "self": "https://emulator.atlassian.test%s/request/%s" % (API, r["issueId"])}}
        if full:
            out["raisedBy"] = r["creator"]
            out["attachments"] = [{k: a[k] for k in ("fileName", "size", "mimeType", "sha256", "public")}
                                  for a in r["attachments"]]
            out["comments"] = r["comments"]
        return out

    def create(self, request):
        if (request.header("Content-Type") or "").split(";")[0].strip().lower() != "application/json":
            return error(415, "Content-Type must be application/json.")
        try:
            body = request.json()
        except (ValueError, UnicodeDecodeError) as reason:
            return error(400, "The body is not valid JSON: %s" % reason)
        if not isinstance(body, dict):
            return error(400, "The body must be a JSON object.")
        if self.options.role != "agent":
            return error(403, "You do not have permission to create requests in this service desk.",
                         "sd.request.create.no.permission")
        unknown = set(body) - REQUEST_KEYS
        if unknown:
            return error(400, "Unrecognized field(s): %s." % ", ".join(sorted(unknown)))
        desk = body.get("serviceDeskId")
        if str(desk) != self.options.service_desk:
            return error(404, "The service desk with ID %s does not exist." % desk, "sd.service.desk.not.found")
        if str(body.get("requestTypeId")) != self.options.request_type:
            return error(400, "The request type with ID %s does not exist." % body.get("requestTypeId"))
        values = body.get("requestFieldValues")
        if not isinstance(values, dict):
            return error(400, "requestFieldValues must be an object.")
        schema = {f["fieldId"]: f for f in self.schema()}
        errors = []
        for field_id in values:
            if field_id not in schema:
                errors.append({"fieldId": field_id, "errorMessage": "Field '%s' is not on this request type." % field_id})
        for field_id, field in schema.items():
            value = values.get(field_id)
            if field["required"] and (not isinstance(value, str) or not value.strip()):
                errors.append({"fieldId": field_id, "errorMessage": "%s is required." % field["name"]})
        summary = values.get("summary")
        if isinstance(summary, str) and (len(summary) > 255 or "\n" in summary):
            errors.append({"fieldId": "summary", "errorMessage": "Summary must be one line of at most 255 characters."})
        if errors:
            return error(400, "Your request could not be created. Please check the fields have been correctly filled in.",
                         "sd.request.create.error", errors)
        creator = self.options.account_id
        reporter = creator
        on_behalf = body.get("raiseOnBehalfOf")
        if on_behalf is not None:
            if not isinstance(on_behalf, str) or "@" in on_behalf or on_behalf not in self.customers:
                return error(400, "The user '%s' does not exist; raiseOnBehalfOf takes an Atlassian accountId." % on_behalf,
                             "sd.request.create.raise.on.behalf.error")
            reporter = on_behalf
        if body.get("isAdfRequest") not in (None, False):
            return error(400, "Only plain-text field values are accepted by this emulator (isAdfRequest false).")
        now = time.time()
        with self.lock:
            self.next_issue += 1
            number = self.next_issue - 10500
            record = {"issueId": str(self.next_issue),
                      "issueKey": "%s-%d" % (self.options.project_key, number),
                      "created": now, "creator": creator, "reporter": reporter,
                      "fields": {k: v for k, v in values.items()},
                      "attachments": [], "comments": []}
            self.requests.append(record)
            return json_response(201, self.public(record))

    def find(self, key):
        for r in self.requests:
            if key in (r["issueKey"], r["issueId"]):
                return r
        return None

    def show(self, request, key):
        with self.lock:
            r = self.find(key)
            if r is None:
                return error(404, "The request was not found.", "sd.request.not.found")
            return json_response(200, self.public(r))

    def search(self, request):
        term = request.query.get("searchTerm", "").strip().lower()
        desk = request.query.get("serviceDeskId")
        ownership = request.query.get("requestOwnership", "OWNED_REQUESTS")
        if ownership not in OWNERSHIP:
            return error(400, "requestOwnership must be one of %s." % ", ".join(sorted(OWNERSHIP)))
        if desk is not None and desk != self.options.service_desk:
            return json_response(200, {"size": 0, "start": 0, "limit": 50, "isLastPage": True, "values": []})
        with self.lock:
            found = [self.public(r) for r in self.requests
                     if term in str(r["fields"].get("summary", "")).lower()
                     and (ownership == "ALL_REQUESTS" or r["reporter"] == self.options.account_id)]
        return json_response(200, {"size": len(found), "start": 0, "limit": 50,
                                   "isLastPage": True, "values": found})

    def attach(self, request, key):
        try:
            body = request.json()
        except (ValueError, UnicodeDecodeError) as reason:
            return error(400, "The body is not valid JSON: %s" % reason)
        if not isinstance(body, dict) or set(body) - {"temporaryAttachmentIds", "public", "additionalComment"}:
            return error(400, "Expected temporaryAttachmentIds, public and additionalComment.")
        ids = body.get("temporaryAttachmentIds")
        if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
            return error(400, "temporaryAttachmentIds must be a non-empty list of ids.")
        public = body.get("public")
        if not isinstance(public, bool):
            return error(400, "public must be true or false.")
        if self.options.role == "customer" and not public:
            return error(400, "Customers can only add public attachments.")
        comment = body.get("additionalComment")
        if comment is not None and not (isinstance(comment, dict) and isinstance(comment.get("body"), str)):
            return error(400, "additionalComment must be {\"body\": \"...\"}.")
        now = time.time()
        with self.lock:
            r = self.find(key)
            if r is None:
                return error(404, "The request was not found.", "sd.request.not.found")
            for temp_id in ids:
                temp = self.temporary.get(temp_id)
                if temp is None or temp["expires"] <= now or temp["used"]:
                    return error(404, "The temporary attachment %s was not found; it may have expired. Upload the file again." % temp_id,
                                 "sd.attachment.temporary.not.found")
            added = []
            for temp_id in ids:
                temp = self.temporary[temp_id]
                temp["used"] = True
                attachment = {"fileName": temp["fileName"], "size": temp["size"],
                              "mimeType": temp["mimeType"], "sha256": temp["sha256"], "public": public}
                r["attachments"].append(attachment)
                added.append(attachment)
            if comment is not None:
                r["comments"].append({"body": comment["body"], "public": public})
            return json_response(201, {
                "comment": {"body": comment["body"] if comment else "", "public": public},
                "attachments": {"size": len(added), "start": 0, "limit": len(added), "isLastPage": True,
                                "values": [self.attachment_json(a) for a in added]}})

    def attachment_json(self, a):
        return {"filename": a["fileName"], "size": a["size"], "mimeType": a["mimeType"],
                "author": {"accountId": self.options.account_id}, "_links": {}}

    def list_attachments(self, request, key):
        with self.lock:
            r = self.find(key)
            if r is None:
                return error(404, "The request was not found.", "sd.request.not.found")
            values = [self.attachment_json(a) for a in r["attachments"]]
        return json_response(200, {"size": len(values), "start": 0, "limit": 100,
                                   "isLastPage": True, "values": values})


def main():
    parser = emulator.arguments(__doc__.splitlines()[0])
    parser.add_argument("--email", required=True, help="the account e-mail for Basic auth")
    parser.add_argument("--token", required=True, help="the API token")
    parser.add_argument("--bearer", help="an OAuth bearer token that is accepted too")
    parser.add_argument("--account-id", required=True, help="the caller's Atlassian accountId")
    parser.add_argument("--customer", action="append", default=[],
                        help="a customer accountId requests may be raised on behalf of; repeatable")
    parser.add_argument("--role", default="agent", choices=["agent", "customer"])
    parser.add_argument("--service-desk", default="5")
    parser.add_argument("--request-type", default="20")
    parser.add_argument("--project-key", default="SD")
    parser.add_argument("--require-field", action="append", default=[],
                        help="another required field id on the request type; repeatable")
    parser.add_argument("--temp-ttl", type=float, default=3600, help="temporary id lifetime, seconds")
    parser.add_argument("--max-file", type=int, default=1 << 30, help="per-file cap [default: 1 GiB]")
    emulator.main(Jsm, parser)


if __name__ == "__main__":
    main()
