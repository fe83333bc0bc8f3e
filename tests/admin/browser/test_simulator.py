"""The simulator in chromium, on a 360 px phone: a member of staff goes through a whole
orientation in each rendering (the answers tests/booking uses to reach the offers),
typing as a returnee would, and on Telegram tapping the buttons the page draws under
the bot's last message wherever one sends the answer; up to the offers. The page never
scrolls sideways and breaks no Content-Security-Policy rule, with JavaScript off (each
rendering) and on (Telegram). Screenshots of each rendering (the whole conversation,
and the screen the offers end on) go to tests/admin/browser/artifacts.py's directory."""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.admin.browser.artifacts import screenshot
from tests.admin.browser.conftest import Site
from tests.admin.support import make_account
from tests.booking.test_booking import ORIENTATION, add_service

PHONE = {"width": 360, "height": 740}
NAMES = {"sms": "SMS", "whatsapp": "WhatsApp", "telegram": "Telegram"}


def _send(page: Page, button: Locator) -> None:
    """Submit, and wait for the page it leads to (the conversation with the bot's reply)
    to be read in full."""
    with page.expect_navigation(wait_until="domcontentloaded"):
        button.click()


def _write(page: Page, text: str) -> None:
    page.get_by_label("Votre message").fill(text)
    _send(page, page.get_by_role("button", name="Envoyer", exact=True))


def _tap(page: Page, text: str) -> bool:
    """Tap the button of the bot's last message that sends `text`, if it has one."""
    last = page.locator(".sim-thread > li").last
    button = last.locator(".sim-buttons button[name=text]").and_(page.locator(f'[value="{text}"]'))
    if not button.count():
        return False
    _send(page, button)
    return True


def _orientation(site: Site, rendering: str, *, javascript: bool) -> Page:
    add_service(site.orienta, capacity=5)
    email = make_account(site.orienta, "staff", "simulateur@orienta.test")
    page = site.new_page(
        viewport=PHONE, is_mobile=True, has_touch=True, java_script_enabled=javascript
    )
    site.sign_in(email, page=page)
    page.wait_for_url(site.url + "/admin/")
    site.open("/admin/simulator", page)
    page.get_by_role("link", name=NAMES[rendering], exact=True).click()
    expect(page.get_by_text("Pas encore de message")).to_be_visible()
    taps = 0
    for text in ORIENTATION:
        if rendering == "telegram" and _tap(page, text):
            taps += 1
        else:
            _write(page, text)
        assert page.url.endswith(f"/admin/simulator?rendering={rendering}#ecrire")
        assert page.locator(".sim-thread > li.sim-person").last.inner_text() == text
    expect(page.locator(".sim-bot").filter(has_text="Fumage am").last).to_be_visible()
    if rendering == "telegram":
        assert taps >= 8, f"{taps} taps: the page drew too few buttons"
        expect(page.get_by_role("button", name="Partager mon numéro de téléphone")).to_be_disabled()
    else:  # menus are numbered lines of text: nothing to tap
        expect(page.locator(".sim-buttons")).to_have_count(0)
    if rendering == "sms":
        expect(page.locator(".sim-bot small").filter(has_text="SMS").first).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{width} px wide"
    assert not site.reported.csp_violations(), "\n".join(site.reported.csp_violations())
    assert not site.reported.errors, "\n".join(site.reported.errors)
    return page


@pytest.mark.slow
@pytest.mark.parametrize("rendering", sorted(NAMES))
def test_a_whole_orientation_in_the_simulator_on_a_phone_without_javascript(
    site: Site, rendering: str
) -> None:
    page = _orientation(site, rendering, javascript=False)
    screenshot(page, f"simulator-{rendering}-360px")
    screenshot(page, f"simulator-{rendering}-360px-offers", full_page=False)


@pytest.mark.slow
def test_a_whole_orientation_on_telegram_with_javascript(site: Site) -> None:
    page = _orientation(site, "telegram", javascript=True)
    screenshot(page, "simulator-telegram-js-360px-offers", full_page=False)
