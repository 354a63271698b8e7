"""Where this server may send ticket bytes: the printer registry of the driver (``printers.backends``) decides,
under the operator's ``PRINTER_*`` settings, when an admin saves a kiosk's printer (:func:`printer_check`, the
core's ``hooks.printer_check``) and again before every print (:func:`allowed_destination`)."""
from __future__ import annotations

import os

from printers.backends import N_, PrinterPolicy, PrinterURIRefused, check_uri
from printers.profiles import PROFILES, get_profile
from queue_service.domain.errors import ValidationFailed
from queue_service.hooks import PrinterCheck


def printer_policy(app) -> PrinterPolicy:
    """The operator's PRINTER_* settings, with the instance folder and the SQLite database file (and its
    -wal/-shm/-journal files) always refused."""
    from sqlalchemy.engine import make_url

    database = None
    try:
        url = make_url(app.config.get("SQLALCHEMY_DATABASE_URI") or "")
        if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
            database = os.path.abspath(url.database)
    except Exception:  # not a URL we can read: nothing more to protect than the instance folder
        database = None
    return PrinterPolicy.from_config(app.config, instance_path=app.instance_path, database_path=database)


def allowed_destination(uri: str, policy: PrinterPolicy) -> tuple[str | None, str | None]:
    """``(the URI to open, None)`` for ``uri`` under ``policy``, or ``(None, why it is refused)``: checked again
    at every print, since the settings may have changed since the printer was saved."""
    try:
        return check_uri(uri, policy), None
    except PrinterURIRefused as exc:
        return None, f"Refused by the server's printer settings: {exc}"[:300]


def printer_check(app) -> PrinterCheck:
    """Whether a kiosk may print to ``uri`` with ``profile`` (raises ValidationFailed naming the field)."""

    def check(uri: str | None, profile: str | None) -> None:
        if uri:
            try:
                check_uri(uri, printer_policy(app))
            except PrinterURIRefused as exc:
                raise ValidationFailed(str(exc), field="printer_uri", msgid=exc.msgid, params=exc.params) from None
        if not profile:
            return
        try:
            get_profile(profile)
        except KeyError:
            names = ", ".join(sorted(PROFILES))
            raise ValidationFailed(f"Unknown printer profile {profile!r}; known: {names}", field="printer_profile",
                                   msgid=N_("Profil printer tidak dikenal. Pilih salah satu: %(profiles)s."),
                                   params={"profiles": names}) from None

    return check
