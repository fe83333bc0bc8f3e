"""The simulator in chromium, on a 360 px phone with JavaScript off: a member of staff
goes through a whole orientation in each rendering, typing as a returnee would (and on
Telegram tapping the drawn buttons), up to the offers; the page never scrolls sideways
and breaks no Content-Security-Policy rule. A screenshot of each rendering is saved as a
test artifact (under ORIENTA_TEST_ARTIFACTS, by default test-artifacts/ at the root)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.admin.browser.conftest import Site
from tests.admin.support import make_account
from tests.booking.test_booking import ORIENTATION, add_service

PHONE = {"width": 360, "height": 740}
ROOT = Path(__file__).resolve().parents[3]
ARTIFACTS = Path(os.environ.get("ORIENTA_TEST_ARTIFACTS") or ROOT / "test-artifacts")
NAMES = {"sms": "SMS", "whatsapp": "WhatsApp", "telegram": "Telegram"}


def _write(page: Page, text: str) -> None:
    page.get_by_label("Votre message").fill(text)
    page.get_by_role("button", name="Envoyer").click()


@pytest.mark.parametrize("rendering", sorted(NAMES))
def test_a_whole_orientation_in_the_simulator_on_a_phone_without_javascript(
    site: Site, rendering: str
) -> None:
    add_service(site.orienta, capacity=5)
    email = make_account(site.orienta, "staff", "simulateur@orienta.test")
    page = site.new_page(viewport=PHONE, is_mobile=True, has_touch=True, java_script_enabled=False)
    site.sign_in(email, page=page)
    page.wait_for_url(site.url + "/admin/")
    site.open("/admin/simulator", page)
    page.get_by_role("link", name=NAMES[rendering], exact=True).click()
    expect(page.get_by_text("Pas encore de message")).to_be_visible()
    for n, text in enumerate(ORIENTATION):
        if rendering == "telegram" and n == 1:
            page.get_by_role("button", name="1. Français").click()  # a tap, not typing
        else:
            _write(page, text)
        assert page.url.endswith(f"/admin/simulator?rendering={rendering}#ecrire")
    expect(page.locator(".sim-bot").filter(has_text="Fumage am").last).to_be_visible()
    if rendering == "telegram":
        expect(page.get_by_role("button", name="Partager mon numéro de téléphone")).to_be_disabled()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{width} px wide"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"simulator-{rendering}-360px.png", full_page=True)
    assert not site.reported.csp_violations(), "\n".join(site.reported.csp_violations())
    assert not site.reported.errors, "\n".join(site.reported.errors)
