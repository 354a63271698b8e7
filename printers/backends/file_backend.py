"""``file:///path/to/file`` — APPEND the raw ESC/POS bytes (a spool file, a device node such as
``/dev/usb/lp0``, or a capture for tests). python-escpos' ``File`` truncates, so open with "ab"."""
from __future__ import annotations

from urllib.parse import quote

from .._escpos import DeviceNotFoundError, File
from . import N_, PrinterPolicy, PrinterURI, PrinterURIRefused, register


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


def validate_file(uri: PrinterURI, policy: PrinterPolicy) -> str:
    """Only under a directory the operator allowed (``PRINTER_FILE_DIRS``), never the instance folder or
    the database; the URI returned names the resolved path (symlinks and ``..`` followed)."""
    if uri.host not in ("", "localhost") or not uri.path:
        raise PrinterURIRefused(f"printer URI {uri.raw!r}: use an absolute path",
                                N_("Alamat file:// harus berupa path lengkap, misalnya file:///var/spool/tiket.bin."))
    return "file://" + quote(policy.path_allowed(uri.path))


@register("file", finish=_flush, validate=validate_file)
def open_file(uri: PrinterURI, kwargs: dict) -> AppendFile:
    if uri.host not in ("", "localhost") or not uri.path:
        raise ValueError(f"printer URI {uri.raw!r}: use an absolute path, file:///var/spool/tickets.bin")
    return AppendFile(uri.path, **kwargs)
