"""Wait estimates from the database (issue 12): no-shows in the history, counter breaks, the record of shown
estimates and the calibration that learns from it, and the managers' accuracy page. Real SQLite through the
app, the injected clock."""
from __future__ import annotations

import math
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from queue_service import background
from queue_service.domain.eta import Estimate
from queue_service.domain.eta_calibration import adjust
from queue_service.extensions import db
from queue_service.models import Counter, Office, Service, Ticket, WaitEstimate
from queue_service.services import tickets as svc
from queue_service.services import waits
from queue_service.services.seed import seed_demo
from tests.conftest import MONDAY_0800_WIB
from tests.realtime.conftest import login


@pytest.fixture
def foreign_counter(app) -> int:
    """A counter of another office (KTB)."""
    with app.app_context():
        other = Office(code="KTB", name="Kota Bekasi")
        db.session.add(other)
        db.session.flush()
        counter = Counter(office_id=other.id, number=1, name="Loket 1")
        db.session.add(counter)
        db.session.commit()
        return counter.id


def _office(s):
    return s.scalar(select(Office).where(Office.code == "BKS"))


def _service(office, code):
    return next(x for x in office.services if x.code == code)


def _counter(office, number):
    return next(c for c in office.counters if c.number == number)


# --------------------------------------------------------------------------- no-shows reach the history

def test_a_first_call_no_show_is_a_counter_occupation_in_the_history(app, demo, clock):
    t0 = clock.now()
    with app.app_context():
        s = db.session
        office = _office(s)
        kk, c4 = _service(office, "KK"), _counter(office, 4)
        absent, _ = svc.issue_ticket(s, office=office, service=kk, now=t0)
        served, _ = svc.issue_ticket(s, office=office, service=kk, now=t0 + timedelta(seconds=1))
        s.commit()
        svc.call_next(s, counter=c4, now=t0 + timedelta(minutes=1))
        svc.no_show(s, ticket=s.get(Ticket, absent.id), now=t0 + timedelta(minutes=2, seconds=30))  # requeued
        s.commit()
        assert s.get(Ticket, absent.id).status == "waiting" and s.get(Ticket, absent.id).called_at is None
        svc.call_next(s, counter=c4, now=t0 + timedelta(minutes=3))
        s.commit()

        snap = waits.build_snapshot(s, office, t0 + timedelta(minutes=4))
        assert snap.no_show_times == [90.0]  # called at 08:01, marked no-show at 08:02:30
        assert kk.id not in snap.service_times  # nobody served yet: the no-show is not a service time
        # the office's own first-call no-show rate: 1 of 2 KK tickets called so far, shrunk towards the office
        office_rate = (1 + 1) / (2 + 20)
        assert math.isclose(snap.no_show_share[kk.id], (1 + 30 * office_rate) / (2 + 30))
        assert snap.no_show_share[_service(office, "REKAM").id] == office_rate
        requeued = next(w for w in snap.waiting if w.id == absent.id)
        assert requeued.requeues == 1 and served.id not in [w.id for w in snap.waiting]


def test_the_no_show_rate_shortens_the_estimate(app, demo, clock):
    """The same queue, once with no absentees on record and once with many: the estimate follows."""
    t0 = clock.now()
    with app.app_context():
        s = db.session
        office = _office(s)
        cetak, c3 = _service(office, "CETAK"), _counter(office, 3)
        # yesterday: 20 CETAK tickets of 6 minutes each; half were not there at the first call (1 minute)
        y = t0 - timedelta(days=1)
        for i in range(20):
            t, _ = svc.issue_ticket(s, office=office, service=cetak, now=y)
            svc.call_next(s, counter=c3, now=y)
            if i % 2:
                y += timedelta(minutes=1)
                svc.no_show(s, ticket=t, now=y)
                svc.call_next(s, counter=c3, now=y)
            y += timedelta(minutes=6)
            svc.finish(s, ticket=s.get(Ticket, t.id), now=y)
        s.commit()
        waiting = [svc.issue_ticket(s, office=office, service=cetak, now=t0)[0] for _ in range(11)]
        s.commit()
        snap = waits.build_snapshot(s, office, t0)
        assert len(snap.no_show_times) == 10 and snap.no_show_times[0] == 60.0
        est = waits.estimate_office(s, office, t0)
        last = est[waiting[-1].id]["minutes"]
        # 10 ahead, each 6 minutes or (about 40% of the time, shrunk) 1 minute, on one counter: 40-50 minutes
        assert 38 <= last <= 52, last
        assert last < 59  # every one as a full service would be 60


