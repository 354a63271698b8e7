"""Ticket layout: what goes on the paper, as a list of simple operations.

Pure: no Flask, no python-escpos, no I/O. :mod:`printers.escpos_render` turns the operations into
ESC/POS bytes and :mod:`printers.preview` into a PNG. The status URL comes ready-made from the
caller (built once, low in the house); this module never builds URLs.
"""
from __future__ import annotations

import math
import textwrap
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Mapping, Union

from .profiles import PrinterProfile

__all__ = [
    "DEFAULT_LABELS", "TicketPrint", "Text", "Feed", "QR", "Cut", "Op",
    "layout_ticket", "safe_text", "wrap", "qr_modules", "image_qr_box", "image_qr_bytes",
]

DEFAULT_LABELS: Mapping[str, str] = MappingProxyType({
    "ticket_number": "Nomor Antrean",
    "people_ahead": "orang di depan Anda",
    "no_one_ahead": "Tidak ada antrean di depan Anda",
    "estimate": "perkiraan",
    "minutes": "menit",
    "priority": "Prioritas",
    "scan": "Pindai untuk memantau antrean",
    "weekdays": "Senin,Selasa,Rabu,Kamis,Jumat,Sabtu,Minggu",
    "months": "Januari,Februari,Maret,April,Mei,Juni,Juli,Agustus,September,Oktober,November,Desember",
})


@dataclass(frozen=True)
class TicketPrint:
    """Everything printed on one ticket, already translated and in the office's time zone."""

    office_name: str
    service_name: str
    code: str
    issued_at: datetime
    tz_abbrev: str
    people_ahead: int
    status_url: str
    eta_minutes: tuple[int, int] | None = None
    priority_label: str | None = None
    footer: str = ""
    labels: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.issued_at.tzinfo is None or self.issued_at.utcoffset() is None:
            raise ValueError("issued_at must be an aware datetime in the office's time zone")
        if self.people_ahead < 0:
            raise ValueError("people_ahead must be >= 0")
        if self.eta_minutes is not None:
            low, high = self.eta_minutes
            if low < 0 or high < low:
                raise ValueError(f"eta_minutes must be (low, high) with 0 <= low <= high, got {self.eta_minutes}")
        if not self.status_url:
            raise ValueError("status_url is required (it is what the QR code holds)")

    def label(self, key: str) -> str:
        return self.labels.get(key) or DEFAULT_LABELS[key]


# --- operations ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Text:
    """One printed line (already wrapped and code-page safe)."""

    text: str
    align: str = "left"  # left | center | right
    bold: bool = False
    width_mult: int = 1
    height_mult: int = 1


@dataclass(frozen=True)
class Feed:
    n: int = 1


@dataclass(frozen=True)
class QR:
    """A QR code. ``native``: the printer draws it (GS ( k), ``size`` = module size in dots.
    Otherwise an image: ``size`` = box size in dots of each module in the raster image."""

    data: str
    native: bool
    size: int
    ec: str = "M"


@dataclass(frozen=True)
class Cut:
    feed: int = 4
    partial: bool = False


Op = Union[Text, Feed, QR, Cut]


# --- text safety --------------------------------------------------------------------------

_TRANSLIT = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u00b4": "'", "`": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
    "\u2026": "...", "\u2022": "*", "\u00b7": "-", "\u00d7": "x", "\u00f7": "/",
    "\u00a0": " ", "\u2007": " ", "\u2009": " ", "\u202f": " ", "\u200b": "",
    "\u00df": "ss", "\u00e6": "ae", "\u00c6": "AE", "\u0153": "oe", "\u0152": "OE",
    "\u00f8": "o", "\u00d8": "O", "\u0111": "d", "\u0110": "D", "\u0142": "l", "\u0141": "L",
    "\u00b0": " derajat ", "\u20ac": "EUR", "\u2116": "No.", "\u2122": "TM", "\u00a9": "(c)", "\u00ae": "(R)",
}

_CODEC_CACHE: dict[str, str | None] = {}


def _python_codec(codepage: str | None) -> str | None:
    """Python codec name for an escpos code page name ('CP437' -> 'cp437'), None if unknown."""
    if codepage is None:
        return None
    if codepage not in _CODEC_CACHE:
        import codecs

        name = codepage.lower().replace("_", "-")
        try:
            codecs.lookup(name)
        except LookupError:
            name = None
        _CODEC_CACHE[codepage] = name
    return _CODEC_CACHE[codepage]


def safe_text(text: str, codepage: str | None = None) -> str:
    """Make ``text`` printable: ASCII, plus (if ``codepage`` is given) characters that code page has.

    Typographic quotes/dashes become ASCII ones, accents are dropped ("é" -> "e"), control
    characters (which could smuggle printer commands, e.g. ESC) become spaces, runs of
    whitespace collapse, and anything left that cannot be printed becomes "?".
    """
    codec = _python_codec(codepage)
    out: list[str] = []
    for ch in unicodedata.normalize("NFC", text):
        if " " <= ch <= "~":
            out.append(ch)
            continue
        if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
            out.append(" " if unicodedata.category(ch) != "Cf" else "")
            continue
        if codec is not None:
            try:
                ch.encode(codec)
            except UnicodeEncodeError:
                pass
            else:
                out.append(ch)
                continue
        if ch in _TRANSLIT:
            out.append(_TRANSLIT[ch])
            continue
        if unicodedata.combining(ch):  # a stray accent with no letter to sit on
            continue
        decomposed = unicodedata.normalize("NFKD", ch)
        stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
        if stripped and all(" " <= c <= "~" for c in stripped):
            out.append(stripped)
        else:
            out.append("?")
    return " ".join("".join(out).split())


