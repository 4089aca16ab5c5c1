"""The shell of every page and the home page, as a citizen's browser gets them."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_home_is_vietnamese_by_default(client, province):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="vi"' in html
    assert "Cổng dịch vụ công — tinhso" in html
    assert "Dịch vụ công trực tuyến" in html
    assert "Bỏ qua để đến nội dung chính" in html
    assert response["Content-Language"] == "vi"


def test_home_says_what_the_portal_is_for_and_links_the_api_docs(client):
    html = client.get("/").content.decode()
    for service in ("Tra cứu thủ tục hành chính", "Nộp hồ sơ trực tuyến", "Tra cứu tiến độ hồ sơ"):
        assert service in html
    assert 'href="/api/v1/docs"' in html


def _services_without_a_url():
    from tinhso.web.views import HOME_SERVICES, _url_or_none

    return [service for service in HOME_SERVICES if _url_or_none(service.url_name) is None]


def test_services_that_do_not_exist_yet_are_marked_plainly_and_not_linked(client):
    html = client.get("/").content.decode()
    upcoming = _services_without_a_url()
    assert html.count("Sắp có") == len(upcoming)
    for service in upcoming:
        assert f">{service.title}</a>" not in html
        assert str(service.title) in html
    if upcoming:
        assert "Chức năng này chưa mở trên cổng." in html


def test_every_home_service_links_to_its_page(client):
    from tinhso.web.views import HOME_SERVICES

    html = client.get("/").content.decode()
    for service in HOME_SERVICES:
        assert f'<a class="govuk-link" href="{reverse(service.url_name)}">{service.title}</a>' in html
    assert "Sắp có" not in html


def test_skip_link_comes_first_and_targets_main(client):
    html = client.get("/").content.decode()
    body = html[html.index("<body") :]
    first_link = re.search(r"<a [^>]*>", body).group(0)
    assert 'class="govuk-skip-link"' in first_link
    assert 'href="#main-content"' in first_link
    assert '<main class="govuk-main-wrapper" id="main-content">' in html


def test_header_shows_the_deployment_province(client, province):
    html = client.get("/").content.decode()
    assert '<span class="tinhso-header__province">Tỉnh Vĩnh Long</span>' in html
    assert "<title>Trang chủ – Cổng dịch vụ công – Tỉnh Vĩnh Long</title>" in html


def test_header_without_reference_data_still_renders(client, no_province):
    html = client.get("/").content.decode()
    assert "tinhso-header__province" not in html
    assert "<title>Trang chủ – Cổng dịch vụ công</title>" in html


def test_the_province_is_cached_between_requests(client, province, django_assert_num_queries):
    client.get("/")
    with django_assert_num_queries(0):
        html = client.get("/").content.decode()
    assert "Tỉnh Vĩnh Long" in html


def test_renaming_the_province_shows_at_once(client, province):
    client.get("/")
    province.name = "Tỉnh Vĩnh Long (mới)"
    province.save()
    assert "Tỉnh Vĩnh Long (mới)" in client.get("/").content.decode()


def test_header_survives_a_database_error(client, province, monkeypatch):
    from django.db import OperationalError

    def unreachable():
        raise OperationalError("connection refused")

    monkeypatch.setattr("tinhso.core.selectors.deployment_province", unreachable)
    response = client.get("/")
    assert response.status_code == 200
    assert "tinhso-header__province" not in response.content.decode()


def test_signed_out_visitor_gets_a_login_link(client):
    html = client.get("/").content.decode()
    assert f'href="{reverse("account_login")}"' in html
    assert "Đăng xuất" not in html


def test_signed_in_user_logs_out_with_a_post_form(client):
    user = get_user_model().objects.create_user(
        username="079203001234", personal_id="079203001234", kind="citizen", password="mat-khau-rat-dai-123"
    )
    client.force_login(user)
    html = client.get("/").content.decode()
    logout_url = reverse("account_logout")
    form = re.search(rf'<form[^>]*action="{logout_url}"[^>]*>(.*?)</form>', html, re.DOTALL)
    assert form, "no logout form"
    assert 'method="post"' in form.group(0)
    assert 'name="csrfmiddlewaretoken"' in form.group(1)
    assert "Đăng xuất" in form.group(1)
    assert "079203001234" in html


@pytest.mark.urls("web_test_urls")
def test_messages_are_shown_as_notification_banners(client):
    html = client.get("/_test/message", follow=True).content.decode()
    assert "govuk-notification-banner--success" in html
    assert "Đã lưu hồ sơ." in html
