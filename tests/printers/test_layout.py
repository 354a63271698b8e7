"""Layout: pure operations per profile, text safety, wrapping, layering."""
from __future__ import annotations

import ast
import pathlib
import subprocess
import sys
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from printers.layout import QR, Cut, Feed, Text, TicketPrint, image_qr_box, image_qr_bytes, layout_ticket, \
    qr_modules, safe_text, wrap
from printers.profiles import PROFILES, PrinterProfile, custom_profile, get_profile

ROOT = pathlib.Path(__file__).resolve().parents[2]
URL = "https://antrean.disdukcapil-bandungbaratkab.go.id/t/Xk3fP9qLm2NvB7"


def ticket(**kw) -> TicketPrint:
    base = dict(
        office_name="Dinas Kependudukan dan Pencatatan Sipil Kabupaten Bandung Barat",
        service_name="Perekaman KTP-el",
        code="B-012",
        issued_at=datetime(2025, 5, 12, 8, 15, tzinfo=ZoneInfo("Asia/Jakarta")),
        tz_abbrev="WIB",
        people_ahead=12,
        eta_minutes=(15, 25),
        status_url=URL,
        footer="Terima kasih",
    )
    base.update(kw)
    return TicketPrint(**base)


def texts(ops):
    return [op.text for op in ops if isinstance(op, Text)]


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_every_line_fits_the_paper(name):
    profile = get_profile(name)
    for op in layout_ticket(ticket(office_name="X" * 200, service_name="Pencatatan " * 12), profile):
        if isinstance(op, Text):
            assert len(op.text) * op.width_mult <= profile.chars_per_line, op


def test_wrap_widths_58_and_80():
    name = "Dinas Kependudukan dan Pencatatan Sipil Kabupaten Bandung Barat"
    l58 = [op.text for op in layout_ticket(ticket(office_name=name), get_profile("POS-5890")) if isinstance(op, Text) and op.bold][:3]
    l80 = [op.text for op in layout_ticket(ticket(office_name=name), get_profile("TM-T20II")) if isinstance(op, Text) and op.bold][:2]
    assert l58 == ["Dinas Kependudukan dan", "Pencatatan Sipil Kabupaten", "Bandung Barat"]
    assert l80 == ["Dinas Kependudukan dan Pencatatan Sipil", "Kabupaten Bandung Barat"]
    assert wrap("https://example.org/" + "a" * 40, 32)[0] == ("https://example.org/" + "a" * 40)[:32]


def test_code_is_very_large_and_fits():
    for name, mult in (("POS-5890", 6), ("TM-T20II", 6)):
        (op,) = [o for o in layout_ticket(ticket(), get_profile(name)) if isinstance(o, Text) and o.text == "B-012"]
        assert (op.width_mult, op.height_mult, op.bold, op.align) == (mult, mult, True, "center")
    long_code = "PRIORITAS-0123"
    (op,) = [o for o in layout_ticket(ticket(code=long_code), get_profile("POS-5890")) if isinstance(o, Text) and o.text == long_code]
    assert op.width_mult == 2 and len(long_code) * 2 <= 32


def test_contents_in_order_with_indonesian_defaults():
    t = texts(layout_ticket(ticket(priority_label="Lansia"), get_profile("POS-5890")))
    joined = "\n".join(t)
    for needle in ("Nomor Antrean", "B-012", "* Prioritas: Lansia *", "Perekaman KTP-el", "Senin, 12 Mei 2025 08:15 WIB",
                   "12 orang di depan Anda", "Perkiraan 15-25 menit", "Pindai untuk memantau antrean",
                   "Terima kasih"):
        assert needle in joined
    order = [joined.index(n) for n in ("Dinas", "B-012", "Perekaman", "Senin", "12 orang", "Pindai", "Terima")]
    assert order == sorted(order)


def test_time_is_printed_in_the_given_office_zone_and_labels_translate():
    issued = datetime(2025, 1, 3, 1, 5, tzinfo=timezone.utc).astimezone(ZoneInfo("Asia/Jayapura"))
    labels = {"people_ahead": "people ahead of you", "estimate": "about", "minutes": "min",
              "weekdays": "Mon,Tue,Wed,Thu,Fri,Sat,Sun",
              "months": "Jan,Feb,Mar,Apr,May,Jun,Jul,Aug,Sep,Oct,Nov,Dec"}
    t = texts(layout_ticket(ticket(issued_at=issued, tz_abbrev="WIT", labels=labels, people_ahead=3,
                                   eta_minutes=(10, 10)), get_profile("TM-T20II")))
    assert "Fri, 3 Jan 2025 10:05 WIT" in t
    assert "3 people ahead of you" in t and "About 10 min" in t
    t0 = texts(layout_ticket(ticket(people_ahead=0, eta_minutes=None), get_profile("TM-T20II")))
    assert "Tidak ada antrean di depan Anda" in t0 and not any("Perkiraan" in x for x in t0)


