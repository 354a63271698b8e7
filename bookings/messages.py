"""Messages to citizens (booking confirmed, reminder the day before, about N people ahead, called ...):
editable Indonesian texts with placeholders, and the signed JSON webhook that carries them to the
office's WhatsApp gateway or SMS provider. Pure: no Flask, no SQLAlchemy, no network.

**Texts.** Each kind has a default Indonesian text; an office may replace it. Placeholders are
``{name}`` from the kind's own list (``{{`` and ``}}`` for literal braces); nothing else is
evaluated (no attribute or index access as ``str.format`` would allow), so a text typed by a manager
can only ever insert the values offered.

**Webhook.** One POST per message, ``Content-Type: application/json``, body = :func:`payload` as
compact UTF-8 JSON, with the headers

* ``X-Adminduk-Event``: the kind (``booking.reminder``);
* ``X-Adminduk-Delivery``: the message's id (the same on every retry: receivers drop repeats);
* ``X-Adminduk-Timestamp``: Unix seconds when this attempt was signed;
* ``X-Adminduk-Signature``: ``sha256=`` + hex HMAC-SHA256 with the office's webhook secret over
  ``timestamp + "." + body`` (the timestamp is signed too, so a captured request cannot be replayed
  later; receivers reject timestamps older than a few minutes: :func:`verify`).

**Retries** follow the stock alerts' webhook (30 s, 1, 2, 4 ... minutes, at most one hour apart), but a
message also expires: "you are called" is no use an hour later (:data:`TTL`, :func:`next_attempt`).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from datetime import datetime, timedelta

from queue_service.domain.clock import as_utc

MAX_TEXT = 600
MAX_ATTEMPTS = 8
SIGNATURE_TOLERANCE_S = 300

CONFIRMED = "confirmed"
REMINDER = "reminder"
MOVED = "moved"
CANCELLED = "cancelled"
RELEASED = "released"
NEAR = "near"
CALLED = "called"
LEAVE = "leave"
KINDS = (CONFIRMED, REMINDER, MOVED, CANCELLED, RELEASED, NEAR, CALLED, LEAVE)

_BOOKING = ("kode", "layanan", "kantor", "tanggal", "jam", "checkin", "tautan")
_TICKET = ("nomor", "layanan", "kantor", "orang", "menit", "loket", "tautan")

#: placeholders each kind may use
PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    CONFIRMED: _BOOKING,
    REMINDER: _BOOKING,
    MOVED: _BOOKING,
    CANCELLED: _BOOKING,
    RELEASED: _BOOKING + ("batas",),
    NEAR: _TICKET,
    CALLED: _TICKET,
    LEAVE: _TICKET,
}

#: what each placeholder stands for (shown beside the editor on the manager's page)
PLACEHOLDER_HELP = {
    "kode": "kode booking (K7QM-3XDP)",
    "layanan": "nama layanan",
    "kantor": "nama kantor",
    "tanggal": "tanggal booking (Kamis, 11 Juni 2026)",
    "jam": "jam slot (09.00–10.00)",
    "checkin": "jendela check-in (08.30–09.15)",
    "tautan": "alamat halaman booking/tiket",
    "batas": "batas akhir check-in",
    "nomor": "nomor antrean (B-041)",
    "orang": "jumlah orang di depan",
    "menit": "perkiraan menit menunggu",
    "loket": "nomor loket",
}

DEFAULT_TEXTS: dict[str, str] = {
    CONFIRMED: ("Booking {kode} diterima: {layanan} di {kantor}, {tanggal} pukul {jam}. "
                "Check-in di kios {checkin} dengan kode QR atau kode booking. Ubah/batal: {tautan}"),
    REMINDER: ("Pengingat: besok {tanggal} pukul {jam}, {layanan} di {kantor}. Kode booking {kode}, "
               "check-in {checkin}. Tidak jadi datang? Batalkan: {tautan}"),
    MOVED: "Booking {kode} dipindah ke {tanggal} pukul {jam} ({layanan}, {kantor}). {tautan}",
    CANCELLED: "Booking {kode} untuk {tanggal} pukul {jam} sudah dibatalkan.",
    RELEASED: ("Booking {kode} ({tanggal} pukul {jam}) dilepas karena tidak check-in sampai {batas}. "
               "Silakan buat booking baru: {tautan}"),
    NEAR: "Nomor {nomor}: sekitar {orang} orang lagi sebelum giliran Anda di {kantor}. {tautan}",
    CALLED: "Nomor {nomor} dipanggil: silakan menuju loket {loket}.",
    LEAVE: ("Nomor {nomor}: saatnya berangkat ke {kantor}, sekitar {orang} orang lagi "
            "(perkiraan {menit} menit). {tautan}"),
}

#: how long after it is queued a message is still worth sending (None: until the booking's slot)
TTL: dict[str, timedelta | None] = {
    CONFIRMED: None,
    REMINDER: None,
    MOVED: None,
    CANCELLED: timedelta(hours=12),
    RELEASED: timedelta(hours=12),
    NEAR: timedelta(minutes=30),
    CALLED: timedelta(minutes=10),
    LEAVE: timedelta(minutes=20),
}

_FIELD = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


class TemplateError(ValueError):
    pass


def _fields(text: str) -> list[str]:
    out = []
    for m in _FIELD.finditer(text):
        tok = m.group(0)
        if tok in ("{{", "}}"):
            continue
        if m.group(1) is None:
            raise TemplateError("a lone { or } - write {{ or }} for a brace")
        out.append(m.group(1))
    return out


def validate_text(kind: str, text: str) -> list[str]:
    """What is wrong with an office's text for ``kind`` (empty list when nothing)."""
    if kind not in PLACEHOLDERS:
        return [f"unknown message kind {kind!r}"]
    problems = []
    if not (text or "").strip():
        problems.append("the text is empty")
    if len(text or "") > MAX_TEXT:
        problems.append(f"the text is longer than {MAX_TEXT} characters")
    try:
        names = _fields(text or "")
    except TemplateError as exc:
        return problems + [str(exc)]
    allowed = PLACEHOLDERS[kind]
    for name in names:
        if name not in allowed:
            problems.append(f"{{{name}}} is not a placeholder of this message (use: "
                            + ", ".join("{" + a + "}" for a in allowed) + ")")
    return problems


