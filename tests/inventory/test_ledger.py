"""The stock ledger: balance = sum of movements and never negative (property test), transfers are
atomic, consumption beyond the balance is refused, censored days, the counter's finish hook,
the quota cap with the Suket offer, and alert transitions with webhook delivery."""
from __future__ import annotations

import json
import threading
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from queue_service import hooks
from inventory.alerts import acknowledge_alert, active_alert
from inventory.ledger import (
    MAX_QUANTITY,
    InsufficientStock,
    MovementInput,
    add_expected_delivery,
    balance_of,
    ensure_items,
    item_by_code,
    ledger_sum,
    record_movement,
)
from inventory.quota import service_availability, stock_quota_cap
from inventory.recompute import recompute_item
from inventory.webhooks import WEBHOOK_SETTING, deliver_due
from inventory.models import AlertNotification, ServiceConsumption, StockAlert, StockDay, StockLevel, StockMovement
from inventory.risk import DayFigures, demand_history, office_closed_days
from queue_service.domain.errors import DomainError, QuotaReached, ValidationFailed
from queue_service.extensions import db
from queue_service.models import Office, Service, Setting
from queue_service.services import tickets as svc
from queue_service.services.seed import seed_demo
from tests.conftest import MONDAY_0800_WIB

T0 = MONDAY_0800_WIB


def _office(code="BKS"):
    return db.session.scalar(select(Office).where(Office.code == code))


def _mv(kind, quantity=None, **kw):
    return MovementInput(kind=kind, item=kw.pop("item", "KTP_EL"), quantity=quantity, **kw)


# --------------------------------------------------------------------------- property test

OPS = st.lists(st.one_of(
    st.tuples(st.just("receipt"), st.integers(1, 500)),
    st.tuples(st.just("consumption"), st.integers(1, 400)),
    st.tuples(st.just("spoilage"), st.integers(1, 50)),
    st.tuples(st.just("adjustment"), st.integers(0, 800)),
    st.tuples(st.just("transfer_out"), st.integers(1, 300)),
    st.tuples(st.just("transfer_in"), st.integers(1, 300)),
), min_size=1, max_size=25)


@pytest.fixture
def two_offices(app):
    with app.app_context():
        seed_demo(db.session, now=T0)
        seed_demo(db.session, now=T0, code="KBKS", name="Disdukcapil Kota Bekasi")
        db.session.commit()
        db.session.remove()
    return app


def test_random_movement_sequences_keep_balance_equal_to_the_ledger_and_never_negative(two_offices):
    app = two_offices

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(ops=OPS)
    def run(ops):
        with app.app_context():
            a, b = _office("BKS"), _office("KBKS")
            item_a = item_by_code(db.session, a, "KTP_EL")
            item_b = item_by_code(db.session, b, "KTP_EL")
            for i, (kind, q) in enumerate(ops):
                now = T0 + timedelta(minutes=i)
                before_a, before_b = balance_of(db.session, item_a), balance_of(db.session, item_b)
                if kind == "adjustment":
                    data = MovementInput(kind="adjustment", counted=q, reason="opname")
                elif kind == "transfer_out":
                    data = _mv("transfer_out", q, to_office="KBKS")
                elif kind == "transfer_in":
                    data = _mv("transfer_in", q, from_office="KBKS")
                else:
                    data = _mv(kind, q, source="Ditjen Dukcapil", reason="uji")
                try:
                    # as an admin (rights over both offices): a transfer_in takes KBKS's stock
                    record_movement(db.session, office=a, data=data, now=now, actor="test",
                                        may_take_from=lambda office: True)
                    db.session.commit()
                except InsufficientStock:
                    db.session.rollback()
                    # refused only when it really would have gone negative, and nothing changed
                    source_before = before_b if kind == "transfer_in" else before_a
                    assert q > source_before
                    assert balance_of(db.session, item_a) == before_a
                    assert balance_of(db.session, item_b) == before_b
                for item in (item_a, item_b):
                    bal = balance_of(db.session, item)
                    assert bal >= 0
                    assert bal == ledger_sum(db.session, item)
                    last = db.session.scalar(select(StockMovement.balance_after).where(
                        StockMovement.item_id == item.id).order_by(StockMovement.id.desc()).limit(1))
                    assert last is None or last == bal
            # transfers always come in pairs of equal and opposite quantities
            pairs = db.session.execute(select(StockMovement.transfer_id, func.sum(StockMovement.quantity),
                                              func.count()).where(StockMovement.transfer_id.is_not(None))
                                       .group_by(StockMovement.transfer_id)).all()
            assert all(total == 0 and n == 2 for _tid, total, n in pairs)
            db.session.remove()

    run()


