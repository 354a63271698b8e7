"""The feature's office settings, stored as core ``Setting`` rows (key/value per office)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback.complaints import DEFAULT_CONTACT_KEEP_DAYS, DEFAULT_TARGET_DAYS
from queue_service.models import Office, Setting

TARGET_KEY = "feedback.complaint_target_days"
KEEP_KEY = "feedback.contact_keep_days"
INSTANSI_KEY = "feedback.lapor_instansi"


@dataclass(frozen=True)
class FeedbackSettings:
    target_days: int = DEFAULT_TARGET_DAYS
    contact_keep_days: int = DEFAULT_CONTACT_KEEP_DAYS
    #: "instansi tujuan" of the LAPOR! export ("" = the office's name)
    lapor_instansi: str = ""


def _int(value: str | None, default: int, lo: int, hi: int) -> int:
    try:
        n = int(value) if value is not None else default
    except ValueError:
        return default
    return n if lo <= n <= hi else default


def load(session: Session, office_id: int) -> FeedbackSettings:
    rows = dict(session.execute(select(Setting.key, Setting.value).where(
        Setting.office_id == office_id, Setting.key.in_((TARGET_KEY, KEEP_KEY, INSTANSI_KEY)))).all())
    return FeedbackSettings(
        target_days=_int(rows.get(TARGET_KEY), DEFAULT_TARGET_DAYS, 1, 365),
        contact_keep_days=_int(rows.get(KEEP_KEY), DEFAULT_CONTACT_KEEP_DAYS, 0, 365),
        lapor_instansi=rows.get(INSTANSI_KEY, "") or "",
    )


def save(session: Session, office: Office, data: FeedbackSettings) -> FeedbackSettings:
    if not 1 <= data.target_days <= 365 or not 0 <= data.contact_keep_days <= 365:
        raise ValueError("target 1–365 days, contact kept 0–365 days")
    values = {TARGET_KEY: str(data.target_days), KEEP_KEY: str(data.contact_keep_days),
              INSTANSI_KEY: data.lapor_instansi.strip()[:200]}
    existing = {s.key: s for s in session.scalars(select(Setting).where(
        Setting.office_id == office.id, Setting.key.in_(tuple(values))))}
    for key, value in values.items():
        if key in existing:
            existing[key].value = value
        else:
            session.add(Setting(office_id=office.id, key=key, value=value))
    return load_from(values)


def load_from(values: dict[str, str]) -> FeedbackSettings:
    return FeedbackSettings(int(values[TARGET_KEY]), int(values[KEEP_KEY]), values[INSTANSI_KEY])
