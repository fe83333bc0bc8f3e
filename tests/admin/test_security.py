"""What protects every admin page from the first one: security headers, cookie flags,
escaping of what people typed, the audit log that cannot be rewritten, and an honest 503
when the database is gone."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, event, update
from sqlalchemy.exc import DBAPIError, OperationalError

from admin import audit
from bot.app import Orienta, open_orienta
from bot.settings import Settings
from bot.storage.models import AuditEntry
from tests.admin.support import PASSWORD, AdminClient, csrf_of, make_account, served_admin
from tests.conftest import FakeClock


def test_pages_carry_a_strict_policy_and_are_not_cached(client: AdminClient) -> None:
    page = client.get("/admin/login")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["cache-control"] == "no-store"
    assert "strict-transport-security" not in page.headers  # plain http, locally
    assert "<script" not in page.text and "style=" not in page.text
    css = client.get("/admin/static/admin.css")
    assert css.status_code == 200 and "max-age" in css.headers["cache-control"]


def test_the_session_cookie_is_http_only_and_same_site(orienta: Orienta, admin_url: str) -> None:
    make_account(orienta, "staff", "agent@ong.test")
    browser = AdminClient(admin_url)
    cookie = browser.sign_in("agent@ong.test").headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/admin" in cookie
    assert "Secure" not in cookie
    browser.close()


def test_behind_https_cookies_are_secure_and_hsts_is_sent(
    settings: Settings, clock: FakeClock
) -> None:
    orienta = open_orienta(
        replace(settings, public_base_url="https://orienta.example.org"), clock=clock
    )
    make_account(orienta, "staff", "agent@ong.test")
    with served_admin(orienta) as url, httpx.Client(base_url=url) as http:
        page = http.get("/admin/login")
        assert "max-age" in page.headers["strict-transport-security"]
        assert "Secure" in page.headers["set-cookie"]
        # A Secure cookie is not sent back over plain http: carry it by hand.
        pre = page.headers["set-cookie"].split(";")[0]
        signed_in = http.post(
            "/admin/login",
            data={
                "csrf_token": csrf_of(page.text),
                "email": "agent@ong.test",
                "password": PASSWORD,
            },
            headers={"cookie": pre},
        )
        assert signed_in.status_code == 303 and "Secure" in signed_in.headers["set-cookie"]
    orienta.close()


def test_what_was_typed_comes_back_escaped(client: AdminClient) -> None:
    typed = '"><script>alert(1)</script>@x.org'
    page = client.post("/admin/login", {"email": typed, "password": "x"}, form_page="/admin/login")
    assert "<script>alert(1)" not in page.text
    assert "&#34;&gt;&lt;script&gt;" in page.text or "&quot;&gt;&lt;script&gt;" in page.text


def test_the_audit_log_cannot_be_rewritten(orienta: Orienta) -> None:
    with orienta.sessions() as session, session.begin():
        audit.record(session, actor="cli", action="partner.create", now=orienta.engine.clock())
    for statement in (update(AuditEntry).values(actor="someone else"), delete(AuditEntry)):
        with (
            pytest.raises(DBAPIError, match="append-only"),
            orienta.sessions() as session,
            session.begin(),
        ):
            session.execute(statement)


def test_a_database_outage_is_a_503_not_a_page_of_lies(orienta: Orienta, admin_url: str) -> None:
    make_account(orienta, "staff", "agent@ong.test")
    browser = AdminClient(admin_url)
    browser.sign_in("agent@ong.test")

    def fail(*_args: Any) -> None:
        raise OperationalError("SELECT", {}, Exception("the database server is gone"))

    event.listen(orienta.database, "before_cursor_execute", fail)
    try:
        response = browser.get("/admin/")
    finally:
        event.remove(orienta.database, "before_cursor_execute", fail)
    assert response.status_code == 503 and "ne répond pas" in response.text
    browser.close()
