"""Administration of offices, their services and their counters (``/admin/offices/...``)."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from queue_service.extensions import db
from queue_service.models import Counter, Office, Service
from queue_service.services import admin as uc
from queue_service.web.access import accessible_office, accessible_offices, require
from queue_service.web.admin.common import STAFF, TIMEZONE_CHOICES, admin_only, in_office, invalid_page, is_admin, save_form, bp
from queue_service.web.admin.forms import CounterForm, OfficeForm, ServiceForm
from queue_service.web.forms import choices


@bp.get("/")
@require(roles=STAFF)
def index():
    return render_template("admin/index.html", offices=accessible_offices(), is_admin=is_admin())


def _office_data(form: OfficeForm, office: Office | None) -> uc.OfficeData:
    return uc.OfficeData(
        code=form.code.data if office is None else office.code, name=form.name.data or "",
        timezone=form.timezone.data, opens_at=form.opens_at.data, closes_at=form.closes_at.data,
        open_days=form.open_days.data or [], priority_prefix=form.priority_prefix.data,
        info_text=form.info_text.data or "", ticket_footer=form.ticket_footer.data or "")


@bp.route("/offices/new", methods=["GET", "POST"])
@require(roles=STAFF)
def office_new():
    admin_only()
    form = OfficeForm()
    if form.validate_on_submit():
        office = save_form(form, lambda: uc.save_office(db.session, None, _office_data(form, None)),
                       integrity_field="code")
        if office is not None:
            flash(_("Kantor %(code)s disimpan.", code=office.code))
            return redirect(url_for("admin.office_page", code=office.code))
    if form.is_submitted():
        return invalid_page("admin/office_form.html", form=form, office=None)
    return render_template("admin/office_form.html", form=form, office=None)


@bp.get("/offices/<code>/")
@require(roles=STAFF)
def office_page(code: str):
    office = accessible_office(code)
    return render_template("admin/office.html", office=office, is_admin=is_admin())


@bp.route("/offices/<code>/edit", methods=["GET", "POST"])
@require(roles=STAFF)
def office_edit(code: str):
    office = accessible_office(code)
    form = OfficeForm(obj=office)
    if not form.is_submitted():
        form.open_days.data = [int(d) for d in office.open_days if d.isdigit()]
    form.code.data = office.code
    if office.timezone not in dict(TIMEZONE_CHOICES):
        form.timezone.choices = choices([*TIMEZONE_CHOICES, (office.timezone, office.timezone)])
    if form.validate_on_submit():
        saved = save_form(form, lambda: uc.save_office(db.session, office, _office_data(form, office)),
                      integrity_field="name")
        if saved is not None:
            flash(_("Kantor %(code)s disimpan.", code=code))
            return redirect(url_for("admin.office_page", code=code))
    if form.is_submitted():
        return invalid_page("admin/office_form.html", form=form, office=office)
    return render_template("admin/office_form.html", form=form, office=office)


# --------------------------------------------------------------------------- services


@bp.get("/offices/<code>/services")
@require(roles=STAFF)
def services(code: str):
    office = accessible_office(code)
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
        saved = save_form(form, lambda: uc.save_service(db.session, office, service, data), integrity_field="prefix")
        if saved is not None:
            flash(_("Layanan %(code)s disimpan.", code=saved.code))
            return redirect(url_for("admin.services", code=office.code))
    context = {"form": form, "office": office, "service": service}
    if form.is_submitted():
        return invalid_page("admin/service_form.html", **context)
    return render_template("admin/service_form.html", **context)


@bp.route("/offices/<code>/services/new", methods=["GET", "POST"])
@require(roles=STAFF)
def service_new(code: str):
    return _service_page(accessible_office(code), None)


@bp.route("/offices/<code>/services/<int:service_id>", methods=["GET", "POST"])
@require(roles=STAFF)
def service_edit(code: str, service_id: int):
    office = accessible_office(code)
    return _service_page(office, in_office(Service, service_id, office))


# --------------------------------------------------------------------------- counters


@bp.get("/offices/<code>/counters")
@require(roles=STAFF)
def counters(code: str):
    office = accessible_office(code)
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
        saved = save_form(form, lambda: uc.save_counter(db.session, office, counter, data), integrity_field="number")
        if saved is not None:
            flash(_("Loket %(number)s disimpan.", number=saved.number))
            return redirect(url_for("admin.counters", code=office.code))
    context = {"form": form, "office": office, "counter": counter}
    if form.is_submitted():
        return invalid_page("admin/counter_form.html", **context)
    return render_template("admin/counter_form.html", **context)


@bp.route("/offices/<code>/counters/new", methods=["GET", "POST"])
@require(roles=STAFF)
def counter_new(code: str):
    return _counter_page(accessible_office(code), None)


@bp.route("/offices/<code>/counters/<int:counter_id>", methods=["GET", "POST"])
@require(roles=STAFF)
def counter_edit(code: str, counter_id: int):
    office = accessible_office(code)
    return _counter_page(office, in_office(Counter, counter_id, office))
