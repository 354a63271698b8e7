"""Administration pages (offices, services, counters, users, devices).

Hand-written Flask-WTF forms (CSRF) rendered by ``templates/admin/*``. Every form is one
transaction: the use case in ``services/admin.py`` validates against the database and raises
``ValidationFailed(field=...)``; the view rolls back and shows the message next to that field.

Admins manage everything; managers manage the services, counters, devices and clerk/manager
accounts of their own offices; clerks get 403; staff of another office get 403.
"""
from __future__ import annotations

import io
from datetime import time

from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from wtforms import (
    BooleanField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

try:  # WTForms >= 3.3 wants SelectChoice objects; older versions take (value, label) pairs
    from wtforms.fields.choices import SelectChoice as _Choice
except ImportError:  # pragma: no cover
    def _Choice(value, label):
        return (value, label)

from queue_service.domain.clock import local_time, zone_abbreviation
from queue_service.domain.errors import ValidationFailed
from queue_service.extensions import db
from queue_service.models import ApiToken, Counter, Device, Office, Service, User
from queue_service.services import admin as uc
from queue_service.services.security import token_hash
from queue_service.web.access import accessible_offices, ensure_office, office_or_404, principal, require
from queue_service.web.forms import WholeNumberField
from queue_service.web.helpers import now, public_base

bp = Blueprint("admin", __name__, url_prefix="/admin")

STAFF = ("manager",)  # admins always pass @require

REQUIRED = _l("Wajib diisi.")
WEEKDAYS = [(1, _l("Senin")), (2, _l("Selasa")), (3, _l("Rabu")), (4, _l("Kamis")), (5, _l("Jumat")),
            (6, _l("Sabtu")), (7, _l("Minggu"))]
TIMEZONE_CHOICES = [("Asia/Jakarta", _l("WIB — Asia/Jakarta")), ("Asia/Makassar", _l("WITA — Asia/Makassar")),
                    ("Asia/Jayapura", _l("WIT — Asia/Jayapura"))]


def choices(pairs):
    return [_Choice(value, label) for value, label in pairs]
ROLE_LABELS = {"admin": _l("Admin"), "manager": _l("Manajer"), "clerk": _l("Petugas loket")}


# --------------------------------------------------------------------------- fields and forms


class ClockField(TimeField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_("Isi jam dengan format JJ:MM, misalnya 08:00.")) from None


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        if self.data:
            values = {c[0] for c in self.iter_choices()}
            if any(d not in values for d in self.data):
                raise ValidationError(_("Pilihan tidak tersedia."))


class OfficeForm(FlaskForm):
    code = StringField(_l("Kode kantor"), validators=[DataRequired(REQUIRED), Length(max=16)],
                       description=_l("Contoh: BKS. Dipakai di alamat layar tampilan; tidak bisa diubah nanti."))
    name = StringField(_l("Nama kantor"), validators=[DataRequired(REQUIRED), Length(max=120)])
    timezone = SelectField(_l("Zona waktu"), choices=choices(TIMEZONE_CHOICES))
    opens_at = ClockField(_l("Jam buka"), validators=[InputRequired(REQUIRED)], default=time(8, 0))
    closes_at = ClockField(_l("Jam tutup"), validators=[InputRequired(REQUIRED)], default=time(15, 0))
    open_days = CheckboxesField(_l("Hari buka"), choices=choices(WEEKDAYS), coerce=int, default=[1, 2, 3, 4, 5])
    priority_prefix = StringField(_l("Huruf seri prioritas"), validators=[Optional(), Length(max=2)],
                                  description=_l("Contoh: P (tiket P-007). Kosongkan bila tiket prioritas "
                                                 "memakai huruf layanannya."))
    info_text = TextAreaField(_l("Teks informasi di layar tampilan"), validators=[Length(max=2000)])
    ticket_footer = StringField(_l("Catatan kaki tiket"), validators=[Length(max=200)])


class ServiceForm(FlaskForm):
    code = StringField(_l("Kode layanan"), validators=[DataRequired(REQUIRED), Length(max=32)],
                       description=_l("Contoh: CETAK. Dipakai oleh API."))
    prefix = StringField(_l("Awalan nomor"), validators=[DataRequired(REQUIRED), Length(max=2)],
                         description=_l("1–2 huruf besar, misalnya B untuk B-012."))
    name_id = StringField(_l("Nama (Bahasa Indonesia)"), validators=[DataRequired(REQUIRED), Length(max=120)])
    name_en = StringField(_l("Nama (Bahasa Inggris)"), validators=[Length(max=120)])
    daily_quota = WholeNumberField(_l("Kuota harian"), validators=[Optional()],
                                   description=_l("Kosongkan bila tanpa kuota."))
    priority_policy = StringField(_l("Kebijakan prioritas"), default="strict",
                                  validators=[DataRequired(REQUIRED), Length(max=32)],
                                  description=_l("strict = prioritas dulu; fifo = urut kedatangan; "
                                                 "interleave:N = satu prioritas setelah N tiket biasa."))
    fallback_service_id = SelectField(_l("Layanan cadangan"), coerce=int, default=0,
                                      description=_l("Ditawarkan bila kuota habis, misalnya Suket."))
    sort_order = WholeNumberField(_l("Urutan tampil"), default=0, validators=[Optional()])
    active = BooleanField(_l("Aktif (menerima tiket)"), default=True)


class CounterForm(FlaskForm):
    number = WholeNumberField(_l("Nomor loket"), validators=[InputRequired(REQUIRED)])
    name = StringField(_l("Nama loket"), validators=[Length(max=60)],
                       description=_l("Kosongkan untuk \"Loket <nomor>\"."))
    services = CheckboxesField(_l("Layanan yang dilayani"), coerce=int)
    active = BooleanField(_l("Aktif"), default=True)


class UserForm(FlaskForm):
    username = StringField(_l("Nama pengguna"), validators=[DataRequired(REQUIRED), Length(max=60)],
                           render_kw={"autocomplete": "off", "autocapitalize": "none"})
    full_name = StringField(_l("Nama lengkap"), validators=[Length(max=120)])
    role = SelectField(_l("Peran"))
    offices = CheckboxesField(_l("Kantor"), coerce=int)
    password = PasswordField(_l("Kata sandi"), validators=[Length(max=200)],
                             render_kw={"autocomplete": "new-password"},
                             description=_l("Paling sedikit 10 karakter."))
    active = BooleanField(_l("Aktif (boleh masuk)"), default=True)


class PasswordForm(FlaskForm):
    new_password = PasswordField(_l("Kata sandi baru"), validators=[DataRequired(REQUIRED), Length(max=200)],
                                 render_kw={"autocomplete": "new-password"},
                                 description=_l("Paling sedikit 10 karakter."))
    confirm = PasswordField(_l("Ulangi kata sandi baru"),
                            validators=[DataRequired(REQUIRED),
                                        EqualTo("new_password", _l("Kedua kata sandi tidak sama."))],
                            render_kw={"autocomplete": "new-password"})


class TokenForm(FlaskForm):
    name = StringField(_l("Nama token"), validators=[DataRequired(REQUIRED), Length(max=60)],
                       description=_l("Untuk apa token ini, misalnya \"tombol panggil loket 3\"."))


class DeviceForm(FlaskForm):
    kind = RadioField(_l("Jenis perangkat"), choices=choices([("kiosk", _l("Kios tiket")),
                                                              ("display", _l("Layar tampilan (TV)"))]),
                      default="kiosk")
    name = StringField(_l("Nama perangkat"), validators=[DataRequired(REQUIRED), Length(max=60)],
                       description=_l("Contoh: Kios Lobi, TV Ruang Tunggu."))
    printer_uri = StringField(_l("Alamat printer (kios)"), validators=[Length(max=200)],
                              description=_l("Contoh: tcp://192.168.1.50:9100, usb://0x0416:0x5011, "
                                             "cups://Printer_Tiket, agent:// (dicetak oleh agen cetak di PC kios) "
                                             "atau dummy://. Kosongkan bila tanpa printer."))
    printer_profile = StringField(_l("Profil printer (kios)"), validators=[Length(max=40)],
                                  description=_l("Contoh: TM-T20II, POS-5890, ZJ-5870."))
    filter_services = CheckboxesField(_l("Layanan yang ditampilkan (layar)"),
                                      description=_l("Tidak dicentang sama sekali = semua layanan."))
    filter_counters = CheckboxesField(_l("Loket yang ditampilkan (layar)"), coerce=int,
                                      description=_l("Tidak dicentang sama sekali = semua loket."))


# --------------------------------------------------------------------------- helpers


def _user() -> User:
    return principal().user


def _is_admin() -> bool:
    return principal().is_admin


def _admin_only() -> None:
    if not _is_admin():
        abort(403, description="Only administrators may do this.")


def _office(code: str) -> Office:
    office = office_or_404(code)
    ensure_office(office)
    return office


def _in_office(model, obj_id: int, office: Office):
    obj = db.session.get(model, obj_id)
    if obj is None or obj.office_id != office.id:
        abort(404)
    return obj


def _apply_error(form: FlaskForm, exc: ValidationFailed, fallback_field: str | None = None) -> None:
    """Put a use-case error next to its field (or on the form when no field fits)."""
    msgid = exc.details.get("msgid")
    params = exc.details.get("params") or {}
    message = _(msgid, **params) if msgid else exc.message
    name = exc.details.get("field") or fallback_field
    field = form._fields.get(name) if name else None
    if field is None:
        form.form_errors.append(message)
    else:
        field.errors = [*field.errors, message]


def _save(form: FlaskForm, action, *, integrity_field: str):
    """Run ``action()`` in one transaction. Returns its result, or None after putting the error on
    the form (and rolling back everything it did)."""
    try:
        result = action()
        db.session.commit()
        return result
    except ValidationFailed as exc:
        db.session.rollback()
        _apply_error(form, exc)
    except IntegrityError:
        db.session.rollback()
        field = form._fields.get(integrity_field)
        message = _("Data bentrok dengan data lain yang baru saja disimpan. Periksa lalu simpan lagi.")
        if field is None:
            form.form_errors.append(message)
        else:
            field.errors = [*field.errors, message]
    return None


def _invalid(template: str, **context):
    """A form with errors is answered 422 so scripts and tests can tell."""
    return render_template(template, **context), 422


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


def _local(moment, office: Office) -> str:
    if moment is None:
        return "—"
    return f"{local_time(moment, office.timezone):%d-%m-%Y %H:%M} {zone_abbreviation(office.timezone)}"


@bp.app_template_filter("admin_local")
def _admin_local(moment, office):
    return _local(moment, office)


@bp.app_context_processor
def _admin_globals():
    return {"role_labels": ROLE_LABELS, "weekday_labels": dict(WEEKDAYS)}


# --------------------------------------------------------------------------- index and offices


@bp.get("/")
@require(roles=STAFF)
def index():
    return render_template("admin/index.html", offices=accessible_offices(), is_admin=_is_admin())


def _office_data(form: OfficeForm, office: Office | None) -> uc.OfficeData:
    return uc.OfficeData(
        code=form.code.data if office is None else office.code, name=form.name.data or "",
        timezone=form.timezone.data, opens_at=form.opens_at.data, closes_at=form.closes_at.data,
        open_days=form.open_days.data or [], priority_prefix=form.priority_prefix.data,
        info_text=form.info_text.data or "", ticket_footer=form.ticket_footer.data or "")


@bp.route("/offices/new", methods=["GET", "POST"])
@require(roles=STAFF)
def office_new():
    _admin_only()
    form = OfficeForm()
    if form.validate_on_submit():
        office = _save(form, lambda: uc.save_office(db.session, None, _office_data(form, None)),
                       integrity_field="code")
        if office is not None:
            flash(_("Kantor %(code)s disimpan.", code=office.code))
            return redirect(url_for("admin.office_page", code=office.code))
    if form.is_submitted():
        return _invalid("admin/office_form.html", form=form, office=None)
    return render_template("admin/office_form.html", form=form, office=None)


@bp.get("/offices/<code>/")
@require(roles=STAFF)
def office_page(code: str):
    office = _office(code)
    return render_template("admin/office.html", office=office, is_admin=_is_admin())


@bp.route("/offices/<code>/edit", methods=["GET", "POST"])
@require(roles=STAFF)
def office_edit(code: str):
    office = _office(code)
    form = OfficeForm(obj=office)
    if not form.is_submitted():
        form.open_days.data = [int(d) for d in office.open_days if d.isdigit()]
    form.code.data = office.code
    if office.timezone not in dict(TIMEZONE_CHOICES):
        form.timezone.choices = choices([*TIMEZONE_CHOICES, (office.timezone, office.timezone)])
    if form.validate_on_submit():
        saved = _save(form, lambda: uc.save_office(db.session, office, _office_data(form, office)),
                      integrity_field="name")
        if saved is not None:
            flash(_("Kantor %(code)s disimpan.", code=code))
            return redirect(url_for("admin.office_page", code=code))
    if form.is_submitted():
        return _invalid("admin/office_form.html", form=form, office=office)
    return render_template("admin/office_form.html", form=form, office=office)


# --------------------------------------------------------------------------- services


@bp.get("/offices/<code>/services")
@require(roles=STAFF)
def services(code: str):
    office = _office(code)
    rows = list(db.session.scalars(select(Service).where(Service.office_id == office.id)
                                   .order_by(Service.sort_order, Service.id)))
    return render_template("admin/services.html", office=office, services=rows)


def _service_form(office: Office, service: Service | None) -> ServiceForm:
    form = ServiceForm(obj=service)
    if service is not None and not form.is_submitted():
        form.fallback_service_id.data = service.fallback_service_id or 0
    form.fallback_service_id.choices = choices([(0, _("— tidak ada —"))] + [
        (s.id, f"{s.code} — {s.name_id}") for s in office.services if service is None or s.id != service.id])
    return form


def _service_page(office: Office, service: Service | None):
    form = _service_form(office, service)
    if form.validate_on_submit():
        data = uc.ServiceData(
            code=form.code.data, prefix=form.prefix.data, name_id=form.name_id.data, name_en=form.name_en.data or "",
            daily_quota=form.daily_quota.data, priority_policy=form.priority_policy.data,
            active=form.active.data, fallback_service_id=form.fallback_service_id.data or None,
            sort_order=form.sort_order.data or 0)
        saved = _save(form, lambda: uc.save_service(db.session, office, service, data), integrity_field="prefix")
        if saved is not None:
            flash(_("Layanan %(code)s disimpan.", code=saved.code))
            return redirect(url_for("admin.services", code=office.code))
    context = {"form": form, "office": office, "service": service}
    if form.is_submitted():
        return _invalid("admin/service_form.html", **context)
    return render_template("admin/service_form.html", **context)


@bp.route("/offices/<code>/services/new", methods=["GET", "POST"])
@require(roles=STAFF)
def service_new(code: str):
    return _service_page(_office(code), None)


@bp.route("/offices/<code>/services/<int:service_id>", methods=["GET", "POST"])
@require(roles=STAFF)
def service_edit(code: str, service_id: int):
    office = _office(code)
    return _service_page(office, _in_office(Service, service_id, office))


# --------------------------------------------------------------------------- counters


@bp.get("/offices/<code>/counters")
@require(roles=STAFF)
def counters(code: str):
    office = _office(code)
    return render_template("admin/counters.html", office=office, counters=office.counters)


def _counter_page(office: Office, counter: Counter | None):
    form = CounterForm(obj=counter)
    form.services.choices = choices(
        (s.id, f"{s.prefix} · {s.name_id}" + ("" if s.active else f" ({_('nonaktif')})"))
        for s in sorted(office.services, key=lambda s: (s.sort_order, s.id)))
    if counter is not None and not form.is_submitted():
        form.services.data = [s.id for s in counter.services]
    if form.validate_on_submit():
        data = uc.CounterData(number=form.number.data, name=form.name.data or "", active=form.active.data,
                              service_ids=form.services.data or [])
        saved = _save(form, lambda: uc.save_counter(db.session, office, counter, data), integrity_field="number")
        if saved is not None:
            flash(_("Loket %(number)s disimpan.", number=saved.number))
            return redirect(url_for("admin.counters", code=office.code))
    context = {"form": form, "office": office, "counter": counter}
    if form.is_submitted():
        return _invalid("admin/counter_form.html", **context)
    return render_template("admin/counter_form.html", **context)


@bp.route("/offices/<code>/counters/new", methods=["GET", "POST"])
@require(roles=STAFF)
def counter_new(code: str):
    return _counter_page(_office(code), None)


@bp.route("/offices/<code>/counters/<int:counter_id>", methods=["GET", "POST"])
@require(roles=STAFF)
def counter_edit(code: str, counter_id: int):
    office = _office(code)
    return _counter_page(office, _in_office(Counter, counter_id, office))


# --------------------------------------------------------------------------- users


def _scope() -> set[int] | None:
    """Offices the current user may hand out (None = all: an admin)."""
    p = principal()
    return None if p.is_admin else set(p.office_ids)


def _manageable(user: User) -> bool:
    scope = _scope()
    if scope is None:
        return True
    ids = {o.id for o in user.offices}
    return user.role != "admin" and bool(ids) and ids <= scope


def _user_or_403(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    if not _manageable(user):
        abort(403, description="You may not manage this user.")
    return user


@bp.get("/users")
@require(roles=STAFF)
def users():
    rows = [u for u in db.session.scalars(select(User).order_by(User.username)) if _manageable(u)]
    return render_template("admin/users.html", users=rows)


def _user_form(user: User | None) -> UserForm:
    form = UserForm(obj=user)
    scope = _scope()
    roles = ("admin", "manager", "clerk") if scope is None else ("manager", "clerk")
    form.role.choices = choices((r, str(ROLE_LABELS[r])) for r in roles)
    form.offices.choices = choices((o.id, f"{o.code} — {o.name}") for o in accessible_offices())
    if not form.is_submitted():
        form.password.data = ""
        if user is not None:
            form.offices.data = [o.id for o in user.offices if scope is None or o.id in scope]
        elif scope is not None and len(scope) == 1:
            form.offices.data = list(scope)
        if user is None:
            form.role.data = "clerk"
    return form


def _user_page(user: User, form=None, pw_form=None, token_form=None, status=200, new_token=None):
    tokens = list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                     .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))
    html = render_template("admin/user_form.html", user=user, form=form or _user_form(user),
                           pw_form=pw_form or PasswordForm(formdata=None),
                           token_form=token_form or TokenForm(formdata=None), tokens=tokens,
                           new_token=new_token)
    response = make_response(html, status)
    return _no_store(response) if new_token else response


