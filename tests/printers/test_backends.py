"""Back-ends with real bytes: a TCP printer on 127.0.0.1 that answers DLE EOT like a real one,
faults (refused, silent, paper out), file:// appends, dummy://, serial over a pty, USB with only
usb.core.find mocked, cups without pycups, unknown schemes."""
from __future__ import annotations

import os
import select
import threading
import time
import warnings
from unittest import mock

import pytest

from printers.backends import BACKENDS, open_printer, parse_uri, register
from printers.errors import PaperNearEnd, PaperOut, PrinterError, PrinterOffline, PrinterTimeout
from printers.escpos_render import render_bytes
from printers.printing import print_ticket, send_bytes
from printers.profiles import get_profile
from printers.status import query_status
from tests.plugins.printer import OFFLINE, PAPER_NEAR_END, PAPER_OUT, free_port
from tests.plugins.servers import require_module

from .test_layout import URL, ticket
from .test_render import decode_qr, native_qr_payload, raster_images

# --- TCP: real bytes ------------------------------------------------------------------------

def test_tcp_image_qr_profile_real_bytes(fake_printer):
    fp = fake_printer()
    profile = get_profile("POS-5890")  # no status, image QR
    sent = print_ticket(fp.uri, profile, ticket())
    got = fp.wait_for(sent)
    assert len(got) == sent == len(render_bytes(profile, ticket()))
    assert b"B-012" in got and fp.queries == []
    (img,) = raster_images(got)
    assert decode_qr(img) == [URL]


def test_tcp_native_qr_profile_checks_status_then_prints(fake_printer):
    fp = fake_printer()
    sent = print_ticket(fp.uri, "TM-T20II", ticket())
    got = fp.wait_for(6 + sent)
    assert fp.queries == [b"\x10\x04\x01", b"\x10\x04\x04"]
    assert got[:6] == b"\x10\x04\x01\x10\x04\x04" and len(got) == 6 + sent
    assert b"B-012" in got and native_qr_payload(got).decode() == URL
    assert got.endswith(b"\x1dV\x00")


def test_tcp_fresh_connection_per_job(fake_printer):
    fp = fake_printer()
    a = print_ticket(fp.uri, "TM-T20II", ticket(code="A-001"))
    b = print_ticket(fp.uri, ticket(code="A-002"), profile="TM-T20II", timeout=2)  # keyword form
    fp.wait_for(12 + a + b)
    assert len(fp.connections) == 2
    assert b"A-001" in fp.connections[0] and b"A-002" in fp.connections[1]
    assert fp.connections[1].startswith(b"\x10\x04\x01\x10\x04\x04\x1b@\x1bt\x00")  # code page every job


def test_tcp_paper_out_raises_and_prints_nothing(fake_printer):
    fp = fake_printer(paper=PAPER_OUT)
    with pytest.raises(PaperOut, match="out of paper"):
        print_ticket(fp.uri, "TM-T20II", ticket())
    assert fp.wait_closed() == b"\x10\x04\x01\x10\x04\x04"  # the two queries, no ticket


def test_tcp_paper_near_end_prints_and_warns(fake_printer):
    fp = fake_printer(paper=PAPER_NEAR_END)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sent = print_ticket(fp.uri, "TM-T20II", ticket())
    assert any(issubclass(w.category, PaperNearEnd) for w in caught)
    assert b"B-012" in fp.wait_for(6 + sent)


def test_tcp_printer_reporting_offline(fake_printer):
    fp = fake_printer(online=OFFLINE)
    with pytest.raises(PrinterOffline, match="offline"):
        print_ticket(fp.uri, "TM-T20II", ticket())
    assert b"B-012" not in fp.wait_closed()


def test_tcp_nothing_listening_is_offline_at_once():
    uri = f"tcp://127.0.0.1:{free_port()}?timeout=30"
    t0 = time.monotonic()
    with pytest.raises(PrinterOffline, match="not reachable") as info:
        print_ticket(uri, "POS-5890", ticket())
    assert time.monotonic() - t0 < 15  # refused at once: it did not sit out the 30 s timeout (no speed limit)
    assert not isinstance(info.value, PrinterTimeout) and info.value.uri == uri


def test_tcp_silent_printer_times_out_within_timeout(fake_printer):
    fp = fake_printer(mode="silent")
    t0 = time.monotonic()
    with pytest.raises(PrinterTimeout, match="stopped responding"):
        print_ticket(f"{fp.uri}?timeout=2", "TM-T20II", ticket())
    elapsed = time.monotonic() - t0
    assert 1.9 <= elapsed < 4  # waited the timeout once, not twice (a retry), and did not hang


def test_tcp_stalled_writes_time_out_without_status(fake_printer):
    """A printer without DLE EOT that stops taking data: the send times out (once the kernel
    buffers are full), it does not hang the kiosk."""
    fp = fake_printer(mode="silent")
    t0 = time.monotonic()
    with pytest.raises(PrinterTimeout):
        send_bytes(fp.uri, "POS-5890", b"\x00" * (64 << 20), timeout=0.5)
    assert time.monotonic() - t0 < 5


def test_query_status(fake_printer):
    assert query_status(fake_printer().uri, "TM-T20II").paper == "ok"
    s = query_status(fake_printer(paper=PAPER_OUT).uri, "TM-T20II")
    assert s.online is True and s.paper == "out" and not s.ready
    s = query_status(f"tcp://127.0.0.1:{free_port()}", "TM-T20II")
    assert s.online is False and "not reachable" in s.message
    assert query_status("dummy://", "TM-T20II").online is None  # cannot read
    assert query_status(fake_printer().uri, "POS-5890").paper == "unknown"  # does not answer


