"""Every route of the app x every kind of caller gets the right answer.

Routes are discovered from ``app.url_map``: a route (or a method of it) without an entry in ``EXPECTED``
fails the test, so nobody adds an unprotected page or endpoint silently. Path parameters are filled with real
ids of office BKS; the "other office" columns are staff and devices of office KTB calling those BKS ids.

Callers: ``anon`` (nobody), ``kiosk`` / ``display`` (BKS device tokens), ``clerk`` / ``manager`` (BKS staff,
browser session for pages and forms, bearer API token under /api), ``admin``, ``other_clerk`` /
``other_manager`` / ``other_kiosk`` / ``other_display`` (office KTB).

Outcome of one call: ``ok`` (2xx/3xx other than a redirect to the sign-in page, or a handled 400/409/422: the
caller was let in and the input or state was judged), ``denied`` (401/403 or a redirect to sign in), ``404``.
Never 5xx.
"""
from __future__ import annotations

import re
import time

from sqlalchemy import select

from queue_service.extensions import db
from tests.conftest import MONDAY_0800_WIB
from tests.hardening.conftest import csrf_from

CALLERS = ("anon", "kiosk", "display", "clerk", "manager", "admin",
           "other_clerk", "other_manager", "other_kiosk", "other_display")
OTHERS = tuple(c for c in CALLERS if c.startswith("other_"))

ALL = frozenset(CALLERS)
STAFF = frozenset({"clerk", "manager", "admin"})
MANAGERS = frozenset({"manager", "admin"})
ADMIN = frozenset({"admin"})
NOBODY = frozenset()


def only(*callers: str) -> frozenset:
    return frozenset(callers)


