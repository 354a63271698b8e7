"""The manager's stock settings pages (manager of the office, or admin); the rules are ``inventory.settings``.

* ``GET /manager/<code>/settings`` — both tables and the add/update form for a consumption rule;
* ``GET|POST /manager/<code>/settings/items/<item_code>`` — one item's settings;
* ``POST /manager/<code>/settings/rules`` — add a rule, or update the rule of the same (service, item);
* ``POST /manager/<code>/settings/rules/<rule_id>/delete`` — delete a rule (configuration, not the ledger).
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from wtforms import BooleanField, SelectField, StringField

from inventory.ledger import DEFAULT_ITEMS, ensure_items
from inventory.models import StockItem
from inventory.settings import (
    PACKAGE_KINDS,
    ItemSettings,
    RuleInput,
    percent_text,
    rule_in_office,
    rules_of,
    save_item_settings,
    save_rule,
)
from queue_service.domain.errors import ValidationFailed
from queue_service.extensions import db
from queue_service.models import Office, Service
from queue_service.web.access import accessible_office, require
from queue_service.web.formats import locale
from queue_service.web.forms import WholeNumberField, apply_error

bp = Blueprint("stock_settings", __name__, url_prefix="/manager")

MANAGER = ("manager",)


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


def _all_items(office: Office) -> list[StockItem]:
    """Every item of the office, inactive ones too (so they can be switched on again). The standard items
    are created if missing; on a busy SQLite a page that only reads shows what exists instead."""
    query = select(StockItem).where(StockItem.office_id == office.id).order_by(StockItem.sort_order,
                                                                                StockItem.id)
    items = list(db.session.scalars(query))
    if {code for code, *_rest in DEFAULT_ITEMS} - {i.code for i in items}:
        try:
            ensure_items(db.session, office)
            db.session.commit()
        except OperationalError:
            db.session.rollback()
        items = list(db.session.scalars(query))
    return items


def _rule_form(office: Office, items: list[StockItem]) -> RuleForm:
    form = RuleForm()
    services = db.session.scalars(select(Service).where(Service.office_id == office.id)
                                  .order_by(Service.sort_order, Service.code))
    form.service.choices = [(s.code, f"{s.prefix} · {s.name_id}" + ("" if s.active else f" ({_('nonaktif')})"))
                            for s in services]
    form.item.choices = [(i.code, i.name(locale())) for i in items if i.active]
    return form


def _settings_page(office: Office, form: RuleForm, items: list[StockItem], status: int = 200):
    rules = rules_of(db.session, office)
    return render_template("inventory/settings.html", office=office, items=items, rules=rules, form=form,
                           percent=percent_text), status


# --------------------------------------------------------------------------- pages


@bp.get("/<code>/settings")
@require(roles=MANAGER)
def index(code: str):
    office = accessible_office(code)
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
    office = accessible_office(code)
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
            apply_error(form, exc)
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
    office = accessible_office(code)
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
    office = accessible_office(code)
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
            apply_error(form, exc)
        else:
            flash(_("Pengaturan %(item)s disimpan.", item=item.name(locale())))
            return redirect(url_for("stock_settings.index", code=office.code) + "#items", 303)
    status = 422 if form.is_submitted() else 200
    return render_template("inventory/settings_item.html", office=office, item=item, form=form,
                           package=item.kind in PACKAGE_KINDS), status
