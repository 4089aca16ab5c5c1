"""The officer back office in a real browser: a 360 px phone without sideways scrolling, WCAG 2.1
AA (axe-core) on every page, the action form reachable and usable from the keyboard.

Live-server tests flush the database after each test: everything is created inside the test (the
`desk` fixture makes the agencies, officials and the procedure; `province` the province row)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from accounts.totp import activate_totp
from dossiers import conftest as dossier_fixtures
from dossiers.conftest import pdf_bytes
from tinhso.dossiers import services
from tinhso.dossiers.models import Dossier

# The commune desk of the dossier tests, and its temporary file storage (autouse).
desk = dossier_fixtures.desk
_files_in_tmp = dossier_fixtures._files_in_tmp

BIRTH = {"ho_ten_tre": "Nguyễn Văn Bình", "ngay_sinh": "2026-02-01", "gioi_tinh": "Nam",
         "noi_sinh": "Bệnh viện Đa khoa tỉnh Vĩnh Long"}
LONG_NAME = services.Applicant(name="Tôn Nữ Thị Phương Hoàng Quyên Nguyễn Thị Ngọc Ánh", id_number="086085000123",
                               phone="0912345678", address="Số 123, đường Nguyễn Thị Minh Khai, ấp Phú Hòa")


def sign_in(page, user) -> None:
    """A signed-in session made directly (no login signal), for an official with a second factor."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    if user.is_official:
        activate_totp(user)
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    host = page.base_url.split("//", 1)[1].split(":")[0]
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key,
                               "domain": host, "path": "/"}])


def goto(page, path):
    response = page.goto(page.base_url + path)
    page.evaluate("document.fonts.ready")
    return response


def has_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")


def dossiers(desk) -> tuple[Dossier, Dossier]:
    """One accepted at the counter (late, with files and a supplement round), one filed online."""
    files = [services.IncomingFile(name="To khai dang ky khai sinh cua chau Binh.pdf", data=pdf_bytes("tk"),
                                   component_code="TK", digitised=True),
             services.IncomingFile(name="Giay chung sinh.pdf", data=pdf_bytes("gcs"), component_code="GCS",
                                   digitised=True)]
    accepted, _ = services.dossier_intake(
        actor=desk.receiver, procedure_code="1.001193", receiving_agency=desk.commune, applicant=LONG_NAME,
        source="counter", form_data=BIRTH, files=files, accept=True)
    services.dossier_act(actor=desk.specialist, dossier_id=accepted.pk, action="yeu_cau_bo_sung",
                         note="Bổ sung bản chính Giấy chứng sinh do bệnh viện cấp.")
    services.dossier_act(actor=desk.receiver, dossier_id=accepted.pk, action="nhan_bo_sung",
                         note="Công dân đã nộp bản chính.")
    Dossier.objects.filter(pk=accepted.pk).update(state_due_at=timezone.now() - dt.timedelta(hours=3))
    filed, _ = services.dossier_intake(
        actor=desk.citizen, procedure_code="1.001193", receiving_agency=desk.commune, source="online",
        applicant=services.Applicant(name="Nguyễn Văn An", id_number="086085000123"), form_data=BIRTH)
    return accepted, filed


def test_inbox_and_dossier_page_fit_a_360_px_phone(page, desk, screenshot_dir):
    accepted, filed = dossiers(desk)
    sign_in(page, desk.receiver)
    goto(page, "/mot-cua/")
    assert page.locator("h1").inner_text() == "Hồ sơ cần xử lý"
    assert page.get_by_role("button", name="Tiếp nhận các hồ sơ đã chọn").is_visible()
    assert not has_horizontal_scroll(page)
    page.screenshot(path=str(screenshot_dir / "backoffice-inbox-360.png"), full_page=True)
    goto(page, f"/mot-cua/ho-so/{filed.code}/")
    assert not has_horizontal_scroll(page)

    page.context.clear_cookies()
    sign_in(page, desk.specialist)
    goto(page, f"/mot-cua/ho-so/{accepted.code}/")
    assert page.locator("h1").inner_text() == accepted.code
    assert not has_horizontal_scroll(page)
    page.screenshot(path=str(screenshot_dir / "backoffice-dossier-360.png"), full_page=True)
    goto(page, "/mot-cua/")
    assert page.locator(".govuk-tag--red", has_text="Quá hạn").count() >= 1
    assert not has_horizontal_scroll(page)
    assert page.problems == []