#: (endpoint, method) -> callers let in. Everyone else must be denied (401/403, sign-in redirect; the
#: other-office callers may also get 404). A value of ALL means public.
EXPECTED: dict[tuple[str, str], frozenset] = {
    # public: the landing page, health, sign-in, language switch, static files, the API document
    ("pages.index", "GET"): ALL, ("pages.healthz", "GET"): ALL, ("static", "GET"): ALL,
    ("pages.favicon", "GET"): ALL,
    ("auth.login_page", "GET"): ALL, ("auth.login_page", "POST"): ALL, ("auth.set_language", "GET"): ALL,
    ("api.openapi", "GET"): ALL,
    # public by ticket token (knowing the opaque token is the access; no NIK or name behind it)
    ("status.page", "GET"): ALL, ("api.ticket_status", "GET"): ALL,
    ("kiosk.qr_image_png", "GET"): ALL, ("kiosk.qr_image_svg", "GET"): ALL,
    # pairing needs the device's token in the link: without it nobody gets in, staff included
    ("kiosk.pair", "GET"): NOBODY, ("display.pair", "GET"): NOBODY,
    ("auth.logout", "POST"): STAFF | only("other_clerk", "other_manager"),
    # kiosk device
    ("kiosk.kiosk_page", "GET"): only("kiosk", "other_kiosk"),  # each kiosk sees its own office
    ("kiosk.state", "GET"): only("kiosk", "other_kiosk"),
    ("kiosk.turned_away", "POST"): only("kiosk", "other_kiosk"),  # each kiosk reports for its own office
    ("print_api.agent_jobs", "GET"): only("kiosk", "other_kiosk"),
    ("print_api.agent_claim", "POST"): only("kiosk"),
    ("print_api.agent_result", "POST"): only("kiosk"),
    ("print_api.job_status", "GET"): only("kiosk") | STAFF,
    # tickets and the queue
    ("api.issue_ticket", "POST"): only("kiosk") | STAFF,
    ("api.queue", "GET"): only("kiosk", "display") | STAFF,
    ("api.call_next", "POST"): STAFF,
    **{(f"api.{c}", "POST"): STAFF for c in ("recall", "start", "finish", "no_show", "cancel", "transfer")},
    # counter console (the picker lists the caller's own offices)
    ("counter.console", "GET"): STAFF | only("other_clerk", "other_manager"),
    ("counter.state", "GET"): STAFF, ("counter.close", "POST"): STAFF,
    ("counter.heartbeat", "POST"): STAFF,
    ("counter.start_break", "POST"): STAFF, ("counter.end_break", "POST"): STAFF,
    # display screen
    ("display.screen", "GET"): only("display") | STAFF,
    # printers page (lists the caller's own offices' printers), reprints and the ticket preview
    ("printers.index", "GET"): STAFF | only("other_clerk", "other_manager"),
    ("printers.reprint", "POST"): STAFF, ("printers.reprint_device", "POST"): STAFF,
    ("printers.preview", "GET"): STAFF,
    # stock API: staff read, managers write; the kiosk asks availability and counts turned-away citizens
    ("stock_api.api_stock", "GET"): STAFF, ("stock_api.api_forecast", "GET"): STAFF,
    ("stock_api.api_alerts", "GET"): STAFF, ("stock_api.api_acknowledge", "POST"): MANAGERS,
    ("stock_api.api_movement", "POST"): MANAGERS,
    ("stock_api.api_availability", "GET"): only("kiosk") | STAFF,
    ("stock_api.api_turned_away", "POST"): only("kiosk") | STAFF,
    # manager pages (the dashboard lists the caller's own offices)
    ("manager.dashboard", "GET"): MANAGERS | only("other_manager"),
    # how good the wait estimates were (the picker lists the caller's own offices)
    ("estimates.pick", "GET"): MANAGERS | only("other_manager"), ("estimates.office_page", "GET"): MANAGERS,
    ("manager.office_page", "GET"): MANAGERS, ("manager.ledger", "GET"): MANAGERS,
    ("manager.ledger_csv", "GET"): MANAGERS, ("manager.stock_form", "GET"): MANAGERS,
    ("manager.stock_form", "POST"): MANAGERS, ("manager.acknowledge", "POST"): MANAGERS,
    # stock settings (items' lead time / service level / capacity, per-service consumption rules)
    ("stock_settings.index", "GET"): MANAGERS, ("stock_settings.item_edit", "GET"): MANAGERS,
    ("stock_settings.item_edit", "POST"): MANAGERS, ("stock_settings.rule_save", "POST"): MANAGERS,
    ("stock_settings.rule_delete", "POST"): MANAGERS,  # (a rule already gone: "sudah tidak ada", no error)
    # administration: managers run their own office, only the admin creates offices
    ("admin.index", "GET"): MANAGERS | only("other_manager"),
    ("admin.office_new", "GET"): ADMIN, ("admin.office_new", "POST"): ADMIN,
    ("admin.users", "GET"): MANAGERS | only("other_manager"),
    ("admin.user_new", "GET"): MANAGERS | only("other_manager"),
    ("admin.user_new", "POST"): MANAGERS | only("other_manager"),  # (only into their own offices)
    **{(f"admin.{e}", m): MANAGERS for e, m in [
        ("office_page", "GET"), ("office_edit", "GET"), ("office_edit", "POST"),
        ("services", "GET"), ("service_new", "GET"), ("service_new", "POST"), ("service_edit", "GET"),
        ("service_edit", "POST"), ("counters", "GET"), ("counter_new", "GET"), ("counter_new", "POST"),
        ("counter_edit", "GET"), ("counter_edit", "POST"), ("devices", "GET"), ("device_new", "GET"),
        ("device_new", "POST"), ("device_edit", "GET"), ("device_edit", "POST"), ("device_qr", "GET"),
        ("device_revoke", "POST"), ("device_rotate", "POST"), ("user_edit", "GET"), ("user_edit", "POST"),
        ("user_password", "POST"), ("user_token_new", "POST"), ("user_token_revoke", "POST")]},
    # the announcement voice: managers upload their office's recordings; its displays and staff play them
    **{(f"voice.{e}", m): MANAGERS for e, m in [
        ("page", "GET"), ("upload", "POST"), ("settings", "POST"), ("delete", "POST"), ("delete_all", "POST"),
        ("shipped_zip", "GET")]},
    ("voice.clip", "GET"): only("display") | STAFF,
    # bookings (issue 14). Citizens: no account, no NIK; the pages and the public POSTs are rate-limited per
    # address (a 429 is an answer) and a booking or remote ticket is reached by its opaque token only
    **{(f"bookings.{e}", m): ALL for e, m in [
        ("offices", "GET"), ("services", "GET"), ("dates", "GET"), ("slots", "GET"), ("slots", "POST"),
        ("booking_page", "GET"), ("booking_json", "GET"), ("booking_qr", "GET"), ("cancel", "POST"),
        ("move_dates", "GET"), ("move_slots", "GET"), ("move_slots", "POST")]},
    **{(f"bookings_remote.{e}", m): ALL for e, m in [
        ("remote_page", "GET"), ("remote_page", "POST"), ("remote_status", "GET"), ("remote_json", "GET")]},
    ("bookings_api.api_availability", "GET"): ALL,  # public, rate-limited: what a portal or a bot shows
    # the portal/bot API books for a citizen with a staff token of the office
    **{(f"bookings_api.{e}", m): STAFF for e, m in [
        ("api_book", "POST"), ("api_day", "GET"), ("api_booking", "GET"), ("api_cancel", "POST"),
        ("api_move", "POST"), ("api_checkin", "POST")]},
    # the kiosk's check-in page and command: a paired kiosk, for its own office's bookings
    ("bookings_kiosk.checkin_page", "GET"): only("kiosk", "other_kiosk"),
    ("bookings_kiosk.checkin", "POST"): only("kiosk", "other_kiosk"),
    # managers: booking settings, texts, the office calendar, the day's bookings (the picker lists their offices)
    ("bookings_manager.pick", "GET"): MANAGERS | only("other_manager"),
    **{(f"bookings_manager.{e}", m): MANAGERS for e, m in [
        ("overview", "GET"), ("day", "GET"), ("day_csv", "GET"), ("save_rules", "POST"),
        ("service_settings", "GET"), ("service_settings", "POST"), ("texts", "GET"), ("texts", "POST"),
        ("calendar", "GET"), ("calendar", "POST"), ("calendar_delete", "POST"), ("calendar_collective", "POST")]},
    # queue figures (issue 15): an office's figures, exports, monthly report and target waits for its managers;
    # the offices side by side list the caller's own offices (page and API); clerks see none of it
    ("figures.overview", "GET"): MANAGERS | only("other_manager"),
    **{(f"figures.{e}", m): MANAGERS for e, m in [
        ("office_page", "GET"), ("office_export", "GET"), ("monthly_report", "GET"), ("targets", "GET"),
        ("targets", "POST")]},
    ("figures_api.office_figures", "GET"): MANAGERS, ("figures_api.office_staffing", "GET"): MANAGERS,
    ("figures_api.offices_figures", "GET"): MANAGERS | only("other_manager"),
    # feedback (issue 15): the citizen's survey and complaint form, public by ticket token (CSRF, rate-limited;
    # a survey of an unfinished ticket is a 409), and a complaint's own page by its opaque token
    ("feedback.survey", "POST"): ALL, ("feedback.send_complaint", "POST"): ALL,
    ("feedback.complaint_page", "GET"): ALL, ("feedback.complaint_form_page", "GET"): ALL,
    # managers: IKM, complaints inbox and commands, LAPOR! export, settings, tablets (picker: their own offices)
    ("feedback_manager.pick", "GET"): MANAGERS | only("other_manager"),
    ("feedback_api.office_ikm", "GET"): MANAGERS,  # the IKM as JSON for the office's managers and admins
    **{(f"feedback_manager.{e}", m): MANAGERS for e, m in [
        ("ikm", "GET"), ("inbox", "GET"), ("complaint", "GET"), ("act", "POST"), ("lapor_csv", "GET"),
        ("settings", "GET"), ("settings", "POST"), ("tablets", "GET"), ("tablets", "POST")]},
    # the counter tablet: a paired tablet only (its own cookie; nobody here holds one), or the office's staff
    **{(f"feedback_tablet.{e}", m): NOBODY for e, m in [
        ("pair", "GET"), ("page", "GET"), ("state", "GET"), ("submit", "POST"), ("skip", "POST")]},
    ("feedback_tablet.pick", "GET"): STAFF | only("other_clerk", "other_manager"),
    **{(f"feedback_tablet.{e}", m): STAFF for e, m in [
        ("clerk_page", "GET"), ("clerk_state", "GET"), ("clerk_submit", "POST"), ("clerk_skip", "POST")]},
}

