"""The manager pages write numbers, dates, units and alerts one way, with Babel, in the page's language; chart
date labels never overlap; the ledger CSV is named by the office's own day.

Found in a real browser: "31/0809" under the charts (the first day's label and the month's ran into each
other), "3,3 hari" next to "3.3 hari" and "2026-12-08", alert sentences and units in Indonesian on the English
page, and the CSV named by the UTC date."""
from __future__ import annotations

import re
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from inventory import chart
from inventory.alerts import active_alert, alert_payload
from inventory.ledger import item_by_code
from inventory.seed import seed_stock
from queue_service.extensions import db
from queue_service.models import Office
from tests.conftest import MONDAY_0800_WIB

TICK_Y = chart.H - chart.PAD_B + 14  # the x-axis labels' baseline


def x_ticks(svg: str) -> list[tuple[float, str]]:
    return [(float(x), text) for x, text in re.findall(
        rf'<text class="tick" x="([\d.]+)" y="{TICK_Y}">([^<]*)</text>', svg)]


def width(text: str) -> float:
    """A tick label's width at 12 px (DejaVu Sans: ~0.62 em a glyph), with a hair of room."""
    return len(text) * 12 * 0.62 + 2


def assert_no_overlap(ticks):
    for (x1, t1), (x2, t2) in zip(ticks, ticks[1:]):
        assert x1 + width(t1) <= x2, f"{t1!r} at {x1} runs into {t2!r} at {x2}"


@pytest.mark.parametrize("today", [date(2026, 11, 29), date(2026, 3, 2), date(2026, 1, 5)])
def test_chart_date_labels_never_overlap(today):
    past = {today - timedelta(days=i): 10.0 for i in range(1, 91)}  # 90 days back: from 31 Aug for 29 Nov
    dates = [today + timedelta(days=i) for i in range(30)]
    svg = chart.demand_chart("d", today=today, past=past, closed=set(), dates=dates, mean=[5.0] * 30,
                             lower=[1.0] * 30, upper=[9.0] * 30, labels={
                                 "today": "Hari ini", "censored": "-", "demand_title": "t", "demand_desc": "d"})
    ticks = x_ticks(svg)
    assert len(ticks) >= 3
    assert_no_overlap(ticks)
    # every month start is labelled
    months = {d for d in list(past) + dates if d.day == 1}
    assert len(ticks) >= len(months)


def test_chart_writes_dates_and_numbers_as_the_page_says():
    fmt = chart.ChartFormat(day=lambda d: f"<{d.day}.{d.month}>", long_day=lambda d: f"[{d.isoformat()}]",
                            number=lambda v: f"n{v:.0f}")
    today = date(2026, 11, 29)
    svg = chart.stock_chart("s", today=today, past_stock={today - timedelta(days=3): 5000},
                            projection=[(today + timedelta(days=i), 5000.0 - 100 * i) for i in range(30)],
                            stockout=None, deliveries=[(today + timedelta(days=9), 3000)], reorder_point=1500.4,
                            labels={"today": "T", "reorder_point": "ROP", "delivery": "K", "stockout": "H",
                                    "stock_title": "t", "stock_desc": "d"}, fmt=fmt)
    assert "&lt;1.12&gt;" in svg and "ROP n1500" in svg and "K +n3000" in svg
    assert not re.search(r"\d{2}/\d{2}", svg)


# --------------------------------------------------------------------------- the pages


class Text(HTMLParser):
    """What a reader sees: text outside <script>/<style>."""

    def __init__(self):
        super().__init__()
        self.skip, self.parts = 0, []

    def handle_starttag(self, tag, attrs):
        self.skip += tag in ("script", "style", "title", "desc")

    def handle_endtag(self, tag):
        self.skip -= tag in ("script", "style", "title", "desc") and self.skip > 0

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def visible(html: str) -> str:
    p = Text()
    p.feed(html)
    return re.sub(r"\s+", " ", " ".join(p.parts))