# --------------------------------------------------------------------------- the record of shown estimates

def test_the_estimate_shown_at_the_kiosk_and_on_the_status_page_is_recorded(app, api, demo, clock):
    r = api.post("/api/v1/offices/BKS/tickets", {"service": "KK"}, token=api.tokens["kiosk"])
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    again = api.post("/api/v1/offices/BKS/tickets", {"service": "KK"}, token=api.tokens["kiosk"])
    assert again.status_code == 200 and again.get_json()["id"] == body["id"]  # the same press twice

    def rows():
        with app.app_context():
            return db.session.scalars(select(WaitEstimate).where(WaitEstimate.ticket_id == body["id"])
                                      .order_by(WaitEstimate.id)).all()

    (issued,) = rows()  # the second press shows the same ticket: recorded once
    assert issued.source == "issue" and issued.shown_at == clock.now() and issued.position == 0
    assert (issued.minutes, issued.low, issued.high) == (body["estimate"]["minutes"], body["estimate"]["p10"],
                                                         body["estimate"]["p90"])
    assert issued.model_p10 <= issued.model_p50 <= issued.model_p90
    c = app.test_client()
    assert c.get(f"/t/{body['token']}").status_code == 200  # the QR scanned at once: the kiosk's figures
    assert [r.source for r in rows()] == ["issue"]
    clock.advance(minutes=5, seconds=1)
    for _ in range(3):  # a page reloaded again and again writes once per 5 minutes
        assert c.get(f"/t/{body['token']}").status_code == 200
        clock.advance(seconds=30)
    assert [r.source for r in rows()] == ["issue", "status"]
    status = rows()[-1]
    assert status.shown_at == MONDAY_0800_WIB + timedelta(minutes=5, seconds=1)
    clock.advance(minutes=5)
    assert c.get(f"/t/{body['token']}").status_code == 200
    assert [r.source for r in rows()] == ["issue", "status", "status"]


def test_the_calibration_learns_from_the_record(app, demo, clock):
    """Yesterday the estimates shown were far too short (the clerks were slow that day): today's range is
    wider and later than the replay's own, by the adjustment fitted on that record."""
    t0 = clock.now()
    with app.app_context():
        s = db.session
        office = _office(s)
        cetak, c3 = _service(office, "CETAK"), _counter(office, 3)
        y = t0 - timedelta(days=1)
        # yesterday: 40 tickets, each shown an estimate when issued (the kiosk's path), called 20-59 min later
        for i in range(40):
            t, _ = svc.issue_ticket(s, office=office, service=cetak, now=y)
            assert waits.estimate_ticket(s, t, y, record="issue") is not None
            svc.call_next(s, counter=c3, now=y + timedelta(minutes=20 + i))
            svc.finish(s, ticket=s.get(Ticket, t.id), now=y + timedelta(minutes=20 + i, seconds=50))
            y += timedelta(minutes=1)
        s.commit()
        record = waits.calibration_outcomes(s, office, t0 - timedelta(days=2), t0)
        assert len(record) == 40 and sorted(round(o.actual) for o in record) == list(range(20, 60))

        waits.forget_daily_inputs()
        ticket, _ = svc.issue_ticket(s, office=office, service=cetak, now=t0)
        s.commit()
        snap = waits.build_snapshot(s, office, t0)
        adj = snap.calibration[cetak.id]
        assert adj is not None and adj.n == 40 and adj.center > 0 and adj.upper > 0
        shown = waits.estimate_snapshot_full(snap)[ticket.id]
        assert shown.adjusted == adjust(shown.model, adj)
        assert shown.model.p90_min < 1.0  # the replay alone: called at once (50-second services)
        assert shown.high >= 45 and shown.minutes >= 10  # what the record says (one day: a quarter of its shift)
        assert waits.estimate_ticket(s, ticket, t0) == shown.as_dict()


