"""The admin simulator's channels: stand-ins with the capabilities of SMS, WhatsApp and
Telegram, a reply drawn as each phone shows it, and no provider behind them (no route,
no sender, not a channel of /health or `orienta chat`)."""

from __future__ import annotations

from dataclasses import replace

from bot.channels.registry import by_capability, capabilities, channel_type, providers
from bot.channels.simulator import SIMULATED, SIMULATOR, Button, screen, stands_for
from bot.messaging import Choice, Outbound
from bot.settings import load_settings

CONSENT = Outbound(
    "sim_sms",
    "",
    "Vous êtes d’accord ?",
    choices=(Choice(1, "yes", "Oui"), Choice(2, "no", "Non")),
)


def test_each_rendering_has_the_capabilities_of_the_channel_it_stands_for() -> None:
    assert SIMULATED == {"sms": "sim_sms", "whatsapp": "sim_whatsapp", "telegram": "sim_telegram"}
    for real, simulated in SIMULATED.items():
        assert capabilities(simulated) == replace(
            capabilities(real),
            simulated=True,
            fallback=SIMULATED.get(capabilities(real).fallback or ""),
        )
        assert channel_type(simulated).provider == "simulator"
        assert stands_for(simulated) == real and stands_for(real) == real
    assert capabilities("sim_whatsapp").fallback == "sim_sms"  # never the real SMS
    assert set(by_capability(simulated=True)) == set(SIMULATED.values())


def test_no_provider_sends_on_them_and_no_route_receives() -> None:
    settings = load_settings(environ={}, env_file=None)
    assert SIMULATOR in providers()
    assert SIMULATOR.routes() == ()
    assert SIMULATOR.senders(settings, None) == {}
    assert all(not set(p.senders(settings, None)) & set(SIMULATED.values()) for p in providers())


def test_sms_shows_the_compact_menu_folded_with_its_parts() -> None:
    (bubble,) = screen(CONSENT, "sim_sms")
    assert bubble.text == "Vous etes d'accord ?\n1 Oui\n2 Non"
    assert bubble.sms_parts == 1 and bubble.buttons == ()


def test_whatsapp_shows_a_numbered_list() -> None:
    (bubble,) = screen(replace(CONSENT, channel="sim_whatsapp"), "sim_whatsapp")
    assert bubble.text == "Vous êtes d’accord ?\n\n1. Oui\n2. Non"
    assert bubble.sms_parts == 0 and bubble.buttons == ()


def test_telegram_draws_buttons_sending_their_numbers() -> None:
    (bubble,) = screen(replace(CONSENT, channel="sim_telegram"), "sim_telegram")
    assert bubble.text == "Vous êtes d’accord ?"
    assert bubble.buttons == ((Button("1. Oui", "1"), Button("2. Non", "2")),)
    (phone,) = screen(Outbound("sim_telegram", "", "Partagez ?", ask_phone=True), "sim_telegram")
    assert phone.phone_button == "Partager mon numéro de téléphone"


def test_a_recording_and_a_long_reply_show_as_the_phone_gets_them() -> None:
    voice = Outbound("sim_whatsapp", "", "", media=("https://o.example/media/voice/x.ogg",))
    (bubble,) = screen(voice, "sim_whatsapp")
    assert bubble.audio and bubble.text == ""
    assert screen(replace(voice, channel="sim_sms"), "sim_sms")[0].audio is False
    long = Outbound("sim_sms", "", "\n\n".join(["Un paragraphe assez long."] * 100))
    assert len(screen(long, "sim_sms")) == 2  # 1,600 characters at most per message
