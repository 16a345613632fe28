"""Schemathesis hooks for tests/sdk/schemathesis/run.sh (loaded through SCHEMATHESIS_HOOKS).

* Keeps the run's own API token alive: a DELETE /api/v1/api-tokens/{apiTokenId} aimed at it (its
  id is easy to find in GET /api/v1/api-tokens) goes to the spare token instead. DELETE
  /api/v1/api-tokens/current is sent with the spare token by schemathesis.toml.
* Keeps the run's admin an administrator: a call that would unassign its roles, deactivate,
  suspend or delete it (the fuzzer can first make another super admin, after which the server
  allows it) goes to a user id that names nobody instead.
* Drops two kinds of check failures after writing them to $LATCHKEY_ST_FINDINGS (JSON lines),
  so that neither fails the run nor makes Hypothesis shrink:
    - response-schema differences (`response_schema_conformance`): report.py lists them;
    - 501 E0000060 from a change to the built-in Everyone group (deliberate: README, "Groups").
  Every other server error stays a failure, and is written to the same file for report.py.
* Sends the certificate bodies of POST .../credentials/csrs/{csrId}/lifecycle/publish (media
  types schemathesis has no serializer for) as the bytes generated.
"""

from __future__ import annotations

import json
import os
import threading

import schemathesis

TOKEN_ID = os.environ.get("LATCHKEY_ST_TOKEN_ID", "")
ADMIN_ID = os.environ.get("LATCHKEY_ST_ADMIN_ID", "")
ADMIN_NAMES = {n.lower() for n in (ADMIN_ID, "me", "admin@latchkey.local", "admin") if n}
NOBODY = "00uXXXXXXXXXXXXXXXXX"
SPARE_TOKEN_ID = os.environ.get("LATCHKEY_ST_SPARE_TOKEN_ID", "")
FINDINGS = os.environ.get("LATCHKEY_ST_FINDINGS", "")
BODY_LIMIT = 1_000_000

_lock = threading.Lock()


def _demotes_the_admin(case) -> bool:
    path, method = case.operation.path, case.method.upper()
    if not path.startswith("/api/v1/users/{") or method == "GET":
        return False
    return (
        "/roles/" in path and method == "DELETE"
        or path.endswith("/lifecycle/deactivate")
        or path.endswith("/lifecycle/suspend")
        or (path.count("/") == 4 and method == "DELETE")
    )


@schemathesis.hook
def before_call(context, case, kwargs):
    params = case.path_parameters or {}
    if _demotes_the_admin(case):
        for name, value in params.items():
            if name in ("userId", "id", "idOrLogin") and str(value).lower() in ADMIN_NAMES:
                case.path_parameters = {**params, name: NOBODY}
        return
    if case.operation.path != "/api/v1/api-tokens/{apiTokenId}" or case.method.upper() != "DELETE":
        return
    if TOKEN_ID and str(params.get("apiTokenId")) in (TOKEN_ID, "current"):
        case.path_parameters = {**params, "apiTokenId": SPARE_TOKEN_ID or "00TXXXXXXXXXXXXXXXXX"}


@schemathesis.serializer("application/x-x509-ca-cert", "application/pkix-cert", "application/x-pem-file")
def _certificate(ctx, value):
    if value is None:
        return None
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    return str(value).encode("utf-8", "surrogatepass")


def _text(data) -> str:
    if data is None:
        return ""
    if isinstance(data, bytes):
        data = data.decode("utf-8", "replace")
    return data if len(data) <= BODY_LIMIT else data[:BODY_LIMIT] + "...[truncated]"


def _json_body(response):
    try:
        return json.loads(response.content)
    except (ValueError, TypeError):
        return None


def _record(kind: str, failure, case, response) -> None:
    if not FINDINGS:
        return
    request = response.request
    entry = {
        "kind": kind,
        "operation": case.operation.label,
        "status": response.status_code,
        "code": getattr(failure, "code", ""),
        "title": getattr(failure, "title", ""),
        "message": getattr(failure, "_raw_message", None) or _text(getattr(failure, "message", "")),
        "schema_path": [str(p) for p in (getattr(failure, "schema_path", None) or [])],
        "instance_path": [str(p) for p in (getattr(failure, "instance_path", None) or [])],
        "request": {
            "method": request.method,
            "url": request.url,
            "content_type": request.headers.get("Content-Type", ""),
            "body": _text(request.body),
        },
        "response": {
            "content_type": response.headers.get("content-type", [""])[0]
            if isinstance(response.headers.get("content-type"), list)
            else response.headers.get("content-type", ""),
            "body": _text(response.content),
        },
    }
    line = json.dumps(entry, default=str)
    with _lock, open(FINDINGS, "a", encoding="utf-8") as f:
        f.write(line + "\n")


def _is_everyone_501(case, response) -> bool:
    if response.status_code != 501 or not case.operation.path.startswith("/api/v1/groups/{groupId}"):
        return False
    body = _json_body(response)
    return isinstance(body, dict) and body.get("errorCode") == "E0000060"


@schemathesis.hook
def filter_failure(context, failure, case, response):
    checks = getattr(failure, "checks", ()) or ()
    if "not_a_server_error" in checks or getattr(failure, "code", "") == "ST101":
        if _is_everyone_501(case, response):
            _record("expected_501", failure, case, response)
            return False
        _record("server_error", failure, case, response)
        return True
    if "response_schema_conformance" in checks:
        _record("schema", failure, case, response)
        return False
    return True
