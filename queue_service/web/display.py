"""The waiting-room display (a 1920x1080 or 1280x720 TV): now calling, the last calls, waiting counts, the clock
and the office's information text; announces each call in Indonesian by joining recorded clips in the browser
(the office's own recordings, else the shipped espeak-ng clips; see ``web/voice.py``), or with the browser's id-ID
voice where one exists and the office prefers it.

A TV is paired once: ``/display/<office>/pair?token=<display token>`` stores the token in the httponly
``adminduk_device`` cookie and redirects to the screen, so the token never stays in the address bar. Staff
of the office may open the screen too.
"""
from __future__ import annotations

import re

from flask import Blueprint, abort, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from queue_service.clock import now
from queue_service.domain.clock import zone_abbreviation
from queue_service.extensions import db
from queue_service.services.board import office_board
from queue_service.web.access import (
    accessible_office,
    office_or_404,
    principal,
    principal_from_token,
    require,
    set_device_cookie,
)
from queue_service.web.voice import display_voice

bp = Blueprint("display", __name__, url_prefix="/display")

_CODE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


def _split(raw: str | None) -> list[str]:
    return [part.strip() for part in (raw or "").split(",") if part.strip()]


def display_filter(device=None) -> dict:
    """``?services=REKAM,KK&counters=1,2`` wins over the device's own filter; unknown junk is ignored."""
    services = _split(request.args.get("services")) or _split(device.filter_services if device else "")
    counters = _split(request.args.get("counters")) or _split(device.filter_counters if device else "")
    return {"services": [s.upper() for s in services if _CODE.match(s)][:50],
            "counters": [int(c) for c in counters if c.isdigit() and len(c) < 6][:50]}


@bp.get("/<office_code>")
@require(roles=("clerk", "manager"), devices=("display",))
def screen(office_code: str):
    office = accessible_office(office_code)
    p = principal()
    board = office_board(db.session, office, now())
    config = {
        "office": {"code": office.code, "name": office.name, "timezone": office.timezone,
                   "zone": zone_abbreviation(office.timezone)},
        "filter": display_filter(p.device if p.kind == "device" else None),
        "board": board,
        "queue_url": url_for("api.queue", office_code=office.code),
        "chime": url_for("static", filename="sounds/chime.wav"),
        "voice": display_voice(office),
    }
    return render_template("display/screen.html", office=office, config=config)


@bp.get("/<office_code>/pair")
def pair(office_code: str):
    office = office_or_404(office_code)
    token = request.args.get("token", "")
    device = None
    if 0 < len(token) <= 200:
        found = principal_from_token(token, touch=False)
        if found is not None and found.kind == "device" and found.device.kind == "display":
            device = found.device
    if device is None or device.office_id != office.id:
        abort(403, description=_("Token layar tidak dikenal, dicabut, atau milik kantor lain."))
    args = {k: request.args[k] for k in ("services", "counters") if request.args.get(k)}
    return set_device_cookie(make_response(redirect(url_for("display.screen", office_code=office.code, **args))),
                             token)
