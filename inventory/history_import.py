"""Daily consumption history imported from CSV (``adminduk stock import-history``): for the forecast only,
balances are not touched. All or nothing: every bad line is reported by number."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from inventory.ledger import DEFAULT_ITEMS, MAX_QUANTITY, ensure_items
from inventory.models import StockDay, StockItem, StockLevel
from queue_service.db import insert_for
from queue_service.domain.clock import office_day
from queue_service.models import Office


@dataclass
class HistoryRow:
    line: int
    day: date
    office: str
    item: str
    consumed: int
    on_hand: int | None


def parse_history_csv(lines: Sequence[str]) -> tuple[list[HistoryRow], list[str]]:
    """Parse ``date,office,item,consumed[,on_hand]`` (header required). Returns rows and errors
    ("line N: ...")."""
    import csv

    reader = csv.reader(lines)
    errors: list[str] = []
    rows: list[HistoryRow] = []
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        return [], ["line 1: the file is empty (expected a header: date,office,item,consumed[,on_hand])"]
    need = ["date", "office", "item", "consumed"]
    missing = [n for n in need if n not in header]
    if missing:
        return [], [f"line 1: missing column(s) {', '.join(missing)} (expected date,office,item,consumed[,on_hand])"]
    idx = {n: header.index(n) for n in header}
    seen: set[tuple[str, str, date]] = set()
    for lineno, rec in enumerate(reader, start=2):
        if not rec or all(not c.strip() for c in rec):
            continue
        if len(rec) < len(header):
            errors.append(f"line {lineno}: expected {len(header)} columns, got {len(rec)}")
            continue
        get = lambda n: rec[idx[n]].strip() if n in idx else ""  # noqa: E731
        try:
            day = date.fromisoformat(get("date"))
        except ValueError:
            errors.append(f"line {lineno}: date {get('date')!r} is not YYYY-MM-DD")
            continue
        try:
            consumed = int(get("consumed"))
            if consumed < 0 or consumed > MAX_QUANTITY:
                raise ValueError
        except ValueError:
            errors.append(f"line {lineno}: consumed {get('consumed')!r} is not a whole number >= 0")
            continue
        on_hand = None
        if get("on_hand"):
            try:
                on_hand = int(get("on_hand"))
                if on_hand < 0 or on_hand > MAX_QUANTITY:
                    raise ValueError
            except ValueError:
                errors.append(f"line {lineno}: on_hand {get('on_hand')!r} is not a whole number >= 0")
                continue
        key = (get("office"), get("item"), day)
        if key in seen:
            errors.append(f"line {lineno}: {key[0]} {key[1]} {day} appears twice")
            continue
        seen.add(key)
        rows.append(HistoryRow(lineno, day, get("office"), get("item"), consumed, on_hand))
    return rows, errors


def import_history(session: Session, rows: Iterable[HistoryRow], now: datetime, progress=None) -> list[str]:
    """Store imported daily history (for the forecast; balances are not touched). Returns errors
    by line; the caller commits only when there are none."""
    errors: list[str] = []
    offices: dict[str, Office | None] = {}
    items: dict[tuple[str, str], StockItem | None] = {}
    insert = insert_for(session)
    t = StockDay.__table__
    touched: set[int] = set()
    for row in rows:
        if progress is not None:
            progress(1)
        if row.office not in offices:
            offices[row.office] = session.scalar(select(Office).where(Office.code == row.office))
        office = offices[row.office]
        if office is None:
            errors.append(f"line {row.line}: office {row.office!r} does not exist")
            continue
        key = (row.office, row.item)
        if key not in items:
            ensure_items(session, office)
            items[key] = session.scalar(select(StockItem).where(StockItem.office_id == office.id,
                                                                StockItem.code == row.item))
        item = items[key]
        if item is None:
            errors.append(f"line {row.line}: office {row.office} has no item {row.item!r} "
                          f"(items: {', '.join(c for c, *_ in DEFAULT_ITEMS)})")
            continue
        if row.day >= office_day(now, office.timezone):
            errors.append(f"line {row.line}: {row.day} is not in the past")
            continue
        values = {"imported": row.consumed}
        if row.on_hand is not None:
            values.update(closing=row.on_hand, min_balance=row.on_hand)
        session.execute(insert(t).values(item_id=item.id, day=row.day, used=0, turned_away=0, **values)
                        .on_conflict_do_update(index_elements=[t.c.item_id, t.c.day], set_=values))
        touched.add(item.id)
    if touched:
        session.execute(update(StockLevel).where(StockLevel.item_id.in_(touched)).values(stale=True)
                        .execution_options(synchronize_session=False))
    return errors