def test_back_office_pages_have_no_wcag_21_aa_violations(page, axe, desk, screenshot_dir):
    accepted, filed = dossiers(desk)
    sign_in(page, desk.receiver)
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        for path in ("/mot-cua/", f"/mot-cua/ho-so/{filed.code}/", f"/mot-cua/ho-so/{accepted.code}/",
                     "/mot-cua/tiep-nhan/", "/mot-cua/so-theo-doi/"):
            goto(page, path)
            assert axe(page) == [], (path, width)
    page.set_viewport_size({"width": 1280, "height": 900})
    goto(page, "/mot-cua/")
    page.screenshot(path=str(screenshot_dir / "backoffice-inbox-1280.png"), full_page=True)
    assert page.problems == []


def test_counter_intake_form_with_its_error_summary_is_accessible(page, axe, desk, screenshot_dir):
    sign_in(page, desk.receiver)
    goto(page, "/mot-cua/tiep-nhan/")
    with page.expect_navigation():
        page.get_by_role("link", name="Đăng ký khai sinh").click()
    assert axe(page) == []
    page.get_by_label("Họ và tên chủ hồ sơ").fill("Trần Thị Hồng Đào")
    page.get_by_label("Số định danh cá nhân hoặc số giấy tờ").fill("0860850001")
    with page.expect_navigation():
        page.get_by_role("button", name="Tiếp nhận ngay").click()
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible()
    assert "Số định danh cá nhân phải gồm đúng 12 chữ số." in summary.inner_text()
    # GOV.UK Frontend moves focus to the summary; its links lead to the fields.
    assert page.evaluate("document.activeElement.classList.contains('govuk-error-summary')")
    assert page.get_by_label("Họ và tên chủ hồ sơ").input_value() == "Trần Thị Hồng Đào"
    assert not has_horizontal_scroll(page)
    assert axe(page) == []
    page.screenshot(path=str(screenshot_dir / "backoffice-intake-errors-360.png"), full_page=True)
    summary.get_by_role("link", name="Nhập “Họ, chữ đệm, tên của trẻ”.").click()
    assert page.evaluate("document.activeElement.id") == "id_tk-ho_ten_tre"
    assert Dossier.objects.count() == 0
    # The page with errors is answered 422 on purpose (Chromium notes it in the console): no other problem.
    assert [p for p in page.problems if "status of 422" not in p] == []


def test_the_action_form_is_reached_and_sent_with_the_keyboard(page, desk):
    accepted, _filed = dossiers(desk)
    sign_in(page, desk.specialist)
    goto(page, f"/mot-cua/ho-so/{accepted.code}/")
    note = page.locator("#id_trinh_phe_duyet-note")
    for _ in range(200):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "id_trinh_phe_duyet-note":
            break
    else:
        raise AssertionError("the note of “Trình lãnh đạo phê duyệt” is not reachable with Tab")
    page.keyboard.type("Hồ sơ đầy đủ, đề nghị phê duyệt.")
    assert note.input_value() == "Hồ sơ đầy đủ, đề nghị phê duyệt."
    page.keyboard.press("Tab")  # the assignee
    assert page.evaluate("document.activeElement.id") == "id_trinh_phe_duyet-assignee"
    page.keyboard.press("Tab")  # the button
    assert page.evaluate("document.activeElement.textContent.trim()") == "Trình lãnh đạo phê duyệt"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator(".govuk-notification-banner--success").is_visible()
    accepted.refresh_from_db()
    assert accepted.state == "cho_phe_duyet"
    assert page.problems == []
