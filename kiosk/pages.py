"""The kiosk's pages: pairing, the touch page, its state JSON, QR images, and the kiosk's issue view.

A kiosk device that POSTs to the core's ``/api/v1/offices/<code>/tickets`` (with its bearer token or the
device cookie set by pairing) is answered by :func:`kiosk_issue` (``hooks.register_device_issue``), after the
core validated the request: double-press protection, a per-device throttle, opening hours, and a durable
print job (``hooks.ticket_printing``) queued after the ticket is committed. The kiosk screen then hears the
job's outcome over its socket (``print_done`` / ``print_failed``, ``static/js/kiosk.js``).
"""
from __future__ import annotations

import logging

from flask import Response, abort, current_app, jsonify, redirect, render_template, request, url_for
from flask import Blueprint
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from kiosk import issuing
from kiosk.qr import qr_png, qr_svg
from queue_service import hooks
from queue_service.clock import now
from queue_service.domain.clock import local_time, office_day, zone_abbreviation
from queue_service.domain.errors import QuotaReached
from queue_service.domain.priority import KIOSK_PRIORITY_GROUPS
from queue_service.domain.urls import status_url
from queue_service.extensions import db
from queue_service.models import Device, Ticket
from queue_service.services import tickets as svc_tickets
from queue_service.services.waits import estimate_ticket
from queue_service.web.access import principal, principal_from_token, require, set_device_cookie
from queue_service.web.api import office_service
from queue_service.web.helpers import commit_and_emit, count_refusal, field, json_body, public_base
from queue_service.web.serializers import ticket_json

log = logging.getLogger(__name__)

bp = Blueprint("kiosk", __name__)


def _kiosk_device() -> Device | None:
    p = principal()
    if p.kind == "device" and p.device_kind == "kiosk":
        return p.device
    return None


# --------------------------------------------------------------------------- pairing and page

@bp.get("/kiosk/pair")
def pair():
    token = request.args.get("token", "")
    p = principal_from_token(token, touch=False) if token and len(token) <= 200 else None
    if p is None or p.kind != "device" or p.device.kind != "kiosk":
        return render_template("kiosk/message.html", title=_("Kiosk tidak dapat dipasangkan"),
                               message=_("Tautan pemasangan ini tidak berlaku: tokennya salah, sudah "
                                         "dicabut, atau bukan token kiosk. Minta tautan baru kepada "
                                         "administrator.")), 403
    return set_device_cookie(redirect(url_for("kiosk.kiosk_page")), token)


def _strings() -> dict:
    """Texts the kiosk script shows, in the page's language."""
    return {
        "people_ahead": _("%(n)s orang di depan Anda"),
        "no_one_ahead": _("Tidak ada antrean di depan Anda"),
        "estimate": _("perkiraan %(low)s–%(high)s menit"),
        "estimate_one": _("perkiraan %(n)s menit"),
        "printing": _("Tiket sedang dicetak…"),
        "printed": _("Silakan ambil tiket Anda."),
        "paper_out": _("Kertas habis — silakan foto layar ini"),
        "printer_problem": _("Printer bermasalah — silakan foto layar ini"),
        "no_printer": _("Kiosk ini tidak mencetak — silakan foto layar ini"),
        "throttled": _("Mohon tunggu sebentar: terlalu banyak tiket dari kiosk ini. Silakan coba lagi dalam "
                       "satu menit atau minta bantuan petugas."),
        "quota": _("Blangko habis hari ini"),
        "office_closed": _("Kantor sedang tutup"),
        "closed": _("Layanan ini sedang tutup"),
        "error": _("Tiket belum dapat dibuat. Silakan coba lagi atau minta bantuan petugas."),
        "offline": _("Tidak dapat terhubung ke server. Silakan coba lagi atau minta bantuan petugas."),
        "waiting": _("%(n)s menunggu"),
        "left": _("sisa kuota %(n)s"),
        "offer": _("Ambil antrean %(name)s"),
        "priority_for": _("Antrean prioritas: %(group)s. Pilih layanan."),
        "duplicate": _("Tiket ini sudah dibuat untuk Anda."),
        "priority_ticket": _("Prioritas: %(group)s"),
        "countdown": _("Layar kembali ke awal dalam %(n)s detik."),
    }


