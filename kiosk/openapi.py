"""The kiosk's endpoints in the one OpenAPI document: its state, and the core's issue endpoint as a kiosk sees it
(same path, more answers)."""
from __future__ import annotations

import copy

from queue_service.web.openapi import CORE_PATHS, errors

OPENAPI = {
    "/api/v1/kiosk/state": {"get": {
        "summary": "Kiosk buttons: each service's waiting count, quota left and state (kiosk device only)",
        "security": [{"bearer": []}],
        "responses": {"200": {"description": "Service states", "content": {"application/json": {"schema": {
            "$ref": "#/components/schemas/KioskState"}}}},
            "401": {"description": "No or unknown credentials"}, "403": {"description": "Not a kiosk"}},
    }},
}

SCHEMAS = {
    "KioskState": {"type": "object", "properties": {
        "office": {"type": "string"}, "open": {"type": "boolean"},
        "reason": {"type": "string", "enum": ["open", "before_opening", "after_closing", "closed_day"]},
        "services": {"type": "array", "items": {"type": "object", "properties": {
            "code": {"type": "string"}, "prefix": {"type": "string"}, "name": {"type": "object"},
            "waiting": {"type": "integer"}, "quota": {"type": ["integer", "null"]},
            "left": {"type": ["integer", "null"]},
            "state": {"type": "string", "enum": ["open", "closed", "quota", "office_closed"]},
            "fallback": {"type": ["object", "null"]}}}}}},
}


def _issue_doc() -> dict:
    """The core issue endpoint as kiosks see it (same path; more answers)."""
    path = "/api/v1/offices/{office_code}/tickets"
    doc = copy.deepcopy(CORE_PATHS[path])
    op = doc["post"]
    op["description"] = (
        "From a kiosk device (bearer token or the paired kiosk's cookie + X-CSRFToken): the same press "
        "(service and priority) within KIOSK_DOUBLE_PRESS_SECONDS returns the ticket already issued (200, "
        "duplicate=true); more than KIOSK_TICKETS_PER_MINUTE tickets a minute gives 429; outside the office's "
        "opening hours 409 service_unavailable (details.reason=office_closed). Kiosk answers add print_job "
        "{id, status}, estimate {minutes, p10, p90} or null, qr (URL of the QR image) and duplicate; a "
        "duplicate also carries message (what the kiosk screen says, in the kiosk's language: nothing new was "
        "printed).")
    op["responses"]["200"] = {"description": "Kiosk double press: the ticket issued moments ago",
                              "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Ticket"}}}}
    op["responses"]["429"] = errors(400)["400"] | {"description": "Kiosk throttled (too many tickets a minute)"}
    return {path: doc}


def fragment() -> tuple[dict, dict]:
    """(paths, component schemas)."""
    return {**OPENAPI, **_issue_doc()}, SCHEMAS
