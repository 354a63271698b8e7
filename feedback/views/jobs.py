"""Background job of the feedback feature (``hooks.register_job``)."""
from __future__ import annotations

from datetime import datetime

from flask import Flask


def erase_contacts_job(app: Flask, now: datetime) -> None:
    """Erase the contact (phone/e-mail) of complaints closed longer than their office's keep period ago."""
    from feedback.services import complaints as complaint_svc
    from feedback.services import settings as fsettings
    from queue_service.extensions import db

    cache: dict[int, int] = {}

    def keep_days(office_id: int) -> int:
        if office_id not in cache:
            cache[office_id] = fsettings.load(db.session, office_id).contact_keep_days
        return cache[office_id]

    complaint_svc.erase_contacts(db.session, now, keep_days)
    db.session.commit()
