"""``file:///path/to/file`` — APPEND the raw ESC/POS bytes (a spool file, a device node such as
``/dev/usb/lp0``, or a capture for tests). python-escpos' ``File`` truncates, so open with "ab"."""
from __future__ import annotations

from .._escpos import DeviceNotFoundError, File
from . import PrinterURI, register


class AppendFile(File):
    def open(self, raise_not_found: bool = True) -> None:
        if self._device:
            self.close()
        try:
            self.device = open(self.devfile, "ab")
        except OSError as e:
            self.device = None
            if raise_not_found:
                raise DeviceNotFoundError(f"Could not open {self.devfile} for appending: {e}") from e


def _flush(printer) -> None:
    printer.flush()


@register("file", finish=_flush)
def open_file(uri: PrinterURI, kwargs: dict) -> AppendFile:
    if uri.host not in ("", "localhost") or not uri.path:
        raise ValueError(f"printer URI {uri.raw!r}: use an absolute path, file:///var/spool/tickets.bin")
    return AppendFile(uri.path, **kwargs)
