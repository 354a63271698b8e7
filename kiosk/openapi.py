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
    "/api/v1/kiosk/turned-away": {"post": {
        "summary": "A citizen pressed a service whose quota for today is reached (kiosk device only)",
        "description": "Counted once per call for the queue figures (reason quota) or, when the blank cards are "
                       "why, as demand turned away on the stock ledger (reason stock). 409 not_turned_away when "
                       "the service still takes tickets. An issue refused with quota_reached is counted by the "
                       "issue endpoint itself: do not report it again.",
        "security": [{"bearer": []}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["service"], "properties": {"service": {"type": "string"}}}}}},
        "responses": {"200": {"description": "Counted", "content": {"application/json": {"schema": {
            "type": "object", "properties": {"counted": {"type": "boolean"},
                                             "reason": {"type": ["string", "null"]}}}}}},
            "400": {"description": "Bad body"}, "401": {"description": "No or unknown credentials"},
            "403": {"description": "Not a kiosk"}, "404": {"description": "No such service in the kiosk's office"},
            "409": {"description": "The service still takes tickets"}},
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
