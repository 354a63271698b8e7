"""The rollup's background job: every few minutes, roll up the days the rollover has closed (a month of
office-days at most per pass, each office-day in the job's transaction)."""
from __future__ import annotations

import logging
from datetime import datetime

from flask import Flask

log = logging.getLogger(__name__)


def rollup_job(app: Flask, now: datetime) -> None:
    from queue_service.extensions import db
    from reports.queries import roll_up

    days = roll_up(db.session, now, max_days=int(app.config.get("REPORT_ROLLUP_DAYS_PER_PASS", 31)))
    db.session.commit()
    if days:
        log.info("report rollup: %d office-day(s) rolled up", days)
