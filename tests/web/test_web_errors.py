"""Error pages: Vietnamese, plain words, the right status, and a 500 page that needs no database."""

from __future__ import annotations

import logging
import re

import pytest
from django.db import OperationalError
from django.test import Client, RequestFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("web_test_urls")]


@pytest.fixture
def client():
    return Client(raise_request_exception=False)


def test_404_is_vietnamese_with_status_404(client):
    response = client.get("/khong-co-trang-nay")
    assert response.status_code == 404
    html = response.content.decode()
    assert '<html lang="vi"' in html
    assert "Không tìm thấy trang" in html
    assert "Nếu bạn gõ địa chỉ trang" in html


def test_403_is_vietnamese_with_status_403(client):
    response = client.get("/_test/forbidden")
    assert response.status_code == 403
    html = response.content.decode()
    assert "Bạn không có quyền xem trang này" in html
    assert 'href="/tai-khoan/login/?next=/_test/forbidden"' in html


def test_404_and_403_keep_the_signed_in_users_shell(client):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(
        username="079203001234", personal_id="079203001234", kind="citizen", password="mat-khau-rat-dai-123"
    )
    client.force_login(user)
    for path in ("/khong-co-trang-nay", "/_test/forbidden"):
        html = client.get(path).content.decode()
        assert "Đăng xuất" in html
    assert "Trang này cần đăng nhập" not in html
    assert "hãy liên hệ người quản trị" in html


def test_400_is_vietnamese_with_status_400(client):
    response = client.get("/_test/suspicious")
    assert response.status_code == 400
    assert "Yêu cầu không hợp lệ" in response.content.decode()


def test_csrf_failure_is_explained_in_vietnamese():
    response = Client(enforce_csrf_checks=True).post("/i18n/setlang/", {"language": "en"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "Trang đã hết hạn" in html
    assert "CSRF verification failed" not in html


def test_500_shows_a_reference_id_and_no_traceback(client, settings, caplog):
    assert settings.DEBUG is False
    with caplog.at_level(logging.ERROR):
        response = client.get("/_test/boom")
    assert response.status_code == 500
    html = response.content.decode()
    assert '<html lang="vi"' in html
    assert "Xin lỗi, hệ thống đang gặp sự cố" in html
    assert "Chúng tôi đã ghi lại chi tiết lỗi" in html
    reference = response["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{12}", reference)
    assert f'id="reference-id">{reference}<' in html
    for leak in ("Traceback", "RuntimeError", "secret detail", "web_test_urls"):
        assert leak not in html
    # The details are in the log, under the same reference.
    assert any(reference in record.getMessage() for record in caplog.records)
    assert any(record.exc_info and record.exc_info[0] is RuntimeError for record in caplog.records)


def test_500_reuses_the_proxys_request_id(client):
    response = client.get("/_test/boom", headers={"x-request-id": "lb-7f3a9c"})
    assert response["X-Request-Id"] == "lb-7f3a9c"
    assert 'id="reference-id">lb-7f3a9c<' in response.content.decode()


def test_500_renders_while_the_database_is_down(client, monkeypatch):
    from django.db.backends.base.base import BaseDatabaseWrapper

    def down(self, *args, **kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(BaseDatabaseWrapper, "ensure_connection", down)
    monkeypatch.setattr(BaseDatabaseWrapper, "cursor", down)
    response = client.get("/_test/db")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Xin lỗi, hệ thống đang gặp sự cố" in html
    assert response["X-Request-Id"] in html


def test_400_and_500_pages_make_no_database_query(django_assert_num_queries, province):
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.db import SessionStore

    from tinhso.web import views

    for view in (views.server_error, views.bad_request):
        request = RequestFactory().get("/somewhere")
        request.session = SessionStore()
        request.user = AnonymousUser()
        request._messages = FallbackStorage(request)
        with django_assert_num_queries(0):
            response = view(request)
        assert response.status_code in {400, 500}


def test_500_page_shows_the_cached_province_without_querying(client, province):
    client.get("/")  # warms the cache
    html = client.get("/_test/boom").content.decode()
    assert "Tỉnh Vĩnh Long" in html


def test_500_falls_back_to_plain_html_when_the_template_fails(client, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("template engine broken")

    monkeypatch.setattr("tinhso.web.views.render", broken)
    response = client.get("/_test/boom")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Xin lỗi, hệ thống đang gặp sự cố" in html
    assert response["X-Request-Id"] in html
    assert "template engine broken" not in html


def test_an_unsafe_request_id_is_replaced(client):
    response = client.get("/", headers={"x-request-id": "abc\r\ninjected: 1"})
    assert re.fullmatch(r"[0-9a-f]{12}", response["X-Request-Id"])
