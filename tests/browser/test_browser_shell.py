"""The web shell in a real browser: phone first, keyboard, language, WCAG 2.1 AA (axe-core)."""

from __future__ import annotations

import unicodedata

import pytest


def goto(page, path="/"):
    response = page.goto(page.base_url + path)
    page.evaluate("document.fonts.ready")
    return response


def has_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")


@pytest.mark.parametrize("width", [320, 360])
def test_home_fits_a_phone_without_horizontal_scrolling(page, width):
    page.set_viewport_size({"width": width, "height": 740})
    goto(page)
    assert page.locator("h1").inner_text() == "Dịch vụ công trực tuyến"
    assert not has_horizontal_scroll(page)
    assert page.problems == []


def test_error_page_fits_a_phone_without_horizontal_scrolling(page):
    page.set_viewport_size({"width": 320, "height": 740})
    goto(page, "/khong-co-trang-nay")
    assert not has_horizontal_scroll(page)


def test_a_signed_in_citizen_gets_a_sign_out_button_that_posts_with_csrf(page, screenshot_dir):
    """The shell's side of signing out: the button POSTs to allauth's logout with the CSRF token.
    (Signing out itself is allauth's, tested with accounts; doing it here would write to the
    append-only audit log, which the live server's database flush cannot then empty.)"""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.urls import reverse

    user = get_user_model().objects.create_user(
        username="079203001234", personal_id="079203001234", kind="citizen", password="mat-khau-rat-dai-123"
    )
    # A signed-in session made directly, without the login signal (which audits).
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    host = page.base_url.split("//", 1)[1].split(":")[0]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "domain": host, "path": "/"}]
    )
    goto(page)
    assert page.get_by_role("link", name="Đăng nhập").count() == 0
    page.screenshot(path=str(screenshot_dir / "home-signed-in-360.png"))
    page.set_viewport_size({"width": 1280, "height": 400})
    page.screenshot(path=str(screenshot_dir / "home-signed-in-1280.png"))

    posted = []

    def intercept(route):
        posted.append((route.request.method, route.request.post_data or ""))
        route.fulfill(status=200, content_type="text/plain", body="ok")

    page.route("**" + reverse("account_logout"), intercept)
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_load_state()
    assert len(posted) == 1
    method, body = posted[0]
    assert method == "POST"
    assert "csrfmiddlewaretoken=" in body
    assert page.problems == []


def test_skip_link_is_the_first_stop_and_moves_focus_to_main(page):
    goto(page)
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "({cls: document.activeElement.className, text: document.activeElement.textContent})"
    )
    assert "govuk-skip-link" in focused["cls"]
    assert focused["text"].strip() == "Bỏ qua để đến nội dung chính"
    box = page.locator(".govuk-skip-link").bounding_box()
    assert box and box["height"] > 20, "the focused skip link must be visible"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main-content"


def test_language_switcher_changes_the_language_and_back(page):
    goto(page)
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Online public services"
    page.get_by_role("button", name="Tiếng Việt").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "vi"
    assert page.locator("h1").inner_text() == "Dịch vụ công trực tuyến"
    assert page.problems == []


def test_language_switch_keeps_the_page(page):
    goto(page, "/khong-co-trang-nay")
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.url.endswith("/khong-co-trang-nay")
    assert page.locator("h1").inner_text() == "Page not found"


@pytest.mark.parametrize("width", [360, 1280])
@pytest.mark.parametrize("path", ["/", "/khong-co-trang-nay"])
def test_pages_have_no_wcag_21_aa_violations(page, axe, path, width):
    page.set_viewport_size({"width": width, "height": 900})
    goto(page, path)
    assert axe(page) == []


@pytest.mark.urls("browser_test_urls")
def test_500_page_has_no_wcag_21_aa_violations_and_shows_the_reference(page, axe, screenshot_dir):
    response = goto(page, "/_test/boom")
    assert response.status == 500
    assert page.locator("#reference-id").inner_text() == response.headers["x-request-id"]
    assert axe(page) == []
    page.screenshot(path=str(screenshot_dir / "500-360.png"), full_page=True)


def test_the_accessibility_check_does_find_violations(page, axe):
    """The checker itself works: an image without a text alternative is reported."""
    goto(page)
    page.evaluate(
        "document.getElementById('main-content').append(Object.assign(document.createElement('img'), {src: '/x.png'}))"
    )
    assert "image-alt" in [violation["id"] for violation in axe(page)]


def test_english_home_has_no_wcag_21_aa_violations(page, axe, screenshot_dir):
    goto(page)
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert axe(page) == []
    page.screenshot(path=str(screenshot_dir / "home-en-360.png"), full_page=True)


def test_no_csp_violation_and_the_design_system_runs(page):
    goto(page)
    # tinhso.mjs loaded (same-origin module, allowed by the CSP) and GOV.UK Frontend initialised.
    page.wait_for_selector(".govuk-skip-link[data-govuk-skip-link-init]", state="attached")
    assert page.evaluate("document.body.classList.contains('govuk-frontend-supported')")
    assert page.problems == []


def test_vietnamese_is_set_in_the_web_font_both_composed_and_decomposed(page):
    goto(page)
    assert page.evaluate("document.fonts.check('16px \"Be Vietnam Pro\"', 'Nguyễn Thị Ánh Tuyết')")
    loaded = page.evaluate(
        "[...document.fonts].filter(f => f.family.includes('Be Vietnam Pro') && f.status === 'loaded')"
        ".map(f => f.weight)"
    )
    assert "400" in loaded and "700" in loaded
    # Text typed with a "Unicode tổ hợp" keyboard arrives decomposed (NFD). Set in the same font,
    # with the marks attached to their letters, it takes exactly the width of the composed form.
    sample = "Nguyễn Thị Ánh Tuyết, phường Đống Đa, ấp Mỹ Hòa, tổ 5 — ỗ ặ ữ ợ ể"
    widths = page.evaluate(
        """([nfc, nfd]) => [nfc, nfd].map(text => {
            const span = document.createElement('span');
            span.className = 'govuk-body';
            span.textContent = text;
            document.getElementById('main-content').append(span);
            return span.getBoundingClientRect().width;
        })""",
        [unicodedata.normalize("NFC", sample), unicodedata.normalize("NFD", sample)],
    )
    assert widths[0] == pytest.approx(widths[1], abs=0.5)


def test_header_names_the_province_and_the_portal(page):
    goto(page)
    header = page.locator("header").inner_text()
    assert "Tỉnh Vĩnh Long" in header
    assert "Cổng dịch vụ công — tinhso" in header


def test_screenshots_at_phone_and_desktop_width(page, screenshot_dir):
    for width, height in ((360, 740), (1280, 900)):
        page.set_viewport_size({"width": width, "height": height})
        goto(page)
        page.screenshot(path=str(screenshot_dir / f"home-{width}.png"), full_page=True)
        goto(page, "/khong-co-trang-nay")
        page.screenshot(path=str(screenshot_dir / f"404-{width}.png"), full_page=True)
    assert (screenshot_dir / "home-360.png").stat().st_size > 10_000
