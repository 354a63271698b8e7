"""ESC/POS bytes per profile (python-escpos Dummy), QR payloads decoded back, PNG preview."""
from __future__ import annotations

import io

import pytest

from printers.escpos_render import render_bytes
from printers.layout import TicketPrint
from printers.preview import preview_image, preview_png
from printers.profiles import PROFILES, custom_profile, get_profile

from .test_layout import URL, ticket

GS_QR = b"\x1d(k"
CUT_FULL, CUT_PART = b"\x1dV\x00", b"\x1dV\x01"


def native_qr_payload(data: bytes) -> bytes:
    """The data of the GS ( k <pL pH> '1' 'P' '0' <data> store command."""
    i = data.index(GS_QR + b"")
    while i >= 0:
        n = data[i + 3] + 256 * data[i + 4]
        cn, fn = data[i + 5:i + 6], data[i + 6:i + 7]
        if cn == b"1" and fn == b"P":
            return data[i + 8:i + 5 + n]
        i = data.find(GS_QR, i + 5 + n)
    raise AssertionError("no QR store-data command")


def raster_images(data: bytes):
    """Every GS v 0 raster image in ``data`` as a PIL image (black = printed dot)."""
    from PIL import Image, ImageOps

    out, i = [], data.find(b"\x1dv0")
    while i >= 0:
        wb = data[i + 4] + 256 * data[i + 5]
        h = data[i + 6] + 256 * data[i + 7]
        raster = data[i + 8:i + 8 + wb * h]
        assert len(raster) == wb * h
        img = Image.frombytes("1", (wb * 8, h), raster)  # bit 1 = dot; PIL "1": 1 = white
        out.append(ImageOps.invert(img.convert("L")))
        i = data.find(b"\x1dv0", i + 8 + wb * h)
    return out


def decode_qr(img) -> list[str]:
    import zxingcpp
    from PIL import ImageOps

    padded = ImageOps.expand(img, border=40, fill=255)
    return [r.text for r in zxingcpp.read_barcodes(padded)]


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_native_qr_bytes_only_where_supported(name):
    profile = get_profile(name)
    data = render_bytes(profile, ticket())
    assert (GS_QR in data) is profile.native_qr
    assert (b"\x1dv0" in data) is (not profile.native_qr)
    assert b"B-012" in data and data.startswith(b"\x1b@")


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_cut_only_with_cutter(name):
    profile = get_profile(name)
    data = render_bytes(profile, ticket())
    has_cut = data.endswith(CUT_FULL)
    assert has_cut is profile.has_cutter
    if not profile.has_cutter:
        assert b"\x1dV" not in data.replace(b"\x1dv0", b"")


def test_native_qr_payload_is_the_status_url():
    data = render_bytes(get_profile("TM-T20II"), ticket())
    assert native_qr_payload(data).decode() == URL
    # model 2, module size from the profile, error correction M
    assert b"\x1d(k\x04\x001A2\x00" in data
    assert b"\x1d(k\x03\x001C\x06" in data and b"\x1d(k\x03\x001E1" in data


@pytest.mark.parametrize("name", ["POS-5890", "ZJ-5870", "generic-80"])
def test_image_qr_decodes_to_the_status_url(name):
    data = render_bytes(get_profile(name), ticket())
    (img,) = raster_images(data)
    assert img.width <= get_profile(name).dots
    assert decode_qr(img) == [URL]


def test_image_qr_decodes_for_many_tokens():
    import secrets

    profile = get_profile("POS-5890")
    for _ in range(25):
        url = f"https://antrean.example.go.id/t/{secrets.token_urlsafe(16)}"
        (img,) = raster_images(render_bytes(profile, ticket(status_url=url)))
        assert decode_qr(img) == [url]


def test_code_size_and_styles_in_bytes():
    data = render_bytes(get_profile("POS-5890"), ticket())
    # GS ! 0x55 = 6x width, 6x height for the code; then the service name double height (0x01)
    assert b"\x1d!\x55B-012\n\x1d!\x01Perekaman KTP-el\n" in data
    assert b"\x1d!\x00Senin, 12 Mei 2025 08:15 WIB\n" in data
    assert b"\x1ba\x01" in data  # centred
    assert b"\x1bE\x01" in data  # bold


def test_code_page_bytes():
    t = ticket(office_name="Caf\u00e9 \u201cDukcapil\u201d")
    ascii_only = render_bytes(get_profile("POS-5890"), t)
    assert b'Cafe "Dukcapil"' in ascii_only and b"\x1bt" not in ascii_only  # clones: no ESC t at all
    assert all(b < 0x80 for b in ascii_only.split(b"\x1dv0")[0])  # text part is 7-bit
    epson = render_bytes(get_profile("TM-T20II"), t)
    assert epson.startswith(b"\x1b@\x1bt\x00") and b'Caf\x82 "Dukcapil"' in epson  # CP437 e-acute


def test_fresh_printer_each_render_is_identical():
    p = get_profile("TM-T20II")
    assert render_bytes(p, ticket()) == render_bytes(p, ticket())


def test_custom_profile_80mm_without_native_qr_or_cutter():
    p = custom_profile("TM-T20II", name="cheap-80", native_qr=False, has_cutter=False, answers_status=False)
    data = render_bytes(p, ticket())
    assert GS_QR not in data and b"\x1dV" not in data.replace(b"\x1dv0", b"")
    (img,) = raster_images(data)
    assert decode_qr(img) == [URL]


@pytest.mark.parametrize("name", ["POS-5890", "TM-T20II"])
def test_preview_png(name):
    from PIL import Image

    profile = get_profile(name)
    png = preview_png(profile, ticket())
    assert png.startswith(b"\x89PNG")
    img = Image.open(io.BytesIO(png))
    assert img.width == profile.dots and img.height > 400
    assert decode_qr(preview_image(profile, ticket())) == [URL]


def test_ticket_print_is_frozen():
    t = ticket()
    with pytest.raises(Exception):
        t.code = "X"  # type: ignore[misc]
    assert isinstance(t, TicketPrint)
