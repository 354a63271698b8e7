"""The rollup's background job: roll up the days the rollover has closed, a month of office-days per
transaction, for at most ``REPORT_ROLLUP_SECONDS_PER_RUN`` seconds per run (a year of history after an upgrade is
caught up over a few runs; ``adminduk reports rebuild`` does it at once)."""
from __future__ import annotations

import logging
import time
from datetime import datetime

from flask import Flask

log = logging.getLogger(__name__)


def rollup_job(app: Flask, now: datetime) -> None:
    from queue_service.extensions import db
    from reports.queries import roll_up

    per_pass = int(app.config.get("REPORT_ROLLUP_DAYS_PER_PASS", 31))
    budget = float(app.config.get("REPORT_ROLLUP_SECONDS_PER_RUN", 20))
    started = time.monotonic()
    total = 0
    while True:
        days = roll_up(db.session, now, max_days=per_pass)
        db.session.commit()
        total += days
        if days < per_pass or time.monotonic() - started > budget:
            break
    if total:
        log.info("report rollup: %d office-day(s) rolled up", total)
