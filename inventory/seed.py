"""Demo stock for the demo office (registered with ``hooks.register_seeder`` of ``adminduk seed-demo`` /
``adminduk demo``): ~90 days of use with a weekday pattern (Monday heaviest, about 160 blanks a
day), 420 KTP-el blanks left, a delivery from Ditjen Dukcapil expected in 9 days: the scenario's
"critical" morning."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from inventory.ledger import add_expected_delivery, ensure_items, move
from inventory.models import ServiceConsumption
from inventory.recompute import recompute_office
from inventory.risk import office_closed_days
from queue_service.domain.clock import office_day, zone
from queue_service.models import Office, Service

WEEKDAY_FACTOR = {0: 1.3, 1: 1.05, 2: 0.95, 3: 0.9, 4: 0.8}
#: item code -> (mean daily use, stock left now)
DEMO_ITEMS = {"KTP_EL": (160, 420), "KIA": (22, 380), "RIBBON": (182, 2400), "FILM": (182, 3100)}


def _at(day: date, hour: int, tz: str) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=zone(tz)).astimezone(timezone.utc)


def seed_stock(session: Session, data: dict, now: datetime, *, days: int = 90, seed: int = 7) -> dict:
    office = session.scalar(select(Office).where(Office.code == data["office"]["code"]))
    items = ensure_items(session, office)
    services = {s.code: s for s in session.scalars(select(Service).where(Service.office_id == office.id))}
    rules = []
    if "CETAK" in services:
        rules += [("CETAK", "KTP_EL", True, 20), ("CETAK", "RIBBON", False, 0), ("CETAK", "FILM", False, 0)]
    if "KIA" in services:
        rules += [("KIA", "KIA", False, 0), ("KIA", "RIBBON", False, 0), ("KIA", "FILM", False, 0)]
    for scode, icode, caps, reserve in rules:
        session.add(ServiceConsumption(service_id=services[scode].id, item_id=items[icode].id, per_card=1,
                                       caps_quota=caps, reserve=reserve))

    rng = np.random.default_rng(seed)
    today = office_day(now, office.timezone)
    start = today - timedelta(days=days)
    closed = office_closed_days(office.open_days, start, today)
    open_days = [start + timedelta(days=i) for i in range(days) if start + timedelta(days=i) not in closed]
    for code, (mean, left) in DEMO_ITEMS.items():
        item = items[code]
        use = {d: int(rng.poisson(mean * WEEKDAY_FACTOR.get(d.weekday(), 1.0))) for d in open_days}
        total = sum(use.values())
        # three allotments (the last one short, as they often are), the last leaving ``left`` now
        thirds = [open_days[0], open_days[len(open_days) // 3], open_days[2 * len(open_days) // 3]]
        seg = [sum(v for d, v in use.items() if a <= d < b)
               for a, b in zip(thirds, thirds[1:] + [today])]
        amounts = [seg[0] + 300, seg[1], seg[2] + left - 300]
        assert sum(amounts) == total + left and min(amounts) > 0
        cap = item.capacity or 1
        for d in open_days:
            if d in thirds:
                k = thirds.index(d)
                move(session, office=office, item=item, kind="receipt", quantity=amounts[k],
                          now=_at(d, 8, office.timezone), actor="demo",
                          source="Ditjen Dukcapil" if k != 1 else "Dinas Dukcapil Provinsi Jawa Barat",
                          document_no=f"BAST/{d:%Y%m%d}/{code}", document_date=d,
                          reason=f"{amounts[k] // cap} rol" if item.capacity else "")
            spoiled = int(rng.random() < 0.15) if code != "RIBBON" else 0
            used = use[d] - spoiled
            if used > 0:
                move(session, office=office, item=item, kind="consumption", quantity=-used,
                          now=_at(d, 14, office.timezone), actor="demo", reason="rekap harian")
            if spoiled:
                move(session, office=office, item=item, kind="spoilage", quantity=-spoiled,
                          now=_at(d, 14, office.timezone), actor="demo", reason="salah cetak")
    add_expected_delivery(session, office=office, item_code="KTP_EL", quantity=3000,
                              expected_date=today + timedelta(days=9), now=now, source="Ditjen Dukcapil",
                              note="Alokasi triwulan", actor="demo")
    session.flush()
    risks, _events = recompute_office(session, office, now)
    return {code: r.as_dict() for code, r in risks.items()}
