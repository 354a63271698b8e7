"""The IKM as JSON for a provincial dashboard (``GET /api/v1/offices/<office>/ikm?period=``; bearer token of the
office's manager or an admin), in the OpenAPI document; the complaint counts per office come with the queue
figures' offices side by side (``counters``)."""
from __future__ import annotations

from flask import Blueprint, abort, jsonify, request

from feedback import periods
from feedback.questionnaire import BY_CODE
from feedback.services.reports import ikm_report
from queue_service.clock import now
from queue_service.domain.clock import office_day
from queue_service.extensions import db
from queue_service.models import Office
from queue_service.web.access import ensure_office, office_or_404, require

bp = Blueprint("feedback_api", __name__, url_prefix="/api/v1")


def _period(office: Office) -> periods.Period:
    raw = request.args.get("period", "").strip()
    if not raw:
        return periods.containing(office_day(now(), office.timezone), "month")
    if len(raw) > 16:
        abort(400, description="Parameter 'period' is too long.")
    try:
        return periods.parse(raw)
    except periods.BadPeriod:
        abort(400, description="Parameter 'period' must be a month (2026-01), a quarter (2026-Q1), a semester "
                               "(2026-S1) or a year (2026).")


def _num(value, places: int):
    return None if value is None else round(float(value), places)


def _result(r) -> dict:
    return {
        "respondents": r.respondents, "ikm": _num(r.index, 2),
        "grade": None if r.grade is None else {"letter": r.grade.letter, "label_id": r.grade.label_id,
                                               "label_en": r.grade.label_en},
        "weakest": list(r.weakest),
        "unsur": [{"code": u.code, "name_id": BY_CODE[u.code].name_id, "name_en": BY_CODE[u.code].name_en,
                   "answers": u.n, "nrr": _num(u.nrr, 3), "value": _num(u.value, 2),
                   "grade": u.grade.letter if u.grade else None} for u in r.unsur],
    }


@bp.get("/offices/<office_code>/ikm")
@require(roles=("manager",))
def office_ikm(office_code: str):
    office = office_or_404(office_code)
    ensure_office(office)
    p = _period(office)
    report = ikm_report(db.session, office, p.start, p.end)
    codes = {s.id: s.code for s in office.services}
    return jsonify({
        "office": office.code, "period": p.key, "from": p.start.isoformat(), "to": p.end.isoformat(),
        "served": report.served, "minimum_sample": report.minimum, "sample_ok": report.sample_ok,
        **_result(report.overall),
        "services": [{"service": codes.get(s.service_id), "name_id": s.name_id, "name_en": s.name_en,
                      "served": s.served, "minimum_sample": s.minimum, "sample_ok": s.sample_ok,
                      **_result(s.result)} for s in report.services],
    })


_RESULT = {
    "respondents": {"type": "integer"}, "ikm": {"type": ["number", "null"], "description": "(sum NRR / 9) x 25"},
    "grade": {"type": ["object", "null"], "properties": {"letter": {"type": "string", "enum": ["A", "B", "C", "D"]},
                                                         "label_id": {"type": "string"},
                                                         "label_en": {"type": "string"}}},
    "weakest": {"type": "array", "items": {"type": "string"}},
    "unsur": {"type": "array", "items": {"type": "object", "properties": {
        "code": {"type": "string"}, "name_id": {"type": "string"}, "name_en": {"type": "string"},
        "answers": {"type": "integer"}, "nrr": {"type": ["number", "null"]}, "value": {"type": ["number", "null"]},
        "grade": {"type": ["string", "null"]}}}},
}

PATHS = {
    "/api/v1/offices/{office_code}/ikm": {"get": {
        "summary": "Indeks Kepuasan Masyarakat of an office for a period (PermenPANRB 14/2017)",
        "description": "Respondents, NRR and converted value per unsur, the index and its grade, the weakest "
                       "unsur, citizens served and the minimum sample (Krejcie-Morgan), overall and per service. "
                       "Managers of the office and admins.",
        "security": [{"bearer": []}],
        "parameters": [
            {"name": "office_code", "in": "path", "required": True, "schema": {"type": "string"}},
            {"name": "period", "in": "query", "required": False, "schema": {"type": "string"},
             "description": "2026-01 (month), 2026-Q1 (quarter), 2026-S1 (semester) or 2026 (year); default: "
                            "the office's current month"}],
        "responses": {
            "200": {"description": "The IKM", "content": {"application/json": {"schema": {
                "$ref": "#/components/schemas/OfficeIkm"}}}},
            "400": {"description": "Bad period"}, "401": {"description": "No or unknown credentials"},
            "403": {"description": "Not a manager of this office"}, "404": {"description": "No such office"}},
    }},
}

SCHEMAS = {
    "OfficeIkm": {"type": "object", "properties": {
        "office": {"type": "string"}, "period": {"type": "string"}, "from": {"type": "string", "format": "date"},
        "to": {"type": "string", "format": "date"}, "served": {"type": "integer"},
        "minimum_sample": {"type": "integer"}, "sample_ok": {"type": "boolean"}, **_RESULT,
        "services": {"type": "array", "items": {"type": "object", "properties": {
            "service": {"type": ["string", "null"]}, "name_id": {"type": "string"}, "name_en": {"type": "string"},
            "served": {"type": "integer"}, "minimum_sample": {"type": "integer"}, "sample_ok": {"type": "boolean"},
            **_RESULT}}}}},
}