def _notices() -> dict:
    return {
        "quota_title": _("Blangko habis hari ini"),
        "quota_text": _("Kuota layanan ini untuk hari ini sudah habis."),
        "quota_fallback": _("Anda dapat mengambil antrean %(name)s sebagai gantinya."),
        "quota_none": _("Silakan datang kembali besok pagi atau tanya petugas informasi."),
        "closed_title": _("Layanan ini sedang tutup"),
        "closed_text": _("Layanan ini tidak menerima antrean saat ini. Silakan tanya petugas informasi."),
        "office_closed_title": _("Kantor sedang tutup"),
        "office_closed_text": _("Tiket hanya dapat diambil pada jam layanan. Silakan datang kembali pada jam "
                                "layanan."),
        "throttled_title": _("Mohon tunggu sebentar"),
        "error_title": _("Maaf"),
    }


def _group_labels() -> dict:
    return {"lansia": _("Lansia"), "disabilitas": _("Penyandang disabilitas"), "ibu_hamil": _("Ibu hamil"),
            "anak": _("Anak-anak"), "korban_bencana": _("Korban bencana")}


@bp.get("/kiosk")
def kiosk_page():
    device = _kiosk_device()
    if device is None:
        p = principal()
        if p.kind == "user":
            message = _("Halaman ini untuk perangkat kiosk. Pasangkan kiosk dengan tautan pemasangan dari "
                        "halaman administrasi, lalu buka halaman ini di perangkat kiosk.")
        else:
            message = _("Kiosk ini belum dipasangkan. Petugas: buka tautan pemasangan kiosk di perangkat ini.")
        return render_template("kiosk/message.html", title=_("Kiosk belum siap"), message=message), 401
    office = device.office
    t = now()
    registered = hooks.current()
    locale = str(get_locale() or "id")
    opening, services = issuing.service_states(db.session, office, t, registered.quota_caps,
                                               holds=registered.quota_holds, locale=locale)
    local = local_time(t, office.timezone)
    printing = registered.ticket_printing
    config = {
        "office": office.code, "locale": locale, "issueUrl": url_for("api.issue_ticket", office_code=office.code),
        "stateUrl": url_for("kiosk.state"), "turnedAwayUrl": url_for("kiosk.turned_away"), "printUrl": printing.status_url if printing is not None else None,
        "resetSeconds": int(current_app.config.get("KIOSK_RESET_SECONDS", 30)),
        "failedResetSeconds": int(current_app.config.get("KIOSK_FAILED_RESET_SECONDS", 60)),
        "homeUrl": url_for("kiosk.kiosk_page"),
        "groups": _group_labels(),  # a priority ticket says which group it is for
    }
    return render_template(
        "kiosk/kiosk.html", office=office, services=services, opening=opening, config=config,
        strings=_strings(), notices=_notices(), groups=[(g, _group_labels()[g]) for g in KIOSK_PRIORITY_GROUPS], locale=locale,
        zone=zone_abbreviation(office.timezone), today=local,
        days=_open_days_text(office.open_days), actions=registered.kiosk_actions)


def _open_days_text(open_days: str) -> str:
    names = [_("Senin"), _("Selasa"), _("Rabu"), _("Kamis"), _("Jumat"), _("Sabtu"), _("Minggu")]
    days = sorted(int(c) for c in set(open_days or "") if c.isdigit() and 1 <= int(c) <= 7)
    if not days:
        return ""
    if days == list(range(days[0], days[-1] + 1)) and len(days) > 2:
        return f"{names[days[0] - 1]}–{names[days[-1] - 1]}"
    return ", ".join(names[d - 1] for d in days)


@bp.get("/api/v1/kiosk/state")
@require(devices=("kiosk",))
def state():
    device = _kiosk_device()
    if device is None:
        abort(403, description="Only a kiosk device can read the kiosk state.")
    office = device.office
    registered = hooks.current()
    opening, services = issuing.service_states(db.session, office, now(), registered.quota_caps,
                                               holds=registered.quota_holds)
    return jsonify({"office": office.code, "open": opening.is_open, "reason": opening.reason,
                    "closed_name": opening.name or None, "services": services})


@bp.post("/api/v1/kiosk/turned-away")
@require(devices=("kiosk",))
def turned_away():
    """A citizen pressed a service whose quota for today is reached (the kiosk shows "Blangko habis" or "Kuota
    habis" and offers the fallback): counted once per press for the queue figures and, when the blanks are why,
    as lost demand for the blank forecast. Refused when the service still takes tickets."""
    device = _kiosk_device()
    if device is None:
        abort(403, description="Only a kiosk device can report a citizen turned away.")
    office = device.office
    code = field(json_body(), "service", str, max_length=16)
    service = office_service(office, code)
    t = now()
    registered = hooks.current()
    if not service.active or not svc_tickets.quota_reached(
            db.session, service, office_day(t, office.timezone), registered.quota_caps,
            holds=registered.quota_holds, now=t):
        return jsonify({"error": "not_turned_away", "message": f"Service {code} still takes tickets today; "
                        "nobody was turned away."}), 409
    key = count_refusal(office, service)
    return jsonify({"counted": key is not None, "reason": key}), 200


