"""Rollup tables of the queue figures (on the core's metadata).

* ``report_cell`` — one row per office, office-local day, hour of issue and service (the ticket's final one,
  after any transfer): counts by outcome, sums of waiting and service seconds, and the fixed histograms of
  :mod:`reports.figures` as plain integer columns (``w0`` .., ``s0`` ..), so that a sum over any rows is
  a ``SUM`` in the database or one array operation;
* ``report_staff`` — the same values per office, day, service, counter (that handled the ticket last) and
  clerk, for the breakdowns by counter and clerk (kept apart so the time breakdowns read 5x fewer rows);
* ``report_hour`` — counters that worked (called, served) in each office-local hour: "counters open".
* ``report_day`` — which office days are rolled up (a day is rolled up once it is closed: every ticket of it
  has an outcome); days not listed are read from the tickets themselves, with the same arithmetic.
"""
from __future__ import annotations

from sqlalchemy import Column, Date, Float, ForeignKey, Index, Integer, SmallInteger, String, Table

from queue_service.models.base import Base, UTCDateTime
from reports.figures import SERVICE_BINS, SUM_FIELDS, WAIT_BINS

WAIT_COLS = [f"w{i}" for i in range(WAIT_BINS)]
SERVICE_COLS = [f"s{i}" for i in range(SERVICE_BINS)]
#: the value columns, in the order of :func:`reports.figures.cell_vector`
COLUMNS = [*SUM_FIELDS, *WAIT_COLS, *SERVICE_COLS]


def _values() -> list[Column]:
    return [Column(c, Float if c.endswith("_sum") else Integer, nullable=False, default=0) for c in COLUMNS]


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