def _user_data(form: UserForm) -> uc.UserData:
    return uc.UserData(username=form.username.data or "", full_name=form.full_name.data or "", role=form.role.data,
                       office_ids=form.offices.data or [], active=form.active.data, password=form.password.data)


@bp.route("/users/new", methods=["GET", "POST"])
@require(roles=STAFF)
def user_new():
    form = _user_form(None)
    if form.validate_on_submit():
        if not form.password.data:
            form.password.errors = [*form.password.errors, _("Wajib diisi.")]
        else:
            saved = _save(form, lambda: uc.save_user(db.session, None, _user_data(form), actor=_user(),
                                                     allowed_office_ids=_scope()), integrity_field="username")
            if saved is not None:
                flash(_("Pengguna %(username)s dibuat.", username=saved.username))
                return redirect(url_for("admin.user_edit", user_id=saved.id))
    if form.is_submitted():
        return _invalid("admin/user_new.html", form=form)
    return render_template("admin/user_new.html", form=form)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@require(roles=STAFF)
def user_edit(user_id: int):
    user = _user_or_403(user_id)
    form = _user_form(user)
    if form.validate_on_submit():
        data = _user_data(form)
        data.password = None  # the password is changed with its own form
        saved = _save(form, lambda: uc.save_user(db.session, user, data, actor=_user(),
                                                 allowed_office_ids=_scope()), integrity_field="username")
        if saved is not None:
            flash(_("Pengguna %(username)s disimpan.", username=saved.username))
            return redirect(url_for("admin.user_edit", user_id=user_id))
        user = _user_or_403(user_id)
    if form.is_submitted():
        return _user_page(user, form=form, status=422)
    return _user_page(user, form=form)


