"""JSON API of the queue figures (staff API tokens or a manager's session; an office's figures only for staff
of that office): ``GET /api/v1/offices/<code>/figures``, ``GET /api/v1/offices/<code>/staffing`` and
``GET /api/v1/figures`` (the offices side by side)."""
from __future__ import annotations

from flask import Blueprint, Flask, abort, jsonify, request

from queue_service.extensions import db
from queue_service.web.access import accessible_offices, require
from queue_service.clock import now
from reports import build
from reports import web as w
from reports.figures import Summary

bp = Blueprint("figures_api", __name__, url_prefix="/api/v1")
STAFF = ("clerk", "manager")
MANAGER = ("manager",)
BREAKDOWNS = ("service", "hour", "day", "week", "counter", "clerk")


def _summary(s: Summary) -> dict:
    d = s.as_dict()
    for k in ("wait_mean", "wait_p50", "wait_p90", "service_mean", "service_p50", "service_p90"):
        d[k] = None if d[k] is None else round(d[k], 1)
    d["within_share"] = None if s.within_share is None else round(s.within_share, 4)
    return d


def _by_arg() -> list[str]:
    raw = request.args.get("by")
    if raw is None or raw == "":
        return list(BREAKDOWNS)
    wanted = [x.strip() for x in raw.split(",") if x.strip()][:len(BREAKDOWNS) + 1]
    bad = [x for x in wanted if x not in BREAKDOWNS]
    if bad or not wanted:
        abort(400, description=f"Parameter 'by' takes a comma-separated list of: {', '.join(BREAKDOWNS)}.")
    return wanted


def _row(r: build.Row, kind: str) -> dict:
    key = r.key.isoformat() if hasattr(r.key, "isoformat") else r.key
    out = {"key": key, "label": r.label, **_summary(r.summary)}
    if kind == "service":
        out["target_wait_s"] = r.target_s
    return out


@bp.get("/offices/<office_code>/figures")
@require(roles=MANAGER)
def office_figures(office_code: str):
    office = w.office(office_code)
    by = _by_arg()
    p = w.period(office.timezone)
    fig = build.office_figures(db.session, office, p.start, p.end, now=now(), default_target_s=w.default_target_s(),
                               locale=w.locale(), turned_away_sources=w.turned_away_sources())
    services = {s.id: s.code for s in office.services}
    body = {"office": office.code, "timezone": office.timezone, "from": p.start.isoformat(), "to": p.end.isoformat(),
            "summary": _summary(fig.summary), "turned_away": fig.turned_away,
            "default_target_wait_s": fig.default_target_s}
    lists = {"service": fig.by_service, "hour": fig.by_hour, "day": fig.by_day, "week": fig.by_week,
             "counter": fig.by_counter, "clerk": fig.by_clerk}
    for name in by:
        rows = [_row(r, name) for r in lists[name]]
        if name == "service":
            for r, src in zip(rows, lists[name]):
                r["code"] = services.get(src.key)
                r["turned_away"] = fig.turned_away_by_service.get(src.key, {})
        body[f"by_{name}"] = rows
    body["arrivals_heatmap"] = [{"weekday": d, "hour": h, "mean_issued": round(v, 3)}
                                for (d, h), v in sorted(fig.heatmap.items())]
    return jsonify(body)


@bp.get("/offices/<office_code>/staffing")
@require(roles=MANAGER)
def office_staffing(office_code: str):
    office = w.office(office_code)
    p = w.period(office.timezone)
    weekday = w.weekday_arg()
    tg = build.targets(db.session, list(office.services), w.default_target_s())
    advice, wd, window = build.staffing(db.session, office, p.end, list(office.services), tg, weekday=weekday,
                                        default_target_s=w.default_target_s())
    return jsonify({"office": office.code, "weekday": wd, "forecast_from": window[0].isoformat(),
                    "forecast_to": window[1].isoformat(), "method": "erlang_c", "quantile": 0.9,
                    "hours": [{"hour": a.hour, "arrivals": round(a.arrivals, 2),
                               "mean_service_s": None if a.mean_service_s is None else round(a.mean_service_s, 1),
                               "target_wait_s": a.target_s, "counters_needed": a.needed,
                               "counters_open": None if a.open is None else round(a.open, 2),
                               "p90_wait_s": None if a.p90_wait_s is None else round(a.p90_wait_s, 1)}
                              for a in advice]})