# --------------------------------------------------------------------------- breaks

def _break(client, csrf, counter_id, until, *, as_json=True):
    if as_json:
        return client.post(f"/counter/{counter_id}/break", json={"until": until}, headers={"X-CSRFToken": csrf})
    return client.post(f"/counter/{counter_id}/break", data={"until": until, "csrf_token": csrf})


def test_a_counter_on_a_break_is_counted_back_from_its_end(app, api, demo, clock):
    c3 = next(c for c in demo["counters"] if c["number"] == 3)  # the only counter for CETAK
    client = app.test_client()
    csrf = login(client, demo, "petugas3")
    r = _break(client, csrf, c3["id"], "09:00")
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["break"]["local"] == "09:00" and "09:00" in r.get_json()["message"]
    state = client.get(f"/counter/{c3['id']}/state").get_json()
    assert state["counter"]["break"]["local"] == "09:00"
    assert next(c for c in state["board"]["counters"] if c["id"] == c3["id"])["break"]["local"] == "09:00"
    html = client.get(f"/counter?counter={c3['id']}").get_data(as_text=True)
    assert "Istirahat sampai 09:00 WIB" in html

    t = api.post("/api/v1/offices/BKS/tickets", {"service": "CETAK"}, token=api.tokens["kiosk"]).get_json()
    assert t["estimate"]["minutes"] == 60 and t["estimate"]["p10"] == 60  # counted back from 09:00
    with app.app_context():
        stored = db.session.get(Counter, c3["id"])
        assert stored.break_until == MONDAY_0800_WIB + timedelta(hours=1) and stored.open_since is not None

    # the console is shut for lunch: the away job leaves a counter on a break open
    clock.advance(minutes=30)
    with app.app_context():
        background.counter_away_job(app, clock.now())
        db.session.remove()
    with app.app_context():
        assert db.session.get(Counter, c3["id"]).open_since is not None
        snap = waits.build_snapshot(db.session, _office(db.session), clock.now())
        assert next(c for c in snap.counters if c.id == c3["id"]).break_until is not None
    # overdue: counted as coming back soon (within 10 minutes), not never
    clock.advance(minutes=32)  # 09:02
    page = client.get(f"/t/{t['token']}").get_data(as_text=True)
    with app.app_context():
        shown = waits.estimate_ticket(db.session, db.session.get(Ticket, t["id"]), clock.now())
    assert 0 <= shown["minutes"] <= 10 and shown["p90"] <= 10
    assert re.search(r'id="ticket-eta">\s*(sebentar lagi|sekitar \d+ menit)', page)
    # a quarter of an hour late, silent: still on its (overdue) break
    clock.advance(minutes=13)  # 09:15
    with app.app_context():
        background.counter_away_job(app, clock.now())
        db.session.remove()
    with app.app_context():
        assert db.session.get(Counter, c3["id"]).break_until is not None
    # overdue by more than half an hour and silent: the clerk is not coming back; closed, the break dropped
    clock.advance(minutes=16)  # 09:31
    with app.app_context():
        background.counter_away_job(app, clock.now())
        db.session.remove()
    with app.app_context():
        c = db.session.get(Counter, c3["id"])
        assert c.open_since is None and c.break_until is None


