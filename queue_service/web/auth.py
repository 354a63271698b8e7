"""Staff sign-in (Flask-Login sessions), sign-out and the language switch."""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from urllib.parse import urlparse

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import delete, func, select
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from queue_service.extensions import db, login
from queue_service.models import LoginFailure, User
from queue_service.services.security import check_password

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    username = StringField(_l("Nama pengguna"), validators=[DataRequired(), Length(max=60)],
                           render_kw={"autocomplete": "username", "autocapitalize": "none"})
    password = PasswordField(_l("Kata sandi"), validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})


class LoginThrottle:
    """At most ``limit`` failed sign-ins per (address, username) in ``window`` seconds.

    Failures are rows in ``login_failure`` (the key hashed), so every process of a deployment counts the same
    attempts: an attacker does not get ``limit`` tries per process behind the load balancer."""

    def __init__(self, limit: int = 5, window: float = 300.0):
        self.limit, self.window = limit, window

    @staticmethod
    def digest(key: tuple[str, str]) -> str:
        return hashlib.sha256("\n".join(key).encode()).hexdigest()

    def blocked(self, key: tuple[str, str]) -> bool:
        since = datetime.now(timezone.utc) - timedelta(seconds=self.window)
        count = db.session.scalar(select(func.count(LoginFailure.id)).where(
            LoginFailure.key == self.digest(key), LoginFailure.at > since))
        return count >= self.limit

    def failed(self, key: tuple[str, str]) -> None:
        """Record a failure now, in a transaction of its own (the sign-in page changes nothing else)."""
        now = datetime.now(timezone.utc)
        db.session.execute(delete(LoginFailure).where(LoginFailure.at <= now - timedelta(seconds=self.window)))
        db.session.add(LoginFailure(key=self.digest(key), at=now))
        db.session.commit()

    def reset(self, key: tuple[str, str]) -> None:
        """Forget the failures of ``key`` (a successful sign-in); committed with the caller's transaction."""
        db.session.execute(delete(LoginFailure).where(LoginFailure.key == self.digest(key)))


throttle = LoginThrottle()


@login.user_loader
def load_user(user_id: str):
    try:
        user = db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None
    return user if user is not None and user.active else None


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
        if user is not None and user.active and check_password(user.password_hash, form.password.data):
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
    logout_user()
    session.clear()
    flash(_("Anda telah keluar."))
    return redirect(url_for("auth.login_page"))


@bp.get("/lang/<code>")
def set_language(code: str):
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    session["lang"] = code
    return redirect(safe_next(request.args.get("next")) or url_for("pages.index"))
