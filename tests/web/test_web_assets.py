"""The vendored design-system assets are present, self-contained and licensed."""

from __future__ import annotations

import re
from pathlib import Path

import tinhso

STATIC = Path(tinhso.__file__).parent / "web" / "static" / "tinhso"


def test_built_assets_and_their_licences_are_vendored():
    for name in (
        "css/tinhso.css",
        "css/LICENSE-govuk-frontend.txt",
        "js/govuk-frontend.min.js",
        "js/tinhso.mjs",
        "js/LICENSE-govuk-frontend.txt",
        "fonts/be-vietnam-pro-400.woff2",
        "fonts/be-vietnam-pro-700.woff2",
        "fonts/OFL-be-vietnam-pro.txt",
        "images/favicon.svg",
    ):
        assert (STATIC / name).is_file(), name


def test_css_uses_the_vietnamese_font_and_only_shipped_files():
    css = (STATIC / "css" / "tinhso.css").read_text(encoding="utf-8")
    assert '"Be Vietnam Pro"' in css
    assert "GDS Transport" not in css
    for url in re.findall(r"url\(([^)]*)\)", css):
        url = url.strip("\"'")
        if not url.startswith("data:"):
            assert (STATIC / "css" / url).resolve().is_file(), url
            assert "//" not in url, "no CDN"


def test_no_gov_uk_brand_is_shipped():
    css = (STATIC / "css" / "tinhso.css").read_text(encoding="utf-8")
    assert "govuk-crest" not in css
    assert not list(STATIC.rglob("*crest*")) and not list(STATIC.rglob("*crown*"))


def test_fonts_are_woff2_and_small():
    for weight in (400, 700):
        data = (STATIC / "fonts" / f"be-vietnam-pro-{weight}.woff2").read_bytes()
        assert data[:4] == b"wOF2"
        assert len(data) < 80_000


def test_js_ships_without_a_dangling_source_map():
    js = (STATIC / "js" / "govuk-frontend.min.js").read_text(encoding="utf-8")
    assert "sourceMappingURL" not in js
