"""Form fields shared by the staff pages (administration, stock)."""
from __future__ import annotations

from flask_babel import gettext as _
from wtforms import IntegerField


class WholeNumberField(IntegerField):
    """IntegerField that leaves an empty box as None and says what is wrong in Indonesian."""

    def process_formdata(self, valuelist):
        if not valuelist or valuelist[0].strip() == "":
            self.data = None
            return
        try:
            self.data = int(valuelist[0].strip())
        except ValueError:
            self.data = None
            raise ValueError(_("Isi dengan bilangan bulat.")) from None
