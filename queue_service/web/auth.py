"""Staff sign-in (Flask-Login sessions), sign-out and the language switch."""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from urllib.parse import urlparse

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    has_app_context,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import delete, func, select
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from queue_service.extensions import db, login
from queue_service.models import LoginFailure, User
from queue_service.services.security import check_password, dummy_password_hash

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    username = StringField(_l("Nama pengguna"), validators=[DataRequired(), Length(max=60)],
                           render_kw={"autocomplete": "username", "autocapitalize": "none"})
    password = PasswordField(_l("Kata sandi"), validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})


class LoginThrottle:
    """At most ``limit`` failed sign-ins per (address, user name), and ``account_limit`` per user name from
    any address, in ``window`` seconds.

    The second cap stops a guesser who rotates addresses (a botnet, IPv6 addresses by the million) from
    getting ``limit`` tries per address against one account; it is higher than the first so that a clerk who
    mistypes is blocked at her own PC before her account is. Failures are rows in ``login_failure`` (the key
    hashed), so every process of a deployment counts the same attempts: an attacker does not get ``limit``
    tries per process behind the load balancer. Settings: ``LOGIN_FAILURES_PER_ADDRESS``,
    ``LOGIN_FAILURES_PER_ACCOUNT``, ``LOGIN_FAILURE_WINDOW_SECONDS``."""

    def __init__(self, limit: int = 5, window: float = 300.0, account_limit: int = 20):
        self.limit, self.window, self.account_limit = limit, window, account_limit

    def _settings(self) -> tuple[int, float, int]:
        config = current_app.config if has_app_context() else {}
        return (int(config.get("LOGIN_FAILURES_PER_ADDRESS", self.limit)),
                float(config.get("LOGIN_FAILURE_WINDOW_SECONDS", self.window)),
                int(config.get("LOGIN_FAILURES_PER_ACCOUNT", self.account_limit)))

    @staticmethod
    def digest(key: tuple[str, str]) -> str:
        return hashlib.sha256("\n".join(key).encode()).hexdigest()

    @staticmethod
    def account_key(key: tuple[str, str]) -> tuple[str, str]:
        """The per-account key of ``(address, user name)``: the user name from any address."""
        return ("*", key[1])

    def _count(self, key: tuple[str, str], window: float) -> int:
        since = datetime.now(timezone.utc) - timedelta(seconds=window)
        return db.session.scalar(select(func.count(LoginFailure.id)).where(
            LoginFailure.key == self.digest(key), LoginFailure.at > since))

    def blocked(self, key: tuple[str, str]) -> bool:
        limit, window, account_limit = self._settings()
        return (self._count(key, window) >= limit
                or self._count(self.account_key(key), window) >= account_limit)

    def failed(self, key: tuple[str, str]) -> None:
        """Record a failure now (for the address and for the account), in a transaction of its own (the
        sign-in page changes nothing else)."""
        _limit, window, _account = self._settings()
        now = datetime.now(timezone.utc)
        db.session.execute(delete(LoginFailure).where(LoginFailure.at <= now - timedelta(seconds=window)))
        db.session.add_all([LoginFailure(key=self.digest(key), at=now),
                            LoginFailure(key=self.digest(self.account_key(key)), at=now)])
        db.session.commit()

    def reset(self, key: tuple[str, str]) -> None:
        """Forget the failures of ``key`` (a successful sign-in from that address); committed with the
        caller's transaction. The account's count from other addresses stays until the window passes."""
        db.session.execute(delete(LoginFailure).where(LoginFailure.key == self.digest(key)))


throttle = LoginThrottle()


@login.user_loader
def load_user(user_id: str):
    """The session's user, if the session is still valid: it stores ``"<id>:<session_version>"``, and
    logout, a password change or deactivation bump the version, which ends every session of that user (a
    cookie copied before that is refused)."""
    raw_id, sep, version = (user_id or "").partition(":")
    try:
        user = db.session.get(User, int(raw_id)) if sep and raw_id.isdigit() and len(raw_id) < 11 else None
    except (TypeError, ValueError):
        return None
    if user is None or not user.active or version != str(user.session_version or 0):
        return None
    return user


def safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlparse(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def home_for(user: User) -> str:
    if user.role == "clerk" and "counter.console" in current_app.view_functions:
        return url_for("counter.console")
    return url_for("pages.index")


@bp.route("/login", methods=["GET", "POST"])
def login_page():
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        username = form.username.data.strip().lower()
        key = (request.remote_addr or "?", username)
        if throttle.blocked(key):
            error = _("Terlalu banyak percobaan gagal. Mohon tunggu beberapa menit lalu coba lagi.")
            return render_template("auth/login.html", form=form, error=error), 429
        user = db.session.scalar(select(User).where(func.lower(User.username) == username))
        # always hash once: an unknown or inactive name takes as long as a known one (no user-name oracle)
        stored = user.password_hash if user is not None and user.active else dummy_password_hash()
        if check_password(stored, form.password.data) and user is not None and user.active:
            throttle.reset(key)
            db.session.commit()
            session.clear()
            login_user(user)
            if user.locale:
                session["lang"] = user.locale
            return redirect(safe_next(request.args.get("next")) or home_for(user))
        throttle.failed(key)
        error = _("Nama pengguna atau kata sandi salah.")
    return render_template("auth/login.html", form=form, error=error), (401 if error else 200)




@bp.post("/logout")
@login_required
def logout():
    user = db.session.get(User, current_user.id)
    logout_user()
    if user is not None:  # every session of this user ends, a copied cookie included
        user.end_sessions()
        db.session.commit()
    session.clear()
    flash(_("Anda telah keluar."))
    return redirect(url_for("auth.login_page"))


@bp.get("/lang/<code>")
def set_language(code: str):
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    session["lang"] = code
    return redirect(safe_next(request.args.get("next")) or url_for("pages.index"))