@bp.get("/figures")
@require(roles=MANAGER)
def offices_figures():
    offices = accessible_offices()
    raw = request.args.get("offices")
    if raw:
        wanted = [c.strip() for c in raw.split(",") if c.strip()][:200]
        by_code = {o.code: o for o in offices}
        missing = [c for c in wanted if c not in by_code]
        if missing:
            abort(404, description=f"Unknown or inaccessible office(s): {', '.join(missing[:10])}.")
        offices = [by_code[c] for c in wanted]
    tz = offices[0].timezone if offices else "Asia/Jakarta"
    p = w.period(tz)
    rows = build.offices_side_by_side(db.session, offices, p.start, p.end, default_target_s=w.default_target_s(),
                                      turned_away_sources=w.turned_away_sources())
    _, extra = build.office_counters(db.session, [o.id for o in offices], p.start, p.end, w.office_counters())
    counters = {o.id: {} for o in offices}
    for oid, per in extra.items():
        for (key, name), v in per.items():
            counters.setdefault(oid, {}).setdefault(key, {})[name] = v
    return jsonify({"from": p.start.isoformat(), "to": p.end.isoformat(),
                    "offices": [{"office": o.code, "name": o.name, **_summary(s), "turned_away": ta,
                                 "counters": counters.get(o.id, {})} for o, s, ta in rows]})


# --------------------------------------------------------------------------- OpenAPI

def openapi_fragment() -> tuple[dict, dict]:
    """(paths, schemas) of the figures API for the one OpenAPI document (``hooks.register_openapi``)."""
    from queue_service.web.openapi import SECURED, errors, office_param

    period = [{"name": "from", "in": "query", "description": "first office-local day (default: 1st of this month)",
               "schema": {"type": "string", "format": "date"}},
              {"name": "to", "in": "query", "description": "last office-local day, included (default: today); "
               f"at most {build.MAX_DAYS} days", "schema": {"type": "string", "format": "date"}}]
    summary = {"$ref": "#/components/schemas/FigureSummary"}
    paths = {
        "/api/v1/offices/{office_code}/figures": {"get": {
            "summary": "Queue figures of an office: counts, waiting and service times, share within target, "
                       "breakdowns by service, hour, day, week, counter and clerk, arrivals heatmap",
            "security": SECURED, "parameters": [office_param(), *period, {
                "name": "by", "in": "query", "schema": {"type": "string"},
                "description": f"comma-separated breakdowns among {', '.join(BREAKDOWNS)} (default: all)"}],
            "responses": {"200": {"description": "Figures", "content": {"application/json": {"schema": {
                "$ref": "#/components/schemas/OfficeFigures"}}}}, **errors(400, 401, 403, 404)}}},
        "/api/v1/offices/{office_code}/staffing": {"get": {
            "summary": "Counters needed per hour (Erlang C, P90 wait within target) beside the counters open",
            "security": SECURED, "parameters": [office_param(), *period, {
                "name": "weekday", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 7}}],
            "responses": {"200": {"description": "Staffing advice"}, **errors(400, 401, 403, 404)}}},
        "/api/v1/figures": {"get": {
            "summary": "The offices the caller may see, side by side (a kabupaten or provincial dashboard)",
            "security": SECURED, "parameters": [*period, {"name": "offices", "in": "query",
                                                          "schema": {"type": "string"},
                                                          "description": "comma-separated office codes"}],
            "responses": {"200": {"description": "Offices side by side"}, **errors(400, 401, 403, 404)}}},
    }
    num = {"type": ["number", "null"]}
    schemas = {
        "FigureSummary": {"type": "object", "properties": {
            "issued": {"type": "integer"}, "served": {"type": "integer"}, "no_show": {"type": "integer"},
            "cancelled": {"type": "integer"}, "expired": {"type": "integer"}, "called": {"type": "integer"},
            "wait_mean": num, "wait_p50": num, "wait_p90": num, "service_mean": num, "service_p50": num,
            "service_p90": num, "within_share": num}},
        "OfficeFigures": {"type": "object", "properties": {
            "office": {"type": "string"}, "from": {"type": "string", "format": "date"},
            "to": {"type": "string", "format": "date"}, "summary": summary,
            **{f"by_{b}": {"type": "array", "items": {"type": "object"}} for b in BREAKDOWNS},
            "arrivals_heatmap": {"type": "array", "items": {"type": "object"}}}},
    }
    return paths, schemas
