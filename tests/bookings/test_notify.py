"""Messages to citizens through the office's signed webhook: queued in the booking's transaction, sent
by the job to a real HTTP receiver that checks the signature, retried, expired; phone numbers deleted
when the booking has ended and nothing is left to send."""
from __future__ import annotations

import json
import threading
from datetime import date, datetime, time, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from bookings import messages as msg
from bookings.models import Booking, BookingMessage, BookingOffice
from bookings.services.availability import Env
from bookings.services.booking import book, cancel
from bookings.services.checkin import check_in
from bookings.services.notify import deliver_due
from bookings.services.release import forget_phones, queue_reminders, queue_turn_messages
from queue_service.extensions import db
from queue_service.models import Counter, Office
from queue_service.services import tickets as svc
from tests.bookings.conftest import MONDAY_0800_WIB, enable, seed

TUESDAY = date(2026, 1, 6)
UTC = timezone.utc
SECRET = "gateway-secret"


def wib(h, m=0, day=TUESDAY):
    return datetime(day.year, day.month, day.day, h, m, tzinfo=UTC) - timedelta(hours=7)


class Gateway:
    """A WhatsApp gateway stand-in on loopback: verifies each request's signature, answers ``status``."""

    def __init__(self):
        self.received, self.status = [], 204
        gw = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                ok = msg.verify(secret=SECRET, body=body, timestamp=self.headers["X-Adminduk-Timestamp"],
                                signature=self.headers["X-Adminduk-Signature"],
                                now=datetime.fromtimestamp(int(self.headers["X-Adminduk-Timestamp"]), UTC))
                gw.received.append({"ok": ok, "body": json.loads(body), "delivery": self.headers["X-Adminduk-Delivery"],
                                    "event": self.headers["X-Adminduk-Event"]})
                self.send_response(gw.status)
                self.end_headers()

            def log_message(self, *a):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/wa"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def gateway():
    gw = Gateway()
    yield gw
    gw.server.shutdown()


@pytest.fixture
def office(app, gateway):
    seed(app)
    with app.app_context():
        o = db.session.scalar(select(Office))
        enable(db.session, next(s for s in o.services if s.code == "CETAK"), capacity=10, walkin_share=0.0)
        db.session.add(BookingOffice(office_id=o.id, early_minutes=30, late_minutes=15, late_from="start",
                                     late_policy="walk_in", queue_rule="slot", spread=False, near_threshold=1,
                                     reminder_days_before=1, reminder_time=time(18, 0), webhook_url=gateway.url,
                                     webhook_secret=SECRET))
        db.session.commit()
    with app.app_context():
        yield db.session.scalar(select(Office).where(Office.code == "BKS"))


def _book(office, phone="0812-3456-7890", slot="09:00"):
    b, _ = book(db.session, office=office, service=next(s for s in office.services if s.code == "CETAK"),
                day=TUESDAY, slot_key=slot, now=MONDAY_0800_WIB, env=Env(secret="s", public_base="https://a.example"),
                phone=phone, consent=bool(phone))
    db.session.commit()
    return b


def test_confirmation_is_signed_and_carries_the_booking_not_the_person(office, gateway):
    b = _book(office)
    assert deliver_due(db.session, MONDAY_0800_WIB) == {"sent": 1, "failed": 0, "dropped": 0}
    (got,) = gateway.received
    assert got["ok"] and got["event"] == "booking.confirmed"
    body = got["body"]
    assert body["to"] == "+6281234567890" and body["office"] == "BKS"
    assert b.code[:4] in body["text"] and "Selasa, 06 Januari 2026" in body["text"]
    assert body["data"]["booking"].replace("-", "") == b.code and "https://a.example/b/" in body["data"]["url"]
    assert db.session.scalar(select(BookingMessage.delivered_at)) == MONDAY_0800_WIB


def test_no_phone_no_message(office, gateway):
    _book(office, phone=None)
    assert db.session.scalar(select(BookingMessage.id)) is None


