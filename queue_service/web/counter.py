"""The counter console: a clerk picks a counter of their office and calls, recalls, starts, finishes,
marks no-show and transfers from big buttons or the keyboard.

Commands are the JSON API's POSTs (session + CSRF, see ``static/js/counter.js``); state arrives over
Socket.IO (``queue_changed`` carries every counter's current ticket, so two tabs of a counter agree).
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from queue_service import hooks
from queue_service.clock import now
from queue_service.db import write_apart
from queue_service.extensions import db
from queue_service.models import Counter
from queue_service.domain.clock import zone_abbreviation
from queue_service.domain.errors import DomainError
from queue_service.services import breaks
from queue_service.services.board import office_board
from queue_service.services.presence import counter_seen
from queue_service.services.tickets import current_ticket, queue_changed, ticket_payload, usual_transfers
from queue_service.web.access import accessible_offices, ensure_office, require
from queue_service.web.helpers import commit_and_emit

bp = Blueprint("counter", __name__, url_prefix="/counter")


def _counter_or_404(counter_id) -> Counter:
    try:
        cid = int(counter_id)
    except (TypeError, ValueError):
        abort(404)
    if not 0 < cid < 2**31:
        abort(404)
    counter = db.session.get(Counter, cid)
    if counter is None:
        abort(404, description=f"Counter {cid} does not exist.")
    ensure_office(counter.office_id)
    return counter


def _state(counter: Counter) -> dict:
    ticket = current_ticket(db.session, counter)
    return {"counter": {"id": counter.id, "number": counter.number, "name": counter.name,
                        "active": counter.active, "office": counter.office.code,
                        "services": [s.code for s in counter.services],
                        "break": breaks.break_info(counter, counter.office.timezone)},
            "current": ticket_payload(ticket) if ticket is not None else None,
            "board": office_board(db.session, counter.office, now())}


@bp.get("")
@login_required
@require(roles=("clerk", "manager"))
def console():
    counter_id = request.args.get("counter")
    if not counter_id:
        offices = accessible_offices()
        return render_template("counter/pick.html", offices=offices)
    counter = _counter_or_404(counter_id)
    if counter.active and counter.open_since is None:  # a clerk is at this counter now (wait estimates)
        # a GET only reads in the request's transaction (on SQLite a deferred one): record it apart
        t = now()
        write_apart(db.engine, lambda session: session.execute(
            update(Counter).where(Counter.id == counter.id, Counter.open_since.is_(None))
            .values(open_since=t, last_seen_at=t).execution_options(synchronize_session=False)))
        set_committed_value(counter, "open_since", t)
    office = counter.office
    # only services taking tickets now (a transfer to a closed one is refused); the list starts, for the
    # current ticket's service, on where this office usually sends it, else on a service this counter does
    # not serve (static/js/counter.js), never on the ticket's own service
    transfer_targets = [{"code": s.code, "name": s.name_id, "name_en": s.name_en}
                        for s in office.services if s.active]
    served = {s.code for s in counter.services}
    active = {t["code"] for t in transfer_targets}
    transfer_defaults = {"usual": {k: v for k, v in usual_transfers(db.session, office, now()).items() if v in active},
                         "elsewhere": [t["code"] for t in transfer_targets if t["code"] not in served]}
    return render_template("counter/console.html", counter=counter, office=office, state=_state(counter),
                           transfer_targets=transfer_targets, transfer_defaults=transfer_defaults,
                           break_default=breaks.default_until(now(), office.timezone),
                           zone=zone_abbreviation(office.timezone),
                           counter_links=hooks.current().counter_links)


@bp.get("/<counter_id>/state")
@require(roles=("clerk", "manager"))
def state(counter_id):
    """The console's resync after a reconnect (same content as the page's initial state)."""
    return jsonify(_state(_counter_or_404(counter_id)))


@bp.post("/<counter_id>/heartbeat")
@login_required
@require(roles=("clerk", "manager"))
def heartbeat(counter_id):
    """The console is open (sent every 60 s): the counter stays open for wait estimates, and reopens if
    it had been closed as away (a laptop that slept)."""
    counter = _counter_or_404(counter_id)
    commit_and_emit(counter_seen(db.session, counter=counter, now=now()))
    return "", 204


@bp.post("/<counter_id>/close")
@login_required
@require(roles=("clerk", "manager"))
def close(counter_id):
    """The clerk leaves the counter: it no longer counts as open for wait estimates."""
    counter = _counter_or_404(counter_id)
    counter.open_since = None
    counter.break_until = None  # closing is not a break: estimates stop counting the counter
    # the event is built before the commit: reading counter.office after it would open a new transaction
    # (on SQLite a write lock) that the emit's own board session then waits on
    commit_and_emit([queue_changed(counter.office)])
    return redirect(url_for("counter.console"))


# --------------------------------------------------------------------------- breaks ("Istirahat sampai 13:00")

def _break_message(exc: DomainError) -> str:
    """The clerk's own language for what went wrong with a break."""
    return {
        "past": _("Jam kembali harus setelah sekarang."),
        "too_long": _("Istirahat paling lama 4 jam; tutup loket bila lebih lama."),
        "format": _("Isi jam kembali, misalnya 13:00."),
        "busy": _("Selesaikan atau tandai tidak hadir tiket saat ini sebelum istirahat."),
    }.get(exc.details.get("reason"), _("Loket ini sedang ditutup."))


def _break_reply(counter: Counter, events, *, ok_message: str):
    info = breaks.break_info(counter, counter.office.timezone)
    commit_and_emit(events)
    if request.is_json:
        return jsonify({"counter": counter.id, "break": info, "message": ok_message})
    flash(ok_message)
    return redirect(url_for("counter.console", counter=counter.id), code=303)


def _break_failed(counter_id: int, exc: DomainError):
    db.session.rollback()
    message = _break_message(exc)
    if request.is_json:
        return jsonify({"error": exc.code, "message": message}), exc.status
    flash(message)
    return redirect(url_for("counter.console", counter=counter_id), code=303)


@bp.post("/<counter_id>/break")
@login_required
@require(roles=("clerk", "manager"))
def start_break(counter_id):
    """The clerk goes on a break until a time of day (form field or JSON ``until``: "13:00", office-local):
    the counter stays open and wait estimates count it back from then."""
    counter = _counter_or_404(counter_id)
    if request.is_json:
        data = request.get_json(silent=True)
        text = data.get("until") if isinstance(data, dict) else None
    else:
        text = request.form.get("until")
    try:
        until = breaks.parse_until(text if isinstance(text, str) else "", now(), counter.office.timezone)
        events = breaks.start_break(db.session, counter=counter, until=until, now=now())
    except DomainError as exc:
        return _break_failed(counter.id, exc)
    info = breaks.break_info(counter, counter.office.timezone)
    return _break_reply(counter, events, ok_message=_("Istirahat sampai %(t)s", t=info["local"]))


@bp.post("/<counter_id>/resume")
@login_required
@require(roles=("clerk", "manager"))
def end_break(counter_id):
    """"Kembali": the clerk is back from the break."""
    counter = _counter_or_404(counter_id)
    events = breaks.end_break(db.session, counter=counter, now=now())
    return _break_reply(counter, events, ok_message=_("Selamat datang kembali. Loket terbuka."))
