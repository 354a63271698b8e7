"""The manager's stock settings: per item its replenishment lead time, reorder-point service level,
package capacity (ribbon, film) and whether it is in use; per service what finishing one of its
tickets consumes (``ServiceConsumption``) and whether its daily quota follows that item's stock.

Pages (manager of the office, or admin):

* ``GET /manager/<code>/settings`` — both tables and the add/update form for a consumption rule;
* ``GET|POST /manager/<code>/settings/items/<item_code>`` — one item's settings;
* ``POST /manager/<code>/settings/rules`` — add a rule, or update the rule of the same (service, item);
* ``POST /manager/<code>/settings/rules/<rule_id>/delete`` — delete a rule (configuration, not the ledger).

The rules are read by :func:`inventory.services.stock_quota_cap` and :func:`inventory.services.finish_hook`
whenever they run, so a change takes effect with the next ticket. The checks live in the small functions
:func:`save_item_settings` and :func:`save_rule` (a session in, no Flask, never commit), which raise
:class:`ValidationFailed` naming the field; the views show that message next to the field (422) after
rolling back, so nothing is half-saved.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from wtforms import BooleanField, SelectField, StringField

from inventory import services as inv
from inventory.models import ServiceConsumption, StockItem, StockLevel
from queue_service.domain.errors import ValidationFailed
from queue_service.extensions import db
from queue_service.models import Office, Service
from queue_service.web.access import ensure_office, office_or_404, require
from queue_service.web.forms import WholeNumberField

bp = Blueprint("stock_settings", __name__, url_prefix="/manager")

MANAGER = ("manager",)
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
    reserve = 0 if empty else _whole(data.reserve, "reserve", 0, inv.MAX_QUANTITY, N_("Isi bilangan bulat 0 sampai %(high)s."))
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


# --------------------------------------------------------------------------- forms


class ItemForm(FlaskForm):
    lead_days = WholeNumberField(_l("Waktu tunggu kiriman (hari)"),
                                 description=_l("1–180 hari: dipakai untuk titik pesan ulang bila belum ada "
                                                "kiriman yang ditunggu."))
    service_level = StringField(_l("Tingkat layanan (%)"),
                                description=_l("50–99,9 %: seberapa sering stok harus cukup selama waktu "
                                               "tunggu. Makin tinggi, makin besar titik pesan ulang."))
    capacity = WholeNumberField(_l("Kapasitas (kartu per kemasan)"),
                                description=_l("Hanya pita dan film: berapa kartu satu rol/kemasan."))
    active = BooleanField(_l("Aktif (tampil di halaman stok)"))


class RuleForm(FlaskForm):
    # the choices are checked by save_rule (with a message in the page's language)
    service = SelectField(_l("Layanan"), validate_choice=False)
    item = SelectField(_l("Barang"), validate_choice=False)
    per_card = WholeNumberField(_l("Jumlah per kartu"), default=1,
                                description=_l("Satuan buku stok yang terpakai untuk setiap kartu yang dicetak."))
    caps_quota = BooleanField(_l("Kuota harian layanan mengikuti stok barang ini"))
    reserve = WholeNumberField(_l("Cadangan"), default=0,
                               description=_l("Stok yang disisihkan (kosong = 0): kuota = stok dikurangi cadangan."))


# --------------------------------------------------------------------------- helpers


def _office(code: str) -> Office:
    office = office_or_404(code)
    ensure_office(office)
    return office


def _locale() -> str:
    return str(get_locale() or "id")


def _all_items(office: Office) -> list[StockItem]:
    """Every item of the office, inactive ones too (so they can be switched on again). The standard items
    are created if missing; on a busy SQLite a page that only reads shows what exists instead."""
    query = select(StockItem).where(StockItem.office_id == office.id).order_by(StockItem.sort_order,
                                                                                StockItem.id)
    items = list(db.session.scalars(query))
    if {code for code, *_rest in inv.DEFAULT_ITEMS} - {i.code for i in items}:
        try:
            inv.ensure_items(db.session, office)
            db.session.commit()
        except OperationalError:
            db.session.rollback()
        items = list(db.session.scalars(query))
    return items


def _apply_error(form: FlaskForm, exc: ValidationFailed) -> None:
    msgid = exc.details.get("msgid")
    message = _(msgid, **(exc.details.get("params") or {})) if msgid else exc.message
    name = exc.details.get("field")
    target = form._fields.get(name) if name else None
    if target is None:
        form.form_errors.append(message)
    else:
        target.errors = [*target.errors, message]


def _rule_form(office: Office, items: list[StockItem]) -> RuleForm:
    form = RuleForm()
    services = db.session.scalars(select(Service).where(Service.office_id == office.id)
                                  .order_by(Service.sort_order, Service.code))
    form.service.choices = [(s.code, f"{s.prefix} · {s.name_id}" + ("" if s.active else f" ({_('nonaktif')})"))
                            for s in services]
    form.item.choices = [(i.code, i.name(_locale())) for i in items if i.active]
    return form


def _settings_page(office: Office, form: RuleForm, items: list[StockItem], status: int = 200):
    rules = rules_of(db.session, office)
    return render_template("inventory/settings.html", office=office, items=items, rules=rules, form=form,
                           percent=percent_text), status


# --------------------------------------------------------------------------- pages


@bp.get("/<code>/settings")
@require(roles=MANAGER)
def index(code: str):
    office = _office(code)
    items = _all_items(office)
    form = _rule_form(office, items)
    # "Ubah" on a rule fills the form with it (saving the same service and item updates the rule)
    rule_id = request.args.get("rule", type=int)
    if rule_id and 0 < rule_id <= 2_147_483_647:
        rule = rule_in_office(db.session, office, rule_id)
        if rule is not None:
            form.service.data, form.item.data = rule.service.code, rule.item.code
            form.per_card.data, form.caps_quota.data, form.reserve.data = rule.per_card, rule.caps_quota, \
                rule.reserve
    return _settings_page(office, form, items)


@bp.post("/<code>/settings/rules")
@require(roles=MANAGER)
def rule_save(code: str):
    office = _office(code)
    items = _all_items(office)
    form = _rule_form(office, items)
    if form.validate_on_submit():
        data = RuleInput(service=form.service.data, item=form.item.data, per_card=form.per_card.data,
                         caps_quota=form.caps_quota.data, reserve=form.reserve.data)
        try:
            rule, created = save_rule(db.session, office, data)
            label = f"{rule.service.code} · {rule.item.code}"
            db.session.commit()
        except ValidationFailed as exc:
            db.session.rollback()
            _apply_error(form, exc)
        except IntegrityError:  # the same rule added by someone else at this very moment
            db.session.rollback()
            form.form_errors.append(_("Aturan ini baru saja disimpan orang lain. Periksa tabel lalu simpan lagi."))
        else:
            flash(_("Aturan %(rule)s ditambahkan.", rule=label) if created
                  else _("Aturan %(rule)s diperbarui.", rule=label))
            return redirect(url_for("stock_settings.index", code=office.code) + "#rules", 303)
    return _settings_page(office, form, items, status=422)


@bp.post("/<code>/settings/rules/<int(max=2147483647):rule_id>/delete")
@require(roles=MANAGER)
def rule_delete(code: str, rule_id: int):
    office = _office(code)
    rule = rule_in_office(db.session, office, rule_id)
    if rule is None:  # already deleted (a second click, another tab): nothing to do
        flash(_("Aturan itu sudah tidak ada."))
    else:
        label = f"{rule.service.code} · {rule.item.code}"
        db.session.delete(rule)
        db.session.commit()
        flash(_("Aturan %(rule)s dihapus.", rule=label))
    return redirect(url_for("stock_settings.index", code=office.code) + "#rules", 303)


@bp.route("/<code>/settings/items/<item_code>", methods=["GET", "POST"])
@require(roles=MANAGER)
def item_edit(code: str, item_code: str):
    office = _office(code)
    item = db.session.scalar(select(StockItem).where(StockItem.office_id == office.id,
                                                     StockItem.code == item_code))
    if item is None:
        abort(404)
    form = ItemForm(obj=None if request.method == "POST" else item)
    if request.method == "GET":
        form.service_level.data = percent_text(item.service_level)
    if form.validate_on_submit():
        data = ItemSettings(lead_days=form.lead_days.data, service_level=form.service_level.data,
                            capacity=form.capacity.data, active=form.active.data)
        try:
            save_item_settings(db.session, item, data)
            db.session.commit()
        except ValidationFailed as exc:
            db.session.rollback()
            _apply_error(form, exc)
        else:
            flash(_("Pengaturan %(item)s disimpan.", item=item.name(_locale())))
            return redirect(url_for("stock_settings.index", code=office.code) + "#items", 303)
    status = 422 if form.is_submitted() else 200
    return render_template("inventory/settings_item.html", office=office, item=item, form=form,
                           package=item.kind in PACKAGE_KINDS), status
