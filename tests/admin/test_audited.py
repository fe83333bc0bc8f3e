"""Every POST route of the admin writes an audit row when it changes something: each
route is posted here with data that makes it act (the table must name every POST route
of admin.routing.PAGES, so a new one cannot be forgotten), and the row's action, actor
and target are checked."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from admin.routing import PAGES
from bot.app import Orienta
from bot.engine import help as episodes
from bot.storage.models import AuditEntry, Contact, HelpEpisode, StaffUser
from tests.admin.sample import PERSON_PHONE, Sample
from tests.admin.support import PASSWORD, AdminClient
from tests.conftest import FakeClock

NEW_PASSWORD = "Labe-fonio-et-miel-4"


@dataclass(frozen=True)
class Post:
    action: str
    """The audit action expected."""
    form_page: str | None = None
    """The page whose form is posted (default: the route itself, or the home page)."""
    data: Callable[[Sample], dict[str, str]] = lambda _s: {}
    before_accounts: bool = False
    """Posted before any staff account exists (the set-up link)."""
    as_partner: bool = False
    prepare: Callable[[Orienta, FakeClock], None] | None = None


def _paused(orienta: Orienta, _clock: FakeClock) -> None:
    with orienta.sessions() as session, session.begin():
        session.execute(update(Contact).values(paused_at=orienta.engine.clock()))


def _disabled(orienta: Orienta, _clock: FakeClock) -> None:
    with orienta.sessions() as session, session.begin():
        session.execute(
            update(StaffUser)
            .where(StaffUser.role == "partner")
            .values(disabled_at=orienta.engine.clock())
        )


def _taken_by_admin(orienta: Orienta, _clock: FakeClock) -> None:
    with orienta.sessions() as session, session.begin():
        admin = session.scalars(select(StaffUser).where(StaffUser.role == "admin")).one()
        episode = session.scalars(select(HelpEpisode)).one()
        assert episodes.take(session, episode.id, admin.public_id, orienta.engine.clock())


def _session_begun(_orienta: Orienta, clock: FakeClock) -> None:
    clock.advance(timedelta(days=1, hours=2))  # the booked slot is tomorrow at 09:00 UTC


POSTS: dict[str, Post] = {
    "/login": Post("sign_in", "/login", lambda s: {"email": s.admin_email, "password": PASSWORD}),
    "/logout": Post("sign_out"),
    "/setup/{token}": Post(
        "account.create",
        data=lambda _s: {
            "email": "premier@ong.test",
            "password": PASSWORD,
            "password_confirm": PASSWORD,
        },
        before_accounts=True,
    ),
    "/account/password": Post(
        "account.password",
        "/account",
        lambda _s: {
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "new_password_confirm": NEW_PASSWORD,
        },
    ),
    "/bookings/{code}/attendance": Post(
        "booking.attended",
        "/bookings",
        lambda _s: {"outcome": "attended"},
        as_partner=True,
        prepare=_session_begun,
    ),
    "/partners/new": Post(
        "partner.create",
        data=lambda _s: {
            "code": "NOUV",
            "name": "Nouvelle ONG (test)",
            "kind": "ngo",
            "focal_channel": "none",
        },
    ),
    "/partners/{partner_id}/edit": Post(
        "partner.edit",
        data=lambda _s: {
            "code": "TPOIDS",
            "name": "Nouveau nom (test)",
            "kind": "training_centre",
            "focal_channel": "none",
        },
    ),
    "/partners/{partner_id}/close": Post("partner.close", "/partners/{partner_id}"),
    "/inbox/{episode_id}/take": Post("help.take", "/inbox/{episode_id}"),
    "/inbox/{episode_id}/reply": Post(
        "help.reply",
        "/inbox/{episode_id}",
        lambda _s: {"text": "Bonjour, ici l'équipe d'Orienta. Pouvez-vous parler ?"},
        prepare=_taken_by_admin,
    ),
    "/inbox/{episode_id}/hand-back": Post(
        "help.hand_back", "/inbox/{episode_id}", prepare=_taken_by_admin
    ),
    "/inbox/{episode_id}/close": Post(
        "help.close", "/inbox/{episode_id}", lambda _s: {"outcome": "reached"}
    ),
    "/inbox/flags/{flag_id}/resolve": Post("flag.resolve", "/inbox"),
    "/people": Post("person.search", data=lambda _s: {"q": PERSON_PHONE}),
    "/people/{public_id}/unmask": Post("person.unmask", "/people/{public_id}"),
    "/people/{public_id}/pause": Post("person.pause", "/people/{public_id}"),
    "/people/{public_id}/resume": Post("person.resume", "/people/{public_id}", prepare=_paused),
    "/people/{public_id}/erase": Post("person.erase", data=lambda _s: {"confirm": "yes"}),
    "/partners/{partner_id}/services/new": Post(
        "service.create",
        data=lambda _s: {
            "title_fr": "Pisciculture",
            "prefecture": "kindia",
            "audience": "everyone",
            "cost_gnf": "0",
        },
    ),
    "/services/{service_id}/edit": Post(
        "service.edit",
        data=lambda _s: {
            "title_fr": "Couture, stylisme et vente",
            "prefecture": "kindia",
            "audience": "everyone",
            "cost_gnf": "0",
        },
    ),
    "/services/{service_id}/close": Post("service.close", "/services/{service_id}"),
    "/services/{service_id}/slots/new": Post(
        "slot.create",
        data=lambda _s: {
            "date": "2026-11-10",
            "time": "09:00",
            "duration_minutes": "120",
            "capacity": "10",
            "repeat_weeks": "6",
        },
    ),
    "/simulator/send": Post(
        "simulator.send", "/simulator", lambda _s: {"text": "Bonjour", "rendering": "telegram"}
    ),
    "/simulator/reset": Post("simulator.reset", "/simulator", lambda _s: {"rendering": "sms"}),
    "/slots/{slot_id}/close": Post("slot.close", "/services/{service_id}"),
    "/users/new": Post(
        "account.create",
        data=lambda _s: {
            "email": "agent@ong.test",
            "role": "staff",
            "partner": "",
            "password": PASSWORD,
        },
    ),
    "/users/{public_id}": Post("account.role", data=lambda _s: {"role": "viewer", "partner": ""}),
    "/users/{public_id}/disable": Post("account.disable", "/users/{public_id}"),
    "/users/{public_id}/enable": Post("account.enable", "/users/{public_id}", prepare=_disabled),
}


def test_the_table_names_every_post_route() -> None:
    assert sorted(POSTS) == sorted(p.path for p in PAGES if "POST" in p.methods)


@pytest.mark.parametrize("path", sorted(POSTS))
def test_every_post_route_writes_an_audit_row(
    orienta: Orienta, clock: FakeClock, admin_url: str, path: str
) -> None:
    post = POSTS[path]
    sample = Sample.create(orienta)
    if not post.before_accounts:
        sample.create_accounts(orienta)
    if post.prepare is not None:
        post.prepare(orienta, clock)
    browser = AdminClient(admin_url)
    if not post.before_accounts and path != "/login":
        browser.sign_in(sample.partner_email if post.as_partner else sample.admin_email)
    form_page = sample.url(post.form_page or (path if "GET" in _methods(path) else "/"))
    with orienta.sessions() as session:
        last = session.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc())) or 0
    response = browser.post(sample.url(path), post.data(sample), form_page=form_page)
    browser.close()
    assert response.status_code in (200, 303), (path, response.status_code, response.text[:800])
    with orienta.sessions() as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.id > last)).all()
        actors = {u.public_id: u.email for u in session.scalars(select(StaffUser))}
    assert [r.action for r in rows] == [post.action], path
    actor = actors.get(rows[0].actor, rows[0].actor)
    expected = (
        "setup"
        if post.before_accounts
        else (sample.partner_email if post.as_partner else sample.admin_email)
    )
    assert actor == expected
    assert PERSON_PHONE not in str(rows[0].before) + str(rows[0].after) + str(rows[0].target)


def _methods(path: str) -> tuple[str, ...]:
    return next(p.methods for p in PAGES if p.path == path)
