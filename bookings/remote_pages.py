"""Same-day remote queueing on the phone: take today's ticket from home, then watch when to leave.

``/antre/<office>`` lists the services that take remote tickets today (with how many wait), the
citizen picks one and says how long the trip takes; the ticket joins the queue like any other and
``/r/<token>`` shows its position, the estimate and "berangkat sekarang" (or the time to leave).
"""
from __future__ import annotations

from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from bookings.advice import LATER, NOW, leave_advice
from bookings.context import clock_zone, client_address, env, rate_limited
from bookings.models import BookingService, RemoteTicket
from bookings.services import remote as svc
from queue_service.domain.errors import DomainError
from queue_service.extensions import db
from queue_service.models import Service, Ticket
from queue_service.services.tickets import position_of
from queue_service.services.waits import estimate_ticket
from queue_service.web.access import office_or_404
from queue_service import hooks
from queue_service.clock import now
from queue_service.web.helpers import commit_and_emit

bp = Blueprint("bookings_remote", __name__)

TRAVEL_CHOICES = (10, 20, 30, 45, 60, 90, 120)


def _services(office):
    rows = db.session.execute(select(Service, BookingService).join(BookingService, BookingService.service_id == Service.id)
                              .where(Service.office_id == office.id, Service.active.is_(True),
                                     BookingService.remote_enabled.is_(True))
                              .order_by(Service.sort_order, Service.id)).all()
    t = now()
    return [{"service": s, "refusal": svc.refusal(db.session, office, s, t)} for s, _b in rows]


def _refusal_text(reason: str | None) -> str | None:
    return {None: None,
            "remote_off": _("Layanan ini tidak menerima antrean dari rumah"),
            "remote_cap": _("Kuota antrean dari rumah hari ini sudah habis"),
            "office_closed": _("Kantor sedang tutup"),
            "too_late": _("Sudah terlalu dekat dengan jam tutup untuk datang tepat waktu")}.get(reason, _("Tidak tersedia"))


@bp.route("/antre/<office_code>", methods=["GET", "POST"])
@rate_limited
def remote_page(office_code: str):
    office = office_or_404(office_code)
    items = _services(office)
    errors, form, status = {}, {"travel": env().default_travel_minutes}, 200
    if request.method == "POST":
        code = request.form.get("service", "")
        travel = request.form.get("travel", "")
        form = {"service": code, "travel": travel, "phone": request.form.get("phone", "")[:30],
                "consent": request.form.get("consent") == "yes"}
        service = next((i["service"] for i in items if i["service"].code == code), None)
        if service is None:
            errors["service"] = _("Pilih salah satu layanan.")
        elif not travel.isdigit():
            errors["travel"] = _("Pilih lama perjalanan.")
        else:
            try:
                ticket, events = svc.take(db.session, office=office, service=service, now=now(), env=env(),
                                          quota_caps=hooks.current().quota_caps,
                                          quota_holds=hooks.current().quota_holds,
                                          travel_minutes=int(travel), phone=form["phone"],
                                          consent=form["consent"], address=client_address())
            except DomainError as exc:
                db.session.rollback()
                status = exc.status
                field = exc.details.get("field")
                if field == "phone":
                    errors["phone"] = _("Nomor HP tidak valid: tulis nomor seluler Indonesia, misalnya 0812-3456-7890.")
                elif field == "consent":
                    errors["consent"] = _("Centang persetujuan untuk menyimpan nomor HP, atau kosongkan nomornya.")
                elif exc.details.get("reason") in ("address_limit", "phone_limit", "phone_active_limit"):
                    errors["form"] = _("Batas antrean dari jaringan atau nomor ini untuk hari ini sudah tercapai.")
                else:
                    errors["form"] = _refusal_text(exc.details.get("reason")) or exc.message
            else:
                commit_and_emit(events)
                return redirect(url_for("bookings_remote.remote_status", token=ticket.token), 303)
        status = status if status != 200 else 400
        items = _services(office)
    return render_template("bookings/remote.html", office=office, items=items, refusal_text=_refusal_text,
                           travel_choices=TRAVEL_CHOICES, errors=errors, form=form), status


def _remote_ticket(token: str) -> tuple[Ticket, RemoteTicket]:
    if not 8 <= len(token or "") <= 64:
        abort(404)
    ticket = db.session.scalar(select(Ticket).where(Ticket.token == token))
    remote = db.session.get(RemoteTicket, ticket.id) if ticket is not None else None
    if remote is None:
        abort(404)
    return ticket, remote


def remote_state(ticket: Ticket, remote: RemoteTicket) -> dict:
    t = now()
    estimate = estimate_ticket(db.session, ticket, t, arrivals=hooks.current().queue_arrivals) \
        if ticket.status == "waiting" else None
    advice = leave_advice(now=t, estimate=estimate, travel_minutes=remote.travel_minutes)
    tz = ticket.office.timezone
    return {"code": ticket.code, "status": ticket.status, "position": position_of(db.session, ticket),
            "estimate": estimate, "travel": remote.travel_minutes,
            "advice": advice.when if ticket.status == "waiting" else None,
            "leave_at": clock_zone(advice.leave_at, tz) if advice.when == LATER else None,
            "counter": ticket.counter.number if ticket.counter and ticket.status in ("called", "serving") else None,
            "status_url": url_for("status.page", token=ticket.token)}


@bp.get("/r/<token>")
def remote_status(token: str):
    ticket, remote = _remote_ticket(token)
    data = remote_state(ticket, remote)
    return render_template("bookings/remote_status.html", r=data, token=token, office=ticket.office,
                           service=ticket.service, NOW=NOW, LATER=LATER), 200, {
        "Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


@bp.get("/r/<token>/state")
def remote_json(token: str):
    ticket, remote = _remote_ticket(token)
    return jsonify(remote_state(ticket, remote)), 200, {"Cache-Control": "no-store"}