def test_a_refusing_gateway_is_retried_with_back_off_then_given_up_at_the_slot(office, gateway):
    _book(office)
    gateway.status = 500
    t = MONDAY_0800_WIB
    assert deliver_due(db.session, t)["failed"] == 1
    note = db.session.scalar(select(BookingMessage))
    assert note.attempts == 1 and note.next_attempt_at == t + timedelta(seconds=30) and "500" in note.last_error
    assert deliver_due(db.session, t + timedelta(seconds=10))["failed"] == 0  # not due yet
    gateway.status = 204
    assert deliver_due(db.session, t + timedelta(seconds=30))["sent"] == 1
    assert [r["delivery"] for r in gateway.received] == [str(note.id)] * 2  # same id: the gateway drops repeats


def test_messages_past_their_time_are_dropped(office, gateway):
    _book(office)
    assert deliver_due(db.session, wib(9, 1))["dropped"] == 1  # the confirmation is useless once the slot began
    assert gateway.received == []


def test_the_reminder_goes_out_once_the_evening_before(office, gateway):
    b = _book(office)
    assert queue_reminders(db.session, wib(17, 59, date(2026, 1, 5))) == 0
    assert queue_reminders(db.session, wib(18, 0, date(2026, 1, 5))) == 1
    db.session.commit()
    assert queue_reminders(db.session, wib(19, 0, date(2026, 1, 5))) == 0
    deliver_due(db.session, wib(18, 0, date(2026, 1, 5)))
    assert [r["event"] for r in gateway.received] == ["booking.confirmed", "booking.reminder"]
    assert db.session.get(Booking, b.id).reminder_sent_at is not None


def test_turn_near_and_called_once_each(office, gateway):
    b = _book(office)
    deliver_due(db.session, MONDAY_0800_WIB)
    svc.issue_ticket(db.session, office=office, service=next(s for s in office.services if s.code == "CETAK"),
                     now=wib(8, 40))
    db.session.commit()
    r = check_in(db.session, office=office, scanned=b.code, now=wib(8, 45))
    db.session.commit()
    assert queue_turn_messages(db.session, wib(8, 46), "https://a.example") == 1  # 1 ahead <= threshold 1
    db.session.commit()
    assert queue_turn_messages(db.session, wib(8, 47), "https://a.example") == 0
    counter = db.session.scalar(select(Counter).where(Counter.office_id == office.id, Counter.number == 3))
    first, _ = svc.call_next(db.session, counter=counter, now=wib(9, 0))
    svc.start(db.session, ticket=first, now=wib(9, 0))  # call next closes only a started ticket
    db.session.commit()
    svc.call_next(db.session, counter=counter, now=wib(9, 1))
    db.session.commit()
    assert db.session.get(Booking, b.id).ticket.status == "called"
    assert queue_turn_messages(db.session, wib(9, 2), "https://a.example") == 1
    db.session.commit()
    deliver_due(db.session, wib(9, 2))
    events = [r["body"] for r in gateway.received]
    assert [e["event"] for e in events] == ["booking.confirmed", "booking.near", "booking.called"]
    assert events[2]["text"] == f"Nomor {r.ticket.code} dipanggil: silakan menuju loket 3."


def test_phones_are_deleted_when_the_booking_ends_and_nothing_is_pending(office, gateway):
    b = _book(office)
    cancel(db.session, booking=b, now=MONDAY_0800_WIB, env=Env(secret="s"))
    db.session.commit()
    assert forget_phones(db.session, MONDAY_0800_WIB) == 0  # confirmation and cancellation still to send
    deliver_due(db.session, MONDAY_0800_WIB)
    assert forget_phones(db.session, MONDAY_0800_WIB) == 1
    db.session.commit()
    assert db.session.get(Booking, b.id).phone is None
    kept = _book(office, slot="10:00")
    deliver_due(db.session, MONDAY_0800_WIB)
    assert forget_phones(db.session, MONDAY_0800_WIB) == 0  # still booked: the number stays
    assert db.session.get(Booking, kept.id).phone == "+6281234567890"
