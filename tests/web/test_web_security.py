"""The strict CSP holds: no inline style, no script without the nonce, nothing from elsewhere."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.test import Client

pytestmark = [pytest.mark.django_db, pytest.mark.urls("web_test_urls")]

PAGES = ["/", "/khong-co-trang-nay", "/_test/forbidden", "/_test/suspicious", "/_test/boom"]


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.scripts, self.styles, self.style_attrs, self.handlers, self.sources = [], 0, [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            self.scripts.append(attrs)
        if tag == "style":
            self.styles += 1
        for name, value in attrs.items():
            if name == "style":
                self.style_attrs.append((tag, value))
            if name.startswith("on"):
                self.handlers.append((tag, name))
            if name in {"src", "href"} and tag in {"script", "link", "img"}:
                self.sources.append(value)


@pytest.mark.parametrize("path", PAGES)
def test_csp_header_is_strict_and_the_page_obeys_it(path):
    response = Client(raise_request_exception=False).get(path)
    policy = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    assert directives["style-src"] == "'self'"
    assert directives["script-src"].startswith("'self'")
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy

    page = _Collector()
    page.feed(response.content.decode())
    assert page.styles == 0 and page.style_attrs == [] and page.handlers == []
    nonce = re.search(r"'nonce-([^']+)'", directives["script-src"])
    inline = [script for script in page.scripts if "src" not in script]
    assert len(inline) == 1, "the shell has exactly one inline script (GOV.UK's js-enabled class)"
    for script in page.scripts:
        if "src" in script:
            assert script["src"].startswith("/static/")
        else:
            assert nonce and script.get("nonce") == nonce.group(1), "inline script without the nonce"
    for source in page.sources:
        assert source.startswith("/"), f"not same-origin: {source}"


def test_pages_are_not_framed_and_carry_the_usual_headers(client):
    response = client.get("/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
