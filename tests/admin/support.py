"""Driving the admin over real HTTP: accounts of each role made straight in the database
(with argon2's cheapest parameters: the tests check behaviour, not hashing cost), and a
browser-like client that keeps its cookies and sends each form's CSRF token."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from argon2 import PasswordHasher, profiles

from admin import accounts
from admin.throttle import Throttle
from bot.app import Orienta
from bot.storage.models import Partner
from bot.web import create_app
from tests.fakes.servers import serve

__all__ = [
    "PASSWORD",
    "AdminClient",
    "csrf_of",
    "make_account",
    "make_partner",
    "served_admin",
]

CHEAP = PasswordHasher.from_parameters(profiles.CHEAPEST)
PASSWORD = "Kindia-mangues-2026"
"""Every test account's password (not a common one: it passes the policy)."""
_TOKEN = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"'
    r'|value="([^"]+)" name="csrf_token"|name="csrf_token" value="([^"]+)"'
)


def csrf_of(html: str) -> str:
    """The first CSRF token in a page."""
    found = _TOKEN.search(html)
    if found is None:
        raise AssertionError("no CSRF token in the page")
    return next(g for g in found.groups() if g)


def make_partner(orienta: Orienta, code: str = "CRG", name: str = "Croix-Rouge (test)") -> int:
    with orienta.sessions() as session, session.begin():
        partner = Partner(code=code, name=name, kind="red_cross", created_at=orienta.engine.clock())
        session.add(partner)
        session.flush()
        return partner.id


def make_account(
    orienta: Orienta,
    role: str,
    email: str | None = None,
    *,
    partner_code: str | None = None,
    password: str = PASSWORD,
) -> str:
    """An account of `role`; returns its e-mail."""
    email = email or f"{role}@orienta.test"
    with orienta.sessions() as session, session.begin():
        accounts.create_account(
            session,
            email=email,
            password_hash=CHEAP.hash(password),
            role=role,
            partner_code=partner_code,
            now=orienta.engine.clock(),
        )
    return email


@contextmanager
def served_admin(orienta: Orienta, *, throttle: Throttle | None = None) -> Iterator[str]:
    """Orienta's whole app (webhooks and admin) under uvicorn on 127.0.0.1."""
    options: dict[str, Any] = {"hasher": CHEAP}
    if throttle is not None:
        options["throttle"] = throttle
    with serve(create_app(orienta, admin_options=options)) as url:
        yield url


class AdminClient:
    """A browser, as far as the admin can tell: cookies kept, redirects not followed
    (tests look at them), each POST carrying the token of the page it came from."""

    def __init__(self, base_url: str) -> None:
        self.http = httpx.Client(base_url=base_url, follow_redirects=False, timeout=30)

    def close(self) -> None:
        self.http.close()

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.get(path, **kwargs)

    def token(self, page: str) -> str:
        """The CSRF token of the form on `page` (a GET)."""
        response = self.http.get(page)
        assert response.status_code == 200, (page, response.status_code)
        return csrf_of(response.text)

    def post(
        self, path: str, data: dict[str, Any] | None = None, *, form_page: str | None = None
    ) -> httpx.Response:
        """POST `data` with the CSRF token of `form_page` (default: the home page)."""
        fields = {"csrf_token": self.token(form_page or "/admin/"), **(data or {})}
        return self.http.post(path, data=fields)

    def sign_in(self, email: str, password: str = PASSWORD) -> httpx.Response:
        response = self.post(
            "/admin/login", {"email": email, "password": password}, form_page="/admin/login"
        )
        assert response.status_code == 303, (response.status_code, response.text[:500])
        return response
