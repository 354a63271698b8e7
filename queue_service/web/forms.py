"""Form fields shared by the staff pages (administration, stock)."""
from __future__ import annotations

from flask_babel import gettext as _
import secrets

from werkzeug.routing import IntegerConverter
from wtforms import HiddenField, IntegerField

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
