"""One of everything the admin shows (a partner, a service, slots, a person who wrote to
the bot, booked and asked for urgent help, a "stuck" flag, a partner's staff account, a
set-up token), and the URL of every admin route filled with their ids: the tests that
visit every page (page weight, the browser at 360 px) take their routes from
`admin.routing.PAGES`, so a new page is visited without editing them; one whose path
parameter this module cannot fill fails with the route's name (`UnknownParameter`),
never silently left out.

    sample = Sample.create(orienta)        # no account yet: the set-up token still works
    sample.url("/setup/{token}")           # before accounts exist
    admin = sample.create_accounts(orienta)
    sample.url("/people/{public_id}")      # the person's public id
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select

from admin import accounts
from admin.routing import PAGES, Page
from bot.app import Orienta
from bot.booking.places import book_slot
from bot.messaging import Inbound
from bot.storage.models import Contact, Flag, HelpEpisode, Partner, Service, Slot, StaffUser
from tests.admin.support import make_account

__all__ = ["PERSON_PHONE", "Sample", "UnknownParameter", "get_pages"]

PERSON_PHONE = "+224000000731"  # fictitious
_PARAMETER = re.compile(r"\{(\w+)(?::\w+)?\}")


class UnknownParameter(AssertionError):
    """A route has a path parameter no sample value is known for."""


def get_pages() -> list[Page]:
    """Every admin page a browser may GET, in declaration order (not the routes a page's
    script polls, which answer JSON)."""
    return [page for page in PAGES if "GET" in page.methods and not page.polled]


@dataclass
class Sample:
    values: dict[tuple[str, str], str] = field(default_factory=dict)
    """(the path segment before the parameter, the parameter's name) → its value:
    `/people/{public_id}` is a person's id, `/users/{public_id}` a staff account's."""
    by_name: dict[str, str] = field(default_factory=dict)
    """A parameter's name alone (`service_id`), wherever it stands in the path."""
    booking_code: str = ""
    partner_code: str = ""
    admin_email: str = ""
    partner_email: str = ""

    @classmethod
    def create(cls, orienta: Orienta) -> Sample:
        """Everything but staff accounts (the set-up token works only while none exists)."""
        now = orienta.engine.clock()
        sample = cls()
        with orienta.sessions() as session, session.begin():
            token = accounts.issue_setup_token(session, now)
            assert token is not None, "Sample.create needs a database without staff accounts"
            partner = Partner(
                code="TPOIDS",
                name="Centre de formation de Kindia (test)",
                kind="training_centre",
                focal_point="Point focal (test)",
                created_at=now,
            )
            session.add(partner)
            session.flush()
            service = Service(
                partner_id=partner.id,
                title={"fr": "Couture et stylisme"},
                description={"fr": "Trois mois de formation, un kit à la fin."},
                sectors=["tailoring"],
                regions=["kindia"],
                prefecture="kindia",
                place="Kindia, quartier Abattoir",
                created_at=now,
            )
            session.add(service)
            session.flush()
            slots = []
            for week in range(2):
                start = now.replace(hour=9, minute=0, second=0) + timedelta(days=1, weeks=week)
                slot = Slot(
                    service_id=service.id,
                    starts_at=start,
                    ends_at=start + timedelta(hours=2),
                    place="Kindia, quartier Abattoir",
                    capacity=10,
                    booked=0,
                    created_at=now,
                )
                session.add(slot)
                slots.append(slot)
            session.flush()
            sample.partner_code = partner.code
            sample._add(("setup", "token"), token)
            sample._add(("partners", "id"), partner.id, "partner_id")
            sample._add(("partners", "code"), partner.code, "partner_code")
            sample._add(("services", "id"), service.id, "service_id")
            sample._add(("slots", "id"), slots[0].id, "slot_id")
            slot_id = slots[0].id
        # The person writes to the bot, so that they exist as the bot makes people (a
        # channel identity, a language), then takes a place.
        orienta.engine.handle(Inbound(channel="sms", address=PERSON_PHONE, text="Bonjour"))
        with orienta.sessions() as session, session.begin():
            contact = session.scalars(select(Contact).order_by(Contact.id.desc())).first()
            assert contact is not None, "the bot made no person"
            booking = book_slot(session, contact, slot_id, now, random.Random(7))
            assert booking is not None
            sample.booking_code = booking.code
            sample._add(("people", "public_id"), contact.public_id, "contact_public_id")
            sample._add(("bookings", "id"), booking.id, "booking_id")
            sample._add(("bookings", "code"), booking.code, "booking_code")
        # Then asks for help (an urgent episode, open), and a "stuck" flag waits.
        orienta.engine.handle(Inbound(channel="sms", address=PERSON_PHONE, text="URGENCE"))
        with orienta.sessions() as session, session.begin():
            episode = session.scalars(select(HelpEpisode).order_by(HelpEpisode.id.desc())).first()
            assert episode is not None, "URGENCE opened no help episode"
            flag = Flag(contact_id=episode.contact_id, kind="stuck", created_at=now)
            session.add(flag)
            session.flush()
            sample._add(("inbox", "episode_id"), episode.id, "episode_id")
            sample._add(("flags", "flag_id"), flag.id, "flag_id")
        return sample

    def create_accounts(self, orienta: Orienta) -> str:
        """An admin and the sample partner's account; returns the admin's e-mail."""
        self.admin_email = make_account(orienta, "admin", "admin-echantillon@orienta.test")
        self.partner_email = make_account(
            orienta,
            "partner",
            "partenaire-echantillon@orienta.test",
            partner_code=self.partner_code,
        )
        with orienta.sessions() as session:
            staff = session.scalars(
                select(StaffUser).where(StaffUser.email == self.partner_email)
            ).one()
            self._add(("users", "public_id"), staff.public_id)
            self._add(("users", "id"), staff.id)
        return self.admin_email

    def _add(self, key: tuple[str, str], value: object, name: str | None = None) -> None:
        self.values[key] = str(value)
        if name:
            self.by_name[name] = str(value)

    def url(self, path: str) -> str:
        """`path` (a route of admin.routing.PAGES) under /admin, its parameters filled."""
        segments = path.split("/")
        filled = []
        for index, segment in enumerate(segments):
            found = _PARAMETER.fullmatch(segment)
            if found is None:
                filled.append(segment)
                continue
            name = found.group(1)
            before = segments[index - 1] if index else ""
            value = self.values.get((before, name), self.by_name.get(name))
            if value is None:
                raise UnknownParameter(
                    f"route {path!r}: no sample value for {{{name}}} after /{before}/ — "
                    "teach tests/admin/sample.py (Sample.create) what it is"
                )
            filled.append(value)
        return "/admin" + "/".join(filled)
