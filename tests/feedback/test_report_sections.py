"""The feature's monthly-report sections: data built from the stored answers and complaints, and the
export tables (no complaint texts or contacts in them)."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

from sqlalchemy import select

from feedback import report
from feedback.services import complaints as csvc
from feedback.services import settings as fsettings
from feedback.services import survey as ssvc
from feedback.survey import parse
from queue_service.extensions import db
from queue_service.models import Office
from tests.conftest import seed
from tests.feedback.test_services import ALL3, NOW, served_ticket


def _ctx(office, served):
    return SimpleNamespace(office=office, start=date(2026, 1, 1), end=date(2026, 1, 31), now=NOW + timedelta(days=20),
                           locale="id", served=served, served_total=sum(served.values()), services=office.services)


def test_sections_and_their_exports(app):
    seed(app)
    with app.app_context():
        t = served_ticket()
        ssvc.submit(db.session, t, parse({**ALL3, "U8": 2}), NOW + timedelta(hours=1))
        sent, _ = csvc.send(db.session, ticket=t, data=csvc.parse({"kind": "saran", "category": "sarana",
                                                                    "text": "Kursi kurang", "contact": "0812 3456 789"}),
                            now=NOW, settings=fsettings.load(db.session, t.office_id))
        db.session.commit()
        office = db.session.scalar(select(Office))
        ctx = _ctx(office, {t.service_id: 100})
        ikm = report.build_ikm(db.session, ctx)
        assert ikm.report.served == 100 and ikm.report.minimum == 80 and not ikm.report.sample_ok
        assert ikm.report.overall.weakest == ("U8",)
        # 8 x 3 + 2 = 26; 26 / 9 x 25 = 72.22
        assert ikm.report.overall.index == Decimal("72.22") and ikm.weighted_sum == Decimal("2.889")
        assert ikm.weighted["U8"] == Decimal("0.222")
        tables = report.export_ikm(ikm)
        assert [name for name, _, _ in tables] == ["IKM per unsur", "IKM per layanan"]
        assert tables[0][2][-1][5] == "72.22" and tables[0][2][7][0] == "U8"
        comp = report.build_complaints(db.session, ctx)
        assert comp.counts.received == 1 and comp.counts.suggestions == 1 and comp.target_days == 14
        assert comp.u8 == Decimal("50.00")
        flat = str(report.export_complaints(comp))
        assert "Kursi kurang" not in flat and "0812" not in flat and "+62" not in flat
