"""The stock API in the one OpenAPI document (registered by ``inventory.web.init_app``)."""
from __future__ import annotations

from inventory.ledger import DEFAULT_ITEM, ENTERABLE
from queue_service.web.openapi import SECURED, errors, office_param


def fragment() -> tuple[dict, dict]:
    """(paths, component schemas)."""
    def resp(desc, ref):
        return {"description": desc, "content": {"application/json": {"schema": {"$ref": ref}}}}

    item_q = {"name": "item", "in": "query", "schema": {"type": "string", "default": DEFAULT_ITEM}}
    paths = {
        "/api/v1/offices/{office_code}/stock": {"get": {
            "summary": "Balances per item with days of cover, stock-out date, reorder point and risk",
            "security": SECURED, "parameters": [office_param()],
            "responses": {"200": resp("Stock of the office", "#/components/schemas/StockSummary"),
                          **errors(401, 403, 404)}}},
        "/api/v1/offices/{office_code}/stock/movements": {"post": {
            "summary": "Record one stock movement (same validation as the manager's forms)",
            "security": SECURED, "parameters": [office_param()],
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/StockMovementInput"}}}},
            "description": "A transfer_in takes stock out of from_office, so only an admin or a manager of both "
                           "offices may enter it (403 otherwise: the sending office enters a transfer_out). A "
                           "receipt's document_no is booked once per office and item: the same receipt sent again "
                           "answers 200 with the first booking and duplicate=true, a different one 409.",
            "responses": {"201": resp("The recorded movement(s) (two for a transfer)",
                                      "#/components/schemas/StockMovementResult"),
                          "200": resp("The same receipt again: the first booking, nothing added (duplicate=true)",
                                      "#/components/schemas/StockMovementResult"),
                          **errors(400, 401, 403, 404, 409, 413, 415)}}},
        "/api/v1/offices/{office_code}/stock/forecast": {"get": {
            "summary": "Daily demand forecast with its interval, and the item's risk",
            "security": SECURED, "parameters": [office_param(), item_q, {
                "name": "horizon", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 365,
                                                             "default": 30}}],
            "responses": {"200": {"description": "Forecast"}, **errors(400, 401, 403, 404)}}},
        "/api/v1/offices/{office_code}/alerts": {"get": {
            "summary": "Stock alerts of the office", "security": SECURED, "parameters": [office_param(), {
                "name": "status", "in": "query", "schema": {
                    "type": "string", "enum": ["active", "open", "acknowledged", "resolved", "all"],
                    "default": "active"}}],
            "responses": {"200": {"description": "Alerts"}, **errors(400, 401, 403, 404)}}},
        "/api/v1/offices/{office_code}/alerts/{alert_id}/acknowledge": {"post": {
            "summary": "Acknowledge an open stock alert", "security": SECURED,
            "parameters": [office_param(), {"name": "alert_id", "in": "path", "required": True,
                                            "schema": {"type": "integer"}}],
            "responses": {"200": {"description": "The alert"}, **errors(401, 403, 404, 409)}}},
        "/api/v1/offices/{office_code}/services/{service_code}/availability": {"get": {
            "summary": "Whether a service takes tickets today; 'Blangko habis' and the fallback (Suket)",
            "security": SECURED, "parameters": [office_param(), {
                "name": "service_code", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "Availability"}, **errors(401, 403, 404)}}},
        "/api/v1/offices/{office_code}/stock/turned-away": {"post": {
            "summary": "Count citizens turned away for lack of stock (they are demand for the forecast)",
            "security": SECURED, "parameters": [office_param()],
            "requestBody": {"required": False, "content": {"application/json": {"schema": {
                "type": "object", "properties": {"item": {"type": "string"},
                                                 "count": {"type": "integer", "minimum": 1, "maximum": 1000}}}}}},
            "responses": {"204": {"description": "Counted"}, **errors(400, 401, 403, 404)}}},
    }
    schemas = {
        "StockSummary": {"type": "object", "properties": {
            "office": {"type": "string"}, "day": {"type": "string", "format": "date"},
            "items": {"type": "array", "items": {"type": "object", "properties": {
                "item": {"type": "string"}, "balance": {"type": "integer"},
                "risk": {"type": "string", "enum": ["ok", "warning", "critical", "unknown"]},
                "days_of_cover": {"type": ["number", "null"]},
                "stockout_date": {"type": ["string", "null"], "format": "date"},
                "reorder_point": {"type": ["number", "null"]},
                "p_stockout_before_delivery": {"type": ["number", "null"]},
                "next_delivery": {"type": ["string", "null"], "format": "date"}}}}}},
        "StockMovementInput": {"type": "object", "required": ["kind"], "properties": {
            "kind": {"type": "string", "enum": [*ENTERABLE, "transfer_in"]},
            "item": {"type": "string", "default": DEFAULT_ITEM},
            "quantity": {"type": "integer", "minimum": 1}, "packs": {"type": "integer", "minimum": 1},
            "counted": {"type": "integer", "minimum": 0, "description": "adjustment: the physical count"},
            "reason": {"type": "string", "maxLength": 200}, "source": {"type": "string", "maxLength": 120},
            "document_no": {"type": "string", "maxLength": 60},
            "document_date": {"type": "string", "format": "date"},
            "to_office": {"type": "string"}, "from_office": {"type": "string"},
            "ticket_id": {"type": "integer", "minimum": 1, "maximum": 2147483647},
            "delivery_id": {"type": "integer", "minimum": 1, "maximum": 2147483647}}},
        "StockMovementResult": {"type": "object", "properties": {
            "movements": {"type": "array", "items": {"type": "object"}}, "balance": {"type": "integer"},
            "duplicate": {"type": "boolean"}}},
    }
    return paths, schemas
