"""Administration of devices: kiosks and displays, their pairing links and QR codes, a kiosk's printer (admins
only: the server opens that URI, and the printer registry behind ``hooks.printer_check`` decides)."""
from __future__ import annotations

import io

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from queue_service import hooks
from queue_service.clock import now
from queue_service.extensions import db
from queue_service.models import Device, Office
from queue_service.services import admin as uc
from queue_service.services.security import token_hash
from queue_service.web.access import accessible_office, require
from queue_service.web.admin.common import STAFF, in_office, invalid_page, is_admin, no_store, save_form, bp
from queue_service.web.admin.forms import DeviceForm
from queue_service.web.forms import choices
from queue_service.web.helpers import public_base


@bp.get("/offices/<code>/devices")
@require(roles=STAFF)
def devices(code: str):
    office = accessible_office(code)
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
    if not is_admin():  # where a kiosk prints is a server capability: the admin sets it
        for f in (form.printer_uri, form.printer_profile):
            f.render_kw = {**(f.render_kw or {}), "readonly": True}
            if not form.is_submitted():
                f.data = getattr(device, f.name) if device is not None else ""
        form.printer_uri.description = _l("Diatur oleh admin server: server sendiri yang membuka alamat printer ini.")
    return form


def _printer_args() -> dict:
    return {"may_set_printer": is_admin(),
            "printer_check": hooks.current().printer_check}


def _device_data(form: DeviceForm) -> uc.DeviceData:
    return uc.DeviceData(name=form.name.data or "", printer_uri=form.printer_uri.data,
                         printer_profile=form.printer_profile.data, filter_services=form.filter_services.data or [],
                         filter_counters=form.filter_counters.data or [])


def _token_page(device: Device, token: str, status: int, fresh: bool):
    url = public_base() + uc.pairing_path(device, token)
    html = render_template("admin/device_token.html", office=device.office, device=device, token=token,
                           pairing_url=url, fresh=fresh)
    return no_store(make_response(html, status))


@bp.route("/offices/<code>/devices/new", methods=["GET", "POST"])
@require(roles=STAFF)
def device_new(code: str):
    office = accessible_office(code)
    form = _device_form(office, None)
    if form.validate_on_submit():
        result = save_form(form, lambda: uc.issue_device(db.session, office, form.kind.data, _device_data(form),
                                                     now=now(), **_printer_args()), integrity_field="name")
        if result is not None:
            device, token = result
            return _token_page(device, token, 201, fresh=True)
    if form.is_submitted():
        return invalid_page("admin/device_form.html", form=form, office=office, device=None)
    return render_template("admin/device_form.html", form=form, office=office, device=None)


@bp.route("/offices/<code>/devices/<int:device_id>", methods=["GET", "POST"])
@require(roles=STAFF)
def device_edit(code: str, device_id: int):
    office = accessible_office(code)
    device = in_office(Device, device_id, office)
    form = _device_form(office, device)
    if form.validate_on_submit():
        saved = save_form(form, lambda: uc.save_device(db.session, device, _device_data(form), **_printer_args()),
                      integrity_field="name")
        if saved is not None:
            flash(_("Perangkat \"%(name)s\" disimpan.", name=saved.name))
            return redirect(url_for("admin.devices", code=code))
    if form.is_submitted():
        return invalid_page("admin/device_form.html", form=form, office=office, device=device)
    return render_template("admin/device_form.html", form=form, office=office, device=device)


@bp.post("/offices/<code>/devices/<int:device_id>/rotate")
@require(roles=STAFF)
def device_rotate(code: str, device_id: int):
    office = accessible_office(code)
    device = in_office(Device, device_id, office)
    token = uc.rotate_device(db.session, device)
    db.session.commit()
    return _token_page(device, token, 200, fresh=False)


@bp.post("/offices/<code>/devices/<int:device_id>/revoke")
@require(roles=STAFF)
def device_revoke(code: str, device_id: int):
    office = accessible_office(code)
    device = in_office(Device, device_id, office)
    uc.revoke_device(db.session, device, now=now())
    db.session.commit()
    flash(_("Token perangkat \"%(name)s\" dicabut; perangkat itu tidak bisa dipakai lagi.", name=device.name))
    return redirect(url_for("admin.devices", code=code))


@bp.get("/offices/<code>/devices/<int:device_id>/pairing-qr.<fmt>")
@require(roles=STAFF)
def device_qr(code: str, device_id: int, fmt: str):
    """QR code of the pairing link, generated here (no external service). Only for the device's
    current token, so it cannot be used to render arbitrary codes."""
    office = accessible_office(code)
    device = in_office(Device, device_id, office)
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
    return no_store(response)
