"""Errors become JSON under /api and a friendly page elsewhere; never a traceback."""
from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from queue_service.domain.errors import DomainError
from queue_service.extensions import db

log = logging.getLogger(__name__)

CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
         405: "method_not_allowed", 409: "conflict", 413: "payload_too_large", 415: "unsupported_media_type",
         422: "validation_error", 429: "too_many_requests", 503: "unavailable"}


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path.startswith("/socket.io")


def api_error(http_status: int, code: str, message: str, details: dict | None = None):
    body = {"error": code, "message": message}
    if details:
        body["details"] = details
    return jsonify(body), http_status


def _page(status: int, title: str, message: str):
    return render_template("errors/error.html", status=status, title=title, message=message), status


def init_app(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):
        db.session.rollback()
        if wants_json():
            return api_error(exc.status, exc.code, exc.message,
                             {k: v for k, v in exc.details.items() if isinstance(v, (str, int, float))})
        return _page(exc.status, _("Tindakan tidak dapat dilakukan"), exc.message)

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        if wants_json():
            return api_error(400, "csrf_failed", "The form's security token is missing or expired. Reload the page.")
        return _page(400, _("Formulir kedaluwarsa"), _("Halaman terbuka terlalu lama atau formulir tidak lengkap. "
                                                  "Silakan kembali, muat ulang halaman, lalu coba lagi."))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        status = exc.code or 500
        if wants_json():
            response, status = api_error(status, CODES.get(status, "error"), exc.description or exc.name)
            if status == 401:  # RFC 6750: how to authenticate, and whether the token sent was the problem
                from queue_service.web.access import bearer_token
                challenge = 'Bearer realm="adminduk"'
                if bearer_token() is not None:
                    challenge += ', error="invalid_token"'
                response.headers["WWW-Authenticate"] = challenge
            return response, status
        titles = {
            400: _("Permintaan tidak dapat dipahami"), 401: _("Silakan masuk"),
            403: _("Akses ditolak"), 404: _("Halaman tidak ditemukan"), 405: _("Tidak diizinkan"),
            413: _("Data terlalu besar"), 429: _("Terlalu banyak permintaan"),
        }
        messages = {
            401: _("Masuk dengan akun petugas Anda untuk melanjutkan."),
            403: _("Akun Anda tidak memiliki akses ke halaman atau kantor ini."),
            404: _("Halaman yang Anda cari tidak ada. Periksa alamatnya atau kembali ke beranda."),
            413: _("Data yang dikirim terlalu besar."),
            429: _("Terlalu banyak permintaan dalam waktu singkat. Mohon tunggu sebentar lalu coba lagi."),
        }
        return _page(status, titles.get(status, exc.name), messages.get(status, _("Silakan kembali dan coba lagi.")))

    @app.errorhandler(OperationalError)
    def _db_busy(exc):
        db.session.rollback()
        log.warning("database unavailable: %s", exc)
        if wants_json():
            return api_error(503, "unavailable", "The database is busy or unavailable; please retry.")
        return _page(503, _("Silakan coba lagi"), _("Server sedang sibuk. Silakan coba lagi sebentar lagi."))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return _http(exc)
        db.session.rollback()
        log.exception("unhandled error on %s %s", request.method, request.path)
        if wants_json():
            return api_error(500, "internal_error", "Something went wrong on the server; nothing was changed.")
        return _page(500, _("Terjadi kesalahan"), _("Terjadi kesalahan di server; tidak ada yang berubah. "
                                                        "Silakan coba lagi."))
