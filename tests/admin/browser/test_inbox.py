"""The inbox in chromium, on a 360 px phone, with the whole app served as `orienta serve`
runs it (webhooks, the outbox's dispatcher) and a fake Twilio as the SMS provider: a
person's urgent message comes through a signed Twilio webhook; the staff member's inbox
shows it at the top with the header's count (the time from the webhook's answer to a
page load showing it is printed and recorded: `webhook_to_inbox_ms`); they take it,
answer in their own words, the reply reaches the fake Twilio; the bot is silent
meanwhile; handed back, the bot sends the person their question again and their next
message answers it. With
JavaScript, the header's counts follow a second urgent message without a reload; the
same flow runs with JavaScript off. Screenshots go to tests/admin/browser/artifacts.py's
directory."""

from __future__ import annotations

import html
import itertools
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect
from twilio.request_validator import RequestValidator

from bot.app import open_orienta
from bot.settings import Settings
from bot.web import create_app
from tests.admin.browser.artifacts import screenshot
from tests.admin.browser.conftest import Reported, Site, _Chromium
from tests.admin.support import CHEAP, make_account
from tests.conftest import FakeClock
from tests.fakes.servers import free_socket, http, serve
from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio

PHONE = {"width": 360, "height": 740}
PERSON = "+224000000841"  # fictitious, as every number here
SECOND = "+224000000842"
EARLIER = "+224000000843"
ORIENTA_SMS = "+224000000900"
TO_GENDER = ["bonjour", "1", "1", "2", "1"]  # language, consent, Boké, Boffa
REPLY = "Bonjour, ici Mariama d'Orienta. Pouvez-vous parler maintenant ?"
_sids = itertools.count(1)


# -- the app served with a fake Twilio, its dispatcher running -----------------------------


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    fake = FakeTwilio()
    with serve(fake.app()) as url:
        fake.url = url  # type: ignore[attr-defined]
        yield fake


@pytest.fixture
def live(
    settings: Settings,
    clock: FakeClock,
    twilio: FakeTwilio,
    chromium: _Chromium,
    context: BrowserContext,
    reported: Reported,
) -> Iterator[Site]:
    """Orienta on 127.0.0.1 with its dispatcher; Twilio's webhooks signed for the URL it
    is served at (PUBLIC_BASE_URL: plain http, as the browser reaches it)."""
    sock = free_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    configured = replace(
        settings,
        public_base_url=url,
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        twilio_sms_from=ORIENTA_SMS,
        twilio_api_base_url=twilio.url,  # type: ignore[attr-defined]
    )
    orienta = open_orienta(configured, clock=clock)
    try:
        app = create_app(orienta, dispatcher=True, admin_options={"hasher": CHEAP})
        with serve(app, sock) as served:
            site = Site(served, orienta, context.new_page(), reported, chromium)
            try:
                yield site
            finally:
                for extra in site.contexts:
                    extra.close()
    finally:
        orienta.close()


def sms(site: Site, text: str, sender: str = PERSON) -> str:
    """A person's SMS through Twilio's signed webhook; the bot's answer (TwiML) as text."""
    form = {"MessageSid": f"SMinbox{next(_sids)}", "From": sender, "Body": text, "NumMedia": "0"}
    path = "/webhooks/twilio/sms"
    signature = RequestValidator(AUTH_TOKEN).compute_signature(site.url + path, form)
    answer: httpx.Response = http.post(
        site.url + path, data=form, headers={"X-Twilio-Signature": signature}, timeout=30
    )
    assert answer.status_code == 200, (text, answer.status_code, answer.text[:300])
    return html.unescape(answer.text)


def _staff_on_a_phone(site: Site, *, javascript: bool) -> Page:
    email = make_account(site.orienta, "staff", "mariama@ong.test")
    page = site.new_page(
        viewport=PHONE, is_mobile=True, has_touch=True, java_script_enabled=javascript
    )
    if javascript:
        page.clock.install()  # the counts' 30 s timer, run on demand
    site.sign_in(email, page=page)
    page.wait_for_url(site.url + "/admin/")
    return page


