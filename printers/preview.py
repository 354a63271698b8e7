"""A PNG of what the printer would print, for staff without a printer.

Drawn from the same layout operations as the ESC/POS bytes, on a canvas ``profile.dots`` wide
(1 pixel = 1 printer dot): font A cells of 12x24 dots, ``GS !`` multipliers as pixel scaling,
the very same QR raster the printer gets (or, for native QR, the symbol the printer would draw).
Pure: Pillow only.
"""
from __future__ import annotations

import io
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from .layout import QR, Cut, Feed, Text, TicketPrint, layout_ticket
from .profiles import PrinterProfile
from .qrimage import qr_image

__all__ = ["preview_image", "preview_png"]

CELL_W, CELL_H = 12, 24  # font A
_MONO_FONTS = (
    "DejaVuSansMono-Bold.ttf", "DejaVuSansMono.ttf", "LiberationMono-Bold.ttf", "LiberationMono-Regular.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationMono-Regular.ttf",
    "cour.ttf", "consola.ttf",
)


@lru_cache(maxsize=1)
def _font() -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    for name in _MONO_FONTS:
        try:
            return ImageFont.truetype(name, 19)
        except OSError:
            continue
    try:
        return ImageFont.load_default(size=19)
    except TypeError:  # Pillow < 10.1
        return ImageFont.load_default()


def _text_line(op: Text, dots: int) -> Image.Image:
    """One line: characters placed in fixed 12x24 cells (monospace whatever the font), then scaled."""
    font = _font()
    w = len(op.text) * CELL_W
    line = Image.new("L", (max(w, 1), CELL_H), 255)
    draw = ImageDraw.Draw(line)
    for i, ch in enumerate(op.text):
        x = i * CELL_W + CELL_W / 2
        draw.text((x, CELL_H / 2), ch, fill=0, font=font, anchor="mm")
        if op.bold:
            draw.text((x + 1, CELL_H / 2), ch, fill=0, font=font, anchor="mm")
    if (op.width_mult, op.height_mult) != (1, 1):
        line = line.resize((line.width * op.width_mult, CELL_H * op.height_mult), Image.NEAREST)
    canvas = Image.new("L", (dots, line.height), 255)
    if op.align == "center":
        x = (dots - line.width) // 2
    elif op.align == "right":
        x = dots - line.width
    else:
        x = 0
    canvas.paste(line, (max(0, x), 0))
    return canvas


def preview_image(profile: PrinterProfile, ticket: TicketPrint) -> Image.Image:
    """The ticket as a greyscale image, ``profile.dots`` pixels wide."""
    dots = profile.dots
    blocks: list[Image.Image] = []
    blank = Image.new("L", (dots, CELL_H), 255)
    for op in layout_ticket(ticket, profile):
        if isinstance(op, Text):
            blocks.append(_text_line(op, dots))
        elif isinstance(op, Feed):
            blocks.extend([blank] * op.n)
        elif isinstance(op, QR):
            if op.native:
                # the printer draws op.size dots per module, centred, with its own quiet zone
                sym = qr_image(op.data, op.size, ec=op.ec, border=4)
                img = Image.new("L", (dots, sym.height), 255)
                img.paste(sym, ((dots - sym.width) // 2, 0))
            else:
                sym = qr_image(op.data, op.size, ec=op.ec, canvas_width=dots)
                img = Image.new("L", (dots, sym.height), 255)
                img.paste(sym, (0, 0))
            blocks.append(img)
        elif isinstance(op, Cut):
            blocks.extend([blank] * op.feed)
            cut = Image.new("L", (dots, 9), 255)
            ImageDraw.Draw(cut).line([(0, 4), (dots, 4)], fill=128, width=1)
            blocks.append(cut)
    height = sum(b.height for b in blocks)
    out = Image.new("L", (dots, height), 255)
    y = 0
    for b in blocks:
        out.paste(b, (0, y))
        y += b.height
    return out


def preview_png(profile: PrinterProfile, ticket: TicketPrint) -> bytes:
    """PNG bytes of :func:`preview_image` (serve with ``image/png``)."""
    buf = io.BytesIO()
    preview_image(profile, ticket).save(buf, format="PNG", optimize=True)
    return buf.getvalue()
