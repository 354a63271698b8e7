"""The feedback services on SQLite and PostgreSQL: one answer per ticket (also under concurrency), the IKM
report from stored answers, complaints from sending to closing, limits, the counter tablet."""
from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from feedback import ikm
from feedback.limits import Limit, keyed_hash
from feedback.models import Complaint, ComplaintEvent, FeedbackSend, SurveyClaim, SurveyResponse
from feedback.services import complaints as csvc
from feedback.services import reports, settings
from feedback.services import survey as ssvc
from feedback.services.limits import RateLimited
from feedback.survey import parse
from queue_service.domain.errors import InvalidTransition, NotFound, ValidationFailed
from queue_service.extensions import db
from queue_service.models import Office, Ticket, User
from queue_service.services import tickets as tsvc
from tests.conftest import MONDAY_0800_WIB, seed

NOW = MONDAY_0800_WIB
ALL3 = {f"U{i}": 3 for i in range(1, 10)}


def _office():
    office = db.session.scalar(select(Office))
    return office, {s.code: s for s in office.services}, {c.number: c for c in office.counters}


def served_ticket(service_code="REKAM", counter_no=1, at=NOW, status="done"):
    office, services, counters = _office()
    t, _ = tsvc.issue_ticket(db.session, office=office, service=services[service_code], now=at)
    db.session.flush()
    called, _ = tsvc.call_next(db.session, counter=counters[counter_no], now=at + timedelta(minutes=1))
    assert called.id == t.id
    if status == "done":
        tsvc.finish(db.session, ticket=t, now=at + timedelta(minutes=5))
    elif status == "no_show":
        t.requeues = 99
        tsvc.no_show(db.session, ticket=t, now=at + timedelta(minutes=5))
    db.session.commit()
    return t


# -- survey ----------------------------------------------------------------------------------------------

def test_one_answer_per_ticket_and_nothing_links_it_back(any_app):
    seed(any_app)
    with any_app.app_context():
        t = served_ticket()
        after = NOW + timedelta(minutes=10)
        assert ssvc.state(db.session, t, after) == ssvc.OPEN
        rid = ssvc.submit(db.session, t, parse({**ALL3, "U4": "4"}, {"age": "60+"}), after)
        db.session.commit()
        row = db.session.get(SurveyResponse, rid)
        assert row.u4 == 4 and row.u1 == 3 and row.age == "60+" and row.service_id == t.service_id
        assert row.service_day == t.service_day and len(rid) == 32
        assert not {"ticket_id", "created_at", "counter_id", "ip"} & set(SurveyResponse.__table__.c.keys())
        assert ssvc.state(db.session, t, after) == ssvc.ANSWERED
        with pytest.raises(ssvc.AlreadyAnswered):
            ssvc.submit(db.session, t, parse(ALL3), after)
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 1
        assert db.session.scalar(select(func.count()).select_from(SurveyClaim)) == 1


def test_only_served_tickets_within_the_window(any_app):
    seed(any_app)
    with any_app.app_context():
        office, services, counters = _office()
        waiting, _ = tsvc.issue_ticket(db.session, office=office, service=services["KK"], now=NOW)
        db.session.commit()
        assert ssvc.state(db.session, waiting, NOW) == ssvc.NOT_YET
        with pytest.raises(ssvc.SurveyNotOpen):
            ssvc.submit(db.session, waiting, parse(ALL3), NOW)
        gone = served_ticket("REKAM", status="no_show")
        assert ssvc.state(db.session, gone, NOW + timedelta(hours=1)) == ssvc.NOT_SERVED
        done = served_ticket("CETAK", counter_no=3)
        assert ssvc.state(db.session, done, NOW + timedelta(days=8)) == ssvc.EXPIRED
        with pytest.raises(ssvc.SurveyNotOpen):
            ssvc.submit(db.session, done, parse(ALL3), NOW + timedelta(days=8))
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 0


