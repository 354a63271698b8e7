"""Staff sign-in (Flask-Login sessions), sign-out and the language switch."""
from __future__ import annotations

import time
from collections import defaultdict, deque
from threading import Lock
from urllib.parse import urlparse

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from queue_service.extensions import db, login
from queue_service.models import User
from queue_service.services.security import check_password

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    username = StringField(_l("Nama pengguna"), validators=[DataRequired(), Length(max=60)],
                           render_kw={"autocomplete": "username", "autocapitalize": "none"})
    password = PasswordField(_l("Kata sandi"), validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})


class LoginThrottle:
    """At most ``limit`` failed sign-ins per (address, username) in ``window`` seconds."""

    def __init__(self, limit: int = 5, window: float = 300.0):
        self.limit, self.window = limit, window
        self._fails: dict[tuple[str, str], deque] = defaultdict(deque)
        self._lock = Lock()

    def _prune(self, key, now):
        q = self._fails[key]
        while q and now - q[0] > self.window:
            q.popleft()
        return q

    def blocked(self, key) -> bool:
        with self._lock:
            return len(self._prune(key, time.monotonic())) >= self.limit

    def failed(self, key) -> None:
        with self._lock:
            self._prune(key, time.monotonic()).append(time.monotonic())

    def reset(self, key) -> None:
        with self._lock:
            self._fails.pop(key, None)


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
