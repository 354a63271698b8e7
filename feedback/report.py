"""The feature's sections of the monthly report and the figures page (figures' ``ReportSection``
contract): ``build`` functions take the session and the report context and return the data the partials
``feedback/report/_ikm.html`` and ``_complaints.html`` render; ``export`` functions turn that data into
tables for the CSV/XLSX export. No Flask here (the chart is drawn by a Jinja global the web layer adds)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from sqlalchemy.orm import Session

from feedback import complaints as rules
from feedback.ikm import to_decimal
from feedback.questionnaire import BY_CODE, COMPLAINTS_UNSUR, UNSUR_CODES
from feedback.services import settings as fsettings
from feedback.services.reports import ComplaintCounts, IkmReport, complaint_counts, ikm_report


@dataclass(frozen=True)
class IkmSection:
    report: IkmReport
    unsur: dict
    weighted: dict[str, Decimal | None]
    weighted_sum: Decimal | None


@dataclass(frozen=True)
class ComplaintSection:
    counts: ComplaintCounts
    target_days: int
    categories: tuple
    #: the period's converted value of unsur 8 (complaint handling), None without answers
    u8: Decimal | None


def build_ikm(session: Session, ctx) -> IkmSection:
    report = ikm_report(session, ctx.office, ctx.start, ctx.end, served=dict(ctx.served))
    weighted = {u.code: (to_decimal(u.weighted, 3) if u.weighted is not None else None)
                for u in report.overall.unsur}
    total = (to_decimal(sum((u.weighted for u in report.overall.unsur), Fraction(0)), 3)
             if report.overall.index is not None else None)
    return IkmSection(report, dict(BY_CODE), weighted, total)


def build_complaints(session: Session, ctx) -> ComplaintSection:
    counts = complaint_counts(session, [ctx.office.id], ctx.start, ctx.end, ctx.now)[ctx.office.id]
    target = fsettings.load(session, ctx.office.id).target_days
    report = ikm_report(session, ctx.office, ctx.start, ctx.end, served=dict(ctx.served))
    u8 = report.overall.by_code()[COMPLAINTS_UNSUR].value_rounded()
    return ComplaintSection(counts, target, rules.CATEGORIES, u8)


def _num(value) -> str:
    return "" if value is None else str(value)


def export_ikm(data: IkmSection) -> list[tuple[str, list[str], list[list]]]:
    r = data.report
    per_unsur = [[u.code, BY_CODE[u.code].name_id, u.n, _num(u.nrr_rounded(3)), _num(data.weighted[u.code]),
                  _num(u.value_rounded()), u.grade.letter if u.grade else ""] for u in r.overall.unsur]
    per_unsur.append(["IKM", "", r.overall.respondents, "", _num(data.weighted_sum), _num(r.overall.index),
                      r.overall.grade.letter if r.overall.grade else ""])
    per_service = [[s.name_id, s.result.respondents, s.served, s.minimum, "ya" if s.sample_ok else "tidak",
                    _num(s.result.index), s.result.grade.letter if s.result.grade else "",
                    " ".join(s.result.weakest)] for s in r.services]
    return [
        ("IKM per unsur", ["Unsur", "Nama", "Jawaban", "NRR", "NRR tertimbang", "Nilai konversi", "Mutu"],
         per_unsur),
        ("IKM per layanan", ["Layanan", "Responden", "Terlayani", "Sampel minimal", "Sampel cukup", "IKM",
                             "Mutu", "Unsur terlemah"], per_service),
    ]


def export_complaints(data: ComplaintSection) -> list[tuple[str, list[str], list[list]]]:
    c = data.counts
    rows = [["Diterima", c.received], ["Pengaduan", c.complaints], ["Saran", c.suggestions],
            ["Dijawab", c.answered], ["Dijawab tepat waktu", c.answered_on_time], ["Terlambat", c.late],
            ["Belum dijawab, lewat batas", c.overdue], ["Selesai", c.closed],
            ["Median lama menjawab (hari)", _num(c.median_response_days)], ["Target (hari)", data.target_days]]
    rows += [[f"Kategori: {cat.label_id}", c.by_category.get(cat.code, 0)] for cat in data.categories]
    return [("Pengaduan dan saran", ["Ukuran", "Nilai"], rows)]


__all__ = ["IkmSection", "ComplaintSection", "build_ikm", "build_complaints", "export_ikm", "export_complaints",
           "UNSUR_CODES"]


def office_complaint_counter(session: Session, office_ids, start, end) -> dict[int, dict[str, int | float]]:
    """``hooks.OfficeCounter`` "complaints": received, answered on time, overdue per office (the kabupaten
    comparison's extra columns)."""
    from queue_service.clock import now  # the app's clock (the hook's signature carries no ``now``)
    counts = complaint_counts(session, list(office_ids), start, end, now())
    return {oid: {"received": c.received, "answered_on_time": c.answered_on_time, "overdue": c.overdue}
            for oid, c in counts.items()}


def office_ikm_counter(session: Session, office_ids, start, end) -> dict[int, dict[str, int | float]]:
    """``hooks.OfficeCounter`` "ikm": each office's index and respondents in the period (the kabupaten
    comparison's columns; an office without answers has no index)."""
    from feedback.services.reports import office_ikm
    out = {}
    for oid in office_ids:
        result = office_ikm(session, oid, start, end)
        out[oid] = {"ikm": None if result.index is None else float(result.index), "respondents": result.respondents}
    return out
