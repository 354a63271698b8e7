"""CSV and XLSX of the figures (no Flask): a list of tables in, bytes out.

A table is ``(name, header, rows)``. The CSV holds every table one after the other, each introduced by a line
with its name (spreadsheets open it as it is; ``;``-separated CSV is not needed because numbers are written
with a dot and no thousands separator). The XLSX has one sheet per table (openpyxl, write-only mode), numbers as
numbers, the header row bold and frozen.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from datetime import date

from queue_service.hooks import ExportTable
from reports.figures import Summary, minutes

#: the figure columns every breakdown exports, in order
SUMMARY_COLUMNS = [
    ("issued", "tiket_diambil"), ("served", "dilayani"), ("no_show", "tidak_hadir"), ("cancelled", "dibatalkan"),
    ("expired", "kedaluwarsa"), ("called", "dipanggil"), ("wait_mean", "tunggu_rata2_menit"),
    ("wait_p50", "tunggu_p50_menit"), ("wait_p90", "tunggu_p90_menit"), ("service_mean", "layanan_rata2_menit"),
    ("service_p90", "layanan_p90_menit"), ("within_share", "dalam_target_persen"),
]
_FORMULA = re.compile(r"^[=+\-@\t\r]")


def summary_cells(s: Summary) -> list:
    out = []
    for attr, _ in SUMMARY_COLUMNS:
        v = getattr(s, attr)
        if attr in ("wait_mean", "wait_p50", "wait_p90", "service_mean", "service_p90"):
            v = minutes(v)
        elif attr == "within_share":
            v = None if v is None else round(v * 100, 1)
        out.append(v)
    return out


def summary_header(first: Sequence[str]) -> list[str]:
    return [*first, *(name for _, name in SUMMARY_COLUMNS)]


def safe_text(v):
    """Text that a spreadsheet would run as a formula gets a leading apostrophe (CSV/formula injection)."""
    if isinstance(v, str) and _FORMULA.match(v):
        return "'" + v
    return v


def _plain(v):
    if isinstance(v, date):
        return v.isoformat()
    if v is None:
        return ""
    return safe_text(v)


def to_csv(tables: Sequence[ExportTable]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    for i, (name, header, rows) in enumerate(tables):
        if i:
            w.writerow([])
        w.writerow([f"# {name}"])
        w.writerow(header)
        for r in rows:
            w.writerow([_plain(v) for v in r])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")  # BOM: spreadsheets read UTF-8 names correctly


def sheet_name(name: str, used: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique in the book."""
    base = re.sub(r"[\[\]:*?/\\]", "-", name).strip("'")[:31] or "Sheet"
    out, n = base, 2
    while out.lower() in used:
        suffix = f" ({n})"
        out = base[:31 - len(suffix)] + suffix
        n += 1
    used.add(out.lower())
    return out


def to_xlsx(tables: Sequence[ExportTable], *, title: str = "") -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    wb.properties.title = title[:200]
    used: set[str] = set()
    bold = Font(bold=True)
    for name, header, rows in tables:
        ws = wb.create_sheet(sheet_name(name, used))
        ws.freeze_panes = "A2"
        head = []
        for h in header:
            c = WriteOnlyCell(ws, value=h)
            c.font = bold
            head.append(c)
        ws.append(head)
        for r in rows:
            ws.append([None if v is None else (v if not isinstance(v, str) else safe_text(v)) for v in r])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