def test_back_from_a_break_with_kembali_or_a_call(app, api, demo, clock):
    c3 = next(c for c in demo["counters"] if c["number"] == 3)
    client = app.test_client()
    csrf = login(client, demo, "petugas3")
    assert _break(client, csrf, c3["id"], "08:45").status_code == 200
    clock.advance(minutes=20)
    r = client.post(f"/counter/{c3['id']}/resume", json={}, headers={"X-CSRFToken": csrf})
    assert r.status_code == 200 and r.get_json()["break"] is None
    with app.app_context():
        c = db.session.get(Counter, c3["id"])
        assert c.break_until is None and c.open_since == clock.now()
    # the same from the form (no JavaScript): a redirect back to the console with a message
    r = _break(client, csrf, c3["id"], "9.15", as_json=False)
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/counter?counter={c3['id']}")
    assert "Istirahat sampai 09:15" in client.get(r.headers["Location"]).get_data(as_text=True)
    # a call ends the break
    api.post("/api/v1/offices/BKS/tickets", {"service": "CETAK"}, token=api.tokens["kiosk"])
    assert api.post(f"/api/v1/counters/{c3['id']}/call-next", token=api.tokens["petugas3"]).status_code == 200
    with app.app_context():
        assert db.session.get(Counter, c3["id"]).break_until is None
    # closing the counter is not a break
    assert _break(client, csrf, c3["id"], "09:30").status_code == 409  # a ticket is at the counter
    assert api.post(f"/api/v1/tickets/{_current(app, c3['id'])}/finish", token=api.tokens["petugas3"]).status_code == 200
    assert _break(client, csrf, c3["id"], "09:30").status_code == 200
    client.post(f"/counter/{c3['id']}/close", data={"csrf_token": csrf})
    with app.app_context():
        c = db.session.get(Counter, c3["id"])
        assert c.break_until is None and c.open_since is None


def _current(app, counter_id):
    with app.app_context():
        return db.session.scalar(select(Ticket.id).where(Ticket.counter_id == counter_id,
                                                         Ticket.status.in_(["called", "serving"])))


def test_break_input_is_judged_with_a_message_the_clerk_understands(app, api, demo, clock, foreign_counter):
    c3 = next(c for c in demo["counters"] if c["number"] == 3)
    client = app.test_client()
    csrf = login(client, demo, "petugas3")
    for until, message in (("25:00", "Isi jam kembali"), ("", "Isi jam kembali"), ("jam 1", "Isi jam kembali"),
                           ("07:59", "harus setelah sekarang"), ("08:00", "harus setelah sekarang"),
                           ("12:01", "paling lama 4 jam")):
        r = _break(client, csrf, c3["id"], until)
        assert r.status_code == 400 and message in r.get_json()["message"], (until, r.get_json())
    r = client.post(f"/counter/{c3['id']}/break", json={"until": 1300}, headers={"X-CSRFToken": csrf})
    assert r.status_code == 400
    r = client.post(f"/counter/{c3['id']}/break", data="not json", headers={"X-CSRFToken": csrf,
                                                                            "Content-Type": "application/json"})
    assert r.status_code == 400
    # a form post that fails goes back to the console with the message, in English for an English clerk
    r = _break(client, csrf, c3["id"], "07:00", as_json=False)
    assert r.status_code == 303
    assert "Jam kembali harus setelah sekarang." in client.get(r.headers["Location"]).get_data(as_text=True)
    assert client.post(f"/counter/{c3['id']}/break", json={"until": "09:00"}).status_code == 400  # no CSRF
    assert _break(client, csrf, foreign_counter, "09:00").status_code == 403  # another office's counter
    assert _break(client, csrf, 999999, "09:00").status_code == 404
    with app.app_context():
        assert db.session.get(Counter, c3["id"]).break_until is None  # nothing was stored


# --------------------------------------------------------------------------- the managers' accuracy page

def _shown(minutes, low, high):
    return waits.Shown(Estimate(minutes, low, minutes, high), Estimate(minutes, low, minutes, high),
                       minutes, low, high, 0)