def _spare_objects(world) -> dict:
    """Targets of destructive admin commands (revoke, rotate, new password), so they do not break the
    callers that follow."""
    from queue_service.models import ApiToken, Office
    from queue_service.services.staff import create_api_token, create_device, create_user
    with world.app.app_context():
        office = db.session.scalar(select(Office).where(Office.code == "BKS"))
        device, device_token = create_device(db.session, office=office, kind="kiosk", name="Kiosk Cadangan",
                                  now=MONDAY_0800_WIB, printer_uri="dummy://")
        user = create_user(db.session, username="cadangan", password="kata-sandi-cadangan-1", role="clerk",
                           offices=[office], full_name="Petugas Cadangan")
        create_api_token(db.session, user=user, now=MONDAY_0800_WIB, name="cadangan")
        db.session.commit()
        token_id = db.session.scalar(select(ApiToken.id).where(ApiToken.user_id == user.id))
        out = {"device": device.id, "device_token": device_token, "user": user.id, "api_token": token_id}
        try:  # a consumption rule of BKS that may be deleted (the demo's own rules stay for the finish hook)
            from inventory.models import ServiceConsumption
            from inventory.ledger import ensure_items
            from queue_service.models import Service
            service = db.session.scalar(select(Service).where(Service.office_id == office.id, Service.code == "KK"))
            rule = ServiceConsumption(service_id=service.id, item_id=ensure_items(db.session, office)["PAPER"].id)
            db.session.add(rule)
            db.session.commit()
            out["rule"] = rule.id
        except ImportError:  # inventory feature not in this build
            pass
        out.update(_booking_objects(office))
        out.update(_feedback_objects(office))
        db.session.remove()
    return out