def test_concurrent_double_submit_stores_one_answer(any_app):
    seed(any_app)
    with any_app.app_context():
        ticket_id = served_ticket().id
        db.session.remove()
    barrier, results = threading.Barrier(4), []

    def worker():
        barrier.wait()
        with any_app.app_context():
            try:
                t = db.session.get(Ticket, ticket_id)
                ssvc.submit(db.session, t, parse(ALL3), NOW + timedelta(minutes=10))
                db.session.commit()
                results.append("ok")
            except ssvc.AlreadyAnswered:
                db.session.rollback()
                results.append("conflict")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
    assert sorted(results) == ["conflict"] * 3 + ["ok"]
    with any_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 1


def test_ikm_report_from_stored_answers(any_app):
    seed(any_app)
    with any_app.app_context():
        answers = [({**ALL3, "U9": 2}, "REKAM", 1), ({**ALL3, "U1": 4}, "REKAM", 1), (ALL3, "KK", 4)]
        for i, (scores, svc, counter) in enumerate(answers):
            t = served_ticket(svc, counter, at=NOW + timedelta(minutes=20 * i))
            ssvc.submit(db.session, t, parse(scores, {"gender": "P"} if i else {}), NOW + timedelta(hours=2))
            db.session.commit()
        served_ticket("REKAM", 1, at=NOW + timedelta(hours=3))   # served, did not answer
        office, services, _ = _office()
        r = reports.ikm_report(db.session, office, date(2026, 1, 1), date(2026, 1, 31))
        expected = ikm.compute(ikm.tally([a for a, _, _ in answers]), 3)
        assert r.overall.index == expected.index and r.overall.weakest == ("U9",)
        assert r.served == 4 and r.minimum == 4 and not r.sample_ok
        by = {s.service_id: s for s in r.services}
        assert by[services["REKAM"].id].result.respondents == 2 and by[services["REKAM"].id].served == 3
        assert by[services["KK"].id].result.index == ikm.compute(ikm.tally([ALL3]), 1).index
        assert by[services["SUKET"].id].result.index is None
        assert r.profile["gender"] == {"L": 0, "P": 2, None: 1}
        assert r.channels == {"status": 3}
        # the report context's own served counts win; an empty period has no index
        r2 = reports.ikm_report(db.session, office, date(2026, 1, 1), date(2026, 1, 31), served={})
        assert r2.served == 0 and r2.sample_ok
        empty = reports.ikm_report(db.session, office, date(2026, 2, 1), date(2026, 2, 28))
        assert empty.overall.index is None and empty.served == 0


# -- complaints ----------------------------------------------------------------------------------------

def _send(t, text="Antre lama sekali", now=NOW, keys=(), **kw):
    data = csvc.parse({"kind": "pengaduan", "category": "antrean", "text": text, **kw})
    sent, events = csvc.send(db.session, ticket=t, data=data, now=now,
                             settings=settings.load(db.session, t.office_id), limit_keys=keys)
    db.session.commit()
    return sent, events


def _users(office):
    users = {u.username: u for u in db.session.scalars(select(User))}
    return users["manajer"], users["petugas1"]


def test_complaint_from_sending_to_closing(any_app):
    seed(any_app)
    with any_app.app_context():
        t = served_ticket()
        sent, events = _send(t, text="NIK saya 3201014501900003, antre 3 jam", contact="0812-3456-7890")
        c = sent.complaint
        assert "3201014501900003" not in c.text and c.nik_masked == 1
        assert c.contact_value == "+6281234567890" and c.state == "baru"
        assert sent.reference == f"BKS-2601-{c.id:04d}" and c.due_day == date(2026, 1, 19)
        assert csvc.by_token(db.session, sent.token).id == c.id and csvc.by_token(db.session, "x" * 20) is None
        assert sent.token not in c.token_hash
        assert [e.name for e in events] == ["complaint_received"] and events[0].audience == ("managers",)
        manager, clerk = _users(c.office)
        csvc.assign(db.session, c, assignee=clerk, actor=manager, now=NOW + timedelta(hours=1))
        assert c.state == "ditugaskan" and c.assigned_to_id == clerk.id
        with pytest.raises(InvalidTransition):
            csvc.close(db.session, c, actor=manager, now=NOW)
        ev = csvc.answer(db.session, c, text="Mohon maaf, loket 2 kini buka 08.00.", actor=clerk,
                         now=NOW + timedelta(days=2))
        assert c.state == "dijawab" and c.first_answer_day == date(2026, 1, 7)
        answered = [e for e in ev if e.name == "complaint_answered"][0]
        assert answered.ticket_token == t.token and answered.payload["answer"].startswith("Mohon maaf")
        csvc.answer(db.session, c, text="Tambahan: kursi lansia ditambah.", actor=manager,
                    now=NOW + timedelta(days=20))
        assert c.first_answer_day == date(2026, 1, 7) and c.answer.startswith("Tambahan")
        s = csvc.sla(c, NOW + timedelta(days=30))
        assert s.on_time and s.response_days == 2
        csvc.close(db.session, c, actor=manager, now=NOW + timedelta(days=21))
        db.session.commit()
        assert [e.action for e in db.session.scalars(select(ComplaintEvent).order_by(ComplaintEvent.id))] == \
            ["assign", "answer", "answer", "close"]
        assert csvc.for_ticket(db.session, t.id)[0].state == "selesai"


