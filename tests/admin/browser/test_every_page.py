"""Every page an admin can open, in chromium: none scrolls sideways on a 360 px wide
phone, and none makes the browser report a Content-Security-Policy violation (an inline
style or script, something from elsewhere) or a script error. The pages are taken from
`admin.routing.PAGES` (a new page is visited without editing this file), their path
parameters filled from tests/admin/sample.py."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, Route

from admin.headers import CSP
from tests.admin.browser.conftest import Site
from tests.admin.sample import Sample, get_pages

PHONE = {"width": 360, "height": 740}


def _visit_every_page(site: Site, page: Page, seen: Callable[[str, str], None]) -> list[str]:
    """Open every GET page (signed out for the visitors' pages, while the set-up link
    still works; signed in as an admin for the rest), calling `seen(route, url)` on
    each; returns the pages that did not answer 200."""
    sample = Sample.create(site.orienta)
    refused = []

    def visit(path: str) -> None:
        url = sample.url(path)
        response = site.open(url, page)
        if response.status != 200:
            refused.append(f"{path} ({url}): HTTP {response.status}")
        seen(path, url)

    pages = get_pages()
    for route in pages:
        if route.permission is None:
            visit(route.path)
    site.sign_in(sample.create_accounts(site.orienta), page=page)
    page.wait_for_url(site.url + "/admin/")
    for route in pages:
        if route.permission is not None:
            visit(route.path)
    return refused


def test_no_admin_page_scrolls_sideways_on_a_360_px_phone(site: Site) -> None:
    page = site.new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    too_wide: list[str] = []

    def measure(route: str, url: str) -> None:
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            wide = page.evaluate(
                """(limit) => [...document.querySelectorAll('body *')]
                    .filter(e => e.getBoundingClientRect().right > limit + 0.5)
                    .slice(0, 3)
                    .map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''))""",
                PHONE["width"],
            )
            too_wide.append(f"{route} ({url}): {width} px wide, past the edge: {wide}")

    refused = _visit_every_page(site, page, measure)
    assert not refused, refused
    assert not too_wide, "\n".join(too_wide)


def test_no_admin_page_breaks_the_content_security_policy(site: Site) -> None:
    page = site.page
    visited: list[str] = []
    refused = _visit_every_page(site, page, lambda route, url: visited.append(route))
    page.evaluate("1")  # every message the last page logged has arrived
    assert not refused, refused
    assert len(visited) == len(get_pages())
    assert not site.reported.csp_violations(), "\n".join(site.reported.csp_violations())
    assert not site.reported.errors, "\n".join(site.reported.errors)
    errors = [line for line in site.reported.console if line.startswith("[error]")]
    assert not errors, "\n".join(errors)


def test_a_csp_violation_is_seen_by_these_tests(site: Site) -> None:
    """The check above reads chromium's console: it must recognise what this chromium
    says when the admin's policy blocks an inline style and an inline script."""
    page = site.page

    def fulfil(route: Route) -> None:
        route.fulfill(
            status=200,
            content_type="text/html; charset=utf-8",
            headers={"Content-Security-Policy": CSP},
            body='<p style="color:red">x</p><script>document.title = "ran"</script>',
        )

    page.route("http://csp-check.test/", fulfil)
    with page.expect_console_message(lambda m: "script" in m.text.lower()):
        page.goto("http://csp-check.test/")
    page.evaluate("1")
    assert page.title() != "ran"
    assert len(site.reported.csp_violations()) == 2, site.reported.console
