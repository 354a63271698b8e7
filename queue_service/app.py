"""The composition root: ``create_app(config=None)``.

config -> extensions -> hooks -> blueprints -> features -> background jobs -> sockets. Feature packages
(``FEATURES``: kiosk, printjobs, inventory) are wired here and only here: each one's ``web.init_app`` adds
its blueprints and registers what it plugs into the core in ``queue_service.hooks``.
"""
from __future__ import annotations

import copy
import os
import secrets
from pathlib import Path

from flask import Flask, g, request, session
from flask_babel import get_locale

from queue_service import config as default_config
from queue_service import hooks
from queue_service.db import configure_sqlite, engine_options, normalise_url
from queue_service.extensions import babel, csrf, db, login, migrate, socketio
from templates import TEMPLATE_DIR

PACKAGE_DIR = Path(__file__).resolve().parent
#: one catalog for the whole product; source strings are Indonesian, ``en`` is the translation
TRANSLATIONS_DIR = PACKAGE_DIR / "translations"


class ConfigError(RuntimeError):
    """The app cannot start with this configuration (message says what to fix)."""


def load_config(app: Flask, config: dict | None) -> None:
    app.config.from_object(default_config)
    for key, value in list(app.config.items()):  # this app's own copies: the environment may set keys inside
        if isinstance(value, (dict, list)):
            app.config[key] = copy.deepcopy(value)
    app.config.from_prefixed_env(default_config.ENV_PREFIX, loads=default_config.parse_env_value)
    if config:
        app.config.update(config)
    if app.config.get("TESTING") and not (config or {}).get("ENV"):
        app.config["ENV"] = "testing"
    url = app.config.get("DATABASE_URL") or f"sqlite:///{Path(app.instance_path) / 'adminduk.sqlite3'}"
    url = normalise_url(url)
    app.config["DATABASE_URL"] = url
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    options = engine_options(url)
    options.update(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    if not app.config.get("SECRET_KEY"):
        if app.config.get("ENV") == "production":
            raise ConfigError(
                "ADMINDUK_SECRET_KEY is not set. Production mode refuses to start without a secret key "
                "shared by every process, e.g.: export ADMINDUK_SECRET_KEY=$(python -c "
                "'import secrets; print(secrets.token_hex(32))')")
        app.config["SECRET_KEY"] = secrets.token_hex(32)
    app.config["BABEL_DEFAULT_LOCALE"] = app.config["DEFAULT_LOCALE"]
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS_DIR)
    # CSRF is checked by us in before_request (token-authenticated API calls are exempt)
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False


def select_locale() -> str:
    """An explicit choice (?lang= or the session) wins, then the user's preference, else Indonesian."""
    from flask import current_app
    from flask_login import current_user

    langs = current_app.config["LANGUAGES"]
    chosen = request.args.get("lang")
    if chosen in langs:
        session["lang"] = chosen
        return chosen
    if session.get("lang") in langs:
        return session["lang"]
    if current_user and current_user.is_authenticated and current_user.locale in langs:
        return current_user.locale
    return current_app.config["DEFAULT_LOCALE"]


def select_timezone() -> str:
    office = g.get("office")
    if office is not None:
        return office.timezone
    from flask import current_app
    return current_app.config["DEFAULT_TIMEZONE"]


def async_mode(configured: str | None) -> str:
    """The configured mode, or when none: gevent if this process has been patched by gevent (as
    ``adminduk run`` and ``gunicorn -k gevent`` do before the app is imported), else threading."""
    if configured:
        if configured not in ("gevent", "threading"):
            raise ConfigError(f"ADMINDUK_ASYNC_MODE must be 'gevent' or 'threading', not {configured!r}")
        return configured
    import sys
    monkey = sys.modules.get("gevent.monkey")
    return "gevent" if monkey is not None and monkey.is_module_patched("socket") else "threading"


