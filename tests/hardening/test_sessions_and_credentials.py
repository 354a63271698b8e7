"""Issue 11, security items 3 and 4 over HTTP: a session cookie copied before logout, a password change or a
deactivation stops working; an API call without credentials is a 401 with ``WWW-Authenticate: Bearer``;
signing in takes the same work for unknown user names; an account is capped across addresses.
(The Socket.IO side of item 3 is in test_revocation_sockets.py.)"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from queue_service.extensions import db
from queue_service.models import LoginFailure, User
from tests.hardening.conftest import csrf_from


def _copy(client, app):
    """A second browser holding a copy of ``client``'s session cookie (what an attacker copied)."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    return thief


def _signed_in(client, url="/manager") -> bool:
    r = client.get(url)
    return r.status_code == 200


def _post(client, url, data=None):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    return client.post(url, data={**(data or {}), "csrf_token": token})


def test_a_cookie_copied_before_logout_does_not_work_after_it(world):
    app = world.app
    manager = world.sign_in("manajer")
    thief = _copy(manager, app)
    assert _signed_in(thief)  # the copy works while the session lives
    clerk = world.sign_in("petugas1")
    assert _post(manager, "/logout").status_code == 302
    assert not _signed_in(manager)
    r = thief.get("/manager")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    # nor for a command: the API answers 401 to the dead session
    r = thief.post("/api/v1/offices/BKS/stock/movements", json={"kind": "receipt", "quantity": 1, "source": "x"},
                   headers={"X-CSRFToken": csrf_from(thief.get("/login").get_data(as_text=True))})
    assert r.status_code == 401
    # other people's sessions go on; the manager signs in again normally and the old copy stays dead
    assert _signed_in(clerk, "/counter")
    again = world.sign_in("manajer")
    assert _signed_in(again) and not _signed_in(thief)


def test_a_new_password_ends_every_other_session_of_that_user(world):
    app = world.app
    clerk = world.sign_in("petugas2")
    thief = _copy(clerk, app)
    admin = world.sign_in("admin")
    user_id = next(u["id"] for u in world.bks.data["users"] if u["username"] == "petugas2")
    r = _post(admin, f"/admin/users/{user_id}/password", {"new_password": "kata-sandi-baru-123",
                                                          "confirm": "kata-sandi-baru-123"})
    assert r.status_code == 302
    for c in (clerk, thief):
        r = c.get("/counter")
        assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert _signed_in(world.sign_in("petugas2", "kata-sandi-baru-123"), "/counter")
    # an admin who changes their own password stays signed in here, and only here
    elsewhere = world.sign_in("admin")
    admin_id = next(u["id"] for u in world.bks.data["users"] if u["username"] == "admin")
    r = _post(admin, f"/admin/users/{admin_id}/password", {"new_password": "admin-sandi-baru-1",
                                                           "confirm": "admin-sandi-baru-1"})
    assert r.status_code == 302
    assert _signed_in(admin, "/admin/") and not _signed_in(elsewhere, "/admin/")


def test_deactivation_ends_the_sessions_of_that_user(world):
    app = world.app
    clerk = world.sign_in("petugas3")
    thief = _copy(clerk, app)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "petugas3"))
        form = {"username": user.username, "full_name": user.full_name, "role": user.role,
                "offices": [str(o.id) for o in user.offices]}  # "active" unticked
        user_id = user.id
        db.session.remove()
    r = _post(world.sign_in("manajer"), f"/admin/users/{user_id}", form)
    assert r.status_code == 302
    for c in (clerk, thief):
        assert c.get("/counter").status_code == 302
    with app.app_context():  # reactivated later: the old cookies stay dead
        user = db.session.get(User, user_id)
        user.active = True
        db.session.commit()
        db.session.remove()
    assert thief.get("/counter").status_code == 302


# ------------------------------------------------------------------------------------ credentials


@pytest.mark.parametrize("method,url,body", [
    ("POST", "/api/v1/offices/BKS/tickets", {"service": "KK"}),
    ("POST", "/api/v1/offices/BKS/stock/movements", {"kind": "receipt", "quantity": 1, "source": "x"}),
    ("POST", "/api/v1/counters/1/call-next", None),
    ("GET", "/api/v1/offices/BKS/queue", None),
])
def test_an_api_call_without_credentials_is_a_401_with_a_bearer_challenge(app, demo, method, url, body):
    client = app.test_client()
    r = client.open(url, method=method, json=body) if body is not None else client.open(url, method=method)
    assert r.status_code == 401, r.get_data(as_text=True)
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    assert r.mimetype == "application/json" and r.get_json()["error"] == "unauthorized"
    assert "Bearer" in r.get_json()["message"] or "token" in r.get_json()["message"]
    # a wrong token says so in the challenge
    r = client.open(url, method=method, json=body, headers={"Authorization": "Bearer stf_nope"})
    assert r.status_code == 401 and 'error="invalid_token"' in r.headers["WWW-Authenticate"]


def test_an_unknown_user_name_costs_a_password_hash_like_a_known_one(world, monkeypatch):
    """Timing showed which user names exist: an unknown (or deactivated) name returned before hashing. Now
    every sign-in checks one password hash of the same kind, whether the user exists or not."""
    from queue_service.web import auth
    checked = []
    real = auth.check_password
    monkeypatch.setattr(auth, "check_password", lambda stored, pw: checked.append(stored) or real(stored, pw))

    def attempt(username):
        client = world.app.test_client()
        token = csrf_from(client.get("/login").get_data(as_text=True))
        return client.post("/login", data={"username": username, "password": "salah-salah-salah",
                                           "csrf_token": token}).status_code

    assert attempt("petugas1") == 401
    assert attempt("tidak-ada-orangnya") == 401
    with world.app.app_context():
        user = db.session.scalar(select(User).where(User.username == "petugas4"))
        user.active = False
        db.session.commit()
        db.session.remove()
    assert attempt("petugas4") == 401
    assert len(checked) == 3, checked
    method = checked[0].split("$", 1)[0]
    assert all(h.split("$", 1)[0] == method for h in checked), checked


def test_an_account_is_capped_across_addresses(world):
    """A guesser rotating addresses gets LOGIN_FAILURES_PER_ACCOUNT tries at one account in the window, not
    five per address; other accounts are not affected, and the count lives in the database."""
    app = world.app
    with app.app_context():
        db.session.query(LoginFailure).delete()
        db.session.commit()
        db.session.remove()
    cap = 20

    def attempt(address, username, password):
        client = app.test_client()
        env = {"REMOTE_ADDR": address}
        token = csrf_from(client.get("/login", environ_base=env).get_data(as_text=True))
        return client.post("/login", environ_base=env, data={"username": username, "password": password,
                                                             "csrf_token": token}).status_code

    for i in range(cap):
        assert attempt(f"10.9.{i // 250}.{i % 250 + 1}", "petugas5", "tebakan-salah-ke-%d" % i) == 401
    good = world.bks.password("petugas5")
    assert attempt("192.0.2.77", "petugas5", good) == 429  # a new address, the right password: still capped
    assert attempt("192.0.2.77", "petugas6", world.bks.password("petugas6")) == 302  # others sign in
    app.config["LOGIN_FAILURES_PER_ACCOUNT"] = cap + 5  # the operator's setting is what counts
    assert attempt("192.0.2.78", "petugas5", good) == 302