def _counts(page: Page) -> tuple[str, str]:
    header = page.locator("[data-inbox-counts]")
    return (
        header.locator("[data-count=urgent]").inner_text(),
        header.locator("[data-count=other]").inner_text(),
    )


def _load_until_listed(site: Site, page: Page, seconds: float = 5) -> int:
    """Load the inbox until an urgent entry is listed; how many loads it took."""
    deadline = time.perf_counter() + seconds
    for loads in itertools.count(1):
        site.open("/admin/inbox", page)
        if page.locator("ol.queue > li.entry.urgent").count():
            return loads
        assert time.perf_counter() < deadline, "the urgent request never showed in the inbox"
    raise AssertionError  # unreachable


def _no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url}: {width} px wide"


def _urgent_arrives_and_is_listed(
    site: Site, page: Page, clock: FakeClock, record_property: pytest.RecordProperty, name: str
) -> None:
    """Someone asked to talk to a person; five minutes later, the person answers the
    first questions, then writes for help: the inbox shows it first."""
    site.open("/admin/inbox", page)
    expect(page.get_by_text("Rien n'attend pour le moment.")).to_be_visible()
    assert _counts(page) == ("0", "0")
    sms(site, "bonjour", EARLIER)
    assert "une personne de l'équipe vous répondra" in sms(
        site, "je veux parler à quelqu'un", EARLIER
    )
    clock.advance(timedelta(minutes=5))
    for text in TO_GENDER:
        sms(site, text)
    told = sms(site, "mon mari me frappe")
    answered = time.perf_counter()
    loads = _load_until_listed(site, page)
    elapsed_ms = (time.perf_counter() - answered) * 1000
    print(f"webhook → inbox ({name}): {elapsed_ms:.0f} ms, {loads} page load(s)")
    record_property("webhook_to_inbox_ms", round(elapsed_ms))
    record_property("webhook_to_inbox_page_loads", loads)
    assert "Votre sécurité passe avant tout" in told, told

    entries = page.locator("ol.queue > li.entry")
    expect(entries).to_have_count(2)
    first = entries.first
    expect(first).to_contain_text("aide urgente — violence")
    expect(entries.nth(1)).to_contain_text("parler à une personne")  # older, not urgent
    expect(first).to_contain_text("SMS")
    expect(first).to_contain_text("Boké")
    expect(first).to_contain_text("pas encore dit")  # whether the number is safe to use
    assert _counts(page) == ("1", "1")
    # The person asks to be contacted, at any time: the inbox says so at the next load.
    assert "sans risque pour vous" in sms(site, "1")
    assert "une personne de l'équipe vous écrira" in sms(site, "1")
    site.open("/admin/inbox", page)
    expect(first).to_contain_text("oui, à tout moment")
    expect(page.get_by_text(PERSON)).to_have_count(0)  # never a number
    _no_sideways_scroll(page)
    screenshot(page, f"inbox-{name}-360px")