def wrap(text: str, width: int) -> list[str]:
    """Wrap to ``width`` characters; long words (URLs, codes) are broken, never overflow."""
    lines = textwrap.wrap(text, width=max(1, width), break_long_words=True, break_on_hyphens=False)
    return lines or [""]


# --- QR sizing ----------------------------------------------------------------------------

# Byte-mode capacity per version (1..40) for each error-correction level (ISO/IEC 18004 table 7).
_QR_BYTE_CAPACITY = {
    "L": (17, 32, 53, 78, 106, 134, 154, 192, 230, 271, 321, 367, 425, 458, 520, 586, 644, 718, 792, 858,
          929, 1003, 1091, 1171, 1273, 1367, 1465, 1528, 1628, 1732, 1840, 1952, 2068, 2188, 2303, 2431,
          2563, 2699, 2809, 2953),
    "M": (14, 26, 42, 62, 84, 106, 122, 152, 180, 213, 251, 287, 331, 362, 412, 450, 504, 560, 624, 666,
          711, 779, 857, 911, 997, 1059, 1125, 1190, 1264, 1370, 1452, 1538, 1628, 1722, 1809, 1911, 1989,
          2099, 2213, 2331),
}

#: quiet-zone modules drawn into the image (white paper does the rest)
IMAGE_QR_BORDER = 1
#: smallest module we accept in an image QR: 3 dots = 0.375 mm at 203 dpi, still read by phones
MIN_IMAGE_QR_BOX = 3
MAX_IMAGE_QR_BOX = 8


def qr_modules(data: str, ec: str = "M") -> int:
    """Modules per side of the QR symbol for ``data`` in byte mode (an upper bound: mixed-mode
    encoders may pick a smaller version)."""
    n = len(data.encode("utf-8"))
    for version, cap in enumerate(_QR_BYTE_CAPACITY[ec], start=1):
        if n <= cap:
            return 17 + 4 * version
    raise ValueError(f"QR payload too long ({n} bytes)")


def image_qr_bytes(modules: int, box: int, dots: int) -> int:
    """Raster bytes (GS v 0 payload) of a centred image QR: left padding + symbol + border."""
    side = (modules + 2 * IMAGE_QR_BORDER) * box
    left = max(0, (dots - side) // 2)
    return math.ceil((left + side) / 8) * side


def image_qr_box(data: str, profile: PrinterProfile, ec: str = "M") -> int:
    """Largest module size (dots) whose centred raster fits the profile's width and byte budget."""
    modules = qr_modules(data, ec)
    for box in range(MAX_IMAGE_QR_BOX, MIN_IMAGE_QR_BOX - 1, -1):
        side = (modules + 2 * IMAGE_QR_BORDER) * box
        if side <= profile.dots and image_qr_bytes(modules, box, profile.dots) <= profile.image_qr_budget:
            return box
    return MIN_IMAGE_QR_BOX if (modules + 2) * MIN_IMAGE_QR_BOX <= profile.dots else 2


def _native_qr_size(data: str, profile: PrinterProfile, ec: str = "M") -> int:
    modules = qr_modules(data, ec) + 8  # the printer adds a 4-module quiet zone each side
    return max(1, min(profile.native_qr_module, profile.dots // modules))


# --- the ticket ---------------------------------------------------------------------------

def _date_line(tp: TicketPrint) -> str:
    weekdays = tp.label("weekdays").split(",")
    months = tp.label("months").split(",")
    d = tp.issued_at
    return f"{weekdays[d.weekday()]}, {d.day} {months[d.month - 1]} {d.year} {d:%H:%M} {tp.tz_abbrev}"


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def layout_ticket(data: TicketPrint, profile: PrinterProfile) -> list[Op]:
    """The operations that print ``data`` on a printer described by ``profile``."""
    cpl = profile.chars_per_line
    cp = None if profile.ascii_only else profile.codepage

    def s(text: str) -> str:
        return safe_text(text, cp)

    def lines(text: str, *, align: str = "center", bold: bool = False, w: int = 1, h: int = 1) -> list[Op]:
        return [Text(line, align, bold, w, h) for line in wrap(s(text), cpl // w)]

    ops: list[Op] = []
    ops += lines(data.office_name, bold=True)
    ops.append(Text("-" * cpl, "center"))
    ops += lines(data.label("ticket_number"))

    code = s(data.code)
    mult = max(1, min(profile.code_size_max, cpl // max(1, len(code))))
    ops += lines(code, bold=True, w=mult, h=mult)

    if data.priority_label:
        ops += lines(f"* {data.label('priority')}: {data.priority_label} *", bold=True)
    ops += lines(data.service_name, bold=True, h=2)
    ops.append(Feed(1))
    ops += lines(_date_line(data))

    if data.people_ahead == 0:
        ops += lines(data.label("no_one_ahead"))
    else:
        ops += lines(f"{data.people_ahead} {data.label('people_ahead')}")
    if data.eta_minutes is not None:
        low, high = data.eta_minutes
        span = f"{low}" if low == high else f"{low}-{high}"
        ops += lines(f"{_cap(data.label('estimate'))} {span} {data.label('minutes')}")

    ops.append(Feed(1))
    if profile.native_qr:
        ops.append(QR(data.status_url, True, _native_qr_size(data.status_url, profile)))
    else:
        ops.append(QR(data.status_url, False, image_qr_box(data.status_url, profile)))
    ops += lines(data.label("scan"))
    if data.footer:
        ops.append(Feed(1))
        ops += lines(data.footer)
    if profile.has_cutter:
        ops.append(Cut(feed=profile.tail_feed))
    else:
        ops.append(Feed(profile.tail_feed))
    return ops