@pytest.mark.parametrize("raw, ascii_out", [
    ("\u201cKantor\u201d \u2018Ibu\u2019", '"Kantor" \'Ibu\''),
    ("Caf\u00e9 \u2013 Sm\u00f8rrebr\u00f8d \u2026", "Cafe - Smorrebrod ..."),
    ("Stra\u00dfe", "Strasse"),
    ("a\x1b@b\tc\n d", "a @b c d"),  # ESC must never reach the printer inside text
    ("\u5317\u4eac", "??"),
    ("Pe\u0301rekaman\u00a0KTP", "Perekaman KTP"),  # combining accent, no-break space
])
def test_safe_text_ascii(raw, ascii_out):
    assert safe_text(raw) == ascii_out


def test_safe_text_keeps_code_page_characters_when_allowed():
    assert safe_text("Caf\u00e9 \u201cx\u201d", "CP437") == 'Caf\u00e9 "x"'
    assert safe_text("\u0160\u010d", "CP437") == "Sc"  # not in CP437 -> transliterated


def test_layout_applies_text_safety_per_profile():
    t58 = texts(layout_ticket(ticket(office_name="Caf\u00e9 \u201cDukcapil\u201d"), get_profile("POS-5890")))
    t80 = texts(layout_ticket(ticket(office_name="Caf\u00e9 \u201cDukcapil\u201d"), get_profile("TM-T20II")))
    assert t58[0] == 'Cafe "Dukcapil"' and t80[0] == 'Caf\u00e9 "Dukcapil"'


def test_qr_native_only_where_supported_and_cut_only_with_cutter():
    for name, profile in PROFILES.items():
        ops = layout_ticket(ticket(), profile)
        (qr,) = [o for o in ops if isinstance(o, QR)]
        assert qr.native is profile.native_qr and qr.data == URL
        assert any(isinstance(o, Cut) for o in ops) is profile.has_cutter
        if not profile.has_cutter:
            assert isinstance(ops[-1], Feed)


def test_image_qr_box_meets_budget_and_stays_scannable():
    for name in ("POS-5890", "generic-80"):
        p = get_profile(name)
        box = image_qr_box(URL, p)
        assert 3 <= box <= 8
        assert image_qr_bytes(qr_modules(URL), box, p.dots) <= p.image_qr_budget
    short = "https://q.id/t/abc"
    assert image_qr_box(short, get_profile("POS-5890")) > image_qr_box(URL, get_profile("POS-5890"))


def test_qr_modules_table():
    assert qr_modules("a" * 14) == 21 and qr_modules("a" * 15) == 25 and qr_modules(URL) == 37


def test_profiles_registry_and_custom():
    assert get_profile("tm-t20ii") is PROFILES["TM-T20II"]
    p = custom_profile("generic-80", name="Kiosk-80", has_cutter=False)
    assert isinstance(p, PrinterProfile) and p.dots == 576 and not p.has_cutter
    with pytest.raises(KeyError, match="unknown printer profile"):
        get_profile("nope")
    with pytest.raises(ValueError):
        custom_profile("generic-58", dots=385)


def test_ticket_print_validation():
    with pytest.raises(ValueError, match="aware"):
        ticket(issued_at=datetime(2025, 1, 1, 8, 0))
    with pytest.raises(ValueError):
        ticket(eta_minutes=(20, 10))


def test_layout_is_pure_no_flask_no_escpos():
    code = ("import sys, printers.layout, printers.profiles, printers.qrimage, printers.preview, printers\n"
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'escpos', 'sqlalchemy'))\n"
            "print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_printers_never_imports_features():
    """printers is an adapter layer below kiosk and inventory (it may use queue_service's domain)."""
    for path in (ROOT / "printers").rglob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            for n in names:
                assert n.split(".")[0] not in ("kiosk", "inventory"), (path, n)
