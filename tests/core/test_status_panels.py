"""The core's status page renders the panels features register (``hooks.StatusPanel``), with no feature
imported: each panel's template gets ``panel`` (its context for this ticket), its static scripts and styles are
added, a panel whose context is None is left out. (``status.js`` relaying the room's events is shown by the
feedback browser test: an answer appears without a reload.)"""
from __future__ import annotations

from jinja2 import ChoiceLoader, DictLoader
from sqlalchemy import select

from queue_service import hooks
from queue_service.extensions import db
from queue_service.models import Office
from queue_service.services import tickets as tsvc
from tests.conftest import MONDAY_0800_WIB, make_app, seed


def test_registered_panels_render_on_the_status_page(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'p.sqlite3'}", tmp_path, FEATURES=[])
    seed(app)
    seen = []

    def shown(session, ticket, now):
        seen.append((ticket.code, now))
        return {"words": f"panel for {ticket.code}"}

    hooks.register_status_panel(app, hooks.StatusPanel("a", 20, "test/_a.html", shown, scripts=("js/a.js",),
                                                       styles=("css/a.css",)))
    hooks.register_status_panel(app, hooks.StatusPanel("none", 10, "test/_none.html", lambda s, t, n: None))
    app.jinja_env.loader = ChoiceLoader([DictLoader({"test/_a.html": '<p id="a-words">{{ panel.words }}</p>',
                                                     "test/_none.html": "NEVER"}), app.jinja_env.loader])
    with app.app_context():
        office = db.session.scalar(select(Office))
        ticket, _ = tsvc.issue_ticket(db.session, office=office, service=office.services[0], now=MONDAY_0800_WIB)
        db.session.commit()
        token, code = ticket.token, ticket.code
        db.session.remove()
    html = app.test_client().get(f"/t/{token}").get_data(as_text=True)
    assert f'<div class="status-panel" id="panel-a"><p id="a-words">panel for {code}</p></div>' in html
    assert "NEVER" not in html and 'id="panel-none"' not in html
    assert '<script src="/static/js/a.js"></script>' in html
    assert '<link rel="stylesheet" href="/static/css/a.css">' in html
    assert html.index('src="/static/js/status.js"') < html.index('src="/static/js/a.js"')
    assert seen == [(code, MONDAY_0800_WIB)]


def test_without_panels_the_page_is_unchanged(app, demo):
    with app.app_context():
        office = db.session.scalar(select(Office))
        hooks.of(app).status_panels.clear()
        ticket, _ = tsvc.issue_ticket(db.session, office=office, service=office.services[0], now=MONDAY_0800_WIB)
        db.session.commit()
        token = ticket.token
        db.session.remove()
    html = app.test_client().get(f"/t/{token}").get_data(as_text=True)
    assert 'class="status-panel"' not in html

