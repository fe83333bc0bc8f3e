"""Signing in as a person does it, in chromium: the first admin's one-time link, signing
out and in again, a wrong password, and the same pages with JavaScript turned off."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

from admin.accounts import issue_setup_token
from tests.admin.browser.conftest import Site
from tests.admin.support import PASSWORD, make_account


def _setup_token(site: Site) -> str:
    with site.orienta.sessions() as session, session.begin():
        token = issue_setup_token(session, site.orienta.engine.clock())
    assert token is not None
    return token


def _heading(page: Page) -> Locator:
    return page.get_by_role("heading", level=1)


def test_the_first_admin_sets_up_through_the_one_time_link_and_lands_signed_in(
    site: Site,
) -> None:
    token = _setup_token(site)
    page = site.page
    site.open(f"/admin/setup/{token}")
    expect(_heading(page)).to_have_text("Créer le premier compte administrateur")
    expect(page.get_by_text("Ce lien ne sert qu'une fois.")).to_be_visible()

    page.get_by_label("Adresse e-mail").fill("premiere@ong.test")
    page.get_by_label("Mot de passe (8 caractères au moins)").fill(PASSWORD)
    page.get_by_label("Le même mot de passe, une seconde fois").fill(PASSWORD + "x")
    page.get_by_role("button", name="Créer le compte").click()
    expect(page.get_by_role("alert")).to_have_text("Les deux mots de passe ne sont pas les mêmes.")

    page.get_by_label("Mot de passe (8 caractères au moins)").fill(PASSWORD)
    page.get_by_label("Le même mot de passe, une seconde fois").fill(PASSWORD)
    page.get_by_role("button", name="Créer le compte").click()
    expect(page).to_have_url(site.url + "/admin/")
    expect(_heading(page)).to_have_text("Bonjour")
    expect(
        page.get_by_text("Vous êtes connecté en tant que premiere@ong.test (Administrateur).")
    ).to_be_visible()
    menu = page.get_by_role("navigation", name="Menu")
    expect(menu.get_by_role("link", name="Comptes")).to_be_visible()
    expect(menu.get_by_role("link", name="Journal")).to_be_visible()

    # The link served once: opened again, it says so, in French.
    again = site.new_page()
    assert site.open(f"/admin/setup/{token}", again).status == 404
    expect(_heading(again)).to_contain_text("Ce lien de première connexion n'est plus valable")
    assert not site.reported.csp_violations()


def test_signing_out_then_in_again_at_the_sign_in_page(site: Site) -> None:
    email = make_account(site.orienta, "admin")
    page = site.page
    site.sign_in(email)
    expect(page).to_have_url(site.url + "/admin/")
    expect(page.get_by_text(f"Vous êtes connecté en tant que {email}")).to_be_visible()

    site.sign_out()
    expect(page.get_by_role("status")).to_have_text("Vous êtes déconnecté.")
    expect(_heading(page)).to_have_text("Connexion à l'administration")
    site.open("/admin/")  # signed out: sent to the sign-in page
    expect(_heading(page)).to_have_text("Connexion à l'administration")

    # A page asked for while signed out is where one lands after signing in.
    site.open("/admin/audit")
    assert site.path().startswith("/admin/login?next=")
    site.sign_in(email)
    expect(page).to_have_url(site.url + "/admin/audit")
    expect(_heading(page)).to_have_text("Journal des modifications")
    site.open("/admin/")
    expect(_heading(page)).to_have_text("Bonjour")
    assert not site.reported.csp_violations()


def test_a_wrong_password_is_refused_in_french(site: Site) -> None:
    email = make_account(site.orienta, "staff")
    page = site.page
    site.sign_in(email, "Pas-le-bon-mot-de-passe-1")
    expect(page.get_by_role("alert")).to_have_text("E-mail ou mot de passe incorrect.")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(_heading(page)).to_have_text("Connexion à l'administration")
    expect(page.get_by_label("Adresse e-mail")).to_have_value(email)
    expect(page.get_by_label("Mot de passe", exact=True)).to_have_value("")  # not sent back

    site.sign_in(email)  # the right one, on the same form
    expect(page).to_have_url(site.url + "/admin/")
    expect(page.get_by_text("(Personnel de l'ONG)")).to_be_visible()


def test_signing_in_home_and_out_work_without_javascript(site: Site) -> None:
    email = make_account(site.orienta, "admin")
    page = site.new_page(java_script_enabled=False)
    site.open("/admin/login", page)
    expect(_heading(page)).to_have_text("Connexion à l'administration")
    site.sign_in(email, "Pas-le-bon-mot-de-passe-1", page)
    expect(page.get_by_role("alert")).to_have_text("E-mail ou mot de passe incorrect.")

    site.sign_in(email, page=page)
    expect(page).to_have_url(site.url + "/admin/")
    expect(_heading(page)).to_have_text("Bonjour")
    expect(page.get_by_role("heading", name="En chiffres")).to_be_visible()
    page.get_by_role("link", name="Comptes du personnel").click()
    expect(_heading(page)).to_have_text("Comptes du personnel")
    expect(page.get_by_role("cell", name=email)).to_be_visible()

    site.sign_out(page)
    expect(page.get_by_role("status")).to_have_text("Vous êtes déconnecté.")
    assert not site.reported.csp_violations()
