"""Admins manage accounts and read the audit log; the log names people and staff by
public ids and keeps the before and after of each change."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from bot.app import Orienta
from bot.storage.models import AuditEntry, StaffUser
from tests.admin.support import PASSWORD, AdminClient, make_partner


def _account(orienta: Orienta, email: str) -> StaffUser:
    with orienta.sessions() as session:
        user = session.scalar(select(StaffUser).where(StaffUser.email == email))
        assert user is not None
        return user


def test_an_admin_creates_a_partner_account_that_signs_in_and_sees_its_partner_only(
    orienta: Orienta, admin_url: str, signed_in: Callable[..., AdminClient]
) -> None:
    make_partner(orienta, "MFK", "Microfinance Kindia (test)")
    boss = signed_in("admin")
    created = boss.post(
        "/admin/users/new",
        {
            "email": "Agent.MFK@Example.org",
            "role": "partner",
            "partner": "MFK",
            "password": PASSWORD,
        },
        form_page="/admin/users/new",
    )
    assert created.status_code == 303 and "account_created" in created.headers["location"]
    listing = boss.get("/admin/users?notice=account_created")
    assert "agent.mfk@example.org" in listing.text and "Compte créé." in listing.text
    assert "Microfinance Kindia (test)" in listing.text

    partner = AdminClient(admin_url)
    partner.sign_in("agent.mfk@example.org")
    home = partner.get("/admin/")
    assert home.status_code == 200 and "Partenaire" in home.text
    assert "/admin/people" not in home.text and "/admin/users" not in home.text
    partner.close()


def test_a_new_account_needs_a_good_password_and_a_partner_when_it_is_one(
    orienta: Orienta, signed_in: Callable[..., AdminClient]
) -> None:
    boss = signed_in("admin")
    weak = boss.post(
        "/admin/users/new",
        {"email": "a@ong.test", "role": "staff", "partner": "", "password": "12345678"},
        form_page="/admin/users/new",
    )
    assert weak.status_code == 400 and "trop courant" in weak.text
    orphan = boss.post(
        "/admin/users/new",
        {"email": "b@ong.test", "role": "partner", "partner": "", "password": PASSWORD},
        form_page="/admin/users/new",
    )
    assert orphan.status_code == 400 and "partenaire existant" in orphan.text
    with orienta.sessions() as session:
        assert (
            session.scalar(
                select(StaffUser).where(StaffUser.email.in_(["a@ong.test", "b@ong.test"]))
            )
            is None
        )


def test_a_role_change_is_audited_with_before_and_after_and_signs_the_account_out(
    orienta: Orienta, signed_in: Callable[..., AdminClient]
) -> None:
    boss = signed_in("admin")
    agent = signed_in("staff", email="agent@ong.test")
    target = _account(orienta, "agent@ong.test").public_id
    changed = boss.post(
        f"/admin/users/{target}",
        {"role": "viewer", "partner": ""},
        form_page=f"/admin/users/{target}",
    )
    assert changed.status_code == 303
    assert agent.get("/admin/").status_code == 303  # signs in again, with its new rights
    with orienta.sessions() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "account.role")).one()
    assert entry.before == {"role": "staff", "partner": None}
    assert entry.after == {"role": "viewer", "partner": None}
    assert (
        entry.target == target
        and entry.actor == _account(orienta, "admin-0@orienta.test").public_id
    )


def test_an_admin_cannot_disable_itself(
    orienta: Orienta, signed_in: Callable[..., AdminClient]
) -> None:
    boss = signed_in("admin", email="chef@ong.test")
    me = _account(orienta, "chef@ong.test").public_id
    refused = boss.post(f"/admin/users/{me}/disable", form_page=f"/admin/users/{me}")
    assert refused.status_code == 400
    assert boss.get("/admin/").status_code == 200


def test_the_audit_log_shows_who_did_what_and_filters(
    orienta: Orienta, signed_in: Callable[..., AdminClient]
) -> None:
    boss = signed_in("admin", email="chef@ong.test")
    signed_in("staff", email="agent@ong.test")
    log = boss.get("/admin/audit")
    assert log.status_code == 200
    assert log.text.count("sign_in") >= 2 and "chef@ong.test" in log.text
    agent = _account(orienta, "agent@ong.test").public_id
    only_agent = boss.get(f"/admin/audit?actor={agent}")
    assert "agent@ong.test" in only_agent.text and "chef@ong.test</td>" not in only_agent.text
    by_email = boss.get("/admin/audit?actor=Agent@ong.test")
    assert by_email.text.count("<td data-label") == only_agent.text.count("<td data-label")
    nothing = boss.get("/admin/audit?action=person.erase")
    assert "<tbody>\n  </tbody>" in nothing.text or "sign_in" not in nothing.text