def test_the_manager_sees_how_good_the_estimates_were(app, demo, clock):
    t0 = clock.now()
    with app.app_context():
        s = db.session
        office = _office(s)
        kk, c4 = _service(office, "KK"), _counter(office, 4)
        shown = [_shown(5, 0, 8), _shown(15, 10, 25), _shown(25, 20, 35)]
        ids = []
        for sh in shown:
            t, _ = svc.issue_ticket(s, office=office, service=kk, now=t0)
            waits.record_estimates(s, office.id, [(t.id, kk.id, sh)], t0, "issue")
            ids.append(t.id)
        s.commit()
        for minute in (10, 20, 30):  # actual waits 10, 20, 30 minutes
            at = t0 + timedelta(minutes=minute)
            called, _ = svc.call_next(s, counter=c4, now=at)
            svc.start(s, ticket=called, now=at)  # served: the next call finishes it
            s.commit()
        # a ticket of eight days ago is outside the 7 days
        old, _ = svc.issue_ticket(s, office=office, service=kk, now=t0 - timedelta(days=8))
        waits.record_estimates(s, office.id, [(old.id, kk.id, _shown(100, 90, 110))], t0 - timedelta(days=8), "issue")
        s.commit()
        svc.call_next(s, counter=_counter(office, 6), now=t0 - timedelta(days=8, minutes=-1))
        s.commit()
        report = waits.accuracy_report(s, office, t0 + timedelta(hours=1))
        (row,) = report["services"]
        assert row.code == "KK" and row.at_issue.n == 3
        assert row.at_issue.mae == 5.0 and row.at_issue.bias == -5.0 and math.isclose(row.at_issue.inside, 2 / 3)

    clock.advance(hours=1)
    client = app.test_client()
    login(client, demo, "manajer")
    html = client.get("/manager/BKS/wait-estimates").get_data(as_text=True)
    assert "Ketepatan perkiraan waktu tunggu" in html
    cells = re.findall(r'<td class="num">([^<]*)</td>', html)
    assert cells[:6] == ["3", "5,0", "−5,0", "67%", "3", "67%"], cells  # Indonesian number format
    assert "<script" not in html.split("</main>")[0].split("<main")[1]  # readable without JS
    client.get("/lang/en?next=/")
    html = client.get("/manager/BKS/wait-estimates").get_data(as_text=True)
    assert "How accurate the wait estimates were" in html
    cells = re.findall(r'<td class="num">([^<]*)</td>', html)
    assert cells[:6] == ["3", "5.0", "−5.0", "67%", "3", "67%"], cells
    # linked from the manager's pages
    assert "/manager/BKS/wait-estimates" in client.get("/manager/BKS").get_data(as_text=True)
    assert client.get("/manager/wait-estimates").headers["Location"].endswith("/manager/BKS/wait-estimates")


def test_another_offices_manager_cannot_see_the_accuracy_page(app, demo, clock):
    with app.app_context():
        other = seed_demo(db.session, now=clock.now(), code="KTB", name="Disdukcapil Kota Bekasi")
        db.session.commit()
    client = app.test_client()
    login(client, other, "manajer.ktb")
    assert client.get("/manager/BKS/wait-estimates").status_code == 403
    assert client.get("/manager/KTB/wait-estimates").status_code == 200
    assert client.get("/manager/NOPE/wait-estimates").status_code == 404
    clerk = app.test_client()
    login(clerk, demo, "petugas1")
    assert clerk.get("/manager/BKS/wait-estimates").status_code == 403
    assert app.test_client().get("/manager/BKS/wait-estimates").status_code in (302, 401)


def test_services_and_counters_of_the_demo_are_as_these_tests_assume(app, demo):
    with app.app_context():
        office = _office(db.session)
        assert [c.number for c in _service(office, "CETAK").counters] == [3]
        assert {c.number for c in _service(office, "KK").counters} == {4, 6}
        assert db.session.scalar(select(Service.priority_policy).where(Service.code == "CETAK")) == "strict"