@bp.post("/users/<int:user_id>/password")
@require(roles=STAFF)
def user_password(user_id: int):
    user = _user_or_403(user_id)
    pw_form = PasswordForm()
    if pw_form.validate_on_submit():
        try:
            uc.set_password(db.session, user, pw_form.new_password.data)
            db.session.commit()
            if user.id == _user().id:  # their own password: this session goes on, every other one ends
                login_user(user)
            flash(_("Kata sandi %(username)s diganti.", username=user.username))
            return redirect(url_for("admin.user_edit", user_id=user_id))
        except ValidationFailed as exc:
            db.session.rollback()
            exc.details["field"] = "new_password"
            _apply_error(pw_form, exc)
    return _user_page(user, pw_form=pw_form, status=422)


@bp.post("/users/<int:user_id>/tokens")
@require(roles=STAFF)
def user_token_new(user_id: int):
    user = _user_or_403(user_id)
    token_form = TokenForm()
    if token_form.validate_on_submit():
        result = _save(token_form, lambda: uc.issue_api_token(db.session, user, name=token_form.name.data,
                                                              now=now()), integrity_field="name")
        if result is not None:
            return _user_page(user, token_form=TokenForm(formdata=None), status=201, new_token=result[1])
    return _user_page(user, token_form=token_form, status=422)