# --------------------------------------------------------------------------- rules


def test_validation_and_atomic_transfers(two_offices):
    app = two_offices
    with app.app_context():
        a = _office("BKS")
        item = item_by_code(db.session, a, "KTP_EL")
        with pytest.raises(ValidationFailed) as e:
            record_movement(db.session, office=a, data=_mv("receipt", 10), now=T0)
        assert e.value.details["field"] == "source"
        for bad in (0, -5, True, "7", MAX_QUANTITY + 1):
            with pytest.raises(ValidationFailed):
                record_movement(db.session, office=a, data=_mv("receipt", bad, source="X"), now=T0)
        with pytest.raises(ValidationFailed) as e:
            record_movement(db.session, office=a, data=_mv("spoilage", 1), now=T0)
        assert e.value.details["field"] == "reason"
        with pytest.raises(ValidationFailed):
            record_movement(db.session, office=a, data=MovementInput(kind="adjustment", counted=5),
                                now=T0)
        with pytest.raises(DomainError):
            record_movement(db.session, office=a, data=_mv("receipt", 1, item="NOPE", source="X"), now=T0)
        db.session.rollback()
        record_movement(db.session, office=a, data=_mv("receipt", None, item="RIBBON", packs=2,
                                                           source="X"), now=T0)
        assert balance_of(db.session, item_by_code(db.session, a, "RIBBON")) == 500  # 2 rolls x 250 cards
        record_movement(db.session, office=a, data=_mv("receipt", 100, source="Ditjen Dukcapil"), now=T0)
        db.session.commit()
        # consumption beyond the balance: a clear refusal, nothing recorded
        n = db.session.scalar(select(func.count(StockMovement.id)))
        with pytest.raises(InsufficientStock) as e:
            record_movement(db.session, office=a, data=_mv("consumption", 101), now=T0)
        assert "100" in e.value.message and "101" in e.value.message and e.value.status == 409
        db.session.rollback()
        # a transfer larger than the stock leaves BOTH ledgers untouched
        with pytest.raises(InsufficientStock):
            record_movement(db.session, office=a, data=_mv("transfer_out", 150, to_office="KBKS"), now=T0)
        db.session.rollback()
        assert db.session.scalar(select(func.count(StockMovement.id))) == n
        moves, events = record_movement(db.session, office=a, data=_mv("transfer_out", 40, to_office="KBKS"),
                                            now=T0, actor="user:manajer")
        db.session.commit()
        assert [m.kind for m in moves] == ["transfer_out", "transfer_in"]
        assert moves[0].transfer_id == moves[1].transfer_id
        assert {e.office for e in events} == {"BKS", "KBKS"} and all(e.audience == ("managers",) for e in events)
        b_item = item_by_code(db.session, _office("KBKS"), "KTP_EL")
        assert balance_of(db.session, item) == 60 and balance_of(db.session, b_item) == 40
        with pytest.raises(ValidationFailed):
            record_movement(db.session, office=a, data=_mv("transfer_out", 1, to_office="BKS"), now=T0)
        # stock count: the difference is recorded, with its reason
        moves, _ = record_movement(db.session, office=a, data=MovementInput(
            kind="adjustment", counted=55, reason="stok opname Januari"), now=T0)
        assert moves[0].quantity == -5 and balance_of(db.session, item) == 55
        # the ledger is append-only
        with pytest.raises(RuntimeError):
            moves[0].quantity = 3
            db.session.flush()
        db.session.rollback()


