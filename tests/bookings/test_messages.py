"""Message texts with placeholders, and the signed webhook the office's gateway receives."""
from __future__ import annotations

import hashlib
import hmac
import json
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.request import Request, urlopen

import pytest

from bookings import messages as m

UTC = timezone.utc
NOW = datetime(2026, 6, 10, 23, 30, tzinfo=UTC)  # 06:30 WIB on Thursday
SLOT = datetime(2026, 6, 11, 2, 0, tzinfo=UTC)   # 09:00 WIB


def values():
    return m.booking_values(code="K7QM-3XDP", service="Pencetakan KTP-el", office="Disdukcapil Kab. Bekasi",
                            slot_start=SLOT, slot_end=SLOT + timedelta(hours=1),
                            checkin_opens=SLOT - timedelta(minutes=30), checkin_closes=SLOT + timedelta(minutes=15),
                            url="https://antrean.example.go.id/b/tok", tz_name="Asia/Jakarta")


def test_default_texts_are_valid_and_use_only_their_placeholders():
    for kind in m.KINDS:
        assert m.validate_text(kind, m.DEFAULT_TEXTS[kind]) == [], kind
        assert set(m.TTL) == set(m.KINDS) == set(m.PLACEHOLDERS)


def test_reminder_in_indonesian_with_office_time():
    text = m.render(m.REMINDER, values())
    assert text == ("Pengingat: besok Kamis, 11 Juni 2026 pukul 09.00–10.00 WIB, Pencetakan KTP-el di "
                    "Disdukcapil Kab. Bekasi. Kode booking K7QM-3XDP, check-in 08.30–09.15. Tidak jadi datang? "
                    "Batalkan: https://antrean.example.go.id/b/tok")


def test_values_follow_the_office_zone_and_locale():
    v = m.booking_values(code="X", service="S", office="O", slot_start=SLOT, slot_end=SLOT + timedelta(hours=1),
                         checkin_opens=SLOT, checkin_closes=SLOT, url="u", tz_name="Asia/Jayapura", locale="en")
    assert v["tanggal"] == "Thursday, June 11, 2026" and v["jam"] == "11:00–12:00 WIT"


def test_an_office_text_is_rendered_with_literal_braces_and_missing_values_empty():
    text = "Halo {{warga}}: booking {kode} di {kantor} ({loket_tidak_ada_di_sini})"
    assert "loket_tidak_ada_di_sini" in m.validate_text(m.CONFIRMED, text)[0]
    ok = "Halo {{warga}}: booking {kode} pukul {jam}"
    assert m.render(m.CONFIRMED, {"kode": "AB"}, ok) == "Halo {warga}: booking AB pukul"


@pytest.mark.parametrize("text,message", [
    ("", "empty"),
    ("x" * 601, "longer"),
    ("Booking {kode", "lone"),
    ("Booking kode}", "lone"),
    ("{kode.__class__}", "not a placeholder"),
    ("{0}", "not a placeholder"),
    ("{nomor}", "not a placeholder"),  # a ticket's placeholder in a booking message
])
def test_bad_texts_are_explained(text, message):
    problems = m.validate_text(m.CONFIRMED, text)
    assert problems and message in " ".join(problems)
    with pytest.raises(m.TemplateError):
        m.render(m.CONFIRMED, {"kode": "AB"}, text)


def test_nothing_but_the_offered_values_can_be_reached():
    # str.format would evaluate attribute access; the renderer refuses it
    with pytest.raises(m.TemplateError):
        m.render(m.CALLED, {"nomor": "B-041"}, "{nomor.__class__.__mro__}")
    assert m.render(m.CALLED, {"nomor": "B-041", "loket": 3}) == "Nomor B-041 dipanggil: silakan menuju loket 3."


def test_unknown_kind():
    assert m.validate_text("spam", "x") == ["unknown message kind 'spam'"]
    with pytest.raises(ValueError):
        m.payload(kind="spam", delivery_id="1", office="BKS", to="+62", text="", data={})


