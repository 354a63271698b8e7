"""How good were the wait estimates? A page for managers: the last 7 days of one office, per service, the
estimate shown when the ticket was taken (kiosk screen, printed ticket) against the actual wait until the
call - mean absolute error, bias, and the share of citizens whose wait fell inside the range shown to them -
and the same share over every estimate shown (status pages too). Server-rendered, readable without JS.
"""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_babel import format_date, format_decimal, format_percent

from queue_service.extensions import db
from queue_service.services.waits import accuracy_report
from queue_service.web.access import accessible_offices, ensure_office, office_or_404, principal, require
from queue_service.clock import now

bp = Blueprint("estimates", __name__, url_prefix="/manager")

DAYS = 7
MANAGERS = ("manager",)


def _minutes(value) -> str:
    return "—" if value is None else format_decimal(value, format="#,##0.0")


def _signed(value) -> str:
    if value is None:
        return "—"
    text = format_decimal(abs(value), format="#,##0.0")
    return ("+" if value > 0.05 else "−" if value < -0.05 else "±") + text


def _share(value) -> str:
    return "—" if value is None else format_percent(value, format="#,##0%")


def _row(acc_issue, acc_all) -> dict:
    return {"n": acc_issue.n, "mae": _minutes(acc_issue.mae), "bias": _signed(acc_issue.bias),
            "inside": _share(acc_issue.inside), "shown": acc_all.n, "shown_inside": _share(acc_all.inside)}


@bp.get("/wait-estimates")
@require(roles=MANAGERS)
def pick():
    """Which office? A manager of one office goes straight to it."""
    offices = accessible_offices()
    if len(offices) == 1 and not principal().is_admin:
        return redirect(url_for("estimates.office_page", code=offices[0].code))
    return render_template("manager/estimates_pick.html", offices=offices)


@bp.get("/<code>/wait-estimates")
@require(roles=MANAGERS)
def office_page(code: str):
    office = office_or_404(code)
    ensure_office(office)
    report = accuracy_report(db.session, office, now(), days=DAYS)
    rows = [{"code": r.code, "name": (r.name_id, r.name_en), **_row(r.at_issue, r.shown)}
            for r in report["services"]]
    overall = _row(report["overall"].at_issue, report["overall"].shown)
    return render_template("manager/estimates.html", office=office, rows=rows, overall=overall, days=DAYS,
                           first=format_date(report["first"], format="long"),
                           last=format_date(report["last"], format="long"))
