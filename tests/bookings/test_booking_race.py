"""The last place of a slot, taken by many citizens at the same instant: exactly one wins, on file
SQLite and on a real PostgreSQL server. Every thread's exception is collected: the losers must get
NoPlace, nothing else."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from bookings.availability import Cap
from bookings.models import DAY_ROW, Booking, BookingCounter
from bookings.services.availability import Env
from bookings.services.booking import NoPlace, book
from queue_service.extensions import db
from queue_service.models import Office
from tests.bookings.conftest import MONDAY_0800_WIB, enable, seed
from tests.plugins.threads import run_threads

pytestmark = pytest.mark.slow
TUESDAY = date(2026, 1, 6)
WEDNESDAY = date(2026, 1, 7)


def _race(app, n, attempt):
    """Run ``attempt(i)`` in ``n`` threads released at once (``tests.plugins.threads.run_threads``: a thread
    that fails in any other way, or hangs, fails the test); returns (results, domain errors by thread)."""
    def run(i):
        with app.app_context():
            try:
                out = ("ok", attempt(i))
                db.session.commit()
                return out
            except Exception as exc:  # the expected refusal, collected; anything else is judged by the test
                db.session.rollback()
                return ("error", exc)
            finally:
                db.session.remove()

    outcomes = run_threads(n, run, timeout=120)
    results = {i: value for i, (kind, value) in enumerate(outcomes) if kind == "ok"}
    errors = {i: value for i, (kind, value) in enumerate(outcomes) if kind == "error"}
    return results, errors


def _setup(app, **kw):
    seed(app)
    with app.app_context():
        office = db.session.scalar(select(Office))
        cetak = next(s for s in office.services if s.code == "CETAK")
        enable(db.session, cetak, **kw)
        db.session.commit()
        return office.id, cetak.id


def _attempt(app, office_id, service_id, day, slot, env):
    def attempt(i):
        office = db.session.get(Office, office_id)
        service = next(s for s in office.services if s.id == service_id)
        b, _ = book(db.session, office=office, service=service, day=day, slot_key=slot, now=MONDAY_0800_WIB,
                    env=env, via=f"thread-{i}")
        return b.code
    return attempt


def test_the_last_place_of_a_slot_goes_to_exactly_one(any_app):
    app = any_app
    office_id, service_id = _setup(app, capacity=1, walkin_share=0.0)
    env = Env(secret="s")
    results, errors = _race(app, 12, _attempt(app, office_id, service_id, TUESDAY, "09:00", env))
    assert len(results) == 1, errors
    assert len(errors) == 11 and all(isinstance(e, NoPlace) for e in errors.values()), \
        {i: repr(e) for i, e in errors.items() if not isinstance(e, NoPlace)}
    with app.app_context():
        assert db.session.scalar(select(func.count(Booking.id))) == 1
        counts = dict(db.session.execute(select(BookingCounter.slot_key, BookingCounter.booked)).all())
        assert counts == {"09:00": 1, DAY_ROW: 1}


def test_a_daily_cap_holds_across_slots_under_concurrency(any_app):
    app = any_app
    office_id, service_id = _setup(app, capacity=10, walkin_share=0.0, daily_cap=5)
    env = Env(secret="s")
    slots = ["08:00", "09:00", "10:00", "11:00"]

    def attempt(i):
        return _attempt(app, office_id, service_id, TUESDAY, slots[i % 4], env)(i)

    results, errors = _race(app, 16, attempt)
    assert len(results) == 5
    assert all(isinstance(e, NoPlace) for e in errors.values()), [repr(e) for e in errors.values()]
    with app.app_context():
        assert db.session.scalar(select(BookingCounter.booked).where(BookingCounter.slot_key == DAY_ROW)) == 5


def test_a_cross_day_blank_cap_is_never_exceeded_under_concurrency(any_app):
    """A cap provider like the blank forecast: 6 blanks for Tuesday and Wednesday together (a
    booking on either day uses one). Bookings of both days race; exactly 6 succeed."""
    app = any_app
    office_id, service_id = _setup(app, capacity=50, walkin_share=0.0)

    def blanks(session, service, days, held, now):
        used = sum(held.values())
        return {d: Cap(6 - used, "no_blanks") for d in days}

    env = Env(secret="s", caps=[blanks])

    def attempt(i):
        return _attempt(app, office_id, service_id, (TUESDAY, WEDNESDAY)[i % 2], "09:00", env)(i)

    results, errors = _race(app, 14, attempt)
    assert len(results) == 6, errors
    assert all(isinstance(e, NoPlace) and e.details["reason"] == "no_blanks" for e in errors.values()), \
        [repr(e) for e in errors.values()]