@bp.post("/users/<int:user_id>/tokens/<int:token_id>/revoke")
@require(roles=STAFF)
def user_token_revoke(user_id: int, token_id: int):
    user = _user_or_403(user_id)
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        abort(404)
    uc.revoke_api_token(db.session, token, now=now())
    db.session.commit()
    flash(_("Token \"%(name)s\" dicabut.", name=token.name))
    return redirect(url_for("admin.user_edit", user_id=user_id))


# --------------------------------------------------------------------------- devices


@bp.get("/offices/<code>/devices")
@require(roles=STAFF)
def devices(code: str):
    office = _office(code)
    rows = list(db.session.scalars(select(Device).where(Device.office_id == office.id)
                                   .order_by(Device.revoked_at.is_not(None), Device.kind, Device.name)))
    return render_template("admin/devices.html", office=office, devices=rows)


def _device_form(office: Office, device: Device | None) -> DeviceForm:
    form = DeviceForm(obj=device)
    form.filter_services.choices = choices((s.code, f"{s.prefix} · {s.name_id}") for s in office.services)
    form.filter_counters.choices = choices((c.number, c.name) for c in office.counters)
    if device is not None and not form.is_submitted():
        form.filter_services.data = [c for c in device.filter_services.split(",") if c]
        form.filter_counters.data = [int(n) for n in device.filter_counters.split(",") if n.isdigit()]
    if device is not None:
        form.kind.data = device.kind
    if not _is_admin():  # where a kiosk prints is a server capability: the admin sets it
        for f in (form.printer_uri, form.printer_profile):
            f.render_kw = {**(f.render_kw or {}), "readonly": True}
            if not form.is_submitted():
                f.data = getattr(device, f.name) if device is not None else ""
        form.printer_uri.description = _l("Diatur oleh admin server: server sendiri yang membuka alamat printer ini.")
    return form


