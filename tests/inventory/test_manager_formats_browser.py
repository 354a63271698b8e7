"""The manager dashboard in Chromium on the morning the tester saw "31/0809": the charts start on 31 August
(90 days before 29 November), and no two date labels touch as drawn; the English page reads English; axe clean."""
from __future__ import annotations

import re
from datetime import datetime, timezone

from inventory.seed import seed_stock
from queue_service.extensions import db
from tests.plugins.browser import assert_accessible, save_artifact
from tests.printers.test_agent import RunningClock

SUNDAY_29_NOV_0900_WIB = datetime(2026, 11, 29, 2, 0, tzinfo=timezone.utc)

#: every chart's x-axis labels as drawn: [[{text, left, right}, ...] per chart]
LABEL_BOXES = """() => [...document.querySelectorAll('svg.chart')].map(svg =>
  [...svg.querySelectorAll('text.tick')].filter(t => t.getAttribute('y') === '210').map(t => {
    const r = t.getBoundingClientRect();
    return {text: t.textContent, left: r.left, right: r.right};
  }))"""


def test_dashboard_charts_and_formats_in_chromium(live_server, browser):
    s = live_server
    s.app.config["CLOCK"] = RunningClock(SUNDAY_29_NOV_0900_WIB)
    with s.app.app_context():
        seed_stock(db.session, s.demo, SUNDAY_29_NOV_0900_WIB)
        db.session.commit()
        db.session.remove()
    for lang, size in (("id", (412, 915)), ("en", (1280, 900))):
        context = browser.new_context(viewport={"width": size[0], "height": size[1]}, bypass_csp=True)
        try:
            page = context.new_page()
            s.login(page, "manajer")
            page.goto(f"{s.url}/manager?lang={lang}")
            page.wait_for_selector("#item-KTP_EL")
            charts = page.evaluate(LABEL_BOXES)
            assert len(charts) >= 4
            for labels in charts:
                texts = [x["text"] for x in labels]
                assert ("1 Sep" if lang == "id" else "Sep 1") in texts, texts
                for a, b in zip(labels, labels[1:]):
                    assert a["right"] <= b["left"], f"{a['text']!r} runs into {b['text']!r}"
            text = page.inner_text("main")
            if lang == "en":
                assert "chance to run out before the delivery of" in text and "sheets" in text
                assert not re.search(r"\b(lembar|hari)\b", text)  # (data such as "rekap harian" aside)
            else:
                assert "kemungkinan habis sebelum kiriman" in text and "lembar" in text
            save_artifact(page, f"manager-dashboard-{lang}")
            assert_accessible(page, artifact=f"manager-a11y-dashboard-{lang}")
            page.goto(f"{s.url}/manager/BKS/ledger")
            assert_accessible(page, artifact=f"manager-a11y-ledger-{lang}")
            save_artifact(page, f"manager-ledger-{lang}", full_page=False)
        finally:
            context.close()