def _booking_objects(office) -> dict:
    """A booking (the demo seeder switched bookings on for KK), a same-day remote ticket and a calendar entry
    of BKS, for the bookings routes' tokens and ids."""
    from datetime import timedelta

    try:
        from bookings.models import BookingService
        from bookings.services.availability import Env
        from bookings.services.booking import book
        from bookings.services.remote import take
    except ImportError:  # bookings feature not in this build
        return {}
    from queue_service.models import Service
    from queue_service.models.calendar import OfficeCalendarEntry
    service = db.session.scalar(select(Service).where(Service.office_id == office.id, Service.code == "KK"))
    settings = db.session.get(BookingService, service.id)
    settings.remote_enabled, settings.remote_daily_cap = True, 40
    env = Env(secret="matrix")
    tuesday = MONDAY_0800_WIB.date() + timedelta(days=1)
    booking, _ = book(db.session, office=office, service=service, day=tuesday, slot_key="09:00",
                      now=MONDAY_0800_WIB, env=env, via="api")
    ticket, _ = take(db.session, office=office, service=service, now=MONDAY_0800_WIB, env=env)
    entry = OfficeCalendarEntry(office_id=office.id, day=tuesday + timedelta(days=30), open=False, note="uji",
                                created_at=MONDAY_0800_WIB)
    db.session.add(entry)
    db.session.commit()
    return {"booking_token": booking.token, "booking_code": booking.code, "day": tuesday.isoformat(),
            "remote_token": ticket.token, "entry_id": entry.id}


