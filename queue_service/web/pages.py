"""The start page: where each kind of user goes next."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for

from queue_service import hooks
from queue_service.web.access import accessible_offices, principal

bp = Blueprint("pages", __name__)


@bp.get("/")
def index():
    """The core's tiles, then each feature's (``hooks.nav_links``) that this person's role may open."""
    p = principal()
    offices = accessible_offices() if p.kind == "user" else []
    tiles = [link for link in hooks.current().nav_links if p.is_admin or p.role in link.roles]
    return render_template("index.html", principal=p, offices=offices, tiles=tiles)


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