def test_censored_days_and_turned_away_citizens():
    closed = office_closed_days("12345", date(2026, 1, 1), date(2026, 1, 31))
    assert date(2026, 1, 1) in closed  # Tahun Baru
    assert date(2026, 1, 3) in closed and date(2026, 1, 5) not in closed  # Saturday / Monday
    rows = [
        DayFigures(date(2026, 1, 5), used=100, opening=300, min_balance=200, closing=200),
        DayFigures(date(2026, 1, 6), used=200, opening=200, min_balance=0, closing=0),  # ran out: censored
        # 7 Jan: no row, carried balance 0: censored too
        DayFigures(date(2026, 1, 8), used=0, turned_away=35, opening=0, min_balance=0, closing=0),  # counted
        DayFigures(date(2026, 1, 9), used=150, opening=500, min_balance=350, closing=350),
        # 12 Jan: no row but stock on hand: zero demand
    ]
    h = demand_history(rows, end=date(2026, 1, 12), closed=closed)
    assert h[date(2026, 1, 5)] == 100 and h[date(2026, 1, 6)] is None and h[date(2026, 1, 7)] is None
    assert h[date(2026, 1, 8)] == 35 and h[date(2026, 1, 9)] == 150 and h[date(2026, 1, 12)] == 0
    assert h[date(2026, 1, 10)] == 0.0  # Saturday: closed, passed to the forecast as closed


def test_finish_hook_quota_cap_suket_offer_and_alerts(app, demo):
    """The scenario's afternoon: each finished Pencetakan ticket takes a blank (and ribbon), misprints
    are spoilage, the quota follows the stock, the kiosk is told "Blangko habis" and offered Suket."""
    registered = hooks.of(app)
    with app.app_context():
        office = _office()
        items = ensure_items(db.session, office)
        cetak = db.session.scalar(select(Service).where(Service.code == "CETAK"))
        for code, caps in (("KTP_EL", True), ("RIBBON", False)):
            db.session.add(ServiceConsumption(service_id=cetak.id, item_id=items[code].id, per_card=1,
                                              caps_quota=caps, reserve=2 if caps else 0))
        record_movement(db.session, office=office, data=_mv("receipt", 6, source="Ditjen Dukcapil"), now=T0)
        db.session.commit()
        day = T0.date()
        assert stock_quota_cap(db.session, cetak, day) == 4  # 6 in stock - reserve 2
        assert svc.effective_quota(db.session, cetak, day, registered.quota_caps) == 4
        counter = next(c for c in office.counters if c.number == 3)
        tickets = []
        for k in range(4):
            t, _ = svc.issue_ticket(db.session, office=office, service=cetak, now=T0, quota_caps=registered.quota_caps)
            db.session.commit()
            tickets.append(t)
        with pytest.raises(QuotaReached):
            svc.issue_ticket(db.session, office=office, service=cetak, now=T0, quota_caps=registered.quota_caps)
        db.session.rollback()
        avail = service_availability(db.session, cetak, day, registered.quota_caps)
        assert avail["available"] is False and avail["reason"] == "out_of_stock"
        assert avail["message"]["id"] == "Blangko habis hari ini" and avail["fallback"]["code"] == "SUKET"
        # a family: 2 cards printed, 1 spoiled (needs a reason)
        called, _ = svc.call_next(db.session, counter=counter, now=T0, finish_hooks=registered.finish_hooks)
        db.session.commit()
        with pytest.raises(ValidationFailed):
            svc.finish(db.session, ticket=called, now=T0, data={"cards": 2, "spoiled": 1}, finish_hooks=registered.finish_hooks)
        db.session.rollback()
        called = db.session.get(type(called), called.id)
        _, events = svc.finish(db.session, ticket=called, now=T0, finish_hooks=registered.finish_hooks,
                               data={"cards": 2, "spoiled": 1, "spoiled_reason": "chip gagal"})
        db.session.commit()
        ktp = items["KTP_EL"]
        rows = db.session.execute(select(StockMovement.kind, StockMovement.quantity, StockMovement.reason)
                                  .where(StockMovement.ticket_id == called.id, StockMovement.item_id == ktp.id)
                                  .order_by(StockMovement.id)).all()
        assert [tuple(r) for r in rows] == [("consumption", -2, ""), ("spoilage", -1, "chip gagal")]
        assert balance_of(db.session, ktp) == 3 and any(e.name == "stock_changed" for e in events)
        # below the reorder point? (none computed yet); explicit figures beyond the stock are refused
        called, _ = svc.call_next(db.session, counter=counter, now=T0, finish_hooks=registered.finish_hooks)
        db.session.commit()
        with pytest.raises(InsufficientStock):
            svc.finish(db.session, ticket=called, now=T0, data={"cards": 4}, finish_hooks=registered.finish_hooks)
        db.session.rollback()
        called = db.session.get(type(called), called.id)
        svc.finish(db.session, ticket=called, now=T0, data={"cards": 3}, finish_hooks=registered.finish_hooks)
        db.session.commit()
        assert balance_of(db.session, ktp) == 0
        alert = active_alert(db.session, ktp)
        assert alert.level == "critical" and alert.status == "open"  # at once, without a forecast
        # an automatic finish (call next) never blocks the counter when the blanks ran out
        called, _ = svc.call_next(db.session, counter=counter, now=T0, finish_hooks=registered.finish_hooks)
        svc.start(db.session, ticket=called, now=T0)  # served: the next press finishes it
        nxt, _ = svc.call_next(db.session, counter=counter, now=T0, finish_hooks=registered.finish_hooks)
        db.session.commit()
        assert nxt is not None and balance_of(db.session, ktp) == 0
        assert ledger_sum(db.session, ktp) == 0