def test_history_record_and_report_on_sqlite_and_postgres(any_app, clock):
    """The queries behind the no-show history, the record and the report, on both databases."""
    from tests.conftest import seed
    seed(any_app)
    t0 = clock.now()
    with any_app.app_context():
        s = db.session
        office = _office(s)
        kk, c4 = _service(office, "KK"), _counter(office, 4)
        y = t0 - timedelta(days=1)
        for i in range(35):
            t, _ = svc.issue_ticket(s, office=office, service=kk, now=y)
            assert waits.estimate_ticket(s, t, y, record="issue") is not None
            svc.call_next(s, counter=c4, now=y + timedelta(minutes=2))
            if i % 5 == 0:
                svc.no_show(s, ticket=s.get(Ticket, t.id), now=y + timedelta(minutes=3))
                svc.call_next(s, counter=c4, now=y + timedelta(minutes=3))
            svc.finish(s, ticket=s.get(Ticket, t.id), now=y + timedelta(minutes=6))
            y += timedelta(minutes=6)
        s.commit()
        assert sorted(set(waits.no_show_occupations(s, office, t0))) == [60.0]
        record = waits.calibration_outcomes(s, office, t0 - timedelta(days=2), t0)
        assert len(record) == 35 and {round(o.actual, 6) for o in record} == {2.0}
        waits.forget_daily_inputs()
        daily = waits.daily_inputs(s, office, office_day_of(t0))
        assert daily.calibration[None].n == 35 and daily.no_shows[kk.id] == (35, 7)
        report = waits.accuracy_report(s, office, t0)
        assert report["overall"].at_issue.n == 35
        s.commit()


def office_day_of(moment):
    from queue_service.domain.clock import office_day
    return office_day(moment, "Asia/Jakarta")


def test_priority_arrivals_come_from_the_same_weekdays_not_the_crowd_at_the_door(app, demo, clock):
    t0 = clock.now()  # Monday 08:00
    with app.app_context():
        s = db.session
        office = _office(s)
        rekam = _service(office, "REKAM")

        def priority_at(day_start, minutes):
            svc.issue_ticket(s, office=office, service=rekam, priority="lansia",
                             now=day_start + timedelta(minutes=minutes))

        for weeks in (1, 2, 3):  # the last three Mondays: a crowd of 4 at the door, then one at 09:10 and 10:10
            monday = t0 - timedelta(days=7 * weeks)
            for m in (0, 1, 1, 2, 70, 130):
                priority_at(monday, m)
            svc.issue_ticket(s, office=office, service=_service(office, "KK"), now=monday)
        tuesday = t0 - timedelta(days=6)  # another weekday, busy with priority all day: not a reference day
        for m in range(0, 360, 10):
            priority_at(tuesday, m)
        s.commit()
        waits.forget_daily_inputs()
        for m in (0, 1, 1, 2):  # today's crowd
            priority_at(t0, m)
        svc.issue_ticket(s, office=office, service=_service(office, "KK"), now=t0)  # a regular ticket waits
        s.commit()
        now = t0 + timedelta(minutes=5)
        snap = waits.build_snapshot(s, office, now)
        profile = snap.priority_arrival_profile[rekam.id]
        expected = sum(rate * (min(b, 7 * 3600) - a) / 3600 for (a, rate), (b, _) in zip(profile, profile[1:]))
        assert expected == pytest.approx(2.0)  # 09:10 and 10:10, as on the reference Mondays
        first_hour = sum(rate * max(0.0, min(b, 3600) - a) / 3600 for (a, rate), (b, _) in zip(profile, profile[1:]))
        assert first_hour == pytest.approx(0.0)  # nothing between 08:05 and 09:05 on those Mondays
        assert snap.priority_arrivals_per_hour == {}  # no longer the last hour extrapolated (16 an hour here)