def _printer_args() -> dict:
    return {"may_set_printer": _is_admin(),
            "printer_check": current_app.extensions["adminduk"].get("printer_check")}


def _device_data(form: DeviceForm) -> uc.DeviceData:
    return uc.DeviceData(name=form.name.data or "", printer_uri=form.printer_uri.data,
                         printer_profile=form.printer_profile.data, filter_services=form.filter_services.data or [],
                         filter_counters=form.filter_counters.data or [])


def _token_page(device: Device, token: str, status: int, fresh: bool):
    url = public_base() + uc.pairing_path(device, token)
    html = render_template("admin/device_token.html", office=device.office, device=device, token=token,
                           pairing_url=url, fresh=fresh)
    return _no_store(make_response(html, status))


@bp.route("/offices/<code>/devices/new", methods=["GET", "POST"])
@require(roles=STAFF)
def device_new(code: str):
    office = _office(code)
    form = _device_form(office, None)
    if form.validate_on_submit():
        result = _save(form, lambda: uc.issue_device(db.session, office, form.kind.data, _device_data(form),
                                                     now=now(), **_printer_args()), integrity_field="name")
        if result is not None:
            device, token = result
            return _token_page(device, token, 201, fresh=True)
    if form.is_submitted():
        return _invalid("admin/device_form.html", form=form, office=office, device=None)
    return render_template("admin/device_form.html", form=form, office=office, device=None)


