"""The manager's stock settings: item settings and consumption rules, who may use them, validation next to
the field (nothing half-saved), CSRF, and that a rule takes effect at once for the quota cap and the
counter's finish hook. One Chromium test for accessibility (axe) with a screenshot."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from queue_service import hooks
from inventory.ledger import MovementInput, balance_of, ensure_items, item_by_code, record_movement
from inventory.models import ServiceConsumption, StockItem
from inventory.settings import ItemSettings, RuleInput, parse_percent, percent_text, save_item_settings, save_rule
from queue_service.domain.clock import office_day
from queue_service.domain.errors import ValidationFailed
from queue_service.extensions import db
from queue_service.models import Office, Service
from queue_service.services import tickets as svc
from queue_service.services.seed import seed_demo
from tests.conftest import MONDAY_0800_WIB
from tests.plugins.browser import assert_accessible, save_artifact

T0 = MONDAY_0800_WIB
SETTINGS = "/manager/BKS/settings"


def _login(client, users, username):
    pw = next(u["password"] for u in users if u["username"] == username)
    r = client.post("/login", data={"username": username, "password": pw})
    assert r.status_code in (302, 303), r.get_data(as_text=True)[:200]


def _quota(app, service_code="CETAK", office_code="BKS"):
    """The service's effective quota today, through the core with the app's own quota caps."""
    with app.app_context():
        service = db.session.scalar(select(Service).join(Office).where(
            Office.code == office_code, Service.code == service_code))
        value = svc.effective_quota(db.session, service, office_day(T0, service.office.timezone),
                                    hooks.of(app).quota_caps)
        db.session.remove()
    return value


def _rules(app, office_code="BKS"):
    with app.app_context():
        rows = db.session.execute(
            select(Service.code, StockItem.code, ServiceConsumption.per_card, ServiceConsumption.caps_quota,
                   ServiceConsumption.reserve, ServiceConsumption.id)
            .join(Service, Service.id == ServiceConsumption.service_id)
            .join(StockItem, StockItem.id == ServiceConsumption.item_id)
            .join(Office, Office.id == Service.office_id).where(Office.code == office_code)).all()
        db.session.remove()
    return {(s, i): (p, c, r, rid) for s, i, p, c, r, rid in rows}


def _item(app, code, office_code="BKS"):
    with app.app_context():
        item = db.session.scalar(select(StockItem).join(Office).where(Office.code == office_code,
                                                                      StockItem.code == code))
        out = (item.lead_days, item.service_level, item.capacity, item.active)
        db.session.remove()
    return out


def _balance(app, code="KTP_EL"):
    with app.app_context():
        office = db.session.scalar(select(Office).where(Office.code == "BKS"))
        value = balance_of(db.session, item_by_code(db.session, office, code))
        db.session.remove()
    return value


def _finish_one_cetak(api, app):
    """Issue a Pencetakan ticket (by the clerk: the kiosk would answer a repeat within seconds with the same
    ticket), call and finish it at a counter (1 card printed)."""
    t = api.tokens
    r = api.post("/api/v1/offices/BKS/tickets", {"service": "CETAK"}, token=t["petugas3"])
    assert r.status_code == 201, r.json
    with app.app_context():
        cid = db.session.scalar(select(Service).where(Service.code == "CETAK")).counters[0].id
        db.session.remove()
    called = api.post(f"/api/v1/counters/{cid}/call-next", token=t["petugas3"]).json
    r = api.post(f"/api/v1/tickets/{called['id']}/finish", {"cards": 1}, token=t["petugas3"])
    assert r.status_code == 200, r.json


@pytest.fixture
def offices(app, demo):
    """The demo office BKS (no stock rules yet, 100 KTP-el blanks) and a second office KBKS."""
    with app.app_context():
        other = seed_demo(db.session, now=T0, code="KBKS", name="Disdukcapil Kota Bekasi")
        bks = db.session.scalar(select(Office).where(Office.code == "BKS"))
        record_movement(db.session, office=bks, data=MovementInput(
            kind="receipt", quantity=100, source="Ditjen Dukcapil"), now=T0, actor="test")
        ensure_items(db.session, db.session.scalar(select(Office).where(Office.code == "KBKS")))
        db.session.commit()
        db.session.remove()
    return demo["users"] + other["users"], other


def test_rules_take_effect_at_once_for_the_quota_cap_and_the_finish_hook(app, client, api, offices):
    users, _other = offices
    app.config["WTF_CSRF_ENABLED"] = False
    _login(client, users, "manajer")
    # the stock dashboard links to the settings page, which lists the items and (no) rules
    assert SETTINGS in client.get("/manager/BKS").get_data(as_text=True)
    page = client.get(SETTINGS)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Blangko KTP-el" in html and "Pita printer" in html and "Belum ada aturan" in html
    assert _rules(app) == {} and _quota(app) == 150  # CETAK's own quota

    # add: Pencetakan's quota follows the blanks above a reserve of 30 -> 100 - 30 = 70 < 150
    r = client.post(f"{SETTINGS}/rules", data={"service": "CETAK", "item": "KTP_EL", "per_card": "1",
                                                "caps_quota": "y", "reserve": "30"})
    assert r.status_code == 303 and r.headers["Location"].endswith("/manager/BKS/settings#rules")
    assert _quota(app) == 70
    avail = api.get("/api/v1/offices/BKS/services/CETAK/availability", token=api.tokens["kiosk"]).json
    assert avail["stock_cap"] == 70 and avail["quota"] == 70
    assert "Aturan CETAK · KTP_EL ditambahkan." in client.get(SETTINGS).get_data(as_text=True)
    # the same (service, item) updates the rule instead of adding a second one
    r = client.post(f"{SETTINGS}/rules", data={"service": "CETAK", "item": "KTP_EL", "per_card": "1",
                                                "caps_quota": "y", "reserve": "95"})
    assert r.status_code == 303
    rules = _rules(app)
    assert list(rules) == [("CETAK", "KTP_EL")] and rules["CETAK", "KTP_EL"][:3] == (1, True, 95)
    assert _quota(app) == 5
    # the finish hook takes a blank for each card printed under the rule
    _finish_one_cetak(api, app)
    assert _balance(app) == 99
    assert _quota(app) == 1 + (99 - 95)  # one finished today + what the stock above the reserve still prints
    # the "Ubah" link fills the form with the rule
    html = client.get(f"{SETTINGS}?rule={rules['CETAK', 'KTP_EL'][3]}").get_data(as_text=True)
    assert 'value="95"' in html and 'id="caps_quota" name="caps_quota" type="checkbox" value="y"' in html \
        and "checked" in html

    # delete: the quota is the service's own again, and finishing takes nothing off the ledger
    rule_id = rules["CETAK", "KTP_EL"][3]
    r = client.post(f"{SETTINGS}/rules/{rule_id}/delete")
    assert r.status_code == 303 and _rules(app) == {}
    assert _quota(app) == 150
    _finish_one_cetak(api, app)
    assert _balance(app) == 99
    # a second click on "Hapus" (another tab) changes nothing and is not an error page
    r = client.post(f"{SETTINGS}/rules/{rule_id}/delete", follow_redirects=True)
    assert r.status_code == 200 and "Aturan itu sudah tidak ada." in r.get_data(as_text=True)


def test_validation_next_to_the_field_and_nothing_half_saved(app, client, offices):
    users, _other = offices
    app.config["WTF_CSRF_ENABLED"] = False
    _login(client, users, "manajer")
    ok = {"service": "CETAK", "item": "KTP_EL", "per_card": "1", "reserve": "0"}
    for change, field, text in [
        ({"per_card": "0"}, "per_card", "Isi bilangan bulat 1 sampai 100."),
        ({"per_card": ""}, "per_card", "Wajib diisi."),
        ({"per_card": "1,5"}, "per_card", "Isi dengan bilangan bulat."),
        ({"reserve": "-1"}, "reserve", "Isi bilangan bulat 0 sampai 1000000."),
        ({"service": "NOPE"}, "service", "Pilih layanan kantor ini."),
        ({"item": "LAINNYA"}, "item", "Pilih barang yang aktif di kantor ini."),
    ]:
        r = client.post(f"{SETTINGS}/rules", data={**ok, **change})
        html = r.get_data(as_text=True)
        assert r.status_code == 422, change
        assert f'<p class="field-error" id="{field}-error">{text}</p>' in html, (change, html[-3000:])
        assert 'aria-invalid="true"' in html and "Formulir belum tersimpan" in html
    assert _rules(app) == {}
    # a valid rule is saved (KTP-el blanks for KIA: odd, but allowed)
    r = client.post(f"{SETTINGS}/rules", data={**ok, "service": "KIA"}, follow_redirects=False)
    assert r.status_code == 303 and list(_rules(app)) == [("KIA", "KTP_EL")]

    url = f"{SETTINGS}/items/KTP_EL"
    assert client.get(url).status_code == 200
    before = _item(app, "KTP_EL")
    assert before == (14, 0.95, None, True)
    for data, field, text in [
        ({"lead_days": "0", "service_level": "95"}, "lead_days", "Isi bilangan bulat 1 sampai 180."),
        ({"lead_days": "181", "service_level": "95"}, "lead_days", "Isi bilangan bulat 1 sampai 180."),
        ({"lead_days": "30", "service_level": "99,95"}, "service_level", "Isi persen antara 50 dan 99,9."),
        ({"lead_days": "30", "service_level": "0,95"}, "service_level", "Isi persen antara 50 dan 99,9."),
        ({"lead_days": "30", "service_level": "banyak"}, "service_level", "Isi persen antara 50 dan 99,9."),
        ({"lead_days": "30", "service_level": "95", "capacity": "250"}, "capacity",
         "Kapasitas hanya untuk pita dan film; kosongkan."),
        # KTP_EL is used by the KIA rule above: it cannot be switched off under it
        ({"lead_days": "30", "service_level": "95"}, "active",
         "Barang ini masih dipakai aturan pemakaian layanan KIA; hapus aturannya dulu."),
    ]:
        r = client.post(url, data={"active": "y", **data} if field != "active" else data)
        assert r.status_code == 422, data
        assert f'id="{field}-error">{text}</p>' in r.get_data(as_text=True), (data, r.get_data(as_text=True)[-2500:])
        assert _item(app, "KTP_EL") == before  # lead_days 30 was valid, yet nothing was saved
    r = client.post(url, data={"lead_days": "30", "service_level": "97,5", "active": "y"})
    assert r.status_code == 303 and _item(app, "KTP_EL") == (30, 0.975, None, True)
    assert "97,5" in client.get(SETTINGS).get_data(as_text=True)
    # ribbon: capacity is required, and saving marks the risk figures for a recompute
    rib = f"{SETTINGS}/items/RIBBON"
    assert 'id="capacity"' in client.get(rib).get_data(as_text=True)
    r = client.post(rib, data={"lead_days": "21", "service_level": "90", "active": "y"})
    assert r.status_code == 422 and 'id="capacity-error">Wajib diisi.</p>' in r.get_data(as_text=True)
    r = client.post(rib, data={"lead_days": "21", "service_level": "90", "capacity": "300"})
    assert r.status_code == 303 and _item(app, "RIBBON") == (21, 0.9, 300, False)
    with app.app_context():
        item = db.session.scalar(select(StockItem).join(Office).where(Office.code == "BKS",
                                                                      StockItem.code == "RIBBON"))
        assert item.level.stale
        db.session.remove()
    # an inactive item is no choice for a rule
    r = client.post(f"{SETTINGS}/rules", data={**ok, "item": "RIBBON"})
    assert r.status_code == 422 and _rules(app).get(("CETAK", "RIBBON")) is None
    assert client.get(f"{SETTINGS}/items/NOPE").status_code == 404


def test_who_may_change_the_settings(app, offices):
    users, _other = offices
    app.config["WTF_CSRF_ENABLED"] = False
    anon = app.test_client()
    assert anon.get(SETTINGS).status_code in (302, 401)
    assert anon.post(f"{SETTINGS}/rules", data={"service": "CETAK", "item": "KTP_EL", "per_card": "1"}
                     ).status_code in (302, 401)
    clerk = app.test_client()
    _login(clerk, users, "petugas1")
    assert clerk.get(SETTINGS).status_code == 403
    assert clerk.get(f"{SETTINGS}/items/KTP_EL").status_code == 403
    assert clerk.post(f"{SETTINGS}/rules", data={"service": "CETAK", "item": "KTP_EL", "per_card": "1"}
                      ).status_code == 403
    other = app.test_client()
    _login(other, users, "manajer.kbks")
    assert other.get(SETTINGS).status_code == 403
    assert other.post(f"{SETTINGS}/items/KTP_EL", data={"lead_days": "3", "service_level": "60"}
                      ).status_code == 403
    assert other.get("/manager/KBKS/settings").status_code == 200
    admin = app.test_client()
    _login(admin, users, "admin")
    r = admin.post(f"{SETTINGS}/rules", data={"service": "CETAK", "item": "KTP_EL", "per_card": "1"})
    assert r.status_code == 303
    rule_id = _rules(app)["CETAK", "KTP_EL"][3]
    assert clerk.post(f"{SETTINGS}/rules/{rule_id}/delete").status_code == 403
    assert other.post(f"{SETTINGS}/rules/{rule_id}/delete").status_code == 403
    # a BKS rule id under the other office's own address is not theirs: nothing deleted
    assert other.post(f"/manager/KBKS/settings/rules/{rule_id}/delete").status_code == 303
    assert ("CETAK", "KTP_EL") in _rules(app)
    assert _item(app, "KTP_EL") == (14, 0.95, None, True)

    # CSRF on: a POST without the form's token is refused and nothing is stored
    app.config["WTF_CSRF_ENABLED"] = True
    r = admin.post(f"{SETTINGS}/rules/{rule_id}/delete")
    assert r.status_code == 400 and ("CETAK", "KTP_EL") in _rules(app)
    r = admin.post(f"{SETTINGS}/items/KTP_EL", data={"lead_days": "3", "service_level": "60", "active": "y"})
    assert r.status_code == 400 and _item(app, "KTP_EL") == (14, 0.95, None, True)


def test_the_checks_are_plain_functions(app, offices):
    assert parse_percent("95") == pytest.approx(0.95) and parse_percent("97,5 %") == pytest.approx(0.975)
    assert parse_percent(99.9) == pytest.approx(0.999) and percent_text(0.975) == "97,5" and percent_text(0.9) == "90"
    for bad in ("49,9", "100", "nan", "inf", "", None, True, "9e1x"):
        with pytest.raises(ValidationFailed) as err:
            parse_percent(bad)
        assert err.value.details["field"] == "service_level"
    with app.app_context():
        bks = db.session.scalar(select(Office).where(Office.code == "BKS"))
        film = item_by_code(db.session, bks, "FILM")
        for data, field in [(ItemSettings(lead_days=True, service_level="95", capacity=500), "lead_days"),
                            (ItemSettings(lead_days=7, service_level="95", capacity=0), "capacity"),
                            (ItemSettings(lead_days=7, service_level="95", capacity="x"), "capacity")]:
            with pytest.raises(ValidationFailed) as err:
                save_item_settings(db.session, film, data)
            assert err.value.details["field"] == field
        rule, created = save_rule(db.session, bks, RuleInput("KIA", "FILM", per_card=2, caps_quota=False, reserve=0))
        again, created2 = save_rule(db.session, bks, RuleInput("KIA", "FILM", per_card="3", reserve="0"))
        assert created and not created2 and again.id == rule.id and again.per_card == 3
        assert db.session.scalar(select(func.count(ServiceConsumption.id))) == 1
        db.session.rollback()
        db.session.remove()


def test_settings_pages_in_chromium_are_accessible(live_server, a11y_page):
    s = live_server
    with s.app.app_context():
        from inventory.seed import seed_stock
        seed_stock(db.session, s.demo, datetime.now(timezone.utc))
        db.session.commit()
        db.session.remove()
    page = a11y_page
    page.set_viewport_size({"width": 1280, "height": 900})
    s.login(page, "manajer")
    page.goto(f"{s.url}/manager/BKS")
    page.click("text=Pengaturan stok")
    page.wait_for_selector("#rules-title")
    assert page.locator("#rules tbody tr").count() == 6  # the demo's rules (CETAK and KIA)
    assert_accessible(page)
    save_artifact(page, "stock-settings")
    # an error in the add/update form: shown next to its field, still accessible
    page.fill("#per_card", "0")
    page.click("#rule-form button[type=submit]")
    page.wait_for_selector("#per_card-error")
    assert "Isi bilangan bulat 1 sampai 100." in page.inner_text("#per_card-error")
    assert_accessible(page)
    save_artifact(page, "stock-settings-rule-error")
    # one item's page, with an error
    page.goto(f"{s.url}/manager/BKS/settings/items/RIBBON")
    page.fill("#capacity", "")
    page.click("form.stock-form button[type=submit]")
    page.wait_for_selector("#capacity-error")
    assert_accessible(page)
    # delete a rule with the keyboard-reachable "Hapus" button
    page.goto(f"{s.url}/manager/BKS/settings")
    page.locator("#rules tbody tr").first.locator("button", has_text="Hapus").click()
    page.wait_for_selector(".flash")
    assert page.locator("#rules tbody tr").count() == 5