def test_signature_covers_timestamp_and_body():
    body = m.body_bytes(m.payload(kind=m.CALLED, delivery_id="42", office="BKS", to="+6281234567890",
                                  text="Nomor B-041 dipanggil", data={"ticket": "B-041", "counter": 3}))
    h = m.headers(secret="s3cret", kind=m.CALLED, delivery_id="42", body=body, now=NOW)
    ts = h["X-Adminduk-Timestamp"]
    assert ts == str(int(NOW.timestamp()))
    expected = hmac.new(b"s3cret", ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    assert h["X-Adminduk-Signature"] == "sha256=" + expected
    assert h["X-Adminduk-Event"] == "booking.called" and h["X-Adminduk-Delivery"] == "42"
    ok = dict(secret="s3cret", body=body, timestamp=ts, signature=h["X-Adminduk-Signature"], now=NOW)
    assert m.verify(**ok)
    assert not m.verify(**{**ok, "secret": "other"})
    assert not m.verify(**{**ok, "body": body.replace(b"B-041", b"B-042")})
    assert not m.verify(**{**ok, "timestamp": str(int(ts) + 1)})
    assert not m.verify(**{**ok, "now": NOW + timedelta(minutes=6)})  # a replay later
    assert not m.verify(**{**ok, "timestamp": "soon"})


def test_body_is_compact_utf8_json_with_no_personal_data_but_the_recipient():
    p = m.payload(kind=m.REMINDER, delivery_id="7", office="BKS", to="+6281234567890", text="Pengingat: besok",
                  data={"code": "K7QM-3XDP", "date": "2026-06-11"})
    body = m.body_bytes(p)
    assert json.loads(body) == p
    assert b" " not in body.replace(b"Pengingat: besok", b"")
    assert set(p) == {"event", "id", "office", "to", "text", "data"}


class _Gateway(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        ok = m.verify(secret="gw-secret", body=body, timestamp=self.headers["X-Adminduk-Timestamp"],
                      signature=self.headers["X-Adminduk-Signature"], now=datetime.now(UTC))
        self.received.append((ok, json.loads(body)))
        self.send_response(204 if ok else 401)
        self.end_headers()

    def log_message(self, *a):
        pass


def test_a_real_http_receiver_verifies_what_was_signed():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Gateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/wa"
        for secret, status in (("gw-secret", 204), ("wrong", 401)):
            body = m.body_bytes(m.payload(kind=m.NEAR, delivery_id="9", office="BKS", to="+6281234567890",
                                          text="sekitar 3 orang lagi", data={}))
            req = Request(url, data=body, method="POST",
                          headers=m.headers(secret=secret, kind=m.NEAR, delivery_id="9", body=body,
                                            now=datetime.now(UTC)))
            try:
                with urlopen(req, timeout=5) as resp:
                    got = resp.status
            except Exception as exc:  # urllib raises HTTPError for 401
                got = exc.code
            assert got == status
        assert [ok for ok, _ in _Gateway.received] == [True, False]
        assert _Gateway.received[0][1]["text"] == "sekitar 3 orang lagi"
    finally:
        server.shutdown()


def test_retries_back_off_and_stop_when_the_message_expires():
    assert [m.backoff(n).total_seconds() for n in (1, 2, 3, 4, 8, 20)] == [30, 60, 120, 240, 3600, 3600]
    called_exp = m.expires_at(m.CALLED, queued_at=NOW)
    assert called_exp == NOW + timedelta(minutes=10)
    assert m.next_attempt(attempts=1, now=NOW, expires=called_exp) == NOW + timedelta(seconds=30)
    assert m.next_attempt(attempts=5, now=NOW, expires=called_exp) == NOW + timedelta(minutes=8)
    # nine minutes in, the next try (2 minutes later) would come after "you are called" expired
    assert m.next_attempt(attempts=3, now=NOW + timedelta(minutes=9), expires=called_exp) is None
    assert m.next_attempt(attempts=m.MAX_ATTEMPTS, now=NOW, expires=NOW + timedelta(days=9)) is None
    assert m.expires_at(m.REMINDER, queued_at=NOW, slot_start=SLOT) == SLOT
    assert m.expires_at(m.CONFIRMED, queued_at=NOW) == NOW + timedelta(days=1)