def test_alert_transitions_and_webhook_retries(app, demo):
    received, status = [], [500]

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(json.loads(body))
            self.send_response(status[0])
            self.end_headers()

        def log_message(self, *a):
            pass

    server = HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/hook"
    try:
        with app.app_context():
            office = _office()
            db.session.add(Setting(office_id=office.id, key=WEBHOOK_SETTING, value=url))
            item = item_by_code(db.session, office, "KTP_EL")
            # history: 6 weeks of ~100 a day, then 150 left and a delivery in 9 days -> critical
            day = T0.date() - timedelta(days=42)
            closed = office_closed_days("12345", day, T0.date())
            db.session.add_all([StockDay(item_id=item.id, day=day + timedelta(days=i), used=0,
                                         imported=100 + (i % 5) * 5, turned_away=0)
                                for i in range(42) if day + timedelta(days=i) not in closed])
            record_movement(db.session, office=office, data=_mv("receipt", 150, source="Ditjen"), now=T0)
            add_expected_delivery(db.session, office=office, item_code="KTP_EL", quantity=2000,
                                      expected_date=T0.date() + timedelta(days=9), now=T0)
            risk, events = recompute_item(db.session, item, T0)
            db.session.commit()
            assert risk.status == "critical" and risk.p_stockout > 0.9
            assert 1.0 < risk.days_of_cover < 2.0 and risk.stockout_date == T0.date() + timedelta(days=1)
            assert risk.reorder_point > 1000  # 14 days of ~100/day at 95 %
            alert = active_alert(db.session, item)
            assert (alert.level, alert.status) == ("critical", "open")
            assert any(e.name == "stock_alert" and e.audience == ("managers",) for e in events)
            # acknowledge; acknowledging twice is refused
            acknowledge_alert(db.session, alert=alert, now=T0, actor="user:manajer")
            with pytest.raises(DomainError):
                acknowledge_alert(db.session, alert=alert, now=T0, actor="user:manajer")
            # a big receipt: enough for the lead time but below the reorder point -> warning
            record_movement(db.session, office=office, data=_mv("receipt", 750, source="Ditjen"), now=T0)
            risk, _ = recompute_item(db.session, item, T0)
            assert risk.status == "warning" and alert.level == "warning" and alert.status == "acknowledged"
            # plenty: resolved
            record_movement(db.session, office=office, data=_mv("receipt", 5000, source="Ditjen"), now=T0)
            risk, _ = recompute_item(db.session, item, T0)
            db.session.commit()
            assert risk.status == "ok" and alert.status == "resolved" and active_alert(db.session, item) is None
            # webhook: opened, deescalated, resolved; the gateway fails first, then accepts
            assert db.session.scalar(select(func.count(AlertNotification.id))) == 3
            assert deliver_due(db.session, T0) == {"sent": 0, "failed": 3}
            assert deliver_due(db.session, T0) == {"sent": 0, "failed": 0}  # backing off
            status[0] = 204
            assert deliver_due(db.session, T0 + timedelta(minutes=5)) == {"sent": 3, "failed": 0}
            assert [r["event"] for r in received[-3:]] == ["stock_alert_opened", "stock_alert_deescalated",
                                                          "stock_alert_resolved"]
            notes = db.session.scalars(select(AlertNotification)).all()
            assert all(n.delivered_at and n.attempts == 2 and "500" in n.last_error for n in notes)
            assert db.session.scalar(select(func.count(StockAlert.id))) == 1
            level = db.session.get(StockLevel, item.id)
            assert level.risk == "ok" and level.stale is False
    finally:
        server.shutdown()