@pytest.fixture
def manager(app, client, demo):
    with app.app_context():
        seed_stock(db.session, demo, MONDAY_0800_WIB)
        db.session.commit()
        db.session.remove()
    pw = next(u["password"] for u in demo["users"] if u["username"] == "manajer")
    app.config["WTF_CSRF_ENABLED"] = False
    assert client.post("/login", data={"username": "manajer", "password": pw}).status_code in (302, 303)
    return client


def test_dashboard_ledger_and_alerts_in_indonesian_and_in_english(app, manager):
    id_page = visible(manager.get("/manager/BKS?lang=id").get_data(as_text=True))
    en_page = visible(manager.get("/manager/BKS?lang=en").get_data(as_text=True))
    for page in (id_page, en_page):
        assert not re.search(r"\b20\d\d-\d\d-\d\d\b", page), "an ISO date on the page"
        assert not re.search(r"\b\d\d-\d\d-20\d\d\b", page), "a dd-mm-yyyy date on the page"
    # days of cover: one way per language
    assert re.search(r"\b\d,\d hari\b", id_page) and not re.search(r"\b\d\.\d hari\b", id_page)
    assert re.search(r"\b\d\.\d days\b", en_page) and not re.search(r"\b\d,\d days\b", en_page)
    # counts grouped the language's way (ribbon: 2,400 cards' worth)
    assert "2.400" in id_page and "2,400" in en_page
    # the alert: a sentence in the page's language, units and dates too
    delivery = MONDAY_0800_WIB.date() + timedelta(days=9)
    assert f"kemungkinan habis sebelum kiriman {delivery.day} Jan 2026 tiba (sisa 420 lembar, cukup untuk" in id_page
    assert f"chance to run out before the delivery of Jan {delivery.day}, 2026 arrives (420 sheets left, enough " \
           "for" in en_page
    for indonesian in ("lembar", "kartu", "kemungkinan", "hari", "Kiriman", "belum ada", "sisa"):
        assert not re.search(rf"\b{indonesian}\b", en_page), indonesian  # (data such as "rekap harian" aside)
    # the ledger: times in the office's zone, signed quantities, the language's digits
    ledger_en = visible(manager.get("/manager/BKS/ledger?lang=en").get_data(as_text=True))
    assert re.search(r"[A-Z][a-z]{2} \d{1,2}, 2026 \d\d:\d\d WIB", ledger_en)
    assert not re.search(r"\b\d\d-\d\d-20\d\d\b", ledger_en)
    ledger_id = visible(manager.get("/manager/BKS/ledger?lang=id").get_data(as_text=True))
    assert re.search(r"\b\d{1,2} [A-Z][a-z]{2} 2026 \d\d\.\d\d WIB", ledger_id)


def test_alerts_are_stored_with_their_figures_and_the_api_keeps_indonesian(app, manager):
    with app.app_context():
        office = db.session.scalar(select(Office).where(Office.code == "BKS"))
        alert = active_alert(db.session, item_by_code(db.session, office, "KTP_EL"))
        assert alert.detail and '"reason": "runs_out_before_delivery"' in alert.detail
        payload = alert_payload(alert)
        db.session.remove()
    assert payload["detail"]["balance"] == 420 and payload["detail"]["reason"] == "runs_out_before_delivery"
    assert "kemungkinan habis" in payload["message"]  # webhooks and the API keep the Indonesian sentence
    assert not re.search(r"cukup \d+\.\d", payload["message"])  # with an Indonesian decimal comma


def test_ledger_csv_is_named_by_the_offices_own_day(app, manager, clock):
    # Tuesday 05:00 WIB is still Monday 22:00 in UTC
    clock.advance(hours=21)
    r = manager.get("/manager/BKS/ledger.csv")
    assert r.status_code == 200
    assert r.headers["Content-Disposition"] == 'attachment; filename="stok-BKS-20260106.csv"'