def test_assignee_must_work_at_the_office(any_app):
    seed(any_app)
    with any_app.app_context():
        t = served_ticket()
        c = _send(t)[0].complaint
        manager, clerk = _users(c.office)
        clerk.offices = []
        with pytest.raises(ValidationFailed):
            csvc.assign(db.session, c, assignee=clerk, actor=manager, now=NOW)
        clerk.active = False
        with pytest.raises(ValidationFailed):
            csvc.assign(db.session, c, assignee=clerk, actor=manager, now=NOW)
        with pytest.raises(NotFound):
            csvc.get(db.session, c.office_id + 1000, c.id)


@pytest.mark.parametrize("raw,errors", [
    ({}, {"kind": "required", "category": "required", "text": "required"}),
    ({"kind": "marah", "category": "x", "text": "a\x00b"},
     {"kind": "unknown_choice", "category": "unknown_choice", "text": "control_chars"}),
    ({"kind": "saran", "category": "sarana", "text": "x" * 2001, "contact": "123"},
     {"text": "too_long", "contact": "bad_contact"}),
])
def test_bad_complaints_name_every_field(raw, errors):
    with pytest.raises(csvc.ComplaintInvalid) as e:
        csvc.parse(raw)
    assert e.value.errors == errors


def test_limits_per_ticket_and_per_address(any_app):
    seed(any_app)
    with any_app.app_context():
        t1, t2 = served_ticket(), served_ticket("KK", 4)

        def keys(ticket, address="203.0.113.7"):
            return [(keyed_hash("s", "addr", address), csvc.ADDRESS_LIMIT),
                    (keyed_hash("s", "ticket", ticket.token), csvc.TICKET_LIMIT)]

        for i in range(3):
            _send(t1, now=NOW + timedelta(minutes=i), keys=keys(t1, "198.51.100.1"))
        with pytest.raises(RateLimited) as e:
            _send(t1, now=NOW + timedelta(minutes=4), keys=keys(t1, "198.51.100.9"))
        db.session.rollback()
        assert e.value.details["retry_after"] == 86400 - 4 * 60     # the ticket's first send leaves the day
        for i in range(2):
            _send(t2, now=NOW + timedelta(minutes=10 + i), keys=keys(t2, "198.51.100.1"))
        with pytest.raises(RateLimited):   # the address has sent 5 within the hour now
            _send(t2, now=NOW + timedelta(minutes=20), keys=keys(t2, "198.51.100.1"))
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Complaint)) == 5
        stored = db.session.scalars(select(FeedbackSend.key)).all()
        assert len(stored) == 10 and not any("198.51" in k for k in stored)
        # a day later the old sends are pruned and the ticket may write again
        _send(t1, now=NOW + timedelta(days=1, minutes=15), keys=keys(t1))
        assert db.session.scalar(select(func.count()).select_from(FeedbackSend)) == 2


def test_a_visit_too_long_ago(any_app):
    seed(any_app)
    with any_app.app_context():
        t = served_ticket()
        with pytest.raises(InvalidTransition):
            _send(t, now=NOW + timedelta(days=8))