# --------------------------------------------------------------------------- QR images

def _ticket_by_token(token: str) -> Ticket:
    if not token or len(token) > 64:
        abort(404, description="No ticket has this token.")
    ticket = db.session.scalar(select(Ticket).where(Ticket.token == token))
    if ticket is None:
        abort(404, description="No ticket has this token.")
    return ticket


def _image(body: bytes, mimetype: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


@bp.get("/kiosk/qr/<token>.png")
def qr_image_png(token: str):
    """The ticket's QR (its public status URL, nothing else). Knowing the token is the access."""
    ticket = _ticket_by_token(token)
    return _image(qr_png(status_url(public_base(), ticket.token)), "image/png")


@bp.get("/kiosk/qr/<token>.svg")
def qr_image_svg(token: str):
    ticket = _ticket_by_token(token)
    return _image(qr_svg(status_url(public_base(), ticket.token)), "image/svg+xml")


# --------------------------------------------------------------------------- issuing for kiosks

def estimate_for(ticket: Ticket, at) -> dict | None:
    """The ticket's wait estimate in whole minutes, or None (the kiosk then shows people ahead only)."""
    try:
        # recorded as shown (kiosk screen and printed ticket): the record the ranges are calibrated on
        result = estimate_ticket(db.session, ticket, at, record="issue", arrivals=hooks.current().queue_arrivals)
    except Exception:  # an estimate must never stop a ticket
        log.exception("wait estimate failed for ticket %s", ticket.id)
        return None
    if not result:
        return None
    return {k: (round(float(result[k])) if result.get(k) is not None else None) for k in ("minutes", "p10", "p90")}


def kiosk_issue(req: hooks.IssueRequest):
    """``hooks.device_issue["kiosk"]``: a kiosk's press, its request validated by the core's issue view."""
    device = principal().device
    office, service = req.office, req.service
    t = now()
    cfg = current_app.config
    registered = hooks.current()
    try:
        result = issuing.issue_for_kiosk(
            db.session, device=device, office=office, service=service, priority=req.priority, now=t,
            quota_caps=registered.quota_caps, quota_holds=registered.quota_holds,
            window_seconds=float(cfg["KIOSK_DOUBLE_PRESS_SECONDS"]), per_minute=int(cfg["KIOSK_TICKETS_PER_MINUTE"]))
    except QuotaReached:  # the quota ran out between the screen and the press: that citizen is turned away
        count_refusal(office, service)
        raise
    ticket = result.ticket
    body = ticket_json(ticket, with_token=True)
    printer_uri = device.printer_uri  # read before the commit: no reload (and SQLite lock) after it
    commit_and_emit(result.events)  # the ticket is stored before anything is estimated or printed
    estimate = estimate_for(ticket, t) if ticket.status == "waiting" else None
    db.session.commit()  # end the read transaction (SQLite: BEGIN IMMEDIATE holds the write lock)

    printing = registered.ticket_printing
    job_info = None
    if printing is None:
        printer_uri = None  # this build prints nowhere
    elif result.duplicate:
        job_info = printing.last_job(db.session, ticket)
    elif printer_uri:
        try:
            eta = (estimate["p10"], estimate["p90"]) if estimate and estimate.get("p10") is not None \
                and estimate.get("p90") is not None else None
            # as stored; read before the commit (a print agent may claim it the moment it is pushed)
            job_info, events = printing.queue(db.session, ticket=ticket, device=device, now=t,
                                              status_url=body["status_url"], people_ahead=body.get("position"),
                                              eta=eta)
            commit_and_emit(events)
        except Exception:
            db.session.rollback()
            log.exception("could not queue the print job of ticket %s", ticket.id)
            job_info = None
    if result.duplicate:  # said on the kiosk screen, in its language: the press did not make a new ticket
        body["message"] = _("Tombol ini baru saja ditekan: tiket %(code)s sudah dibuat untuk Anda dan tidak "
                            "dicetak lagi. Silakan ambil tiket yang sudah keluar.", code=ticket.code)
    body.update({
        "duplicate": result.duplicate,
        "estimate": estimate,
        "qr": url_for("kiosk.qr_image_png", token=body["token"]),
        "print_job": job_info or {"id": None, "status": "none" if not printer_uri else "failed",
                                  "error_kind": None if not printer_uri else "error"},
    })
    return jsonify(body), (200 if result.duplicate else 201)
