"""What the administration pages share: the blueprint, who may do what, one transaction per form, and the
labels the templates read."""
from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError

from queue_service.domain.errors import ValidationFailed
from queue_service.extensions import db
from queue_service.models import Office, User
from queue_service.web.access import principal
from queue_service.web.forms import apply_error

bp = Blueprint("admin", __name__, url_prefix="/admin")

STAFF = ("manager",)  # admins always pass @require

WEEKDAYS = [(1, _l("Senin")), (2, _l("Selasa")), (3, _l("Rabu")), (4, _l("Kamis")), (5, _l("Jumat")),
            (6, _l("Sabtu")), (7, _l("Minggu"))]
TIMEZONE_CHOICES = [("Asia/Jakarta", _l("WIB — Asia/Jakarta")), ("Asia/Makassar", _l("WITA — Asia/Makassar")),
                    ("Asia/Jayapura", _l("WIT — Asia/Jayapura"))]
ROLE_LABELS = {"admin": _l("Admin"), "manager": _l("Manajer"), "clerk": _l("Petugas loket")}


def acting_user() -> User:
    return principal().user


def is_admin() -> bool:
    return principal().is_admin


def admin_only() -> None:
    if not is_admin():
        abort(403, description="Only administrators may do this.")


def in_office(model, obj_id: int, office: Office):
    obj = db.session.get(model, obj_id)
    if obj is None or obj.office_id != office.id:
        abort(404)
    return obj


def save_form(form: FlaskForm, action, *, integrity_field: str):
    """Run ``action()`` in one transaction. Returns its result, or None after putting the error on
    the form (and rolling back everything it did)."""
    try:
        result = action()
        db.session.commit()
        return result
    except ValidationFailed as exc:
        db.session.rollback()
        apply_error(form, exc)
    except IntegrityError:
        db.session.rollback()
        field = form._fields.get(integrity_field)
        message = _("Data bentrok dengan data lain yang baru saja disimpan. Periksa lalu simpan lagi.")
        if field is None:
            form.form_errors.append(message)
        else:
            field.errors = [*field.errors, message]
    return None


def invalid_page(template: str, **context):
    """A form with errors is answered 422 so scripts and tests can tell."""
    return render_template(template, **context), 422


def no_store(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


@bp.app_context_processor
def _admin_globals():
    return {"role_labels": ROLE_LABELS, "weekday_labels": dict(WEEKDAYS)}
