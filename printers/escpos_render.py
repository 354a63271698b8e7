"""Turn layout operations into python-escpos calls (and so into ESC/POS bytes)."""
from __future__ import annotations

from typing import Iterable

from ._escpos import Dummy, Escpos, constants
from .layout import QR, Cut, Feed, Op, Text, TicketPrint, layout_ticket
from .profiles import PrinterProfile
from .qrimage import qr_image

__all__ = ["escpos_kwargs", "new_dummy", "render_ops", "render_bytes"]

_EC = {"L": constants.QR_ECLEVEL_L, "M": constants.QR_ECLEVEL_M,
       "Q": constants.QR_ECLEVEL_Q, "H": constants.QR_ECLEVEL_H}


def escpos_kwargs(profile: PrinterProfile) -> dict:
    """Constructor arguments every python-escpos printer object gets for ``profile``.

    The magic encoder is pinned to the profile's code page: it never emits ``ESC t`` by itself
    (we send it, or not, in :func:`render_ops`) and replaces what the page lacks with "?".
    """
    return {
        "profile": profile.escpos_profile,
        "magic_encode_args": {"encoding": profile.codepage, "disabled": True},
    }


def new_dummy(profile: PrinterProfile) -> Dummy:
    return Dummy(**escpos_kwargs(profile))


class _Style:
    """Tracks the printer's text state so only changes are sent."""

    def __init__(self) -> None:
        self.align = "left"
        self.bold = False
        self.size = (1, 1)

    def apply(self, p: Escpos, align: str, bold: bool, size: tuple[int, int]) -> None:
        if align != self.align:
            p.set(align=align)
            self.align = align
        if bold != self.bold:
            p.set(bold=bold)
            self.bold = bold
        if size != self.size:
            if size == (1, 1):
                p._raw(constants.TXT_SIZE + b"\x00")
            else:
                p.set(custom_size=True, width=size[0], height=size[1])
            self.size = size


def render_ops(p: Escpos, profile: PrinterProfile, ops: Iterable[Op]) -> None:
    """Send ``ops`` to printer object ``p`` (a fresh one: state is assumed to be after ``ESC @``)."""
    p.hw("INIT")
    if not profile.ascii_only:
        p._raw(constants.CODEPAGE_CHANGE + bytes((profile.codepage_number,)))
    style = _Style()
    for op in ops:
        if isinstance(op, Text):
            style.apply(p, op.align, op.bold, (op.width_mult, op.height_mult))
            p.textln(op.text)
        elif isinstance(op, Feed):
            if op.n:
                p._raw(b"\n" * op.n)
        elif isinstance(op, QR):
            style.apply(p, "center" if op.native else "left", False, (1, 1))
            if op.native:
                # GS ( k: model 2, module size, error correction, store data, print
                p.qr(op.data, ec=_EC[op.ec], size=op.size, native=True)
            else:
                img = qr_image(op.data, op.size, ec=op.ec, canvas_width=profile.dots)
                p.image(img, impl="bitImageRaster", center=False)
        elif isinstance(op, Cut):
            style.apply(p, "left", False, (1, 1))
            if op.feed:
                p._raw(b"\n" * op.feed)
            p._raw(constants.PAPER_PART_CUT if op.partial else constants.PAPER_FULL_CUT)
        else:  # pragma: no cover - a new op type must be taught here
            raise TypeError(f"unknown layout op {op!r}")


def render_bytes(profile: PrinterProfile, ticket: TicketPrint) -> bytes:
    """The exact bytes a ticket sends to the printer (for previews, benchmarks and jobs)."""
    p = new_dummy(profile)
    render_ops(p, profile, layout_ticket(ticket, profile))
    return p.output
