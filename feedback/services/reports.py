"""Figures of the feedback feature for a period: the IKM (overall and per service), complaint counts, and
the rows of the exports. Periods are office-local dates, both ends inclusive."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from feedback import complaints as rules
from feedback import ikm
from feedback.lapor import ExportRow
from feedback.models import Complaint, SurveyResponse
from feedback.questionnaire import PROFILE, UNSUR_CODES
from feedback.sample import minimum_sample
from feedback.services.settings import FeedbackSettings
from queue_service.domain.clock import office_day
from queue_service.models import Office, Service, Ticket


@dataclass(frozen=True)
class ServiceIkm:
    service_id: int | None
    name_id: str
    name_en: str
    result: ikm.IkmResult
    served: int
    minimum: int
    sample_ok: bool

    def name(self, locale: str = "id") -> str:
        return self.name_en if locale == "en" else self.name_id


@dataclass(frozen=True)
class IkmReport:
    office_id: int
    start: date
    end: date
    overall: ikm.IkmResult
    served: int
    minimum: int
    sample_ok: bool
    services: list[ServiceIkm]
    #: profile key -> choice value (None = not given) -> respondents
    profile: dict[str, dict[str | None, int]]
    channels: dict[str, int] = field(default_factory=dict)


def served_counts(session: Session, office_id: int, start: date, end: date) -> dict[int, int]:
    """Tickets served (status done) per service with their office-local day in the period — the same
    definition as the report's ``ReportContext.served``."""
    rows = session.execute(select(Ticket.service_id, func.count(Ticket.id)).where(
        Ticket.office_id == office_id, Ticket.status == "done", Ticket.service_day >= start,
        Ticket.service_day <= end).group_by(Ticket.service_id)).all()
    return {sid: n for sid, n in rows}


def _tallies(session: Session, office_id: int, start: date, end: date):
    t = SurveyResponse.__table__.c
    cols = [t.service_id, func.count()]
    for code in UNSUR_CODES:
        col = t[code.lower()]
        cols += [func.sum(case((col == s, 1), else_=0)) for s in (1, 2, 3, 4)]
    rows = session.execute(select(*cols).where(t.office_id == office_id, t.service_day >= start,
                                               t.service_day <= end).group_by(t.service_id)).all()
    out: dict[int | None, tuple[int, dict[str, ikm.Tally]]] = {}
    for row in rows:
        sid, n, sums = row[0], row[1], [int(x or 0) for x in row[2:]]
        out[sid] = (n, {code: ikm.Tally.from_counts(sums[4 * i:4 * i + 4]) for i, code in enumerate(UNSUR_CODES)})
    return out


def _merge(parts) -> tuple[int, dict[str, ikm.Tally]]:
    n = sum(p[0] for p in parts)
    merged = {}
    for code in UNSUR_CODES:
        counts = [0, 0, 0, 0]
        for _, tallies in parts:
            for i, c in enumerate(tallies[code].counts):
                counts[i] += c
        merged[code] = ikm.Tally.from_counts(counts)
    return n, merged


def office_ikm(session: Session, office_id: int, start: date, end: date) -> ikm.IkmResult:
    """The office's overall index for ``start``..``end`` (no per-service rows, no profile)."""
    per = _tallies(session, office_id, start, end)
    n, tallies = _merge(list(per.values())) if per else (0, {})
    return ikm.compute(tallies, n)


def ikm_report(session: Session, office: Office, start: date, end: date,
               served: dict[int, int] | None = None) -> IkmReport:
    """IKM of ``office`` for ``start``..``end``; ``served`` (service id -> citizens served) as the report
    context gives it, else counted here. Every active service appears, with or without answers."""
    if served is None:
        served = served_counts(session, office.id, start, end)
    per = _tallies(session, office.id, start, end)
    services = list(session.scalars(select(Service).where(Service.office_id == office.id)
                                    .order_by(Service.sort_order, Service.id)))
    rows = []
    for s in services:
        if not s.active and s.id not in per and not served.get(s.id):
            continue
        n, tallies = per.get(s.id, (0, {}))
        srv = served.get(s.id, 0)
        rows.append(ServiceIkm(s.id, s.name_id, s.name_en, ikm.compute(tallies, n), srv, minimum_sample(srv),
                               n >= minimum_sample(srv)))
    if None in per:  # answers of a service deleted since
        n, tallies = per[None]
        rows.append(ServiceIkm(None, "(layanan dihapus)", "(deleted service)", ikm.compute(tallies, n), 0, 0, True))
    n, tallies = _merge(list(per.values())) if per else (0, {})
    total_served = sum(served.values())
    overall = ikm.compute(tallies, n)
    t = SurveyResponse.__table__.c
    base = (t.office_id == office.id) & (t.service_day >= start) & (t.service_day <= end)
    profile = {}
    for f in PROFILE:
        counts = dict(session.execute(select(t[f.key], func.count()).where(base).group_by(t[f.key])).all())
        profile[f.key] = {v: counts.get(v, 0) for v in (*f.values(), None)}
    channels = dict(session.execute(select(t.channel, func.count()).where(base).group_by(t.channel)).all())
    return IkmReport(office.id, start, end, overall, total_served, minimum_sample(total_served),
                     n >= minimum_sample(total_served), rows, profile, channels)