def render(kind: str, values: Mapping[str, object], text: str | None = None) -> str:
    """The message for ``kind`` with ``values`` filled in (the office's ``text`` or the default).
    A placeholder without a value becomes empty; an invalid text raises :class:`TemplateError`."""
    text = DEFAULT_TEXTS[kind] if text is None else text
    problems = validate_text(kind, text)
    if problems:
        raise TemplateError("; ".join(problems))

    def sub(m: re.Match) -> str:
        tok = m.group(0)
        if tok == "{{":
            return "{"
        if tok == "}}":
            return "}"
        value = values.get(m.group(1))
        return "" if value is None else str(value)

    return re.sub(r"\s{2,}", " ", _FIELD.sub(sub, text)).strip()


# --------------------------------------------------------------------------- webhook

def payload(*, kind: str, delivery_id: str, office: str, to: str, text: str, data: Mapping) -> dict:
    """What the gateway receives. ``to`` is the citizen's phone (E.164); ``data`` the booking's or
    ticket's public facts (code, service, date, slot, counter, page address) - never a name or NIK."""
    if kind not in KINDS:
        raise ValueError(f"unknown message kind {kind!r}")
    return {"event": f"booking.{kind}", "id": delivery_id, "office": office, "to": to, "text": text,
            "data": dict(data)}


def body_bytes(body: Mapping) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


def sign(secret: str | bytes, timestamp: int, body: bytes) -> str:
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    mac = hmac.new(key, str(int(timestamp)).encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def headers(*, secret: str | bytes, kind: str, delivery_id: str, body: bytes, now: datetime) -> dict[str, str]:
    ts = int(as_utc(now).timestamp())
    return {"Content-Type": "application/json", "User-Agent": "adminduk-queue bookings",
            "X-Adminduk-Event": f"booking.{kind}", "X-Adminduk-Delivery": delivery_id,
            "X-Adminduk-Timestamp": str(ts), "X-Adminduk-Signature": sign(secret, ts, body)}


def verify(*, secret: str | bytes, body: bytes, timestamp: str, signature: str, now: datetime,
           tolerance_s: int = SIGNATURE_TOLERANCE_S) -> bool:
    """What a receiver checks: the signature matches and the timestamp is recent."""
    try:
        ts = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs(as_utc(now).timestamp() - ts) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, ts, body), signature or "")


def backoff(attempts: int) -> timedelta:
    """30 s, 1, 2, 4 ... minutes, at most one hour (as the stock alerts' webhook)."""
    return timedelta(seconds=min(30 * 2 ** max(0, attempts - 1), 3600))


def expires_at(kind: str, *, queued_at: datetime, slot_start: datetime | None = None) -> datetime:
    """Until when a message of ``kind`` queued at ``queued_at`` is worth sending."""
    ttl = TTL[kind]
    if ttl is None:
        if slot_start is None:
            return as_utc(queued_at) + timedelta(days=1)
        return as_utc(slot_start)
    return as_utc(queued_at) + ttl


def next_attempt(*, attempts: int, now: datetime, expires: datetime,
                 max_attempts: int = MAX_ATTEMPTS) -> datetime | None:
    """After ``attempts`` failed tries: when to try again, or None to give up (too many tries, or
    the next try would come after the message expired)."""
    if attempts >= max_attempts:
        return None
    at = as_utc(now) + backoff(attempts)
    return at if at <= as_utc(expires) else None


# --------------------------------------------------------------------------- values of a booking's texts

def _clock(moment: datetime, locale: str) -> str:
    from babel.dates import format_time

    return format_time(moment, "HH.mm" if locale.startswith("id") else "HH:mm", locale=locale)


def booking_values(*, code: str, service: str, office: str, slot_start: datetime, slot_end: datetime,
                   checkin_opens: datetime, checkin_closes: datetime, url: str, tz_name: str,
                   locale: str = "id") -> dict[str, str]:
    """The placeholders of a booking message, dates and times in the office's zone and ``locale``
    (``Kamis, 11 Juni 2026``, ``09.00–10.00``)."""
    from babel.dates import format_date

    from queue_service.domain.clock import local_time, zone_abbreviation

    start, end = local_time(slot_start, tz_name), local_time(slot_end, tz_name)
    opens, closes = local_time(checkin_opens, tz_name), local_time(checkin_closes, tz_name)
    abbr = zone_abbreviation(tz_name)
    return {
        "kode": code, "layanan": service, "kantor": office,
        "tanggal": format_date(start.date(), "full", locale=locale),
        "jam": f"{_clock(start, locale)}–{_clock(end, locale)} {abbr}",
        "checkin": f"{_clock(opens, locale)}–{_clock(closes, locale)}",
        "batas": f"{_clock(closes, locale)} {abbr}",
        "tautan": url,
    }
