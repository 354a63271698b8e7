"""The booking endpoints in the OpenAPI document (``/api/v1/openapi.json``)."""
from __future__ import annotations

ERROR = {"$ref": "#/components/schemas/Error"}
BOOKING = {"$ref": "#/components/schemas/Booking"}
SECURED = [{"bearer": []}, {"session": []}]
TEXTS = {400: "Bad input", 401: "No or unknown credentials", 403: "Not allowed for this office or role",
         404: "Not found", 409: "No place left, or not possible in the booking's state (details.reason)",
         413: "Body too large", 415: "Body is not JSON",
         429: "Too many requests, or a booking limit reached (details.reason)"}


def _errors(*codes: int) -> dict:
    return {str(c): {"description": TEXTS[c], "content": {"application/json": {"schema": ERROR}}} for c in codes}


def _ok(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


OFFICE = {"name": "office_code", "in": "path", "required": True, "schema": {"type": "string", "maxLength": 16}}
CODE = {"name": "booking_code", "in": "path", "required": True,
        "schema": {"type": "string", "maxLength": 20, "example": "K7QM-3XDP"}}
DATE = {"type": "string", "format": "date", "example": "2026-06-11"}
SLOT = {"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$", "example": "09:00"}


def _body(schema: dict) -> dict:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


PATHS = {
    "/api/v1/offices/{office_code}/bookings/availability": {"get": {
        "summary": "Places left per day and slot for a service (public, rate-limited per address)",
        "description": "A day without places has a reason: weekday, holiday, cuti_bersama, closure, past, too_soon, "
                       "too_far, full, day_cap, cut_off, no_slots or no_blanks (the blank-stock forecast expects "
                       "no blank cards that day).",
        "parameters": [OFFICE,
                       {"name": "service", "in": "query", "required": True, "schema": {"type": "string",
                                                                                      "maxLength": 32}},
                       {"name": "from", "in": "query", "required": False, "schema": DATE},
                       {"name": "to", "in": "query", "required": False, "schema": DATE}],
        "responses": {"200": _ok("Availability", {"$ref": "#/components/schemas/Availability"}),
                      **_errors(400, 404, 429)},
    }},
    "/api/v1/offices/{office_code}/bookings": {
        "post": {
            "summary": "Book a place for a citizen (staff token of the office: a portal or a bot)",
            "description": "No NIK and no name. A phone number (Indonesian mobile) receives reminders through the "
                           "office's webhook only with consent=true, and is deleted when the booking ends.",
            "security": SECURED, "parameters": [OFFICE],
            "requestBody": _body({"type": "object", "required": ["service", "date", "slot"],
                                  "additionalProperties": False, "properties": {
                                      "service": {"type": "string", "maxLength": 32}, "date": DATE, "slot": SLOT,
                                      "phone": {"type": ["string", "null"], "maxLength": 30},
                                      "consent": {"type": "boolean"},
                                      "locale": {"type": "string", "enum": ["id", "en"]}}}),
            "responses": {"201": _ok("The booking", BOOKING), **_errors(400, 401, 403, 404, 409, 413, 415, 429)},
        },
        "get": {
            "summary": "The bookings of a day (staff of the office)", "security": SECURED,
            "parameters": [OFFICE, {"name": "date", "in": "query", "required": False, "schema": DATE}],
            "responses": {"200": _ok("Bookings", {"type": "object", "properties": {
                "office": {"type": "string"}, "date": DATE, "bookings": {"type": "array", "items": BOOKING}}}),
                **_errors(400, 401, 403, 404)},
        },
    },
    "/api/v1/offices/{office_code}/bookings/{booking_code}": {"get": {
        "summary": "One booking by its code (staff of the office)", "security": SECURED,
        "parameters": [OFFICE, CODE],
        "responses": {"200": _ok("The booking", BOOKING), **_errors(401, 403, 404)},
    }},
    "/api/v1/offices/{office_code}/bookings/{booking_code}/cancel": {"post": {
        "summary": "Cancel a booking not used yet (its place opens again)", "security": SECURED,
        "parameters": [OFFICE, CODE],
        "responses": {"200": _ok("The booking", BOOKING), **_errors(401, 403, 404, 409)},
    }},
    "/api/v1/offices/{office_code}/bookings/{booking_code}/move": {"post": {
        "summary": "Move a booking to another date and slot (same code)", "security": SECURED,
        "parameters": [OFFICE, CODE],
        "requestBody": _body({"type": "object", "required": ["date", "slot"], "additionalProperties": False,
                              "properties": {"date": DATE, "slot": SLOT}}),
        "responses": {"200": _ok("The booking", BOOKING), **_errors(400, 401, 403, 404, 409, 413, 415)},
    }},
    "/api/v1/offices/{office_code}/bookings/{booking_code}/checkin": {"post": {
        "summary": "Check a booking in (the citizen is at the office): it joins the queue",
        "description": "outcome: checked_in, already, early (come_back_at), late_walk_in, rebook or wrong_day.",
        "security": SECURED, "parameters": [OFFICE, CODE],
        "responses": {"200": _ok("Not checked in (early, wrong day, rebook) or checked in before",
                                 {"$ref": "#/components/schemas/Checkin"}),
                      "201": _ok("Checked in: the booking's ticket", {"$ref": "#/components/schemas/Checkin"}),
                      **_errors(400, 401, 403, 404, 409)},
    }},
    "/api/v1/kiosk/checkin": {"post": {
        "summary": "Check in what the kiosk scanned or a citizen typed (kiosk device only)",
        "security": SECURED,
        "requestBody": _body({"type": "object", "required": ["code"], "properties": {
            "code": {"type": "string", "maxLength": 500}}}),
        "responses": {"200": _ok("Not checked in, or already", {"type": "object"}),
                      "201": _ok("Checked in", {"type": "object"}), **_errors(400, 401, 403, 404, 409, 413, 415)},
    }},
}

SCHEMAS = {
    "Booking": {"type": "object", "required": ["code", "office", "service", "date", "slot", "status"], "properties": {
        "code": {"type": "string", "example": "K7QM-3XDP"}, "office": {"type": "string"},
        "service": {"type": "string"}, "date": DATE, "slot": SLOT,
        "slot_start": {"type": "string", "format": "date-time"}, "slot_end": {"type": "string", "format": "date-time"},
        "status": {"type": "string", "enum": ["booked", "checked_in", "late", "cancelled", "no_show"]},
        "url": {"type": "string", "description": "the booking's page (holds the QR code)"},
        "reminders": {"type": "boolean"},
        "ticket": {"type": ["object", "null"]}}},
    "Availability": {"type": "object", "properties": {
        "office": {"type": "string"}, "service": {"type": "string"},
        "days": {"type": "array", "items": {"type": "object", "properties": {
            "date": DATE, "left": {"type": "integer"}, "reason": {"type": ["string", "null"]},
            "reason_name": {"type": ["string", "null"]},
            "slots": {"type": "array", "items": {"type": "object", "properties": {
                "slot": SLOT, "start": {"type": "string"}, "end": {"type": "string"},
                "left": {"type": "integer"}, "reason": {"type": ["string", "null"]}}}}}}}}},
    "Checkin": {"type": "object", "required": ["outcome"], "properties": {
        "outcome": {"type": "string", "enum": ["checked_in", "already", "early", "late_walk_in", "rebook",
                                               "wrong_day"]},
        "booking": BOOKING, "come_back_at": {"type": "string"}}},
}