def test_counts_overdue_and_contact_erasure(any_app):
    seed(any_app)
    with any_app.app_context():
        office = _office()[0]
        settings.save(db.session, office, settings.FeedbackSettings(target_days=3, contact_keep_days=10))
        db.session.commit()
        t = served_ticket()
        a = _send(t, contact="warga@example.id")[0].complaint
        b = _send(t)[0].complaint
        _send(t, category="sarana", kind="saran")
        manager, clerk = _users(office)
        csvc.answer(db.session, a, text="Sudah ditangani.", actor=manager, now=NOW + timedelta(days=1))
        csvc.answer(db.session, b, text="Maaf terlambat.", actor=manager, now=NOW + timedelta(days=5))
        csvc.close(db.session, a, actor=manager, now=NOW + timedelta(days=1))
        db.session.commit()
        counts = reports.complaint_counts(db.session, [office.id], date(2026, 1, 1), date(2026, 1, 31),
                                          NOW + timedelta(days=6))[office.id]
        assert (counts.received, counts.complaints, counts.suggestions) == (3, 2, 1)
        assert (counts.answered, counts.answered_on_time, counts.late, counts.overdue) == (2, 1, 1, 1)
        assert counts.open == 1 and counts.closed == 1 and counts.median_response_days == 3.0
        assert counts.by_category["antrean"] == 2 and counts.by_category["sarana"] == 1
        keep = settings.load(db.session, office.id).contact_keep_days
        assert csvc.erase_contacts(db.session, NOW + timedelta(days=10), lambda _: keep) == 0
        assert csvc.erase_contacts(db.session, NOW + timedelta(days=11, hours=1), lambda _: keep) == 1
        db.session.commit()
        assert a.contact_value is None and a.contact_kind is None and a.contact_erased_at is not None
        rows = reports.lapor_rows(db.session, office, date(2026, 1, 1), date(2026, 1, 31), NOW + timedelta(days=6),
                                  settings.load(db.session, office.id))
        assert [r.on_time for r in rows] == [True, False, None]
        assert rows[0].service_name == "Perekaman KTP-el" or rows[0].service_name


# -- the counter tablet ----------------------------------------------------------------------------------

def test_tablet_offers_the_ticket_just_finished_at_its_counter(any_app):
    seed(any_app)
    with any_app.app_context():
        counters = _office()[2]
        new = ssvc.create_tablet(db.session, counters[1], "Tablet loket 1", NOW)
        db.session.commit()
        tablet = ssvc.tablet_by_token(db.session, new.token)
        assert tablet.id == new.tablet.id and new.token not in tablet.token_hash
        assert ssvc.tablet_ticket(db.session, tablet, NOW) is None
        t = served_ticket("REKAM", 1)
        other = served_ticket("KK", 4)
        at = NOW + timedelta(minutes=6)
        assert ssvc.tablet_ticket(db.session, tablet, at).id == t.id
        with pytest.raises(NotFound):
            ssvc.ticket_for_tablet(db.session, tablet, other.id, at)
        assert ssvc.tablet_ticket(db.session, tablet, NOW + timedelta(minutes=16)) is None   # offer lapsed
        with pytest.raises(NotFound):
            ssvc.ticket_for_tablet(db.session, tablet, t.id, NOW + timedelta(minutes=16))
        ssvc.submit(db.session, ssvc.ticket_for_tablet(db.session, tablet, t.id, at), parse(ALL3), at,
                    channel="tablet")
        db.session.commit()
        assert ssvc.tablet_ticket(db.session, tablet, at) is None          # answered: back to waiting
        t2 = served_ticket("REKAM", 1, at=NOW + timedelta(minutes=30))
        at2 = NOW + timedelta(minutes=36)
        assert ssvc.tablet_ticket(db.session, tablet, at2).id == t2.id
        t3 = served_ticket("REKAM", 1, at=NOW + timedelta(minutes=31))
        # the next citizen's ticket finished meanwhile: the tablet offers it, but t2's form still submits
        assert ssvc.tablet_ticket(db.session, tablet, at2).id == t3.id
        assert ssvc.ticket_for_tablet(db.session, tablet, t2.id, at2).id == t2.id
        ssvc.skip_on_tablet(db.session, tablet, t3.id)
        db.session.commit()
        assert ssvc.tablet_ticket(db.session, tablet, at2) is None
        ssvc.revoke_tablet(db.session, tablet, at2)
        db.session.commit()
        assert ssvc.tablet_by_token(db.session, new.token) is None
