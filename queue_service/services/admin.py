"""Administration use cases: offices, services, counters, users and devices.

Pure: a session in, rows out, never commits, never imports Flask. Every rule that needs the
database (uniqueness, the priority letter, the fallback service, who may hold which role) is
checked here and raised as :class:`ValidationFailed` naming the ``field`` it belongs to, so a
form can show the message next to that field. Messages are Indonesian source strings marked
with ``N_`` (extracted by Babel); the web layer translates ``details["msgid"]`` with
``details["params"]``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time
from typing import Callable, Iterable
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from queue_service.domain.errors import ValidationFailed
from queue_service.domain.priority import parse_policy
from queue_service.domain.text import has_control_characters
from queue_service.models import ApiToken, Counter, Device, Office, Service, User
from queue_service.services.security import hash_password
from queue_service.services.staff import (
    MIN_PASSWORD,
    ROLES,
    USERNAME_RE,
    create_api_token,
    create_device,
    rotate_device_token,
)

__all__ = [
    "TIMEZONES", "PrinterCheck", "OfficeData", "ServiceData", "CounterData", "UserData", "DeviceData",
    "save_office", "save_service", "save_counter", "save_user", "set_password", "save_device", "issue_device",
    "rotate_device", "revoke_device", "issue_api_token", "revoke_api_token", "pairing_path", "N_",
    "OFFICE_CODE_RE", "SERVICE_CODE_RE", "PREFIX_RE",
]


def N_(message: str) -> str:
    """Mark an Indonesian source string for extraction; translated by the web layer."""
    return message


#: the three Indonesian time zones an office may be in
TIMEZONES = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}
#: ``check(uri, profile)`` raising ValidationFailed(field="printer_uri"/"printer_profile"): registered by the
#: printers feature (its back-end registry decides which URIs the server may open); None = no printing here
PrinterCheck = Callable[[str | None, str | None], None]
SORT_ORDER_RANGE = (-100000, 100000)

OFFICE_CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,15}$")
SERVICE_CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,31}$")
PREFIX_RE = re.compile(r"^[A-Z]{1,2}$")
PROFILE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._ -]{0,39}$")


def invalid(field: str, msgid: str, **params) -> ValidationFailed:
    return ValidationFailed(msgid % params if params else msgid, field=field, msgid=msgid, params=params)


def _clean(text: str | None) -> str:
    return (text or "").strip()


CONTROL_MESSAGE = N_("Tidak boleh berisi karakter kontrol (baris baru, tab, ESC dan sejenisnya).")


def _plain(field: str, text: str | None, *, multiline: bool = False) -> str:
    """``text`` stripped; refused when it holds control characters (it reaches tickets, screens, logs).
    A multi-line text keeps its line feeds (a browser's CR LF becomes LF)."""
    value = _clean(text)
    if multiline:
        value = value.replace("\r\n", "\n")
    if has_control_characters(value, multiline=multiline):
        raise invalid(field, CONTROL_MESSAGE)
    return value


# --------------------------------------------------------------------------- offices


@dataclass
class OfficeData:
    code: str
    name: str
    timezone: str
    opens_at: time
    closes_at: time
    open_days: Iterable[int]
    priority_prefix: str | None = None
    info_text: str = ""
    ticket_footer: str = ""


def save_office(session: Session, office: Office | None, data: OfficeData) -> Office:
    """Create (``office`` None) or update an office. The code of an existing office never changes
    (it is in the display and kiosk URLs)."""
    code = _clean(data.code).upper()
    if office is None:
        if not OFFICE_CODE_RE.match(code):
            raise invalid("code", N_("Kode kantor 2–16 karakter: huruf besar, angka, tanda hubung atau garis bawah."))
        if session.scalar(select(Office.id).where(Office.code == code)) is not None:
            raise invalid("code", N_("Kode kantor %(code)s sudah dipakai."), code=code)
    name = _plain("name", data.name)
    if not name:
        raise invalid("name", N_("Nama kantor wajib diisi."))
    info_text = _plain("info_text", data.info_text, multiline=True)
    ticket_footer = _plain("ticket_footer", data.ticket_footer)
    if data.timezone not in TIMEZONES and (office is None or data.timezone != office.timezone):
        raise invalid("timezone", N_("Pilih zona waktu WIB, WITA atau WIT."))
    try:
        ZoneInfo(data.timezone)
    except Exception:
        raise invalid("timezone", N_("Pilih zona waktu WIB, WITA atau WIT.")) from None
    if data.opens_at is None or data.closes_at is None or data.opens_at >= data.closes_at:
        raise invalid("closes_at", N_("Jam tutup harus setelah jam buka."))
    days = sorted({int(d) for d in data.open_days})
    if not days or any(d < 1 or d > 7 for d in days):
        raise invalid("open_days", N_("Pilih paling sedikit satu hari buka."))
    prefix = _clean(data.priority_prefix).upper() or None
    if prefix is not None:
        if not PREFIX_RE.match(prefix):
            raise invalid("priority_prefix", N_("Huruf seri prioritas: 1–2 huruf besar (A–Z), atau kosong."))
        if office is not None:
            clash = session.scalar(select(Service.code).where(Service.office_id == office.id,
                                                              Service.prefix == prefix))
            if clash is not None:
                raise invalid("priority_prefix", N_("Huruf %(prefix)s sudah dipakai layanan %(service)s."),
                              prefix=prefix, service=clash)
    if office is None:
        office = Office(code=code)
        session.add(office)
    office.name = name[:120]
    office.timezone = data.timezone
    office.opens_at, office.closes_at = data.opens_at, data.closes_at
    office.open_days = "".join(str(d) for d in days)
    office.priority_prefix = prefix
    office.info_text = info_text
    office.ticket_footer = ticket_footer[:200]
    session.flush()
    return office


# --------------------------------------------------------------------------- services


@dataclass
class ServiceData:
    code: str
    prefix: str
    name_id: str
    name_en: str
    daily_quota: int | None = None
    priority_policy: str = "strict"
    active: bool = True
    fallback_service_id: int | None = None
    sort_order: int = 0


def save_service(session: Session, office: Office, service: Service | None, data: ServiceData) -> Service:
    code = _clean(data.code).upper()
    if not SERVICE_CODE_RE.match(code):
        raise invalid("code", N_("Kode layanan 1–32 karakter: huruf besar, angka, tanda hubung atau garis bawah."))
    other = select(Service).where(Service.office_id == office.id)
    if service is not None:
        other = other.where(Service.id != service.id)
    if session.scalar(other.where(Service.code == code)) is not None:
        raise invalid("code", N_("Kode layanan %(code)s sudah ada di kantor ini."), code=code)
    prefix = _clean(data.prefix).upper()
    if not PREFIX_RE.match(prefix):
        raise invalid("prefix", N_("Awalan nomor: 1–2 huruf besar (A–Z)."))
    if office.priority_prefix and prefix == office.priority_prefix:
        raise invalid("prefix", N_("Huruf %(prefix)s adalah seri prioritas kantor ini."), prefix=prefix)
    clash = session.scalar(other.where(Service.prefix == prefix))
    if clash is not None:
        raise invalid("prefix", N_("Awalan %(prefix)s sudah dipakai layanan %(service)s."),
                      prefix=prefix, service=clash.code)
    name_id, name_en = _plain("name_id", data.name_id), _plain("name_en", data.name_en)
    if not name_id:
        raise invalid("name_id", N_("Nama layanan (Indonesia) wajib diisi."))
    if data.daily_quota is not None and not (1 <= data.daily_quota <= 100000):
        raise invalid("daily_quota", N_("Kuota harian antara 1 dan 100000, atau kosong untuk tanpa kuota."))
    try:
        policy = str(parse_policy(data.priority_policy))
    except ValueError:
        raise invalid("priority_policy",
                      N_("Kebijakan prioritas: strict, fifo atau interleave:N (N paling sedikit 1).")) from None
    sort_order = data.sort_order or 0
    if not SORT_ORDER_RANGE[0] <= sort_order <= SORT_ORDER_RANGE[1]:
        raise invalid("sort_order", N_("Urutan tampil antara %(low)s dan %(high)s."), low=SORT_ORDER_RANGE[0],
                      high=SORT_ORDER_RANGE[1])
    fallback = None
    if data.fallback_service_id is not None:
        fallback = session.get(Service, data.fallback_service_id)
        if fallback is None or fallback.office_id != office.id:
            raise invalid("fallback_service_id", N_("Layanan cadangan harus layanan kantor yang sama."))
        if service is not None and fallback.id == service.id:
            raise invalid("fallback_service_id", N_("Layanan tidak bisa menjadi cadangan bagi dirinya sendiri."))
    if service is None:
        service = Service(office_id=office.id)
        service.office = office
        session.add(service)
    service.code, service.prefix = code, prefix
    service.name_id, service.name_en = name_id[:120], (name_en or name_id)[:120]
    service.daily_quota = data.daily_quota
    service.priority_policy = policy
    service.active = bool(data.active)
    service.fallback_service_id = fallback.id if fallback is not None else None
    service.sort_order = int(sort_order)
    session.flush()
    return service


# --------------------------------------------------------------------------- counters


@dataclass
class CounterData:
    number: int
    name: str
    active: bool = True
    service_ids: Iterable[int] = ()


def save_counter(session: Session, office: Office, counter: Counter | None, data: CounterData) -> Counter:
    if data.number is None or not (1 <= data.number <= 999):
        raise invalid("number", N_("Nomor loket antara 1 dan 999."))
    other = select(Counter.id).where(Counter.office_id == office.id, Counter.number == data.number)
    if counter is not None:
        other = other.where(Counter.id != counter.id)
    if session.scalar(other) is not None:
        raise invalid("number", N_("Loket nomor %(number)s sudah ada di kantor ini."), number=data.number)
    name = _plain("name", data.name)
    ids = {int(i) for i in data.service_ids}
    services = list(session.scalars(select(Service).where(Service.id.in_(ids or {-1}),
                                                          Service.office_id == office.id)))
    if len(services) != len(ids):
        raise invalid("services", N_("Pilih layanan dari kantor ini saja."))
    if counter is None:
        counter = Counter(office_id=office.id)
        counter.office = office
        session.add(counter)
    counter.number = data.number
    counter.name = name[:60] or f"Loket {data.number}"
    counter.active = bool(data.active)
    counter.services = sorted(services, key=lambda s: s.id)
    session.flush()
    return counter


# --------------------------------------------------------------------------- users


@dataclass
class UserData:
    username: str
    full_name: str
    role: str
    office_ids: Iterable[int]
    active: bool = True
    password: str | None = None  # required for a new user


def _check_password(password: str | None) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise invalid("password", N_("Kata sandi paling sedikit %(n)s karakter."), n=MIN_PASSWORD)


def save_user(session: Session, user: User | None, data: UserData, *, actor: User,
              allowed_office_ids: set[int] | None) -> User:
    """Create or update a user. ``allowed_office_ids`` None = the actor is an admin (any office, any
    role); otherwise the actor may only give offices from that set and only the clerk/manager roles.
    Offices of the user outside the actor's set are kept as they are."""
    username = _clean(data.username).lower()
    if user is None or username != user.username:
        if not USERNAME_RE.match(username):
            raise invalid("username", N_("Nama pengguna 2–60 karakter: huruf kecil, angka, titik, "
                                         "tanda hubung atau garis bawah."))
        taken = select(User.id).where(func.lower(User.username) == username)
        if user is not None:
            taken = taken.where(User.id != user.id)
        if session.scalar(taken) is not None:
            raise invalid("username", N_("Nama pengguna %(username)s sudah dipakai."), username=username)
    full_name = _plain("full_name", data.full_name)
    if data.role not in ROLES:
        raise invalid("role", N_("Pilih peran yang tersedia."))
    if allowed_office_ids is not None and data.role == "admin":
        raise invalid("role", N_("Hanya admin yang dapat membuat admin."))
    if user is not None and user.id == actor.id:
        if data.role != user.role:
            raise invalid("role", N_("Anda tidak dapat mengubah peran Anda sendiri."))
        if not data.active:
            raise invalid("active", N_("Anda tidak dapat menonaktifkan akun Anda sendiri."))
    ids = {int(i) for i in data.office_ids}
    if allowed_office_ids is not None and not ids <= allowed_office_ids:
        raise invalid("offices", N_("Pilih kantor yang Anda kelola saja."))
    chosen = list(session.scalars(select(Office).where(Office.id.in_(ids or {-1}))))
    if len(chosen) != len(ids):
        raise invalid("offices", N_("Kantor tidak ditemukan."))
    kept = []
    if user is not None and allowed_office_ids is not None:
        kept = [o for o in user.offices if o.id not in allowed_office_ids]
    offices = sorted({o.id: o for o in [*chosen, *kept]}.values(), key=lambda o: o.id)
    if data.role != "admin" and not offices:
        raise invalid("offices", N_("Petugas atau manajer harus punya paling sedikit satu kantor."))
    if user is None:
        _check_password(data.password)
        user = User(username=username, password_hash=hash_password(data.password))
        session.add(user)
    elif data.password:
        _check_password(data.password)
        user.password_hash = hash_password(data.password)
        user.end_sessions()  # a new password ends every session (a cookie copied before it included)
    if user.id is not None and user.active and not data.active:
        user.end_sessions()  # deactivated: signed out everywhere at once
    user.username = username
    user.full_name = full_name[:120]
    user.role = data.role
    user.active = bool(data.active)
    user.offices = offices
    session.flush()
    return user


def set_password(session: Session, user: User, password: str) -> None:
    """A new password ends every session of the user (the view signs its own person in again when they
    changed their own)."""
    _check_password(password)
    user.password_hash = hash_password(password)
    user.end_sessions()
    session.flush()


def issue_api_token(session: Session, user: User, *, name: str, now: datetime) -> tuple[ApiToken, str]:
    name = _plain("name", name)
    if not name:
        raise invalid("name", N_("Beri nama token, misalnya \"tombol panggil loket 3\"."))
    return create_api_token(session, user=user, now=now, name=name[:60])


def revoke_api_token(session: Session, token: ApiToken, *, now: datetime) -> None:
    if token.revoked_at is None:
        token.revoked_at = now
    session.flush()


# --------------------------------------------------------------------------- devices


@dataclass
class DeviceData:
    name: str
    printer_uri: str | None = None
    printer_profile: str | None = None
    filter_services: Iterable[str] = ()
    filter_counters: Iterable[int] = ()


def _device_fields(session: Session, office: Office, kind: str, data: DeviceData, *, current: Device | None,
                   may_set_printer: bool, printer_check: PrinterCheck | None) -> dict:
    """The device's stored fields from ``data``. Where a kiosk prints is a server capability (the server
    opens that URI): only an admin (``may_set_printer``) sets or changes it, and ``printer_check`` (the
    printer registry, under the operator's settings) decides whether the server may open it."""
    name = _plain("name", data.name)
    if not name:
        raise invalid("name", N_("Nama perangkat wajib diisi."))
    out: dict = {"name": name[:60], "printer_uri": None, "printer_profile": None,
                 "filter_services": "", "filter_counters": ""}
    if kind == "kiosk":
        uri = _clean(data.printer_uri) or None
        profile = _clean(data.printer_profile) or None
        now_uri = current.printer_uri if current is not None else None
        now_profile = current.printer_profile if current is not None else None
        if not may_set_printer:
            if (uri, profile) != (now_uri, now_profile):
                field_name = "printer_uri" if uri != now_uri else "printer_profile"
                raise invalid(field_name, N_("Hanya admin yang dapat mengatur printer kios: server sendiri yang "
                                             "membuka alamat printer itu."))
        elif (uri, profile) != (now_uri, now_profile) and (uri is not None or profile is not None):
            if profile is not None and not PROFILE_RE.match(profile):
                raise invalid("printer_profile", N_("Profil printer: huruf, angka, titik, tanda hubung; "
                                                    "paling banyak 40 karakter."))
            if printer_check is None:
                raise invalid("printer_uri", N_("Pencetakan tiket tidak tersedia di server ini."))
            printer_check(uri, profile)
        out.update(printer_uri=uri, printer_profile=profile)
    else:
        codes = {c.code for c in office.services}
        numbers = {c.number for c in office.counters}
        chosen_services = [c for c in data.filter_services if c]
        if not set(chosen_services) <= codes:
            raise invalid("filter_services", N_("Pilih layanan dari kantor ini saja."))
        chosen_counters = [int(n) for n in data.filter_counters]
        if not set(chosen_counters) <= numbers:
            raise invalid("filter_counters", N_("Pilih loket dari kantor ini saja."))
        out.update(filter_services=",".join(sorted(set(chosen_services))),
                   filter_counters=",".join(str(n) for n in sorted(set(chosen_counters))))
    if len(out["filter_services"]) > 200 or len(out["filter_counters"]) > 200:
        raise invalid("filter_services", N_("Terlalu banyak pilihan."))
    return out


def issue_device(session: Session, office: Office, kind: str, data: DeviceData, *, now: datetime,
                 may_set_printer: bool = False, printer_check: PrinterCheck | None = None) -> tuple[Device, str]:
    if kind not in ("kiosk", "display"):
        raise invalid("kind", N_("Pilih kios atau layar tampilan."))
    fields = _device_fields(session, office, kind, data, current=None, may_set_printer=may_set_printer,
                            printer_check=printer_check)
    device, token = create_device(session, office=office, kind=kind, name=fields["name"], now=now,
                                  printer_uri=fields["printer_uri"], printer_profile=fields["printer_profile"])
    device.filter_services, device.filter_counters = fields["filter_services"], fields["filter_counters"]
    session.flush()
    return device, token


def save_device(session: Session, device: Device, data: DeviceData, *, may_set_printer: bool = False,
                printer_check: PrinterCheck | None = None) -> Device:
    fields = _device_fields(session, device.office, device.kind, data, current=device,
                            may_set_printer=may_set_printer, printer_check=printer_check)
    for key, value in fields.items():
        setattr(device, key, value)
    session.flush()
    return device


def rotate_device(session: Session, device: Device) -> str:
    token = rotate_device_token(session, device)
    session.flush()
    return token


def revoke_device(session: Session, device: Device, *, now: datetime) -> None:
    if device.revoked_at is None:
        device.revoked_at = now
    session.flush()


def pairing_path(device: Device, token: str) -> str:
    """Path (without host) a kiosk or display opens once to pair with ``token``."""
    from urllib.parse import quote

    if device.kind == "kiosk":
        return f"/kiosk/pair?token={quote(token, safe='')}"
    return f"/display/{quote(device.office.code, safe='')}/pair?token={quote(token, safe='')}"
