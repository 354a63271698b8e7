"""Form fields and helpers shared by the staff pages (administration, stock, voice)."""
from __future__ import annotations

import secrets
from collections.abc import Mapping

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.routing import IntegerConverter
from wtforms import HiddenField, IntegerField

from queue_service.domain.errors import DomainError

try:  # WTForms >= 3.2 wants SelectChoice objects; older versions take (value, label) pairs
    from wtforms.fields.choices import SelectChoice as _Choice
except ImportError:  # pragma: no cover
    def _Choice(value, label):
        return (value, label)


def choices(pairs) -> list:
    """``(value, label)`` pairs as the choices of a select or checkbox field."""
    return [_Choice(value, label) for value, label in pairs]


def apply_error(form: FlaskForm, exc: DomainError, *, message: str | None = None,
                field_map: Mapping[str, str] | None = None, fallback_field: str | None = None) -> None:
    """Put a use case's error next to its field (``details["field"]``, renamed by ``field_map``), or on the
    form when no field fits. The text is ``message``, else ``details["msgid"]`` translated with its
    ``params``, else the error's own message."""
    if message is None:
        msgid = exc.details.get("msgid")
        message = _(msgid, **(exc.details.get("params") or {})) if msgid else exc.message
    name = exc.details.get("field") or fallback_field
    name = (field_map or {}).get(name, name)
    target = form._fields.get(name) if name else None
    if target is None:
        form.form_errors.append(message)
    else:
        target.errors = [*target.errors, message]

#: the database's INTEGER range (PostgreSQL int4)
INT_MIN, INT_MAX = -2_147_483_648, 2_147_483_647


class WholeNumberField(IntegerField):
    """IntegerField that leaves an empty box as None and says what is wrong in Indonesian. A number outside
    the database's INTEGER range is refused here (a form error, never an overflow in the database); each
    form's own validators and use case narrow it further."""

    def process_formdata(self, valuelist):
        if not valuelist or valuelist[0].strip() == "":
            self.data = None
            return
        text = valuelist[0].strip()
        try:
            value = int(text) if len(text) <= 40 else None
        except ValueError:
            value = None
        if value is None:
            self.data = None
            raise ValueError(_("Isi dengan bilangan bulat."))
        if not INT_MIN <= value <= INT_MAX:
            self.data = None
            raise ValueError(_("Angka terlalu besar."))
        self.data = value


class DatabaseIntConverter(IntegerConverter):
    """``<int:...>`` in routes, bounded by the database's INTEGER range unless the route gives ``max``."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=INT_MAX if max is None else max,
                         signed=signed)


class OnceForm:
    """Mix into a FlaskForm that records something: a hidden one-time number, spent by the view with
    ``services.forms.use_form_nonce`` in the transaction that stores the form."""

    nonce = HiddenField()

    def fresh_nonce(self) -> None:
        if not self.is_submitted():
            self.nonce.data = secrets.token_urlsafe(24)
