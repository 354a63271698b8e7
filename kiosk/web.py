"""The kiosk feature's wiring (called by ``create_app``): its pages, its issue view for kiosk devices
(``hooks.register_device_issue``) and its OpenAPI paths."""
from __future__ import annotations

from flask import Flask

from queue_service import hooks


def init_app(app: Flask) -> None:
    from kiosk import openapi, pages

    app.register_blueprint(pages.bp)
    hooks.register_device_issue(app, "kiosk", pages.kiosk_issue)
    hooks.register_openapi(app, *openapi.fragment())
    hooks.register_demo_links(app, _demo_links)


def _demo_links(app: Flask, base: str, data: dict) -> list[tuple[str, str]]:
    kiosk = next((d for d in data["devices"] if d["kind"] == "kiosk"), None)
    return [("Kiosk (pairs this browser)", f"{base}/kiosk/pair?token={kiosk['token']}")] if kiosk else []
