"""Signing in: the first admin's one-time link, sessions that end for real (sign-out,
password change, disabling, idleness, age), and throttling that engages and frees."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from admin.accounts import issue_setup_token
from admin.cli import admin_banner
from admin.sessions import COOKIE
from admin.throttle import Throttle
from bot.app import Orienta
from bot.storage.models import AuditEntry, StaffUser
from tests.admin.support import PASSWORD, AdminClient, csrf_of, make_account, served_admin
from tests.conftest import FakeClock

NEW_PASSWORD = "Boke-bauxite-et-riz-9"


def _setup_token(orienta: Orienta) -> str:
    with orienta.sessions() as session, session.begin():
        token = issue_setup_token(session, orienta.engine.clock())
    assert token is not None
    return token


def _setup(
    client: AdminClient, token: str, email: str = "premiere@ong.test", password: str = PASSWORD
):  # type: ignore[no-untyped-def]
    page = client.get(f"/admin/setup/{token}")
    assert page.status_code == 200, page.text
    return client.http.post(
        f"/admin/setup/{token}",
        data={
            "csrf_token": csrf_of(page.text),
            "email": email,
            "password": password,
            "password_confirm": password,
        },
    )


def test_the_set_up_link_creates_the_first_admin_once(
    orienta: Orienta, client: AdminClient
) -> None:
    token = _setup_token(orienta)
    done = _setup(client, token)
    assert done.status_code == 303 and done.headers["location"] == "/admin/"
    home = client.get("/admin/")
    assert home.status_code == 200 and "premiere@ong.test" in home.text
    assert client.get("/admin/users").status_code == 200  # an admin

    again = AdminClient(client.http.base_url.__str__())
    assert again.get(f"/admin/setup/{token}").status_code == 404
    again.close()
    with orienta.sessions() as session:
        # No second link once an account exists.
        assert issue_setup_token(session, orienta.engine.clock()) is None
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "account.create")
        ).one()
        assert entry.actor == "setup" and entry.after == {
            "email": "premiere@ong.test",
            "role": "admin",
        }


def test_the_set_up_link_expires_after_an_hour(
    orienta: Orienta, clock: FakeClock, client: AdminClient
) -> None:
    token = _setup_token(orienta)
    clock.advance(timedelta(minutes=61))
    assert client.get(f"/admin/setup/{token}").status_code == 404
    with orienta.sessions() as session:
        assert session.scalar(select(StaffUser.id)) is None


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("court", "au moins 8 caractères"),
        ("password123", "trop courant"),
        ("azertyuiop", "trop courant"),
    ],
)
def test_a_weak_first_password_is_refused_and_the_link_still_works(
    orienta: Orienta, client: AdminClient, password: str, problem: str
) -> None:
    token = _setup_token(orienta)
    refused = _setup(client, token, password=password)
    assert refused.status_code == 400 and problem in refused.text
    assert _setup(client, token).status_code == 303


def test_the_banner_of_orienta_serve_gives_a_working_link_then_none(
    orienta: Orienta, admin_url: str
) -> None:
    banner = admin_banner(orienta, admin_url)
    link = next(word for word in banner.split() if "/admin/setup/" in word)
    browser = AdminClient(admin_url)
    assert _setup(browser, link.rsplit("/", 1)[1]).status_code == 303
    browser.close()
    assert "/admin/setup/" not in admin_banner(orienta, admin_url)


def _copy_of(browser: AdminClient, admin_url: str) -> AdminClient:
    thief = AdminClient(admin_url)
    thief.http.cookies.set(COOKIE, browser.http.cookies[COOKIE], path="/admin")
    return thief


def test_a_copied_cookie_is_refused_after_sign_out(orienta: Orienta, admin_url: str) -> None:
    make_account(orienta, "staff", "agent@ong.test")
    browser = AdminClient(admin_url)
    browser.sign_in("agent@ong.test")
    thief = _copy_of(browser, admin_url)
    assert thief.get("/admin/").status_code == 200
    out = browser.post("/admin/logout")
    assert out.status_code == 303 and "notice=signed_out" in out.headers["location"]
    assert browser.get("/admin/").status_code == 303
    refused = thief.get("/admin/account")
    assert refused.status_code == 303 and refused.headers["location"].startswith("/admin/login")
    thief.close()
    browser.close()


def test_a_password_change_ends_the_other_sessions(orienta: Orienta, admin_url: str) -> None:
    make_account(orienta, "staff", "agent@ong.test")
    here, elsewhere = AdminClient(admin_url), AdminClient(admin_url)
    here.sign_in("agent@ong.test")
    elsewhere.sign_in("agent@ong.test")
    changed = here.post(
        "/admin/account/password",
        {
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "new_password_confirm": NEW_PASSWORD,
        },
        form_page="/admin/account",
    )
    assert changed.status_code == 303
    assert here.get("/admin/account").status_code == 200  # this browser stays signed in
    assert elsewhere.get("/admin/account").status_code == 303
    wrong = elsewhere.post(
        "/admin/login", {"email": "agent@ong.test", "password": PASSWORD}, form_page="/admin/login"
    )
    assert wrong.status_code == 401 and "incorrect" in wrong.text
    elsewhere.sign_in("agent@ong.test", NEW_PASSWORD)
    here.close()
    elsewhere.close()


def test_a_wrong_current_password_changes_nothing(orienta: Orienta, admin_url: str) -> None:
    make_account(orienta, "viewer", "lecteur@ong.test")
    browser = AdminClient(admin_url)
    browser.sign_in("lecteur@ong.test")
    refused = browser.post(
        "/admin/account/password",
        {
            "current_password": "pas-le-bon-2026",
            "new_password": NEW_PASSWORD,
            "new_password_confirm": NEW_PASSWORD,
        },
        form_page="/admin/account",
    )
    assert refused.status_code == 400 and "pas le bon" in refused.text
    browser.close()
    fresh = AdminClient(admin_url)
    fresh.sign_in("lecteur@ong.test")  # the old password still works
    fresh.close()


def test_disabling_an_account_ends_its_sessions(orienta: Orienta, admin_url: str) -> None:
    make_account(orienta, "admin", "chef@ong.test")
    make_account(orienta, "staff", "agent@ong.test")
    boss, agent = AdminClient(admin_url), AdminClient(admin_url)
    boss.sign_in("chef@ong.test")
    agent.sign_in("agent@ong.test")
    with orienta.sessions() as session:
        public_id = session.scalar(
            select(StaffUser.public_id).where(StaffUser.email == "agent@ong.test")
        )
    done = boss.post(f"/admin/users/{public_id}/disable", form_page=f"/admin/users/{public_id}")
    assert done.status_code == 303
    assert agent.get("/admin/").status_code == 303
    refused = agent.post(
        "/admin/login", {"email": "agent@ong.test", "password": PASSWORD}, form_page="/admin/login"
    )
    assert refused.status_code == 401
    boss.close()
    agent.close()


def test_sessions_end_when_idle_and_when_too_old(
    orienta: Orienta, clock: FakeClock, admin_url: str
) -> None:
    make_account(orienta, "staff", "agent@ong.test")
    browser = AdminClient(admin_url)
    browser.sign_in("agent@ong.test")
    clock.advance(timedelta(minutes=119))
    assert browser.get("/admin/").status_code == 200
    clock.advance(timedelta(minutes=121))
    assert browser.get("/admin/").status_code == 303  # two hours without a request

    browser.sign_in("agent@ong.test")
    for _ in range(11):
        clock.advance(timedelta(hours=1))
        assert browser.get("/admin/").status_code == 200
    clock.advance(timedelta(hours=1, minutes=1))
    assert browser.get("/admin/").status_code == 303  # twelve hours after signing in
    browser.close()


def test_throttling_engages_per_account_and_frees(orienta: Orienta, clock: FakeClock) -> None:
    make_account(orienta, "staff", "agent@ong.test")
    with served_admin(orienta, throttle=Throttle()) as url:
        browser = AdminClient(url)
        for _ in range(5):
            wrong = browser.post(
                "/admin/login",
                {"email": "agent@ong.test", "password": "mauvais-2026"},
                form_page="/admin/login",
            )
            assert wrong.status_code == 401
        # Even the right password is refused now, without being checked.
        blocked = browser.post(
            "/admin/login",
            {"email": "agent@ong.test", "password": PASSWORD},
            form_page="/admin/login",
        )
        assert blocked.status_code == 429 and "Trop de tentatives" in blocked.text
        clock.advance(timedelta(minutes=15, seconds=1))
        browser.sign_in("agent@ong.test")
        browser.close()
    with orienta.sessions() as session:
        refusals = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "sign_in.refused")
        ).all()
    assert len(refusals) == 5


def test_throttling_engages_per_client_address(orienta: Orienta) -> None:
    make_account(orienta, "staff", "agent@ong.test")
    with served_admin(orienta, throttle=Throttle()) as url:
        browser = AdminClient(url)
        for n in range(20):  # twenty invented accounts from one address
            browser.post(
                "/admin/login",
                {"email": f"x{n}@ong.test", "password": "mauvais-2026"},
                form_page="/admin/login",
            )
        blocked = browser.post(
            "/admin/login",
            {"email": "agent@ong.test", "password": PASSWORD},
            form_page="/admin/login",
        )
        assert blocked.status_code == 429
        browser.close()


def test_a_browser_left_with_an_expired_session_can_sign_in_again(
    orienta: Orienta, clock: FakeClock, admin_url: str
) -> None:
    make_account(orienta, "staff", "agent@ong.test")
    first = AdminClient(admin_url)
    first.sign_in("agent@ong.test")
    # The same browser the next morning, with only its old session cookie.
    browser = AdminClient(admin_url)
    browser.http.cookies.set(COOKIE, first.http.cookies[COOKIE], path="/admin")
    first.close()
    clock.advance(timedelta(hours=13))
    assert browser.get("/admin/").status_code == 303
    browser.sign_in("agent@ong.test")
    assert browser.get("/admin/").status_code == 200
    browser.close()
