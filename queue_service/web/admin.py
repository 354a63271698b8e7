"""Administration pages (offices, services, counters, users, devices)."""
from __future__ import annotations

from flask import Blueprint, render_template

from queue_service.web.access import accessible_offices, require

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
@require(roles=("manager",))
def index():
    return render_template("admin/index.html", offices=accessible_offices())
