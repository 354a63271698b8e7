"""The counter console's transfer list and the citizen's status page after a transfer and a no-show, as
served (no JavaScript): the list never starts on the ticket's own service, the page says what happened."""
from __future__ import annotations

import re

from tests.realtime.conftest import login
from tests.realtime.test_pages import KIOSK_PATH, json_block


def notice(html: str) -> tuple[str, bool, str]:
    """The status page's notice as served: (kind, hidden, text)."""
    m = re.search(r'<p class="notice" id="ticket-notice" role="status" data-kind="([^"]*)" ?(hidden)?>([^<]*)</p>',
                  html)
    assert m, "no notice element"
    return m.group(1), bool(m.group(2)), m.group(3)


def _counter(demo, services):
    return next(c for c in demo["counters"] if c["services"] == services)


def test_transfer_list_starts_where_this_office_usually_sends_a_service(app, api, demo):
    c = app.test_client()
    login(c, demo, "petugas1")
    loket1 = _counter(demo, ["REKAM"])
    loket4 = _counter(demo, ["KK", "PINDAH"])
    html = c.get(f"/counter?counter={loket1['id']}").get_data(as_text=True)
    defaults = json_block(html, "transfer-defaults")
    # nothing transferred yet: services this counter does not serve, in the office's order (Pencetakan first)
    assert defaults["usual"] == {} and defaults["elsewhere"][0] == "CETAK" and "REKAM" not in defaults["elsewhere"]
    # Kartu Keluarga tickets of this office usually go on to Surat Keterangan (twice), once to Akta Kelahiran
    clerk = api.tokens["petugas4"]
    for target in ("SUKET", "LAHIR", "SUKET"):
        t = api.post(KIOSK_PATH, {"service": "KK"}, token=api.tokens["petugas2"]).get_json()
        assert api.post(f"/api/v1/tickets/{t['id']}/transfer", {"service": target}, token=clerk).status_code == 200
    html = c.get(f"/counter?counter={loket4['id']}").get_data(as_text=True)
    defaults = json_block(html, "transfer-defaults")
    assert defaults["usual"] == {"KK": "SUKET"}


def test_status_page_says_transferred_requeued_and_no_show_without_javascript(app, api, demo):
    clerk = api.tokens["petugas1"]
    loket1 = _counter(demo, ["REKAM"])
    moved = api.post(KIOSK_PATH, {"service": "REKAM"}, token=api.tokens["petugas2"]).get_json()
    absent = api.post(KIOSK_PATH, {"service": "REKAM"}, token=api.tokens["petugas2"]).get_json()
    phone = app.test_client()
    html = phone.get(f"/t/{moved['token']}").get_data(as_text=True)
    assert notice(html) == ("", True, "")

    api.post(f"/api/v1/counters/{loket1['id']}/call-next", token=clerk)
    assert api.post(f"/api/v1/tickets/{moved['id']}/transfer", {"service": "CETAK"}, token=clerk).status_code == 200
    html = phone.get(f"/t/{moved['token']}").get_data(as_text=True)
    assert '<p class="service" id="ticket-service">Pencetakan KTP-el</p>' in html
    kind, hidden, text = notice(html)
    assert (kind, hidden) == ("transferred", False) and text.startswith(
        "Anda dialihkan ke layanan Pencetakan KTP-el. Nomor Anda tetap sama")
    html = phone.get(f"/t/{moved['token']}?lang=en").get_data(as_text=True)
    assert notice(html)[2].startswith("You have been transferred to e-KTP printing.")

    api.post(f"/api/v1/counters/{loket1['id']}/call-next", token=clerk)  # calls the other one
    r = api.post(f"/api/v1/counters/{loket1['id']}/call-next", {"previous": "no_show"}, token=clerk)
    assert r.status_code == 204  # requeued, and not called straight back
    html = phone.get(f"/t/{absent['token']}?lang=id").get_data(as_text=True)  # (English stuck to the session)
    kind, hidden, text = notice(html)
    assert (kind, hidden) == ("requeued", False) and "nomor Anda dikembalikan ke antrean" in text
    assert json_block(html, "status-state")["ticket"]["requeues"] == 1
    api.post(f"/api/v1/counters/{loket1['id']}/call-next", token=clerk)
    assert api.post(f"/api/v1/tickets/{absent['id']}/no-show", token=clerk).get_json()["status"] == "no_show"
    html = phone.get(f"/t/{absent['token']}").get_data(as_text=True)
    kind, hidden, text = notice(html)
    assert (kind, hidden) == ("no_show", False) and "nomor ini tidak berlaku lagi" in text
