"""The kiosk: pairing, the touch page, its state JSON, QR images, and kiosk rules on issuing.

Kiosk devices that POST to ``/api/v1/offices/<code>/tickets`` (with their bearer token or the
``adminduk_device`` cookie set by pairing) go through :func:`kiosk_issue`: double-press
protection, a per-device throttle, opening hours, and a durable print job queued after the ticket
is committed. Staff and other callers keep the core view unchanged.
"""
from __future__ import annotations

import functools
import logging

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from kiosk import issuing
from kiosk.qr import qr_png, qr_svg
from queue_service.domain.clock import local_time, zone_abbreviation
from queue_service.domain.priority import KIOSK_PRIORITY_GROUPS
from queue_service.domain.urls import status_url
from queue_service.extensions import db
from queue_service.models import Device, Service, Ticket
from queue_service.web.access import ensure_office, office_or_404, principal, principal_from_token, require
from queue_service.web.helpers import commit_and_emit, field, json_body, now, public_base, queue_policy

log = logging.getLogger(__name__)

bp = Blueprint("kiosk", __name__)

COOKIE = "adminduk_device"
COOKIE_MAX_AGE = 400 * 24 * 3600  # browsers cap cookie lifetimes at 400 days
PRIORITIES = (None, "lansia", "disabilitas", "ibu_hamil", "anak", "korban_bencana")


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
    response = redirect(url_for("kiosk.kiosk_page"))
    response.set_cookie(COOKIE, token, max_age=COOKIE_MAX_AGE, httponly=True, samesite="Lax",
                        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")), path="/")
    return response


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
    opening, services = issuing.service_states(db.session, office, t, queue_policy().quota_caps)
    locale = str(get_locale() or "id")
    local = local_time(t, office.timezone)
    config = {
        "office": office.code, "locale": locale, "issueUrl": url_for("api.issue_ticket", office_code=office.code),
        "stateUrl": url_for("kiosk.state"), "printUrl": "/api/v1/print-jobs/",
        "resetSeconds": int(current_app.config.get("KIOSK_RESET_SECONDS", 30)),
        "failedResetSeconds": int(current_app.config.get("KIOSK_FAILED_RESET_SECONDS", 60)),
        "homeUrl": url_for("kiosk.kiosk_page"),
        "groups": _group_labels(),  # a priority ticket says which group it is for
    }
    return render_template(
        "kiosk/kiosk.html", office=office, services=services, opening=opening, config=config,
        strings=_strings(), notices=_notices(), groups=[(g, _group_labels()[g]) for g in KIOSK_PRIORITY_GROUPS], locale=locale,
        zone=zone_abbreviation(office.timezone), today=local,
        days=_open_days_text(office.open_days))


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
    opening, services = issuing.service_states(db.session, office, now(), queue_policy().quota_caps)
    return jsonify({"office": office.code, "open": opening.is_open, "reason": opening.reason,
                    "services": services})


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
    """The wait estimate of the waits service (issue 4) when it is installed; else None, and the
    kiosk shows people ahead only."""
    try:
        from queue_service.services import waits
    except ImportError:
        return None
    fn = getattr(waits, "estimate_ticket", None)
    if fn is None:
        return None
    try:
        # recorded as shown (kiosk screen and printed ticket): the record the ranges are calibrated on
        result = fn(db.session, ticket, at, record="issue")
    except Exception:  # an estimate must never stop a ticket
        log.exception("wait estimate failed for ticket %s", ticket.id)
        return None
    if not result:
        return None
    try:
        return {k: (round(float(result[k])) if result.get(k) is not None else None) for k in ("minutes", "p10", "p90")}
    except (TypeError, ValueError, KeyError):
        return None


def kiosk_issue(office_code: str):
    from printers import jobs
    from printers.models import PrintJob
    from queue_service.web.api import ticket_json

    device = _kiosk_device()
    office = office_or_404(office_code)
    ensure_office(office)
    data = json_body()
    code = field(data, "service", str, max_length=32)
    priority = field(data, "priority", str, required=False, nullable=True, max_length=20)
    if priority not in PRIORITIES:
        abort(400, description="Field 'priority' must be null or one of: lansia, disabilitas, ibu_hamil, "
                               "anak, korban_bencana.")
    service = db.session.scalar(select(Service).where(Service.office_id == office.id, Service.code == code))
    if service is None:
        abort(404, description=f"Service {code!r} does not exist in office {office.code}.")
    t = now()
    cfg = current_app.config
    result = issuing.issue_for_kiosk(
        db.session, device=device, office=office, service=service, priority=priority, now=t,
        policy=queue_policy(), window_seconds=float(cfg.get("KIOSK_DOUBLE_PRESS_SECONDS", 3)),
        per_minute=int(cfg.get("KIOSK_TICKETS_PER_MINUTE", 30)))
    ticket = result.ticket
    body = ticket_json(ticket, with_token=True)
    printer_uri = device.printer_uri  # read before the commit: no reload (and SQLite lock) after it
    commit_and_emit(result.events)  # the ticket is stored before anything is estimated or printed
    estimate = estimate_for(ticket, t) if ticket.status == "waiting" else None
    db.session.commit()  # end the read transaction (SQLite: BEGIN IMMEDIATE holds the write lock)

    job_info = None
    if result.duplicate:
        job = db.session.scalar(select(PrintJob).where(PrintJob.ticket_id == ticket.id)
                                .order_by(PrintJob.id.desc()).limit(1))
        if job is not None:
            job_info = {"id": job.id, "status": job.status, "error_kind": job.error_kind}
    elif printer_uri:
        try:
            eta = (estimate["p10"], estimate["p90"]) if estimate and estimate.get("p10") is not None \
                and estimate.get("p90") is not None else None
            job, events = jobs.queue_job(db.session, ticket=ticket, device=device, now=t,
                                         status_url=body["status_url"], people_ahead=body.get("position"),
                                         eta=eta)
            # as stored; read before the commit (a print agent may claim it the moment it is pushed)
            job_info = {"id": job.id, "status": job.status, "error_kind": job.error_kind}
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


def _wrap_core_issue(app: Flask) -> None:
    original = app.view_functions["api.issue_ticket"]

    @functools.wraps(original)
    def issue_ticket(office_code: str):
        if _kiosk_device() is not None:
            return kiosk_issue(office_code)
        return original(office_code=office_code)

    app.view_functions["api.issue_ticket"] = issue_ticket


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
    import copy

    from queue_service.web.openapi import CORE_PATHS, errors

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


def init_app(app: Flask) -> None:
    from queue_service.web.openapi import register_paths

    app.register_blueprint(bp)
    _wrap_core_issue(app)
    register_paths(app, {**OPENAPI, **_issue_doc()}, SCHEMAS)
