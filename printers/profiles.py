"""Printer profiles: what a ticket printer model can do.

Pure data (no escpos import), so :mod:`printers.layout` can use it without pulling in
python-escpos. ``escpos_profile`` is the profile name python-escpos knows (its capabilities
database); the other fields are what *we* rely on, checked on real hardware or data sheets,
because the escpos database is optimistic about cheap 58 mm clones.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

__all__ = ["PrinterProfile", "PROFILES", "get_profile", "register_profile", "custom_profile"]


@dataclass(frozen=True)
class PrinterProfile:
    """One printer model.

    ``chars_per_line`` is for font A at normal size (12x24 dots): 32 at 58 mm, 48 at 80 mm.
    ``native_qr``: the firmware renders QR codes itself (``GS ( k``); otherwise we send an image.
    ``answers_status``: the printer replies to real-time status ``DLE EOT n`` (paper sensor, online).
    ``ascii_only``: print only 7-bit ASCII and never send ``ESC t`` (clones ship different or
    Chinese code tables, and python-escpos' database maps CP437 to ``ESC t 52`` on the POS-5890),
    so anything else is transliterated; otherwise ``ESC t codepage_number`` is sent after ``ESC @``
    and characters of ``codepage`` are kept.
    """

    name: str
    escpos_profile: str
    width_mm: int
    dots: int
    chars_per_line: int
    has_cutter: bool = False
    native_qr: bool = False
    answers_status: bool = False
    codepage: str = "CP437"
    #: ``ESC t n`` number of ``codepage`` on this model (CP437 is 0 on Epson and most clones)
    codepage_number: int = 0
    ascii_only: bool = True
    #: largest text multiplier used for the ticket code (GS ! allows 1..8)
    code_size_max: int = 6
    #: module size in dots for a native QR (GS ( k C, 1..16)
    native_qr_module: int = 6
    #: raster bytes allowed for an image QR (chooses the module size; see layout.image_qr_box)
    image_qr_budget: int = 5400
    #: blank lines before the cut (the cutter sits a few mm above the print head) or before tearing
    tail_feed: int = 4

    def __post_init__(self) -> None:
        if self.dots % 8:
            raise ValueError(f"profile {self.name!r}: dots must be a multiple of 8, got {self.dots}")
        if not 16 <= self.chars_per_line <= 64:
            raise ValueError(f"profile {self.name!r}: chars_per_line out of range: {self.chars_per_line}")
        if not 1 <= self.code_size_max <= 8:
            raise ValueError(f"profile {self.name!r}: code_size_max must be 1..8")
        if not 1 <= self.native_qr_module <= 16:
            raise ValueError(f"profile {self.name!r}: native_qr_module must be 1..16")


PROFILES: dict[str, PrinterProfile] = {}


def register_profile(profile: PrinterProfile) -> PrinterProfile:
    """Add (or replace) a known profile; returns it."""
    PROFILES[profile.name] = profile
    return profile


def get_profile(name: str | PrinterProfile) -> PrinterProfile:
    """Look a profile up by name (case-insensitive). A profile passes through unchanged."""
    if isinstance(name, PrinterProfile):
        return name
    if name in PROFILES:
        return PROFILES[name]
    folded = {k.casefold(): v for k, v in PROFILES.items()}
    try:
        return folded[name.casefold()]
    except KeyError:
        raise KeyError(
            f"unknown printer profile {name!r}; known: {', '.join(sorted(PROFILES))}"
        ) from None


def custom_profile(base: str | PrinterProfile = "generic-58", **changes) -> PrinterProfile:
    """A profile derived from a known one, e.g. ``custom_profile("generic-80", has_cutter=False)``.

    Give it a ``name`` and pass it to :func:`register_profile` to make it known by name.
    """
    return replace(get_profile(base), **changes)


# Epson TM-T20II: 80 mm paper, 72 mm / 576-dot print width, auto-cutter, native QR, DLE EOT.
register_profile(PrinterProfile(
    name="TM-T20II", escpos_profile="TM-T20II", width_mm=80, dots=576, chars_per_line=48,
    has_cutter=True, native_qr=True, answers_status=True, ascii_only=False,
))
# Cheap 58 mm clones: no cutter, no native QR (they print the GS ( k payload as garbage),
# many do not answer DLE EOT at all.
register_profile(PrinterProfile(
    name="POS-5890", escpos_profile="POS-5890", width_mm=58, dots=384, chars_per_line=32,
))
register_profile(PrinterProfile(
    name="ZJ-5870", escpos_profile="ZJ-5870", width_mm=58, dots=384, chars_per_line=32,
))
# Generic fall-backs for unknown models: safest assumptions for each paper width.
register_profile(PrinterProfile(
    name="generic-58", escpos_profile="POS-5890", width_mm=58, dots=384, chars_per_line=32,
))
register_profile(PrinterProfile(
    name="generic-80", escpos_profile="TM-T20II", width_mm=80, dots=576, chars_per_line=48,
))
