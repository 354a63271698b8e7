"""The demo office: Disdukcapil Kabupaten Bekasi. Passwords and tokens are random each time."""
from __future__ import annotations

import secrets
from datetime import datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_service.models import Counter, Office, Service
from queue_service.services.staff import create_api_token, create_device, create_user

DEMO_SERVICES = [
    # code, prefix, id, en, daily quota, policy
    ("REKAM", "A", "Perekaman KTP-el", "e-KTP recording", None, "strict"),
    ("CETAK", "B", "Pencetakan KTP-el", "e-KTP printing", 150, "strict"),
    ("KK", "C", "Kartu Keluarga", "Family card", None, "strict"),
    ("KIA", "D", "Kartu Identitas Anak", "Child ID card (KIA)", None, "strict"),
    ("LAHIR", "E", "Akta Kelahiran", "Birth certificate", None, "interleave:3"),
    ("MATI", "F", "Akta Kematian", "Death certificate", None, "strict"),
    ("PINDAH", "G", "Pindah/Datang", "Moving in/out", None, "strict"),
    ("SUKET", "H", "Surat Keterangan (Suket)", "Temporary certificate (Suket)", None, "strict"),
]

DEMO_COUNTERS = [  # number, services
    (1, ["REKAM"]),
    (2, ["REKAM", "KIA"]),
    (3, ["CETAK", "SUKET"]),
    (4, ["KK", "PINDAH"]),
    (5, ["LAHIR", "MATI", "KIA"]),
    (6, ["KK", "LAHIR", "MATI", "PINDAH", "SUKET"]),
]


def password() -> str:
    return secrets.token_urlsafe(9)


def seed_demo(session: Session, *, now: datetime, code: str = "BKS",
              name: str = "Disdukcapil Kabupaten Bekasi", timezone: str = "Asia/Jakarta") -> dict:
    """Create the demo office with services, counters, users, devices and tokens.

    Returns every code, id, login, password and token (a script can drive the demo with it).
    Refuses to run twice for the same office code.
    """
    if session.scalar(select(Office.id).where(Office.code == code)) is not None:
        raise ValueError(f"office {code} exists already")
    office = Office(code=code, name=name, timezone=timezone, opens_at=time(8, 0), closes_at=time(15, 0),
                    open_days="12345", priority_prefix="P",
                    info_text="Selamat datang di Disdukcapil. Layanan adminduk GRATIS, tidak dipungut biaya.",
                    ticket_footer="Layanan adminduk tidak dipungut biaya.")
    session.add(office)
    session.flush()
    services = {}
    for i, (scode, prefix, nid, nen, quota, policy) in enumerate(DEMO_SERVICES):
        services[scode] = Service(office_id=office.id, code=scode, prefix=prefix, name_id=nid, name_en=nen,
                                  daily_quota=quota, priority_policy=policy, active=True, sort_order=i)
        session.add(services[scode])
    session.flush()
    services["CETAK"].fallback_service_id = services["SUKET"].id
    counters = []
    for number, codes in DEMO_COUNTERS:
        c = Counter(office_id=office.id, number=number, name=f"Loket {number}",
                    services=[services[s] for s in codes])
        session.add(c)
        counters.append(c)
    session.flush()

    users = []
    first = session.scalar(select(Office.id).where(Office.id != office.id).limit(1)) is None
    suffix = "" if first else f".{code.lower()}"
    people = [("manajer", "manager", "Ibu Manajer"),
              *[(f"petugas{n}", "clerk", f"Petugas Loket {n}") for n in range(1, 7)]]
    if first:  # one admin for the whole installation
        people.insert(0, ("admin", "admin", "Administrator"))
    for username, role, full in people:
        username += suffix if role != "admin" else ""
        pw = password()
        user = create_user(session, username=username, password=pw, role=role, offices=[office], full_name=full)
        _, token = create_api_token(session, user=user, now=now, name="demo")
        users.append({"username": username, "role": role, "password": pw, "api_token": token, "id": user.id})
    kiosk, kiosk_token = create_device(session, office=office, kind="kiosk", name="Kiosk Lobi", now=now,
                                       printer_uri="dummy://", printer_profile="TM-T20II")
    display, display_token = create_device(session, office=office, kind="display", name="TV Ruang Tunggu", now=now)
    return {
        "office": {"code": office.code, "id": office.id, "name": office.name, "timezone": office.timezone},
        "services": [{"code": s.code, "id": s.id, "prefix": s.prefix, "name": s.name_id}
                     for s in services.values()],
        "counters": [{"id": c.id, "number": c.number, "name": c.name, "services": [s.code for s in c.services]}
                     for c in counters],
        "users": users,
        "devices": [
            {"kind": "kiosk", "id": kiosk.id, "name": kiosk.name, "token": kiosk_token},
            {"kind": "display", "id": display.id, "name": display.name, "token": display_token},
        ],
    }


def open_all_day(session: Session) -> None:
    """Open every office all day, every day: for the demo (tried at any hour) and real-clock tests."""
    for office in session.scalars(select(Office)):
        office.opens_at, office.closes_at, office.open_days = time(0, 0), time(23, 59, 59), "1234567"
