"""JSON API v1. Errors are ``{"error": code, "message": text}`` with the right 4xx."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload, selectinload

from queue_service import hooks
from queue_service.clock import now
from queue_service.domain.errors import QuotaReached
from queue_service.domain.priority import PRIORITY_GROUPS
from queue_service.extensions import db
from queue_service.models import Counter, Service, Ticket
from queue_service.services import board
from queue_service.services import tickets as svc
from queue_service.web.access import accessible_office, ensure_office, principal, require
from queue_service.web.helpers import commit_and_emit, count_refusal, field, json_body, queue_policy
from queue_service.web.serializers import ticket_json

bp = Blueprint("api", __name__, url_prefix="/api/v1")

ID = "int(max=2147483647)"


_SERVICE_BY_CODE = select(Service).where(Service.office_id == bindparam("office_id"), Service.code == bindparam("code"))


def office_service(office, code) -> Service:
    """The office's service with this code, or a 404 that says so."""
    service = db.session.scalar(_SERVICE_BY_CODE, {"office_id": office.id, "code": code})
    if service is None:
        abort(404, description=f"Service {code!r} does not exist in office {office.code}.")
    return service


def issue_request(office_code: str) -> hooks.IssueRequest:
    """A ticket request, validated once for everyone who issues (staff, kiosks, other devices)."""
    office = accessible_office(office_code)
    data = json_body()
    code = field(data, "service", str, max_length=32)
    priority = field(data, "priority", str, required=False, nullable=True, max_length=20)
    if priority is not None and priority not in PRIORITY_GROUPS:
        abort(400, description=f"Field 'priority' must be null or one of: {', '.join(PRIORITY_GROUPS)}.")
    return hooks.IssueRequest(office=office, service=office_service(office, code), priority=priority, data=data)


@bp.post("/offices/<office_code>/tickets")
@require(roles=("clerk", "manager"), devices=("kiosk",))
def issue_ticket(office_code: str):
    """Staff issue here; a device whose kind has an issue view (``hooks.device_issue``: the kiosk's rules and
    print job) is answered by that view, with the request validated here first."""
    p = principal()
    device_view = hooks.current().device_issue.get(p.device_kind) if p.kind == "device" else None
    req = issue_request(office_code)
    if device_view is not None:
        return device_view(req)
    registered = hooks.current()
    try:
        ticket, events = svc.issue_ticket(
            db.session, office=req.office, service=req.service, now=now(), priority=req.priority,
            device_id=p.device.id if p.device else None, actor=p.actor,
            quota_caps=registered.quota_caps, quota_holds=registered.quota_holds)
    except QuotaReached:
        count_refusal(req.office, req.service)  # a citizen turned away, for the figures and the blank forecast
        raise
    issued = next((e.payload for e in events if e.name == "ticket_issued"), {})
    body = ticket_json(ticket, with_token=True,  # before the commit: no reload, no second transaction
                       position=issued.get("position", False))  # counted once, by svc.issue_ticket
    commit_and_emit(events)
    return jsonify(body), 201


@bp.get("/tickets/<token>")
def ticket_status(token: str):
    if len(token) > 64:
        abort(404, description="No ticket has this token.")
    ticket = db.session.scalar(select(Ticket).where(Ticket.token == token))
    if ticket is None:
        abort(404, description="No ticket has this token.")
    return jsonify(ticket_json(ticket))


#: the counter with what a call reads (its office, its services) in two statements, no lazy loads
_COUNTER_FOR_CALL = (select(Counter).where(Counter.id == bindparam("counter_id"))
                     .options(joinedload(Counter.office), selectinload(Counter.services)))


