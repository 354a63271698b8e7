"""Demo data for the feedback feature (``hooks.register_seeder``; ``adminduk demo``): about a quarter of the
demo office's finished tickets of the past days answer the IKM questionnaire (through ``survey.submit``, with
the answer a ticket may give), and a handful of complaints and suggestions in each state the manager's inbox
knows (new, assigned, answered, closed; one overdue). Nothing when the demo has no past days."""
from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback.questionnaire import PROFILE, UNSUR_CODES
from feedback.services import complaints as svc
from feedback.services import settings as feedback_settings
from feedback.services import survey
from feedback.survey import Submission
from queue_service.domain.clock import office_day
from queue_service.models import Office, Ticket, User

#: P(score 1..4) per unsur: a "Baik" office whose waiting time (U3) and facilities (U9) are its weak points
WEIGHTS = {code: (0.02, 0.1, 0.55, 0.33) for code in UNSUR_CODES}
WEIGHTS.update({"U3": (0.06, 0.24, 0.52, 0.18), "U9": (0.04, 0.2, 0.56, 0.2), "U4": (0.0, 0.02, 0.38, 0.6)})
SHARE = 0.25

COMPLAINTS = [  # kind, category, text, contact, what the manager did, its answer
    ("pengaduan", "antrean", "Saya datang jam 8 pagi tetapi baru dipanggil jam 11. Mohon loket perekaman ditambah "
     "pada pagi hari.", "0812-3456-7890", "answered",
     "Terima kasih atas masukannya. Mulai minggu depan loket 6 juga melayani perekaman pada pukul 08.00–10.00."),
    ("saran", "sarana", "Kursi di ruang tunggu kurang, banyak lansia berdiri.", None, "closed",
     "Terima kasih. Dua puluh kursi tambahan sudah dipasang di ruang tunggu."),
    ("pengaduan", "hasil", "KTP-el saya belum bisa dicetak, katanya blangko habis. Kapan bisa diambil?", None,
     "assigned", None),
    ("saran", "sistem", "Mohon status antrean bisa dibuka tanpa memindai QR, misalnya lewat nomor tiket.", None,
     "new", None),
    ("pengaduan", "petugas", "Petugas di loket 4 kurang ramah saat menjelaskan persyaratan pindah.", None, "new", None),
]


def _submission(rng: random.Random) -> Submission:
    scores = {code: rng.choices((1, 2, 3, 4), WEIGHTS[code])[0] for code in UNSUR_CODES}
    profile = {f.key: (rng.choice(f.values()) if rng.random() < 0.8 else None) for f in PROFILE}
    return Submission(scores, profile)


def seed_feedback(session: Session, data: dict, now: datetime, *, seed: int = 5) -> dict:
    office = session.scalar(select(Office).where(Office.code == data["office"]["code"]))
    today = office_day(now, office.timezone)
    done = list(session.scalars(select(Ticket).where(
        Ticket.office_id == office.id, Ticket.status == "done", Ticket.service_day < today).order_by(Ticket.id)))
    if not done:
        return {"surveys": 0, "complaints": 0}
    rng = random.Random(seed)
    answered = 0
    for ticket in done:
        if rng.random() < SHARE:
            survey.submit(session, ticket, _submission(rng), ticket.finished_at + timedelta(minutes=rng.uniform(1, 90)),
                          channel=rng.choice(("status", "status", "tablet")))
            answered += 1
    manager = session.scalar(select(User).where(User.role == "manager", User.username.like("manajer%"))
                             .order_by(User.id))
    settings = feedback_settings.load(session, office.id)
    recent = [t for t in done if (today - t.service_day).days <= 12] or done
    picks = rng.sample(recent, min(len(COMPLAINTS), len(recent)))
    for ticket, (kind, category, text, contact, state, reply) in zip(picks, COMPLAINTS):
        at = ticket.finished_at + timedelta(minutes=rng.uniform(5, 240))
        sent, _ = svc.send(session, ticket=ticket, now=at, settings=settings, data=svc.parse(
            {"kind": kind, "category": category, "text": text, "contact": contact or ""}))
        c = sent.complaint
        if manager is None or state == "new":
            continue
        later = at + timedelta(days=rng.uniform(0.5, 3))
        svc.assign(session, c, assignee=manager, actor=manager, now=later)
        if reply:
            svc.answer(session, c, text=reply, actor=manager, now=later + timedelta(hours=rng.uniform(1, 30)))
        if state == "closed":
            svc.close(session, c, actor=manager, now=later + timedelta(days=1))
    return {"surveys": answered, "complaints": len(picks)}
