"""Referral codes: a Telegram deep link through the real webhook, a WhatsApp prefilled
text, a code typed by SMS; attribution, counts by source, links and QR codes."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from sqlalchemy import select

from bot.app import Orienta
from bot.booking.referrals import arrival_counts, links_for, write_qr
from bot.messaging import Inbound
from bot.settings import Settings
from bot.storage.models import Contact, Partner, Service, Slot
from tests.booking.test_booking import add_service, say, to_offers

# The fixtures of the Telegram webhook tests (a fake Bot API on 127.0.0.1, our app under
# uvicorn) are reused here.
from tests.channels.telegram.conftest import app_orienta, base_url, fake  # noqa: F401
from tests.channels.telegram.support import message_update, post
from tests.fakes.telegram_api import FakeTelegram


def partner_code(orienta: Orienta) -> str:
    add_service(orienta)
    with orienta.sessions() as session:
        return session.scalars(select(Partner.code)).one()


def test_a_telegram_deep_link_attributes_the_person_to_the_partner(
    app_orienta: Orienta,  # noqa: F811
    base_url: str,  # noqa: F811
    fake: tuple[FakeTelegram, str],  # noqa: F811
) -> None:
    code = partner_code(app_orienta)
    assert post(base_url, message_update(f"/start {code}")).status_code == 200
    telegram, _url = fake
    assert "Choisissez votre langue" in telegram.sent[-1].text  # a normal start
    with app_orienta.sessions() as session:
        contact = session.scalars(select(Contact)).one()
        assert contact.referred_by_partner_id is not None
        assert arrival_counts(session) == [(code, "Groupement test de Boffa", "telegram", 1)]


def test_a_whatsapp_prefilled_text_or_a_typed_code_counts_by_channel(orienta: Orienta) -> None:
    code = partner_code(orienta)
    link = links_for_code(orienta, code)
    prefilled = link.whatsapp
    assert prefilled is not None and f"Code%20{code}" in prefilled
    text = f"Bonjour Orienta ! Code {code}"
    orienta.engine.handle(Inbound(channel="whatsapp", address="+224000000401", text=text))
    orienta.engine.handle(Inbound(channel="sms", address="+224000000402", text=code.lower()))
    # A code later in a conversation is an answer, not a new arrival.
    orienta.engine.handle(Inbound(channel="sms", address="+224000000402", text=code))
    with orienta.sessions() as session:
        counts = {(c, ch): n for c, _name, ch, n in arrival_counts(session)}
    assert counts == {(code, "whatsapp"): 1, (code, "sms"): 1}


def test_offers_of_the_referring_partner_come_first(orienta: Orienta) -> None:
    partner_code(orienta)
    now = orienta.engine.clock()
    with orienta.sessions.begin() as session:  # an equal offer from another partner
        other = Partner(code="TOTH1", name="Autre ONG test", kind="ngo", created_at=now)
        session.add(other)
        session.flush()
        template = session.scalars(select(Service)).one()
        copy = Service(
            partner_id=other.id,
            title={"fr": "Fumage amélioré bis"},
            sectors=template.sectors,
            regions=template.regions,
            prefectures=template.prefectures,
            prefecture=template.prefecture,
            place="Boffa, quai",
            created_at=now,
        )
        session.add(copy)
        session.flush()
        slot = session.scalars(select(Slot)).first()
        assert slot is not None
        session.add(
            Slot(
                service_id=copy.id,
                starts_at=slot.starts_at,
                ends_at=slot.ends_at,
                capacity=3,
                booked=0,
                created_at=now,
            )
        )
    plain = to_offers(orienta, "+224000000403")
    assert plain.index("Fumage amélioré -") < plain.index("Fumage amélioré bis")
    say(orienta, "+224000000404", "Bonjour, code TOTH1")
    referred = "\n".join(say(orienta, "+224000000404", t) for t in ORIENTATION_AFTER_HELLO)
    assert referred.index("Fumage amélioré bis") < referred.index("Fumage amélioré -")


ORIENTATION_AFTER_HELLO = [
    "1", "oui", "Boké", "boffa", "1", "3", "2", "2", "3, 4", "1",
    "1", "2", "1 et 2", "2", "mobile money", "1", "OK",
]  # fmt: skip


def links_for_code(orienta: Orienta, code: str):  # type: ignore[no-untyped-def]
    settings = replace(
        orienta.settings,
        telegram_bot_username="OrientaGuineeBot",
        twilio_whatsapp_from="+224000000901",
        twilio_sms_from="+224000000900",
    )
    with orienta.sessions() as session:
        partner = session.scalars(select(Partner).where(Partner.code == code)).one()
        return links_for(partner, settings)


def test_links_and_a_printable_qr_code(orienta: Orienta, tmp_path: Path) -> None:
    code = partner_code(orienta)
    links = links_for_code(orienta, code)
    assert links.telegram == f"https://t.me/OrientaGuineeBot?start={code}"
    assert links.whatsapp == (
        f"https://wa.me/224000000901?text=Bonjour%20Orienta%20%21%20Code%20{code}"
    )
    assert links.best() == links.whatsapp
    png, svg = tmp_path / "qr.png", tmp_path / "qr.svg"
    write_qr(links.whatsapp, png)
    write_qr(links.whatsapp, svg)
    assert png.read_bytes().startswith(b"\x89PNG") and png.stat().st_size > 200
    assert "<svg" in svg.read_text()


def test_without_settings_there_is_no_link_to_print(orienta: Orienta, settings: Settings) -> None:
    code = partner_code(orienta)
    with orienta.sessions() as session:
        partner = session.scalars(select(Partner).where(Partner.code == code)).one()
        links = links_for(partner, settings)
    assert links.telegram is None and links.whatsapp is None and links.best() is None