def create_app(config: dict | None = None) -> Flask:
    app = Flask(
        "queue_service",
        template_folder=str(TEMPLATE_DIR),
        static_folder=str(PACKAGE_DIR / "static"),
        instance_path=(config or {}).get("INSTANCE_PATH") or os.environ.get("ADMINDUK_INSTANCE_PATH") or None,
        instance_relative_config=True,
    )
    load_config(app, config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    # an <int:...> in a route stays inside the database's INTEGER range: /admin/.../services/2**63 is a 404,
    # not an overflow in the database driver
    from queue_service.web.forms import DatabaseIntConverter
    app.url_map.converters["int"] = DatabaseIntConverter

    # --- extensions
    db.init_app(app)
    with app.app_context():
        configure_sqlite(db.engine)
    migrate.init_app(app, db, directory=str(PACKAGE_DIR / "migrations"), render_as_batch=True,
                     compare_type=True)
    login.init_app(app)
    login.login_view = "auth.login_page"
    login.login_message = None
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    queue_options = {}
    if app.config.get("MESSAGE_QUEUE"):  # revocations reach every process (sockets.RevokingManager)
        from queue_service.sockets import client_manager
        queue_options["client_manager"] = client_manager(app.config["MESSAGE_QUEUE"])
    socketio.init_app(app, async_mode=async_mode(app.config.get("ASYNC_MODE")), message_queue=app.config.get("MESSAGE_QUEUE"),
                      cors_allowed_origins=app.config.get("CORS_ALLOWED_ORIGINS", None),
                      logger=False, engineio_logger=False, **queue_options)

    hooks.init_app(app)

    # --- blueprints (core, then features)
    from queue_service.web import admin, api, auth, errors, formats, pages
    errors.init_app(app)
    formats.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(pages.bp)
    from queue_service.web import counter, display, estimates, status, voice
    app.register_blueprint(counter.bp)
    app.register_blueprint(display.bp)
    app.register_blueprint(status.bp)
    app.register_blueprint(voice.bp)
    app.register_blueprint(estimates.bp)
    _features(app)

    # --- background jobs and sockets
    from queue_service import background, sockets
    background.init_app(app)
    sockets.init_app(app)

    from queue_service import logs
    logs.init_app(app)
    _request_hooks(app)
    if app.config.get("PROXY_FIX"):
        # behind nginx: trust one proxy for the client address, scheme and host (secure cookies, URLs)
        from werkzeug.middleware.proxy_fix import ProxyFix
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    return app


#: features that were renamed: a deployment's ``ADMINDUK_FEATURES`` naming the old package keeps working
RENAMED_FEATURES = {"printers": "printjobs"}  # the print jobs left the printer driver (``printers``)


def _features(app: Flask) -> None:
    """Wire the feature packages. They never import each other; only this function knows all."""
    import importlib

    for name in dict.fromkeys(RENAMED_FEATURES.get(n, n) for n in app.config["FEATURES"]):
        try:
            module = importlib.import_module(f"{name}.web")
        except ModuleNotFoundError as exc:
            if exc.name in (name, f"{name}.web"):
                continue  # feature not installed in this build
            raise
        module.init_app(app)


def _request_hooks(app: Flask) -> None:
    from flask_login import current_user

    from queue_service.web.access import DEVICE_COOKIE, bearer_token

    @app.before_request
    def _csrf():
        if request.method not in ("POST", "PUT", "PATCH", "DELETE") or bearer_token() is not None:
            return
        if (request.path.startswith("/api/") and not request.cookies.get(DEVICE_COOKIE)
                and not current_user.is_authenticated):
            # no credentials at all: there is nothing to forge, say what is missing (401 + WWW-Authenticate)
            from flask import abort
            abort(401, description="Send an API token: Authorization: Bearer <token>.")
        if app.config.get("WTF_CSRF_ENABLED", True):  # tests may switch CSRF off
            csrf.protect()

    from queue_service.web.pages import manager_sections

    @app.context_processor
    def _globals():
        return {"current_locale": str(get_locale() or app.config["DEFAULT_LOCALE"]),
                "languages": app.config["LANGUAGES"], "current_user": current_user,
                "manager_sections": manager_sections}

    @app.after_request
    def _headers(response):
        h = response.headers
        h.setdefault("Content-Security-Policy",
                     "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                     "connect-src 'self' ws: wss:; font-src 'self'; media-src 'self'; object-src 'none'; "
                     "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("Referrer-Policy", "same-origin")
        h.setdefault("X-Frame-Options", "DENY")
        if request.path.startswith("/api/") or request.endpoint == "auth.login_page":
            h.setdefault("Cache-Control", "no-store")
        return response