# --- other back-ends ------------------------------------------------------------------------

def test_file_appends(tmp_path):
    path = tmp_path / "spool.bin"
    path.write_bytes(b"EXISTING")
    a = print_ticket(f"file://{path}", "POS-5890", ticket(code="A-001"))
    b = print_ticket(f"file://{path}", "POS-5890", ticket(code="A-002"))
    data = path.read_bytes()
    assert data.startswith(b"EXISTING") and len(data) == 8 + a + b
    assert data.index(b"A-001") < data.index(b"A-002")


def test_file_unwritable_is_offline(tmp_path):
    with pytest.raises(PrinterOffline):
        print_ticket(f"file://{tmp_path}/missing-dir/x.bin", "POS-5890", ticket())


def test_dummy_backend_collects_per_name():
    from printers.backends import dummy_backend

    dummy_backend.clear()
    n = print_ticket("dummy://kiosk1", "ZJ-5870", ticket())
    assert len(dummy_backend.output("kiosk1")) == n and dummy_backend.output("other") == b""
    assert b"B-012" in dummy_backend.output("kiosk1")


def test_unknown_scheme_and_bad_uris():
    with pytest.raises(ValueError, match=r"unknown printer URI scheme 'lpt'.*tcp://"):
        print_ticket("lpt://1", "POS-5890", ticket())
    with pytest.raises(ValueError, match="not a printer URI"):
        open_printer("192.168.1.50", "POS-5890")
    with pytest.raises(ValueError, match="missing host"):
        open_printer("tcp://:9100", "POS-5890")
    with pytest.raises(ValueError, match="timeout"):
        open_printer("tcp://printer?timeout=abc", "POS-5890")
    with pytest.raises(ValueError, match="bad port"):
        open_printer("tcp://printer:abc", "POS-5890")
    with pytest.raises(ValueError, match="VID:PID"):
        open_printer("usb://epson", "POS-5890")


def test_a_new_kind_is_one_registration(tmp_path):
    from printers._escpos import Dummy

    seen = []

    @register("memo")
    def open_memo(uri, kwargs):
        seen.append(uri.host)
        return Dummy(**kwargs)

    try:
        assert print_ticket("memo://front-desk", "POS-5890", ticket()) > 0
        assert seen == ["front-desk"]
    finally:
        BACKENDS.pop("memo")


def test_usb_uri_parsing_and_not_found_message():
    require_module("usb.core", "usb:// printers")
    p = open_printer("usb://04b8:0e15?out_ep=0x03&timeout=2", "TM-T20II")
    assert p.usb_args == {"idVendor": 0x04B8, "idProduct": 0x0E15}
    assert (p.out_ep, p.in_ep, p.timeout) == (0x03, 0x82, 2000)
    with mock.patch("usb.core.find", return_value=None) as find:
        with pytest.raises(PrinterOffline, match=r"usb://04b8:0e15 is not reachable.*(not found|cable)"):
            print_ticket("usb://04b8:0e15", "TM-T20II", ticket())
    find.assert_called_with(idVendor=0x04B8, idProduct=0x0E15)


def test_usb_writes_to_the_out_endpoint_after_status():
    require_module("usb.core", "usb:// printers")
    device = mock.MagicMock()
    device.read.side_effect = [b"\x12", b"\x12"]  # online, paper ok
    with mock.patch("usb.core.find", return_value=device), mock.patch("usb.util.dispose_resources"):
        sent = print_ticket("usb://04b8:0e15", "TM-T20II", ticket())
    writes = [c.args for c in device.write.call_args_list]
    assert writes[0][:2] == (0x01, b"\x10\x04\x01") and writes[1][:2] == (0x01, b"\x10\x04\x04")
    assert len(writes[2][1]) == sent and b"B-012" in writes[2][1]


def test_serial_over_a_pty():
    require_module("serial", "serial:// printers")
    master, slave = os.openpty()
    name = os.ttyname(slave)
    received = bytearray()
    done = threading.Event()

    def drain():
        while not done.is_set():
            r, _, _ = select.select([master], [], [], 0.05)
            if r:
                try:
                    received.extend(os.read(master, 65536))
                except OSError:
                    return

    t = threading.Thread(target=drain, daemon=True)
    t.start()
    try:
        sent = print_ticket(f"serial://{name}?baud=19200", "POS-5890", ticket())
        deadline = time.monotonic() + 3
        while len(received) < sent and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        done.set()
        t.join(1)
        os.close(slave)
        os.close(master)
    assert len(received) == sent and b"B-012" in received
    assert decode_qr(raster_images(bytes(received))[0]) == [URL]


def test_serial_missing_device_is_offline():
    require_module("serial", "serial:// printers")
    with pytest.raises(PrinterOffline, match="not reachable"):
        print_ticket("serial:///dev/ttyNOPE0", "POS-5890", ticket())


def test_cups_without_pycups_is_a_clear_error(monkeypatch):
    import escpos.printer.cups as escpos_cups

    from printers._escpos import CupsPrinter

    # whether or not pycups is installed here, the machine this checks is one without it (never a skip)
    monkeypatch.setattr(escpos_cups, "_DEP_PYCUPS", False)
    assert not CupsPrinter.is_usable()
    with pytest.raises(PrinterError, match="pycups"):
        print_ticket("cups://TM-T20II", "TM-T20II", ticket())


def test_parse_uri():
    u = parse_uri("TCP://Printer.local:9101?timeout=1.5")
    assert (u.scheme, u.host, u.port, u.float_param("timeout", 3)) == ("tcp", "printer.local", 9101, 1.5)
