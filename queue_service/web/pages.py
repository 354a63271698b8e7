"""The start page: where each kind of user goes next."""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, url_for

from queue_service.web.access import accessible_offices, principal

bp = Blueprint("pages", __name__)


@bp.get("/")
def index():
    p = principal()
    offices = accessible_offices() if p.kind == "user" else []
    links = {name: name in current_app.view_functions for name in (
        "counter.console", "display.screen", "kiosk.kiosk_page", "manager.dashboard", "admin.index",
        "printers.index")}
    return render_template("index.html", principal=p, offices=offices, links=links)


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for it whatever the page says; answer with the SVG icon instead of a 404."""
    return redirect(url_for("static", filename="img/favicon.svg"), 301)


@bp.get("/healthz")
def healthz():
    from sqlalchemy import text

    from queue_service.extensions import db
    db.session.execute(text("select 1"))
    return {"status": "ok"}