@bp.route("/offices/<code>/devices/<int:device_id>", methods=["GET", "POST"])
@require(roles=STAFF)
def device_edit(code: str, device_id: int):
    office = _office(code)
    device = _in_office(Device, device_id, office)
    form = _device_form(office, device)
    if form.validate_on_submit():
        saved = _save(form, lambda: uc.save_device(db.session, device, _device_data(form), **_printer_args()),
                      integrity_field="name")
        if saved is not None:
            flash(_("Perangkat \"%(name)s\" disimpan.", name=saved.name))
            return redirect(url_for("admin.devices", code=code))
    if form.is_submitted():
        return _invalid("admin/device_form.html", form=form, office=office, device=device)
    return render_template("admin/device_form.html", form=form, office=office, device=device)


@bp.post("/offices/<code>/devices/<int:device_id>/rotate")
@require(roles=STAFF)
def device_rotate(code: str, device_id: int):
    office = _office(code)
    device = _in_office(Device, device_id, office)
    token = uc.rotate_device(db.session, device)
    db.session.commit()
    return _token_page(device, token, 200, fresh=False)


@bp.post("/offices/<code>/devices/<int:device_id>/revoke")
@require(roles=STAFF)
def device_revoke(code: str, device_id: int):
    office = _office(code)
    device = _in_office(Device, device_id, office)
    uc.revoke_device(db.session, device, now=now())
    db.session.commit()
    flash(_("Token perangkat \"%(name)s\" dicabut; perangkat itu tidak bisa dipakai lagi.", name=device.name))
    return redirect(url_for("admin.devices", code=code))


@bp.get("/offices/<code>/devices/<int:device_id>/pairing-qr.<fmt>")
@require(roles=STAFF)
def device_qr(code: str, device_id: int, fmt: str):
    """QR code of the pairing link, generated here (no external service). Only for the device's
    current token, so it cannot be used to render arbitrary codes."""
    office = _office(code)
    device = _in_office(Device, device_id, office)
    token = request.args.get("token", "")
    if fmt not in ("svg", "png") or not token or device.revoked_at is not None \
            or token_hash(token) != device.token_hash:
        abort(404)
    import qrcode

    url = public_base() + uc.pairing_path(device, token)
    if fmt == "svg":
        from qrcode.image.svg import SvgPathImage

        body = qrcode.make(url, image_factory=SvgPathImage, box_size=10, border=4).to_string()
        mimetype = "image/svg+xml"
    else:
        buf = io.BytesIO()
        qrcode.make(url, box_size=8, border=4).save(buf, format="PNG")
        body, mimetype = buf.getvalue(), "image/png"
    response = make_response(body)
    response.mimetype = mimetype
    if request.args.get("download"):
        response.headers["Content-Disposition"] = f"attachment; filename=pairing-{device.kind}-{device.id}.{fmt}"
    return _no_store(response)