# -- complaints ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ComplaintCounts:
    received: int = 0
    complaints: int = 0
    suggestions: int = 0
    answered: int = 0
    answered_on_time: int = 0
    late: int = 0
    open: int = 0
    overdue: int = 0
    closed: int = 0
    median_response_days: float | None = None
    by_category: dict[str, int] = field(default_factory=dict)

    @property
    def on_time_share(self) -> float | None:
        return None if not self.answered else self.answered_on_time / self.answered

    def as_dict(self) -> dict:
        return {"received": self.received, "complaints": self.complaints, "suggestions": self.suggestions,
                "answered": self.answered, "answered_on_time": self.answered_on_time, "late": self.late,
                "open": self.open, "overdue": self.overdue, "closed": self.closed,
                "median_response_days": self.median_response_days, "by_category": dict(self.by_category)}


def complaint_counts(session: Session, office_ids: list[int], start: date, end: date,
                     now: datetime) -> dict[int, ComplaintCounts]:
    """Complaints received in the period per office; ``overdue`` as of ``now`` (office-local day)."""
    offices = {o.id: o for o in session.scalars(select(Office).where(Office.id.in_(office_ids)))}
    rows = session.execute(select(Complaint.office_id, Complaint.kind, Complaint.category, Complaint.state,
                                  Complaint.received_day, Complaint.due_day, Complaint.first_answer_day)
                           .where(Complaint.office_id.in_(office_ids), Complaint.received_day >= start,
                                  Complaint.received_day <= end)).all()
    acc: dict[int, dict] = {oid: {"rows": []} for oid in office_ids}
    for r in rows:
        acc[r.office_id]["rows"].append(r)
    out = {}
    for oid in office_ids:
        office = offices.get(oid)
        today = office_day(now, office.timezone) if office else now.date()
        items = acc[oid]["rows"]
        cats = {c: 0 for c in rules.CATEGORY_CODES}
        days, on_time, late, overdue = [], 0, 0, 0
        for r in items:
            cats[r.category] = cats.get(r.category, 0) + 1
            s = rules.sla(r.received_day, r.first_answer_day, today, max(1, (r.due_day - r.received_day).days))
            if s.answered:
                days.append(s.response_days)
                on_time += bool(s.on_time)
                late += not s.on_time
            elif s.overdue:
                overdue += 1
        out[oid] = ComplaintCounts(
            received=len(items), complaints=sum(r.kind == "pengaduan" for r in items),
            suggestions=sum(r.kind == "saran" for r in items), answered=len(days), answered_on_time=on_time,
            late=late, open=sum(r.state in (rules.State.NEW, rules.State.ASSIGNED) for r in items),
            overdue=overdue, closed=sum(r.state == rules.State.CLOSED for r in items),
            median_response_days=rules.median_response_days(days), by_category=cats)
    return out


def lapor_rows(session: Session, office: Office, start: date, end: date, now: datetime,
               settings: FeedbackSettings) -> list[ExportRow]:
    today = office_day(now, office.timezone)
    out = []
    for c in session.scalars(select(Complaint).where(Complaint.office_id == office.id,
                                                     Complaint.received_day >= start,
                                                     Complaint.received_day <= end).order_by(Complaint.id)):
        s = rules.sla(c.received_day, c.first_answer_day, today, max(1, (c.due_day - c.received_day).days))
        out.append(ExportRow(
            kind=c.kind, reference=rules.reference(office.code, c.received_day, c.id),
            category_label=rules.CATEGORY_BY_CODE[c.category].label_id,
            service_name=c.service.name_id if c.service else "", text=c.text, visit_day=c.visit_day,
            office_name=office.name, instansi=settings.lapor_instansi, received_day=c.received_day,
            due_day=c.due_day, state_label=rules.STATE_LABELS[rules.State(c.state)][0],
            answered_day=c.first_answer_day, response_days=s.response_days, on_time=s.on_time,
            answer=c.answer or ""))
    return out