def _feedback_objects(office) -> dict:
    """A complaint about a BKS ticket (feedback feature), for the complaint routes' id and token."""
    try:
        from feedback.services import complaints as complaint_svc
        from feedback.services.settings import FeedbackSettings
    except ImportError:  # feedback feature not in this build
        return {}
    from queue_service.models import Ticket
    ticket = db.session.scalar(select(Ticket).where(Ticket.office_id == office.id).order_by(Ticket.id))
    data = complaint_svc.parse({"kind": "saran", "category": "sarana", "text": "Kursi ruang tunggu kurang."})
    sent, _ = complaint_svc.send(db.session, ticket=ticket, data=data, now=MONDAY_0800_WIB,
                                 settings=FeedbackSettings())
    db.session.commit()
    return {"complaint_id": sent.complaint.id, "complaint_token": sent.token}


def path_values(world, spare: dict) -> dict:
    ids = world.bks.ids
    return {"code": "BKS", "office_code": "BKS", "counter_id": ids["counter"], "device_id": spare["device"],
            "service_id": ids["service"], "user_id": spare["user"], "token_id": spare["api_token"],
            "fmt": "png", "alert_id": ids.get("alert"), "kind": "receipt", "job_id": ids.get("job"),
            "ticket_id": ids["ticket"], "token": ids["token"], "filename": "js/app.js",
            "service_code": ids["service_code"], "device_token": spare["device_token"],
            "item_code": "KTP_EL", "rule_id": spare.get("rule"), "part": "huruf-b",
            "booking_code": spare.get("booking_code"), "day": spare.get("day"), "entry_id": spare.get("entry_id"),
            "booking_token": spare.get("booking_token"), "remote_token": spare.get("remote_token"),
            "month": "2026-01",
            "complaint_id": spare.get("complaint_id"), "complaint_token": spare.get("complaint_token")}


#: per-endpoint values that differ from the shared ones above
OVERRIDES = {"auth.set_language": {"code": "en"}, "figures.office_export": {"fmt": "csv"},
             "feedback_manager.act": {"action": "answer"}}
#: valid JSON bodies, so that an allowed caller gets past input checks to the office/ownership check
#: (api.transfer gets none on purpose: another office's ticket must be refused before its body is judged)
BODIES = {"api.issue_ticket": {"service": "KK"}, "print_api.agent_result": {"ok": True},
          "stock_api.api_movement": {"kind": "receipt", "quantity": 1, "source": "uji"},
          "api.finish": {}}


#: query strings some routes need to get past "not found" (the pairing QR is drawn for the current token only)
QUERIES = {"admin.device_qr": lambda values: {"token": values["device_token"]}}


def build_url(app, rule, values: dict) -> str:
    args = {}
    for name in rule.arguments:
        value = OVERRIDES.get(rule.endpoint, {}).get(name, values.get(name))
        if name == "token" and rule.endpoint == "feedback.complaint_page":
            value = values["complaint_token"]
        if name == "token" and rule.endpoint.startswith(("bookings.", "bookings_remote.")):
            value = values["booking_token" if rule.endpoint.startswith("bookings.") else "remote_token"]
        assert value is not None, f"no test value for path parameter {name!r} of {rule.rule}: add it to path_values"
        args[name] = value
    if rule.endpoint in QUERIES:
        args.update(QUERIES[rule.endpoint](values))
    with app.test_request_context():
        from flask import url_for
        return url_for(rule.endpoint, **args)


class Caller:
    def __init__(self, world, name: str):
        self.name = name
        office = world.ktb if name.startswith("other_") else world.bks
        role = name.removeprefix("other_")
        self.client = world.app.test_client()
        self.token = None
        self.csrf = None
        if role in ("kiosk", "display"):
            self.token = office.tokens[role]
            return
        if role == "anon":
            self.csrf = csrf_from(self.client.get("/login").get_data(as_text=True))
            return
        username = {"clerk": "petugas1", "manager": "manajer", "admin": "admin"}[role]
        if office is world.ktb:
            username += ".ktb"
        self.api_token = office.tokens[username]
        password = office.password(username)
        self.csrf = csrf_from(self.client.get("/login").get_data(as_text=True))
        r = self.client.post("/login", data={"username": username, "password": password, "csrf_token": self.csrf})
        assert r.status_code == 302, r.get_data(as_text=True)[:300]
        # signing in starts a new session: its CSRF token is on every page
        self.csrf = csrf_from(self.client.get("/login").get_data(as_text=True))

    def call(self, method: str, url: str, body=None):
        headers = {}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        elif url.startswith("/api/") and getattr(self, "api_token", None):
            headers["Authorization"] = f"Bearer {self.api_token}"
        elif self.csrf:
            headers["X-CSRFToken"] = self.csrf
        if body is not None:
            return self.client.open(url, method=method, headers=headers, json=body)
        return self.client.open(url, method=method, headers=headers)


