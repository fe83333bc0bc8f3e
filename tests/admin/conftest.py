"""Fixtures of the admin's tests: Orienta's app served on 127.0.0.1 (on SQLite and on
PostgreSQL, like every storage test), and clients signed in with each role."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from bot.app import Orienta
from tests.admin.support import AdminClient, make_account, make_partner, served_admin


@pytest.fixture
def admin_url(orienta: Orienta) -> Iterator[str]:
    with served_admin(orienta) as url:
        yield url


@pytest.fixture
def client(admin_url: str) -> Iterator[AdminClient]:
    browser = AdminClient(admin_url)
    yield browser
    browser.close()


@pytest.fixture
def signed_in(orienta: Orienta, admin_url: str) -> Iterator[Callable[..., AdminClient]]:
    """`signed_in("staff")`: a new browser signed in with a new account of that role (a
    partner account: of the partner `partner_code`, created if missing)."""
    browsers: list[AdminClient] = []
    partners: set[str] = set()

    def sign_in(role: str, *, partner_code: str = "CRG", email: str | None = None) -> AdminClient:
        if role == "partner" and partner_code not in partners:
            from sqlalchemy import select

            from bot.storage.models import Partner

            with orienta.sessions() as session:
                exists = session.scalar(select(Partner.id).where(Partner.code == partner_code))
            if exists is None:
                make_partner(orienta, partner_code, f"Partenaire {partner_code} (test)")
            partners.add(partner_code)
        address = make_account(
            orienta,
            role,
            email or f"{role}-{len(browsers)}@orienta.test",
            partner_code=partner_code if role == "partner" else None,
        )
        browser = AdminClient(admin_url)
        browser.sign_in(address)
        browsers.append(browser)
        return browser

    yield sign_in
    for browser in browsers:
        browser.close()
