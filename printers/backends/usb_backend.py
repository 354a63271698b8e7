"""``usb://VID:PID[?in_ep=0x82&out_ep=0x01&timeout=3]`` — python-escpos ``Usb`` (needs pyusb + libusb).

VID and PID are hexadecimal, as ``lsusb`` prints them (``usb://04b8:0e15``).
"""
from __future__ import annotations

import re

from .._escpos import Usb
from . import N_, PrinterPolicy, PrinterURI, PrinterURIRefused, register

_ID = re.compile(r"^(?:0x)?([0-9a-fA-F]{1,4})$")


def parse_ids(uri: PrinterURI) -> tuple[int, int]:
    vid, sep, pid = uri.netloc.partition(":")
    m1, m2 = _ID.match(vid), _ID.match(pid)
    if not sep or not m1 or not m2:
        raise ValueError(f"printer URI {uri.raw!r}: expected usb://VID:PID in hex, e.g. usb://04b8:0e15")
    return int(m1.group(1), 16), int(m2.group(1), 16)


def validate_usb(uri: PrinterURI, policy: PrinterPolicy) -> None:
    try:
        parse_ids(uri)
    except ValueError:
        raise PrinterURIRefused(f"printer URI {uri.raw!r}: expected usb://VID:PID",
                                N_("Alamat usb:// berisi VID:PID heksadesimal, misalnya usb://04b8:0e15.")) from None
    return None


@register("usb", reads_status=True, validate=validate_usb)
def open_usb(uri: PrinterURI, kwargs: dict) -> Usb:
    vid, pid = parse_ids(uri)
    return Usb(
        vid, pid,
        timeout=int(uri.float_param("timeout", 3.0) * 1000),  # pyusb takes milliseconds
        in_ep=uri.int_param("in_ep", 0x82),
        out_ep=uri.int_param("out_ep", 0x01),
        **kwargs,
    )
