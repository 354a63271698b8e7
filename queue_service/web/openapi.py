"""The OpenAPI 3 document served at ``/api/v1/openapi.json``.

Core paths are described here; feature packages add theirs with ``hooks.register_openapi`` from
their ``init_app`` so that one document covers every endpoint.
"""
from __future__ import annotations

from flask import Flask

import queue_service
from queue_service import hooks
from queue_service.domain.priority import PRIORITY_GROUPS

ERROR = {"$ref": "#/components/schemas/Error"}


def _resp(description: str, schema: dict | None = None) -> dict:
    out = {"description": description}
    if schema is not None:
        out["content"] = {"application/json": {"schema": schema}}
    return out


def errors(*codes: int) -> dict:
    texts = {400: "Bad input", 401: "No or unknown credentials", 403: "Not allowed for this office or role",
             404: "Not found", 409: "Not possible in the current state", 413: "Body too large",
             415: "Body is not JSON"}
    return {str(c): _resp(texts[c], ERROR) for c in codes}


def office_param() -> dict:
    return {"name": "office_code", "in": "path", "required": True,
            "schema": {"type": "string", "maxLength": 16}}


def id_param(name: str) -> dict:
    return {"name": name, "in": "path", "required": True,
            "schema": {"type": "integer", "minimum": 0, "maximum": 2147483647}}


TICKET = {"$ref": "#/components/schemas/Ticket"}
SECURED = [{"bearer": []}, {"session": []}]


def _ticket_command(summary: str, body: dict | None = None) -> dict:
    op = {"summary": summary, "security": SECURED, "parameters": [id_param("ticket_id")],
          "responses": {"200": _resp("The ticket after the command", TICKET),
                        **errors(400, 401, 403, 404, 409)}}
    if body:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    return {"post": op}


CORE_PATHS = {
    "/api/v1/offices/{office_code}/tickets": {"post": {
        "summary": "Issue a ticket (kiosk token or staff)", "security": SECURED,
        "parameters": [office_param()],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["service"], "additionalProperties": True,
            "properties": {
                "service": {"type": "string", "maxLength": 32},
                "priority": {"type": ["string", "null"], "enum": [None, *PRIORITY_GROUPS]},
            }}}}},
        "responses": {"201": _resp("The new ticket", {"allOf": [TICKET, {"type": "object", "properties": {
            "token": {"type": "string"}}}]}), **errors(400, 401, 403, 404, 409, 413, 415)},
    }},
    "/api/v1/tickets/{token}": {"get": {
        "summary": "Public status of a ticket by its opaque token",
        "parameters": [{"name": "token", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": _resp("The ticket", TICKET), **errors(404)},
    }},
    "/api/v1/counters/{counter_id}/call-next": {"post": {
        "summary": "Call the next waiting ticket for a counter", "security": SECURED,
        "description": (
            "The counter's current ticket is dealt with first. Being served: it is finished (as /finish would, "
            "with the default figures). Called but never started: the citizen was not served, so the call is "
            "refused with 409 previous_not_started (details: ticket, ticket_id) unless previous is "
            "\"no_show\": then it is marked absent with the no-show rule (requeued once, then no_show) and "
            "is not the ticket called next. previous_id, if given, must be the counter's current ticket "
            "(else 409 conflict, nothing done)."),
        "parameters": [id_param("counter_id")],
        "requestBody": {"required": False, "content": {"application/json": {"schema": {
            "type": "object", "properties": {
                "previous": {"type": ["string", "null"], "enum": ["no_show", "finish", None]},
                "previous_id": {"type": ["integer", "null"], "minimum": 1, "maximum": 2147483647}}}}}},
        "responses": {"200": _resp("The called ticket", TICKET), "204": {"description": "Nobody is waiting"},
                      **errors(400, 401, 403, 404, 409, 415)},
    }},
    "/api/v1/tickets/{ticket_id}/recall": _ticket_command("Announce the called ticket again"),
    "/api/v1/tickets/{ticket_id}/start": _ticket_command("Start serving the called ticket"),
    "/api/v1/tickets/{ticket_id}/finish": {"post": {
        **_ticket_command("Finish the ticket")["post"],
        "requestBody": {"required": False, "content": {"application/json": {"schema": {
            "type": "object", "properties": {
                "cards": {"type": "integer", "minimum": 0, "maximum": 50},
                "spoiled": {"type": "integer", "minimum": 0, "maximum": 50},
                "spoiled_reason": {"type": "string", "maxLength": 200}}}}}},
    }},
    "/api/v1/tickets/{ticket_id}/no-show": _ticket_command("Mark the called ticket as not present"),
    "/api/v1/tickets/{ticket_id}/cancel": _ticket_command("Cancel the ticket"),
    "/api/v1/tickets/{ticket_id}/transfer": _ticket_command(
        "Transfer the ticket to another service (it keeps its code)",
        {"type": "object", "required": ["service"], "properties": {"service": {"type": "string", "maxLength": 32}}}),
    "/api/v1/offices/{office_code}/queue": {"get": {
        "summary": "Waiting counts per service and the current call of every counter",
        "security": SECURED, "parameters": [office_param()],
        "responses": {"200": _resp("The queue", {"type": "object"}), **errors(401, 403, 404)},
    }},
}

COMPONENTS = {
    "securitySchemes": {
        "bearer": {"type": "http", "scheme": "bearer",
                   "description": "Kiosk/display device token or a staff API token"},
        "session": {"type": "apiKey", "in": "cookie", "name": "session",
                    "description": "Staff browser session (needs the X-CSRFToken header on POST)"},
    },
    "schemas": {
        "Error": {"type": "object", "required": ["error", "message"],
                  "properties": {"error": {"type": "string"}, "message": {"type": "string"}}},
        "Ticket": {"type": "object", "required": ["id", "code", "service", "status"], "properties": {
            "id": {"type": "integer"}, "code": {"type": "string", "example": "B-012"},
            "service": {"type": "string"}, "status": {"type": "string", "enum": [
                "waiting", "called", "serving", "done", "no_show", "cancelled", "expired"]},
            "position": {"type": ["integer", "null"]}, "status_url": {"type": "string"},
            "issued_at": {"type": "string", "format": "date-time"},
            "counter": {"type": ["object", "null"]}, "priority": {"type": ["string", "null"]}}},
    },
}


#: every POST without a bearer token is CSRF-checked first (csrf_failed), whatever else it documents
CSRF_FAILED = _resp("Bad input, or no bearer token and no valid X-CSRFToken (error 'csrf_failed')", ERROR)


def _with_csrf_answer(paths: dict) -> dict:
    out = {}
    for path, item in paths.items():
        out[path] = {method: ({**op, "responses": {"400": CSRF_FAILED, **op.get("responses", {})}}
                              if method in ("post", "put", "patch", "delete") else op)
                     for method, op in item.items()}
    return out


def document(app: Flask) -> dict:
    registered = hooks.of(app)
    components = {**COMPONENTS, "schemas": {**COMPONENTS["schemas"], **registered.openapi_schemas}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "adminduk-queue API", "version": queue_service.__version__,
                 "description": "Queue and blank-stock API of adminduk-queue. Errors are JSON "
                                "{\"error\": code, \"message\": text}."},
        "paths": _with_csrf_answer({**CORE_PATHS, **registered.openapi_paths}),
        "components": components,
    }
