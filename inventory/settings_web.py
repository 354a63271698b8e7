"""The manager's stock settings (being written)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("stock_settings", __name__, url_prefix="/manager")
