"""Booking check-in on the kiosk: ``/kiosk/booking`` (the paired kiosk's page) and its JSON command.

The page has one text field that keeps the focus: a USB or 2D scanner "types" what it reads (the QR's
booking page address) followed by Enter, and a person can type the code the same way. A camera button
decodes the QR from the kiosk's camera with the vendored jsQR (Chromium on Linux has no
``BarcodeDetector``). Either way the page POSTs what it read to ``/api/v1/kiosk/checkin``.
"""
from __future__ import annotations

import logging

from flask import Blueprint, abort, jsonify, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from bookings.context import clock_zone, day_label
from bookings.services import checkin as svc
from queue_service.domain.urls import status_url
from queue_service.extensions import db
from queue_service.services.tickets import position_of
from queue_service.web.access import principal, require
from queue_service import hooks
from queue_service.clock import now
from queue_service.web.helpers import commit_and_emit, field, json_body, public_base

bp = Blueprint("bookings_kiosk", __name__)
log = logging.getLogger(__name__)


def _kiosk():
    p = principal()
    if p.kind == "device" and p.device_kind == "kiosk":
        return p.device
    return None


def _strings() -> dict:
    return {
        "checked_in": _("Check-in berhasil. Nomor antrean Anda:"),
        "already": _("Booking ini sudah check-in. Nomor antrean Anda:"),
        "late_walk_in": _("Anda terlambat dari jadwal booking; Anda mendapat antrean biasa:"),
        "early": _("Terlalu awal. Silakan kembali untuk check-in mulai pukul %(t)s.", t="{t}"),
        "rebook": _("Waktu check-in booking ini sudah lewat. Silakan buat booking baru atau ambil antrean biasa."),
        "wrong_day": _("Booking ini untuk %(d)s, bukan hari ini.", d="{d}"),
        "not_found": _("Kode tidak ditemukan di kantor ini. Periksa kodenya atau tanya petugas."),
        "invalid": _("Itu bukan kode booking. Pindai kode QR booking atau ketik kodenya."),
        "used": _("Booking ini sudah dibatalkan atau dilepas."),
        "quota": _("Kuota layanan hari ini sudah habis. Silakan tanya petugas informasi."),
        "error": _("Check-in belum berhasil. Silakan coba lagi atau minta bantuan petugas."),
        "people_ahead": _("%(n)s orang di depan Anda", n="{n}"),
        "photo": _("Silakan foto layar ini atau catat nomornya."),
        "printing": _("Tiket Anda sedang dicetak. Jika tidak keluar, foto layar ini atau catat nomornya."),
        "camera_off": _("Kamera tidak dapat dibuka. Gunakan pemindai atau ketik kodenya."),
        "camera_on": _("Arahkan kode QR ke kamera…"),
    }


@bp.get("/kiosk/booking")
def checkin_page():
    device = _kiosk()
    if device is None:
        return render_template("kiosk/message.html", title=_("Kiosk belum siap"),
                               message=_("Halaman ini untuk perangkat kiosk yang sudah dipasangkan.")), 401
    config = {"checkinUrl": url_for("bookings_kiosk.checkin"), "resetSeconds": 15,
              "homeUrl": url_for("kiosk.kiosk_page") if "kiosk.kiosk_page" in _endpoints() else None,
              "locale": str(get_locale() or "id")}
    return render_template("bookings/kiosk_checkin.html", office=device.office, config=config, strings=_strings())


def _endpoints():
    from flask import current_app
    return current_app.view_functions


@bp.post("/api/v1/kiosk/checkin")
@require(devices=("kiosk",))
def checkin():
    """Check in what the kiosk read (a kiosk device only: its office is the booking's office)."""
    device = _kiosk()
    if device is None:
        abort(403, description="Only a kiosk device checks bookings in.")
    data = json_body()
    scanned = field(data, "code", str, max_length=500)
    office = device.office
    t = now()
    registered = hooks.current()
    result = svc.check_in(db.session, office=office, scanned=scanned, now=t, quota_caps=registered.quota_caps,
                          quota_holds=registered.quota_holds, device_id=device.id, actor=f"device:{device.name}")
    body = {"outcome": result.outcome, "booking": result.booking.code and {
        "code": result.booking.code, "day": result.booking.day.isoformat(), "slot": result.booking.slot_key}}
    ticket = result.ticket
    if ticket is not None:
        body["ticket"] = {"code": ticket.code, "token": ticket.token, "status": ticket.status,
                          "status_url": status_url(public_base(), ticket.token),
                          "position": position_of(db.session, ticket)}
    if result.come_back_at is not None:
        body["come_back_at"] = clock_zone(result.come_back_at, office.timezone)
    if result.day is not None:
        body["day_text"] = day_label(result.day)
    printer_uri = device.printer_uri  # read before the commit: no reload after it
    commit_and_emit(result.events)  # the ticket is stored before it is printed
    if ticket is not None and result.outcome in (svc.CHECKED_IN, svc.LATE_WALK_IN):
        body["print_job"] = _print(registered.ticket_printing, ticket, device, t, printer_uri, body["ticket"])
    return jsonify(body), 201 if result.outcome in (svc.CHECKED_IN, svc.LATE_WALK_IN) else 200


def _print(printing, ticket, device, t, printer_uri, info) -> dict:
    """The check-in's ticket printed on the kiosk's printer through the print-job feature
    (``hooks.ticket_printing``), as a walk-in's is; a print failure never undoes the check-in."""
    if printing is None or not printer_uri:
        return {"id": None, "status": "none", "error_kind": None}
    try:
        job, events = printing.queue(db.session, ticket=ticket, device=device, now=t, status_url=info["status_url"],
                                     people_ahead=info.get("position"), eta=None)
        commit_and_emit(events)
        return job or {"id": None, "status": "none", "error_kind": None}
    except Exception:
        db.session.rollback()
        log.exception("could not queue the print job of ticket %s", ticket.id)
        return {"id": None, "status": "failed", "error_kind": "error"}
