"""Every admin page stays light for a slow connection: its HTML and everything it links
(stylesheets, scripts, images, what the stylesheets pull in), each gzipped as the server
sends it, under 100 KB together. The pages are taken from `admin.routing.PAGES`: a new
page is weighed without editing this test (its path parameters filled by
tests/admin/sample.py, which fails naming a route it cannot fill)."""

from __future__ import annotations

import gzip
import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest

from bot.app import Orienta
from tests.admin.sample import Sample, get_pages
from tests.admin.support import AdminClient

BUDGET = 100_000
"""Bytes, gzipped (level 6), for a page and its assets together."""
GZIP_LEVEL = 6
_CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)|@import\s+['"]([^'"]+)['"]""")


class _Assets(HTMLParser):
    """The URLs a browser fetches to show a page: stylesheets, icons, scripts, images."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "link" and values.get("href") and values.get("rel", "") != "canonical":
            self.urls.append(values["href"])
        elif tag in ("script", "img", "source", "input", "video", "audio") and values.get("src"):
            self.urls.append(values["src"])
        for candidate in values.get("srcset", "").split(","):
            if candidate.strip():
                self.urls.append(candidate.split()[0])


def _gzipped(body: bytes) -> int:
    return len(gzip.compress(body, compresslevel=GZIP_LEVEL))


def _weigh(client: AdminClient, route: str, url: str) -> tuple[int, dict[str, int]]:
    """The page's gzipped weight with its assets, and each part's."""
    response = client.get(url)
    assert response.status_code == 200, f"{route} ({url}): HTTP {response.status_code}"
    parts = {url: _gzipped(response.content)}
    parser = _Assets()
    parser.feed(response.text)
    pending = [urljoin(url, found) for found in parser.urls]
    while pending:
        asset = pending.pop()
        if asset.startswith("data:") or asset in parts:
            continue  # a data: URL is inside the HTML, already weighed
        assert not urlsplit(asset).netloc, f"{route} links {asset}, outside Orienta"
        fetched = client.get(asset)
        assert fetched.status_code == 200, f"{route} links {asset}: HTTP {fetched.status_code}"
        parts[asset] = _gzipped(fetched.content)
        if "css" in fetched.headers.get("content-type", ""):
            for match in _CSS_URL.finditer(fetched.text):
                pending.append(urljoin(asset, match.group(1) or match.group(2)))
    return sum(parts.values()), parts


def test_every_admin_page_with_its_assets_is_under_100_kb_gzipped(
    orienta: Orienta,
    client: AdminClient,
    record_property: pytest.RecordProperty,
) -> None:
    sample = Sample.create(orienta)
    pages = get_pages()
    weights: dict[str, tuple[int, dict[str, int]]] = {}
    # Pages for visitors first, signed out: the set-up link works only while no account
    # exists.
    for page in pages:
        if page.permission is None:
            weights[page.path] = _weigh(client, page.path, sample.url(page.path))
    client.sign_in(sample.create_accounts(orienta))
    for page in pages:
        if page.permission is not None:
            weights[page.path] = _weigh(client, page.path, sample.url(page.path))

    heaviest = max(weights, key=lambda path: weights[path][0])
    total, parts = weights[heaviest]
    summary = ", ".join(f"{url} {size} B" for url, size in parts.items())
    print(f"\nheaviest admin page: {heaviest}, {total} B gzipped ({summary})")
    record_property("heaviest_admin_page", heaviest)
    record_property("heaviest_admin_page_bytes", total)
    too_heavy = {path: weight for path, (weight, _) in weights.items() if weight >= BUDGET}
    assert not too_heavy, f"over {BUDGET} B gzipped with their assets: {too_heavy}"
    assert len(weights) == len(pages)
