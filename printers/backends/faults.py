"""What can go wrong on the wire, in the printer's words: transport and python-escpos exceptions become
:mod:`printers.errors` with messages staff can act on, and a connection is closed without hiding the real
error. Used by :mod:`printers.printing` (a job) and :mod:`printers.status` (a status query)."""
from __future__ import annotations

import contextlib
import socket

from .._escpos import DeviceNotFoundError
from ..errors import PrinterError, PrinterOffline, PrinterTimeout

__all__ = ["translate_errors", "close_quietly"]


@contextlib.contextmanager
def translate_errors(uri: str):
    """Turn transport and python-escpos exceptions into PrinterError subclasses."""
    try:
        yield
    except PrinterError:
        raise
    except DeviceNotFoundError as err:
        detail = str(err).strip().splitlines()[-1] if str(err).strip() else ""
        raise PrinterOffline(
            f"Printer {uri} is not reachable: check that it is switched on, connected and the "
            f"address is right ({detail}).",
            uri=uri,
        ) from err
    except (TimeoutError, socket.timeout) as err:
        raise PrinterTimeout(
            f"Printer {uri} stopped responding (paper jam, cover open, or busy). Check the printer "
            "and try again.",
            uri=uri,
        ) from err
    except (ConnectionError, OSError) as err:
        raise PrinterOffline(f"Lost the connection to printer {uri}: {err}.", uri=uri) from err
    except RuntimeError as err:  # python-escpos: a back-end's library (pyusb, pyserial, pycups) is missing
        raise PrinterError(f"Printer {uri} cannot be used here: {err}", uri=uri) from err
    except Exception as err:
        mod = type(err).__module__ or ""
        if mod.startswith(("usb", "serial")):  # usb.core.USBError, serial.SerialException
            raise PrinterOffline(f"Printer {uri} failed: {err}.", uri=uri) from err
        raise


def close_quietly(printer) -> None:
    try:
        printer.close()
    except Exception:  # noqa: BLE001 - closing a dead connection must not hide the real error
        pass
