"""The SP4N-LAPOR! export: the form's fields first, no contact, no formulas."""
from __future__ import annotations

import csv
import io
from datetime import date

from feedback import lapor


def _row(**kw):
    base = dict(kind="pengaduan", reference="BKS-2601-0042", category_label="Antrean dan waktu tunggu",
                service_name="Perekaman KTP-el", text="Antre 3 jam, loket 2 tutup.", visit_day=date(2026, 1, 5),
                office_name="Disdukcapil Kabupaten Bekasi", instansi="", received_day=date(2026, 1, 5),
                due_day=date(2026, 1, 19), state_label="Sudah dijawab", answered_day=date(2026, 1, 7),
                response_days=2, on_time=True, answer="Mohon maaf, loket 2 kini buka pukul 08.00.")
    base.update(kw)
    return lapor.ExportRow(**base)


def _parse(text):
    return list(csv.reader(io.StringIO(text)))


def test_header_starts_with_the_lapor_form_fields():
    assert lapor.HEADER[:10] == ("Klasifikasi Laporan", "Judul Laporan", "Isi Laporan", "Tanggal Kejadian",
                                 "Lokasi Kejadian", "Instansi Tujuan", "Kategori Laporan", "Lampiran",
                                 "Anonim", "Rahasia")
    assert not any("kontak" in h.lower() or "telepon" in h.lower() or "email" in h.lower()
                   for h in lapor.HEADER)


def test_rows_round_trip_through_a_csv_reader():
    rows = _parse(lapor.to_csv([_row(), _row(kind="saran", answered_day=None, response_days=None, on_time=None,
                                             text='Tambah kursi, "tolong"\nuntuk lansia')]))
    assert rows[0] == list(lapor.HEADER)
    first = dict(zip(rows[0], rows[1]))
    assert first["Klasifikasi Laporan"] == "Pengaduan"
    assert first["Judul Laporan"] == "Antrean dan waktu tunggu – Perekaman KTP-el"
    assert first["Tanggal Kejadian"] == "2026-01-05" and first["Instansi Tujuan"] == "Disdukcapil Kabupaten Bekasi"
    assert first["Anonim"] == "Ya" and first["Tepat Waktu"] == "Ya" and first["Lama Tanggapan (hari)"] == "2"
    second = dict(zip(rows[0], rows[2]))
    assert second["Klasifikasi Laporan"] == "Aspirasi"
    assert second["Isi Laporan"] == 'Tambah kursi, "tolong"\nuntuk lansia'
    assert second["Tepat Waktu"] == "" and second["Tanggal Ditanggapi"] == ""


def test_formula_like_cells_are_defused():
    rows = _parse(lapor.to_csv([_row(text="=HYPERLINK(\"http://x\")", answer="+1 bagus", reference="-1",
                                     service_name="")]))
    data = dict(zip(rows[0], rows[1]))
    assert data["Isi Laporan"].startswith("'=") and data["Tanggapan"] == "'+1 bagus"
    assert data["Nomor Referensi"] == "'-1"
    assert data["Judul Laporan"] == "Antrean dan waktu tunggu"
    assert lapor.safe_cell("@SUM(A1)") == "'@SUM(A1)" and lapor.safe_cell(None) == ""


def test_an_office_may_name_another_instansi():
    rows = _parse(lapor.to_csv([_row(instansi="Dinas Kependudukan dan Pencatatan Sipil Kab. Bekasi")]))
    assert dict(zip(rows[0], rows[1]))["Instansi Tujuan"].startswith("Dinas Kependudukan")
