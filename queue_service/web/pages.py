"""The start page: where each kind of user goes next."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _

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


def manager_sections() -> list[dict]:
    """The manager's sections — the start page's tiles for managers (stock, queue figures, bookings, IKM and
    complaints: ``hooks.nav_links`` for managers and not clerks) and the administration — shown as one bar on every
    staff page, so they are one click apart whichever feature's page is open; the open one is marked. Empty for
    clerks, devices and citizens."""
    p = principal()
    if p.kind != "user" or not (p.is_admin or p.role == "manager"):
        return []
    here = request.blueprint or ""
    out = [{"url": url_for(link.endpoint), "label": link.label, "current": here == link.endpoint.split(".")[0]}
           for link in hooks.current().nav_links if "manager" in link.roles and "clerk" not in link.roles]
    out.append({"url": url_for("admin.index"), "label": _("Administrasi"), "current": here == "admin"})
    return out


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
