"""Export of complaints for forwarding to SP4N-LAPOR! (pure: rows in, CSV text out).

LAPOR! (lapor.go.id, the national complaint system, Perpres 76/2013) takes a report with these fields on its
form: *klasifikasi* (Pengaduan, Aspirasi, Permintaan Informasi), *judul laporan*, *isi laporan*, *tanggal
kejadian*, *lokasi kejadian*, *instansi tujuan*, *kategori*, *lampiran* and the choices *anonim* / *rahasia*.
There is no public import format for a regional office, so the CSV carries exactly those fields first, with
the form's Indonesian names as headers, followed by the office's own follow-up fields (reference, dates,
status, response time, answer) so the Dinas can also account for the handling. Judgement calls:

* *Klasifikasi*: a complaint is ``Pengaduan``, a suggestion ``Aspirasi``.
* *Judul laporan*: the citizen gives no title; it is the category and the service ("Antrean dan waktu
  tunggu – Perekaman KTP-el").
* *Tanggal kejadian*: the day of the visit (the ticket's office-local day), ISO ``YYYY-MM-DD``.
* *Lokasi kejadian* and *instansi tujuan*: the office's name (an office may set another *instansi tujuan*).
* *Kategori*: ``Administrasi Kependudukan``, with the office's own category in a further column.
* *Anonim*: ``Ya`` — the product asks for no name or NIK. *Rahasia*: ``Ya`` — the text may describe staff.
* The citizen's contact is never exported (it is for the office's own answer and erased later); NIK-like
  numbers were masked before the text was stored.
* Cells starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return get a leading apostrophe, so that a
  spreadsheet opens the file as text, not as formulas.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

LAPOR_CATEGORY = "Administrasi Kependudukan"

HEADER: tuple[str, ...] = (
    "Klasifikasi Laporan", "Judul Laporan", "Isi Laporan", "Tanggal Kejadian", "Lokasi Kejadian",
    "Instansi Tujuan", "Kategori Laporan", "Lampiran", "Anonim", "Rahasia",
    # the office's own follow-up
    "Nomor Referensi", "Kategori Kantor", "Layanan", "Tanggal Diterima", "Batas Waktu Tanggapan",
    "Status", "Tanggal Ditanggapi", "Lama Tanggapan (hari)", "Tepat Waktu", "Tanggapan",
)


@dataclass(frozen=True)
class ExportRow:
    kind: str                   # "pengaduan" | "saran"
    reference: str
    category_label: str         # Indonesian label of the office's category
    service_name: str           # Indonesian service name ("" when unknown)
    text: str
    visit_day: date | None
    office_name: str
    instansi: str               # instansi tujuan (office name unless set)
    received_day: date
    due_day: date
    state_label: str            # Indonesian state label
    answered_day: date | None
    response_days: int | None
    on_time: bool | None
    answer: str


def _yes_no(flag: bool | None) -> str:
    return "" if flag is None else ("Ya" if flag else "Tidak")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    if text and text[0] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def row(r: ExportRow) -> list[str]:
    title = f"{r.category_label} – {r.service_name}" if r.service_name else r.category_label
    cells = [
        "Pengaduan" if r.kind == "pengaduan" else "Aspirasi",
        title,
        r.text,
        r.visit_day.isoformat() if r.visit_day else "",
        r.office_name,
        r.instansi or r.office_name,
        LAPOR_CATEGORY,
        "",
        "Ya",
        "Ya",
        r.reference,
        r.category_label,
        r.service_name,
        r.received_day.isoformat(),
        r.due_day.isoformat(),
        r.state_label,
        r.answered_day.isoformat() if r.answered_day else "",
        "" if r.response_days is None else str(r.response_days),
        _yes_no(r.on_time),
        r.answer,
    ]
    return [safe_cell(c) for c in cells]


def to_csv(rows: Iterable[ExportRow]) -> str:
    """CSV text (comma separated, every field quoted, CRLF line ends as RFC 4180). The caller sends it
    with a UTF-8 byte order mark so that spreadsheet programs read the Indonesian text correctly."""
    buf = io.StringIO()
    w = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    w.writerow(HEADER)
    for r in rows:
        w.writerow(row(r))
    return buf.getvalue()