def outcome(response) -> str:
    status = response.status_code
    if status >= 500:
        return f"5xx:{status}"
    if status in (401, 403):
        return "denied"
    if status in (301, 302, 303, 307, 308):
        location = response.headers.get("Location", "")
        # Flask-Login sends strangers to /login?next=...; a signed-out staff member goes to /login
        return "denied" if re.search(r"/login\?next=", location) else "ok"
    if status == 404:
        return "404"
    if status < 300 or status in (400, 409, 413, 415, 422, 429):
        return "ok"
    return f"other:{status}"


def routes(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def test_every_route_has_an_expectation(app):
    missing = [f"{rule.endpoint} {method} {rule.rule}" for rule, method in routes(app)
               if (rule.endpoint, method) not in EXPECTED]
    stale = [f"{e} {m}" for e, m in EXPECTED if e not in app.view_functions]
    assert not missing, ("routes without an entry in tests/hardening/test_auth_matrix.py EXPECTED (decide who may "
                         "call them):\n  " + "\n  ".join(missing))
    assert not stale, "EXPECTED names endpoints that no longer exist:\n  " + "\n  ".join(stale)


def test_auth_matrix(world):
    app = world.app
    values = path_values(world, _spare_objects(world))
    wrong = []
    observed = {}
    # GETs first, then commands; within a route every caller in turn, admin last (its commands change most)
    order = sorted(routes(app), key=lambda rm: (rm[1] != "GET", rm[0].rule))
    callers = {name: Caller(world, name) for name in CALLERS}
    slow = []
    for rule, method in order:
        url = build_url(app, rule, values)
        allowed = EXPECTED.get((rule.endpoint, method))
        row = {}
        for name in sorted(CALLERS, key=lambda c: c == "admin"):
            started = time.perf_counter()
            response = callers[name].call(method, url, BODIES.get(rule.endpoint))
            slow.append((time.perf_counter() - started, f"{method} {url} as {name}"))
            if rule.endpoint == "auth.logout":  # signed out now: sign in again for the next routes
                callers[name] = Caller(world, name)
            got = outcome(response)
            row[name] = f"{got}({response.status_code})"
            if got.startswith("5xx") or got.startswith("other"):
                wrong.append(f"{method} {url} as {name}: {response.status_code} {response.get_data(as_text=True)[:200]}")
                continue
            if allowed is None:
                continue
            if name in allowed:
                ok = got == "ok"
            elif name in OTHERS:
                ok = got in ("denied", "404")
            else:
                ok = got == "denied"
            if not ok:
                want = "let in" if name in allowed else "denied"
                wrong.append(f"{method} {url} ({rule.endpoint}) as {name}: want {want}, got "
                             f"{response.status_code} {response.get_data(as_text=True)[:150]!r}")
        observed[(rule.endpoint, method)] = row
    print("\n".join(f"{k}: {v}" for k, v in observed.items()))
    print("slowest calls:", sorted(slow, reverse=True)[:8])
    # a call that waits on a lock (the busy timeout is 30 s) is an answer nobody waits for either
    stuck = [f"{what}: {seconds:.1f} s" for seconds, what in slow if seconds > 10]
    assert not stuck, "calls stuck on a lock:\n  " + "\n  ".join(stuck)
    assert not wrong, f"{len(wrong)} wrong answer(s):\n  " + "\n  ".join(wrong)
