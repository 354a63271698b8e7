"""Rollup tables of the queue figures (on the core's metadata).

* ``report_cell`` — one row per office, office-local day, hour of issue and service (the ticket's final one,
  after any transfer): counts by outcome, sums of waiting and service seconds, and the fixed histograms of
  :mod:`reports.figures` packed in two small binary columns (32-bit counts per bin): one row read is a few
  values, and many rows are summed with one array operation (measured: 4x faster on SQLite than a hundred
  integer columns summed by the database);
* ``report_staff`` — the same values per office, day, service, counter (that handled the ticket last) and
  clerk, for the breakdowns by counter and clerk (kept apart so the time breakdowns read 5x fewer rows);
* ``report_hour`` — counters that worked (called, served) in each office-local hour: "counters open".
* ``report_day`` — which office days are rolled up (a day is rolled up once it is closed: every ticket of it
  has an outcome); days not listed are read from the tickets themselves, with the same arithmetic.
"""
from __future__ import annotations

from sqlalchemy import Column, Date, Float, ForeignKey, Index, Integer, LargeBinary, SmallInteger, String, Table

from queue_service.models.base import Base, UTCDateTime
from reports.figures import SUM_FIELDS

#: the count and sum columns, in the order of :data:`reports.figures.SUM_FIELDS`; then the two histograms
COLUMNS = [*SUM_FIELDS]
HIST_COLUMNS = ["wait_hist", "service_hist"]


def _values() -> list[Column]:
    return [*(Column(c, Float if c.endswith("_sum") else Integer, nullable=False, default=0) for c in COLUMNS),
            *(Column(c, LargeBinary, nullable=False) for c in HIST_COLUMNS)]


report_cell = Table(
    "report_cell",
    Base.metadata,
    Column("id", Integer, primary_key=True),
    Column("office_id", ForeignKey("office.id", ondelete="CASCADE"), nullable=False),
    Column("day", Date, nullable=False),
    Column("hour", SmallInteger, nullable=False),
    # no foreign key on the service: a figure outlives a deleted service; names are looked up when shown
    Column("service_id", Integer, nullable=False),
    *_values(),
    Index("ix_report_cell_office_day", "office_id", "day"),
)

report_staff = Table(
    "report_staff",
    Base.metadata,
    Column("id", Integer, primary_key=True),
    Column("office_id", ForeignKey("office.id", ondelete="CASCADE"), nullable=False),
    Column("day", Date, nullable=False),
    Column("service_id", Integer, nullable=False),
    Column("counter_id", Integer, nullable=True),
    Column("clerk", String(60), nullable=False, default=""),
    *_values(),
    Index("ix_report_staff_office_day", "office_id", "day"),
)

report_hour = Table(
    "report_hour",
    Base.metadata,
    Column("office_id", ForeignKey("office.id", ondelete="CASCADE"), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("hour", SmallInteger, primary_key=True),
    Column("counters_open", Integer, nullable=False, default=0),
)

report_day = Table(
    "report_day",
    Base.metadata,
    Column("office_id", ForeignKey("office.id", ondelete="CASCADE"), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("tickets", Integer, nullable=False, default=0),
    Column("built_at", UTCDateTime, nullable=False),
)

#: the target wait of a service (set by its office's manager); a service without a row uses the configured
#: default (``REPORT_TARGET_WAIT_MINUTES``)
report_target = Table(
    "report_target",
    Base.metadata,
    Column("service_id", ForeignKey("service.id", ondelete="CASCADE"), primary_key=True),
    Column("target_wait_s", Integer, nullable=False),
)

#: citizens turned away at the kiosk because a service's daily quota was reached (the quota refusal rolls the
#: ticket back, so nothing else records them)
report_turned_away = Table(
    "report_turned_away",
    Base.metadata,
    Column("office_id", ForeignKey("office.id", ondelete="CASCADE"), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("service_id", Integer, primary_key=True),
    Column("reason", String(16), primary_key=True),
    Column("count", Integer, nullable=False, default=0),
)

#: the time cells of a month summed per office and service (maintained with them): the offices side by side over
#: many months read 12 rows a year per office and service instead of thousands of cells (measured on 7.3 million
#: tickets: the kabupaten year in 12 s from the cells)
report_month = Table(
    "report_month",
    Base.metadata,
    Column("office_id", ForeignKey("office.id", ondelete="CASCADE"), primary_key=True),
    Column("month", Date, primary_key=True),
    Column("service_id", Integer, primary_key=True),
    *_values(),
)
