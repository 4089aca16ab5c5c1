"""Vietnamese first, English on request: the language switcher and the English catalogue."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db

# Letters that occur in Vietnamese but not in English.
VIETNAMESE_LETTERS = re.compile(
    r"[ăâđêôơưĂÂĐÊÔƠƯàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]", re.IGNORECASE
)


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.DOTALL)
    html = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", html)


def test_language_switcher_is_a_post_form_to_set_language(client):
    html = client.get("/").content.decode()
    form = re.search(r'<form[^>]*action="/i18n/setlang/"[^>]*>(.*?)</form>', html, re.DOTALL)
    assert form and 'method="post"' in form.group(0)
    assert 'name="csrfmiddlewaretoken"' in form.group(1)
    assert '<button type="submit" name="language" value="en" lang="en"' in form.group(1)
    assert 'aria-current="true">Tiếng Việt<' in form.group(1)


def test_switching_to_english_shows_english(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)
    html = response.content.decode()
    assert '<html lang="en"' in html
    assert "Online public services" in html
    assert "Public service portal — tinhso" in html
    assert "Skip to main content" in html
    # …and back.
    html = client.post("/i18n/setlang/", {"language": "vi", "next": "/"}, follow=True).content.decode()
    assert '<html lang="vi"' in html and "Dịch vụ công trực tuyến" in html


@pytest.mark.urls("web_test_urls")
@pytest.mark.parametrize(
    "path", ["/", "/khong-co-trang-nay", "/_test/forbidden", "/_test/suspicious", "/_test/boom"]
)
def test_english_pages_have_no_untranslated_vietnamese(path, settings, province):
    from django.test import Client

    client = Client(raise_request_exception=False, headers={"accept-language": "en"})
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(path).content.decode()
    assert '<html lang="en"' in html
    # The switcher names Vietnamese in Vietnamese, as it should: that is the only Vietnamese left.
    # So is the province's name, a proper noun.
    text = visible_text(html).replace("Tiếng Việt", "").replace(province.name, "")
    assert not VIETNAMESE_LETTERS.search(text), VIETNAMESE_LETTERS.findall(text)[:20]


def test_the_english_catalogue_is_compiled():
    from pathlib import Path

    import tinhso

    locale = Path(tinhso.__file__).parent / "locale"
    for lang in ("vi", "en"):
        po = locale / lang / "LC_MESSAGES" / "django.po"
        mo = locale / lang / "LC_MESSAGES" / "django.mo"
        assert po.exists() and mo.exists()