def _take_answer_hand_back(site: Site, page: Page, twilio: FakeTwilio, name: str) -> None:
    page.locator("ol.queue > li.entry").first.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("aide urgente — violence")
    page.get_by_role("button", name="Prendre cette demande").click()
    expect(page.get_by_role("status")).to_have_text(
        "Vous avez pris cette demande : le bot se tait, vous répondez."
    )
    assert _counts(page) == ("0", "1")  # taken: it waits no more
    expect(page.get_by_text("Elle part par SMS")).to_be_visible()
    # What was said since the call for help, for staff to read.
    thread = page.locator("ol.thread > li")
    expect(thread.first).to_have_class("said-by-person")
    expect(thread.first).to_contain_text("mon mari me frappe")
    expect(thread.nth(1)).to_contain_text("Votre sécurité passe avant tout")
    page.get_by_label("Votre réponse").fill(REPLY)
    _no_sideways_scroll(page)
    screenshot(page, f"inbox-episode-{name}-360px")
    page.get_by_role("button", name="Envoyer").click()
    expect(page.get_by_role("status")).to_have_text("Réponse envoyée à la personne.")
    twilio.wait_until(
        lambda: any(a.to == PERSON and a.body == REPLY for a in twilio.accepted),
        "the reply at the fake Twilio",
        timeout=10,
    )
    [reply] = [a for a in twilio.accepted if a.to == PERSON]
    assert reply.sender == ORIENTA_SMS
    mine = page.locator("ol.thread > li.said-by-staff")
    expect(mine).to_contain_text(REPLY)
    expect(mine).to_contain_text("mariama@ong.test")
    # While staff have it, the bot says nothing to the person's ordinary messages; staff
    # read them on the page.
    assert "<Message>" not in sms(site, "merci, je suis dans la cour")
    page.reload()
    expect(thread.last).to_have_class("said-by-person")
    expect(thread.last).to_contain_text("merci, je suis dans la cour")

    page.get_by_role("button", name="Rendre au bot").click()
    expect(page.get_by_role("status")).to_have_text(
        "Rendue au bot : il reprend la question où la personne en était."
    )
    assert _counts(page) == ("1", "1")  # back in the queue until closed
    # The bot sends the question the person was at (they may be written to at any
    # time), and takes their answer to it.
    twilio.wait_until(
        lambda: any(a.to == PERSON and "Une femme" in a.body for a in twilio.accepted),
        "the question again, at the fake Twilio",
        timeout=10,
    )
    assert "18 à 24 ans" in sms(site, "1")  # the next question: their age


def _close(page: Page) -> None:
    page.get_by_label("Ce qu'il en est advenu").select_option(label="personne jointe")
    page.get_by_role("button", name="Clore la demande").click()
    expect(page.get_by_role("status")).to_have_text("Demande close.")


@pytest.mark.slow
def test_an_urgent_sms_reaches_the_inbox_is_taken_answered_and_handed_back(
    live: Site, clock: FakeClock, twilio: FakeTwilio, record_property: pytest.RecordProperty
) -> None:
    page = _staff_on_a_phone(live, javascript=True)
    _urgent_arrives_and_is_listed(live, page, clock, record_property, "js")
    _take_answer_hand_back(live, page, twilio, "js")

    # A second urgent message: the header's counts follow without a reload, at the
    # script's next round (its 30 s timer, run now by Playwright's clock).
    page.evaluate("window.notReloaded = true")
    assert "Votre sécurité passe avant tout" in sms(live, "au secours", SECOND)
    page.clock.run_for(30_000)
    urgent = page.locator("[data-inbox-counts] [data-count=urgent]")
    expect(urgent).to_have_text("2", timeout=5_000)
    assert page.evaluate("window.notReloaded === true")  # the same page, not reloaded

    _close(page)
    expect(page).to_have_url(live.url + "/admin/inbox?notice=help_closed")
    entries = page.locator("ol.queue > li.entry")
    expect(entries).to_have_count(2)  # the second person's, urgent, then the older request
    expect(entries.first).to_contain_text("aide urgente — autre")
    assert _counts(page) == ("1", "1")
    assert not live.reported.csp_violations(), "\n".join(live.reported.csp_violations())
    assert not live.reported.errors, "\n".join(live.reported.errors)


@pytest.mark.slow
def test_the_same_without_javascript(
    live: Site, clock: FakeClock, twilio: FakeTwilio, record_property: pytest.RecordProperty
) -> None:
    page = _staff_on_a_phone(live, javascript=False)
    _urgent_arrives_and_is_listed(live, page, clock, record_property, "nojs")
    _take_answer_hand_back(live, page, twilio, "nojs")
    _close(page)
    entries = page.locator("ol.queue > li.entry")
    expect(entries).to_have_count(1)
    expect(entries).to_contain_text("parler à une personne")
    assert _counts(page) == ("0", "1")
    assert not live.reported.csp_violations(), "\n".join(live.reported.csp_violations())
    assert not live.reported.errors, "\n".join(live.reported.errors)