@bp.post(f"/counters/<{ID}:counter_id>/call-next")
@require(roles=("clerk", "manager"))
def call_next(counter_id: int):
    counter = db.session.scalar(_COUNTER_FOR_CALL, {"counter_id": counter_id})
    if counter is None:
        abort(404, description=f"Counter {counter_id} does not exist.")
    ensure_office(counter.office_id)
    data = json_body(required=False)
    previous = field(data, "previous", str, required=False, nullable=True, max_length=20)
    if previous not in (None, *svc.PREVIOUS_ACTIONS):
        abort(400, description="Field 'previous' must be null, \"no_show\" (the called ticket did not come) "
                               "or \"finish\" (the ticket being served is done).")
    previous_id = field(data, "previous_id", int, required=False, nullable=True, minimum=1, maximum=2**31 - 1)
    ticket, events = svc.call_next(db.session, counter=counter, now=now(), actor=principal().actor,
                                   policy=queue_policy(), finish_hooks=hooks.current().finish_hooks,
                                   previous=previous, previous_id=previous_id)
    body = ticket_json(ticket) if ticket is not None else None  # before the commit (see issue_ticket)
    commit_and_emit(events)
    if body is None:
        return "", 204
    return jsonify(body)


def _ticket_for_command(ticket_id: int) -> Ticket:
    ticket = svc.get_ticket_for_update(db.session, ticket_id)
    ensure_office(ticket.office_id)
    return ticket


def _command(ticket_id: int, action):
    ticket = _ticket_for_command(ticket_id)
    ticket, events = action(ticket)
    body = ticket_json(ticket)  # before the commit (see issue_ticket)
    commit_and_emit(events)
    return jsonify(body)


@bp.post(f"/tickets/<{ID}:ticket_id>/recall")
@require(roles=("clerk", "manager"))
def recall(ticket_id: int):
    return _command(ticket_id, lambda t: svc.recall(db.session, ticket=t, now=now(), actor=principal().actor))


@bp.post(f"/tickets/<{ID}:ticket_id>/start")
@require(roles=("clerk", "manager"))
def start(ticket_id: int):
    return _command(ticket_id, lambda t: svc.start(db.session, ticket=t, now=now(), actor=principal().actor))


@bp.post(f"/tickets/<{ID}:ticket_id>/finish")
@require(roles=("clerk", "manager"))
def finish(ticket_id: int):
    data = json_body(required=False)
    extra = {}
    if "cards" in data:
        extra["cards"] = field(data, "cards", int, minimum=0, maximum=50)
    if "spoiled" in data:
        extra["spoiled"] = field(data, "spoiled", int, minimum=0, maximum=50)
    if "spoiled_reason" in data:
        extra["spoiled_reason"] = field(data, "spoiled_reason", str, max_length=200)
    return _command(ticket_id, lambda t: svc.finish(db.session, ticket=t, now=now(), actor=principal().actor,
                                                    data=extra, finish_hooks=hooks.current().finish_hooks))


@bp.post(f"/tickets/<{ID}:ticket_id>/no-show")
@require(roles=("clerk", "manager"))
def no_show(ticket_id: int):
    return _command(ticket_id, lambda t: svc.no_show(db.session, ticket=t, now=now(), actor=principal().actor,
                                                     policy=queue_policy()))


@bp.post(f"/tickets/<{ID}:ticket_id>/cancel")
@require(roles=("clerk", "manager"))
def cancel(ticket_id: int):
    return _command(ticket_id, lambda t: svc.cancel(db.session, ticket=t, now=now(), actor=principal().actor))


@bp.post(f"/tickets/<{ID}:ticket_id>/transfer")
@require(roles=("clerk", "manager"))
def transfer(ticket_id: int):
    ticket = _ticket_for_command(ticket_id)  # another office's ticket: 403 before the body is judged
    data = json_body()
    code = field(data, "service", str, max_length=32)
    target = office_service(ticket.office, code)
    ticket, events = svc.transfer(db.session, ticket=ticket, target=target, now=now(), actor=principal().actor,
                                  policy=queue_policy())
    commit_and_emit(events)
    return jsonify(ticket_json(ticket))


@bp.get("/offices/<office_code>/queue")
@require(roles=("clerk", "manager"), devices=("kiosk", "display"))
def queue(office_code: str):
    return jsonify(board.queue_overview(db.session, accessible_office(office_code), now()))


@bp.get("/openapi.json")
def openapi():
    from queue_service.web.openapi import document
    return jsonify(document(current_app))
