"""Every admin route, enumerated from the app itself (a new page is covered without
editing this file): signed out → the sign-in page; a role that may not see it → 403; a
form posted without a valid CSRF token → 403, and nothing written."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from admin.access import GRANTS, ROLES, Permission, may
from admin.routing import PAGES, Page
from bot.app import Orienta
from bot.storage.models import AuditEntry
from tests.admin.support import AdminClient

PROTECTED = [p for p in PAGES if p.permission is not None]


def concrete(path: str) -> str:
    """A path with its parameters filled (the checks below happen before any lookup)."""
    return re.sub(
        r"\{(\w+)(?::\w+)?\}", lambda m: "1" if m.group(1).endswith("_id") else "x1", path
    )


def requests(pages: list[Page]) -> list[tuple[str, str]]:
    return [(method, p.path) for p in pages for method in p.methods]


def test_every_route_is_declared_with_a_permission_or_is_a_sign_in_page() -> None:
    public = sorted(p.path for p in PAGES if p.permission is None)
    assert public == ["/login", "/setup/{token}"]
    assert len(PROTECTED) >= 8


@pytest.mark.parametrize(("method", "path"), requests(PROTECTED))
def test_signed_out_visitors_are_sent_to_sign_in(
    client: AdminClient, method: str, path: str
) -> None:
    response = client.http.request(method, "/admin" + concrete(path))
    assert response.status_code == 303
    assert response.headers["location"].startswith("/admin/login?next=")


def test_each_role_gets_403_where_it_may_not_go(signed_in: Callable[..., AdminClient]) -> None:
    for role in ROLES:
        browser = signed_in(role)
        for page in PROTECTED:
            assert page.permission is not None
            if may(role, page.permission, own_partner=1):
                continue
            for method in page.methods:
                data = {"csrf_token": browser.token("/admin/")} if method == "POST" else None
                response = browser.http.request(method, "/admin" + concrete(page.path), data=data)
                assert response.status_code == 403, (role, method, page.path, response.status_code)
                assert "Votre rôle ne donne pas accès" in response.text


def test_the_roles_are_those_the_issue_names() -> None:
    assert may("admin", Permission.UNMASK_PHONES) and not may("staff", Permission.UNMASK_PHONES)
    assert may("coordinator", Permission.READ_REPORTS) and not may(
        "coordinator", Permission.READ_PEOPLE
    )
    assert GRANTS["viewer"] == {Permission.SIGNED_IN, Permission.READ_REPORTS}
    assert not may("partner", Permission.READ_PEOPLE)
    assert may("partner", Permission.READ_BOOKINGS, own_partner=3, partner=3)
    assert not may("partner", Permission.READ_BOOKINGS, own_partner=3, partner=4)
    assert not may("partner", Permission.READ_BOOKINGS, own_partner=3, partner=None)
    assert not may("partner", Permission.READ_BOOKINGS, own_partner=None)
    assert may("staff", Permission.READ_BOOKINGS, partner=4)
    assert not may("nobody", Permission.SIGNED_IN)


@pytest.mark.parametrize(("method", "path"), requests([p for p in PAGES if "POST" in p.methods]))
def test_a_form_without_a_valid_csrf_token_is_refused(
    orienta: Orienta, signed_in: Callable[..., AdminClient], method: str, path: str
) -> None:
    browser = signed_in("admin")
    with orienta.sessions() as session:
        before = session.scalar(select(func.count()).select_from(AuditEntry))
    for token in (None, "", "20990101000000##0000", browser.token("/admin/") + "0"):
        data = {"csrf_token": token} if token is not None else {}
        response = browser.http.post("/admin" + concrete(path), data=data)
        assert response.status_code == 403, (path, token, response.status_code)
        assert "formulaire a expiré" in response.text
    with orienta.sessions() as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == before


def test_a_token_of_another_browser_is_refused(signed_in: Callable[..., AdminClient]) -> None:
    mine, theirs = signed_in("staff"), signed_in("staff")
    response = mine.http.post("/admin/logout", data={"csrf_token": theirs.token("/admin/")})
    assert response.status_code == 403
    assert mine.get("/admin/").status_code == 200  # still signed in


def test_docs_name_every_route() -> None:
    from pathlib import Path

    docs = (Path(__file__).resolve().parents[2] / "docs" / "admin.md").read_text(encoding="utf-8")
    missing = [p.path for p in PAGES if f"`/admin{p.path}`" not in docs]
    assert missing == [], "add them to the table of docs/admin.md (## Routes)"
