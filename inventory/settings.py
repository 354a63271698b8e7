"""The manager's stock settings, as rules: per item its replenishment lead time, reorder-point service level,
package capacity (ribbon, film) and whether it is in use; per service what finishing one of its tickets
consumes (``ServiceConsumption``) and whether its daily quota follows that item's stock.

The rules are read by :func:`inventory.quota.stock_quota_cap` and :func:`inventory.quota.finish_hook`
whenever they run, so a change takes effect with the next ticket. :func:`save_item_settings` and
:func:`save_rule` take a session, never Flask, never commit, and raise :class:`ValidationFailed` naming the
field; the pages (``inventory.settings_pages``) show that message next to the field (422) after rolling
back, so nothing is half-saved.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from inventory.ledger import MAX_QUANTITY
from inventory.models import ServiceConsumption, StockItem, StockLevel
from queue_service.domain.errors import ValidationFailed
from queue_service.models import Office, Service

LEAD_DAYS = (1, 180)
SERVICE_LEVEL = (Decimal("50"), Decimal("99.9"))  # percent
MAX_CAPACITY = 100_000
MAX_PER_CARD = 100
PACKAGE_KINDS = ("ribbon", "film")  # items whose ledger unit is "cards' worth" of a package


def N_(message: str) -> str:
    """Mark an Indonesian source string for extraction; translated by the view (``msgid``)."""
    return message


#: the messages below reach people through ``_(msgid, **params)``; listed for the catalog extraction
MESSAGES = (
    _l("Isi bilangan bulat %(low)s sampai %(high)s."), _l("Isi persen antara %(low)s dan %(high)s."),
    _l("Isi kapasitas 1 sampai %(high)s kartu per kemasan."),
    _l("Kapasitas hanya untuk pita dan film; kosongkan."),
    _l("Barang ini masih dipakai aturan pemakaian layanan %(services)s; hapus aturannya dulu."),
    _l("Pilih layanan kantor ini."), _l("Pilih barang yang aktif di kantor ini."),
    _l("Isi bilangan bulat 0 sampai %(high)s."), _l("Isi dengan bilangan bulat."), _l("Wajib diisi."),
)


def _invalid(field: str, msgid: str, **params) -> ValidationFailed:
    return ValidationFailed(msgid % params if params else msgid, field=field, msgid=msgid, params=params)


def _whole(value, field: str, low: int, high: int, msgid: str = N_("Isi bilangan bulat %(low)s sampai %(high)s.")
           ) -> int:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise _invalid(field, N_("Wajib diisi."))
    if isinstance(value, bool):
        raise _invalid(field, N_("Isi dengan bilangan bulat."))
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise _invalid(field, N_("Isi dengan bilangan bulat.")) from None
    if not isinstance(value, int):
        raise _invalid(field, N_("Isi dengan bilangan bulat."))
    if not low <= value <= high:
        raise _invalid(field, msgid, low=low, high=high)
    return value


def parse_percent(value) -> float:
    """A service level typed as a percent ("95", "97,5" or "97.5") -> the fraction (0.975); 50..99.9 %."""
    low, high = SERVICE_LEVEL
    msgid = N_("Isi persen antara %(low)s dan %(high)s.")
    params = {"low": "50", "high": "99,9"}
    if value is None or isinstance(value, bool):
        raise _invalid("service_level", N_("Wajib diisi."))
    text = str(value).strip().removesuffix("%").strip().replace(",", ".")
    if not text:
        raise _invalid("service_level", N_("Wajib diisi."))
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise _invalid("service_level", msgid, **params) from None
    if not number.is_finite() or not low <= number <= high:
        raise _invalid("service_level", msgid, **params)
    return float(number / 100)


def percent_text(fraction: float | None) -> str:
    """0.95 -> "95", 0.975 -> "97,5" (how the form shows it)."""
    if fraction is None:
        return ""
    text = f"{fraction * 100:.1f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


@dataclass
class ItemSettings:
    lead_days: object
    service_level: object  # percent, as typed
    capacity: object = None
    active: bool = True


def save_item_settings(session: Session, item: StockItem, data: ItemSettings) -> StockItem:
    """Validate everything first, then change ``item``; its stored risk figures are marked stale so the
    next dashboard view (or the stock-risk job) recomputes the reorder point with the new settings."""
    lead_days = _whole(data.lead_days, "lead_days", *LEAD_DAYS)
    service_level = parse_percent(data.service_level)
    capacity = data.capacity
    if isinstance(capacity, str):
        capacity = capacity.strip() or None
    if item.kind in PACKAGE_KINDS:
        capacity = _whole(capacity, "capacity", 1, MAX_CAPACITY,
                          N_("Isi kapasitas 1 sampai %(high)s kartu per kemasan."))
    elif capacity is not None:
        raise _invalid("capacity", N_("Kapasitas hanya untuk pita dan film; kosongkan."))
    active = bool(data.active)
    if not active and item.active:
        users = list(session.scalars(
            select(Service.code).join(ServiceConsumption, ServiceConsumption.service_id == Service.id)
            .where(ServiceConsumption.item_id == item.id).order_by(Service.code)))
        if users:
            raise _invalid("active", N_("Barang ini masih dipakai aturan pemakaian layanan %(services)s; "
                                        "hapus aturannya dulu."), services=", ".join(users))
    item.lead_days, item.service_level, item.capacity, item.active = lead_days, service_level, capacity, active
    session.execute(update(StockLevel).where(StockLevel.item_id == item.id).values(stale=True)
                    .execution_options(synchronize_session=False))
    session.flush()
    return item


@dataclass
class RuleInput:
    service: str  # service code
    item: str  # item code
    per_card: object
    caps_quota: bool = False
    reserve: object = 0


def save_rule(session: Session, office: Office, data: RuleInput) -> tuple[ServiceConsumption, bool]:
    """Add the rule, or update the rule of the same (service, item). Returns (rule, created)."""
    service = session.scalar(select(Service).where(Service.office_id == office.id,
                                                   Service.code == (data.service or "")))
    if service is None:
        raise _invalid("service", N_("Pilih layanan kantor ini."))
    item = session.scalar(select(StockItem).where(StockItem.office_id == office.id,
                                                  StockItem.code == (data.item or ""), StockItem.active))
    if item is None:
        raise _invalid("item", N_("Pilih barang yang aktif di kantor ini."))
    per_card = _whole(data.per_card, "per_card", 1, MAX_PER_CARD)
    empty = data.reserve is None or (isinstance(data.reserve, str) and not data.reserve.strip())
    reserve = 0 if empty else _whole(data.reserve, "reserve", 0, MAX_QUANTITY, N_("Isi bilangan bulat 0 sampai %(high)s."))
    rule = session.scalar(select(ServiceConsumption).where(ServiceConsumption.service_id == service.id,
                                                           ServiceConsumption.item_id == item.id))
    created = rule is None
    if created:
        rule = ServiceConsumption(service_id=service.id, item_id=item.id)
        session.add(rule)
    rule.per_card, rule.caps_quota, rule.reserve = per_card, bool(data.caps_quota), reserve
    session.flush()
    return rule, created


def rules_of(session: Session, office: Office) -> list[ServiceConsumption]:
    return list(session.scalars(
        select(ServiceConsumption).join(Service, Service.id == ServiceConsumption.service_id)
        .join(StockItem, StockItem.id == ServiceConsumption.item_id)
        .where(Service.office_id == office.id)
        .order_by(Service.sort_order, Service.code, StockItem.sort_order, StockItem.id)))


def rule_in_office(session: Session, office: Office, rule_id: int) -> ServiceConsumption | None:
    rule = session.get(ServiceConsumption, rule_id)
    if rule is None or rule.service.office_id != office.id:
        return None
    return rule
