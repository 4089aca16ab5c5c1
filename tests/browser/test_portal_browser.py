"""The citizen portal in a real browser (Chromium, 360 × 740): a citizen signs in, finds the birth
registration by typing without accents, files it end to end without sideways scrolling; axe-core
finds no WCAG 2.1 A/AA violation on the main pages; every citizen page loads under 150 KB, fonts
included, and asks nothing of another host.

Live-server tests flush the database after each test: everything is created inside the test."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from accounts.factories import PASSWORD
from dossiers import conftest as dossier_fixtures
from dossiers.conftest import pdf_bytes
from tinhso.dossiers import services
from tinhso.dossiers.models import CitizenFact, Dossier, Draft, FactSource

desk = dossier_fixtures.desk
_files_in_tmp = dossier_fixtures._files_in_tmp

HO_TICH = Path(__file__).resolve().parents[2] / "src/tinhso/catalog/data/procedures/ho-tich.json"
PAGE_BUDGET = 150 * 1024
#: What whitenoise sends compressed (CompressedManifestStaticFilesStorage writes .gz/.br copies);
#: fonts (WOFF2) and images are sent as they are.
COMPRESSED_TYPES = ("text/css", "text/javascript", "application/javascript", "image/svg+xml")


@pytest.fixture(autouse=True)
def _citizen_files_in_tmp(settings, tmp_path, _files_in_tmp):
    storages = dict(settings.STORAGES)
    storages["citizen_files"] = {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                 "OPTIONS": {"location": tmp_path / "citizen-files", "base_url": None}}
    settings.STORAGES = storages
    settings.TINHSO_PORTAL_FILING = True


def real_birth(desk):
    spec = next(p for p in json.loads(HO_TICH.read_text(encoding="utf-8"))["procedures"]
                if p["code"] == "1.001193")["version"]
    version = desk.birth
    for key in ("name", "form_schema", "form_ui", "components", "results", "fees", "legal_basis", "requirements",
                "service_level", "eligible_full", "processing_amount", "processing_unit"):
        setattr(version, key, spec[key])
    version.save()
    version.procedure.name = spec["name"]
    version.procedure.save()
    return version


def goto(page, path):
    response = page.goto(page.base_url + path)
    page.evaluate("document.fonts.ready")
    return response


def has_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")


def sign_in_with_the_form(page, user) -> None:
    goto(page, "/tai-khoan/login/?next=/dich-vu-cong/")
    page.get_by_label("Tên đăng nhập").fill(user.username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Đăng nhập").click()


def sign_in(page, user) -> None:
    """A signed-in session made directly (faster than the form, for the page checks)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    host = urlsplit(page.base_url).hostname
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key,
                               "domain": host, "path": "/"}])


def save_and_continue(page):
    with page.expect_navigation():
        page.get_by_role("button", name="Lưu và tiếp tục").click()
    assert not has_horizontal_scroll(page), page.url


def a_ward(province):
    """A commune of the province with a GSO-shaped code (live-server tests flush the reference data)."""
    from tinhso.core.models import AdministrativeUnit, UnitLevel

    return AdministrativeUnit.objects.filter(level=UnitLevel.COMMUNE, code="99901").first() or \
        AdministrativeUnit.objects.create(level=UnitLevel.COMMUNE, code="99901", name="Phường Thử Nghiệm Số Một",
                                          division_type="Phường", parent=province)


def test_a_citizen_files_a_birth_registration_on_a_phone(page, axe, desk, province, tmp_path, screenshot_dir):
    real_birth(desk)
    ward = a_ward(province)
    CitizenFact.objects.create(owner=desk.citizen, key="phone", value="0912345678", source=FactSource.TYPED,
                               updated_at=desk.birth.created_at)
    sign_in_with_the_form(page, desk.citizen)

    # Find it without accents.
    page.get_by_label("Bạn cần làm thủ tục gì?").fill("dang ky khai sinh")
    with page.expect_navigation():
        page.get_by_role("button", name="Tìm kiếm").click()
    assert not has_horizontal_scroll(page)
    assert axe(page) == [], "search"
    with page.expect_navigation():
        page.get_by_role("link", name="Thủ tục đăng ký khai sinh").click()
    assert not has_horizontal_scroll(page)
    assert axe(page) == [], "procedure"
    page.screenshot(path=str(screenshot_dir / "portal-procedure-360.png"), full_page=True)
    with page.expect_navigation():
        page.get_by_role("button", name="Nộp trực tuyến").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Bắt đầu").click()
    assert page.locator("h1").inner_text() == "Thủ tục đăng ký khai sinh"
    assert axe(page) == [], "task list"

    # The applicant, pre-filled from the data store.
    with page.expect_navigation():
        page.get_by_role("link", name="Thông tin người nộp hồ sơ").click()
    assert page.get_by_label("Số điện thoại").input_value() == "0912345678"
    page.get_by_label("Địa chỉ nơi cư trú").fill("Ấp Phú Hòa, xã Phú Túc")
    save_and_continue(page)
    page.get_by_label(desk.commune.name).check()
    save_and_continue(page)

    # The child's page: a wrong date first, its error summary, then right.
    with page.expect_navigation():
        page.get_by_role("link", name="Thông tin của trẻ").click()
    assert page.get_by_label("Dân tộc").input_value() == "Kinh"  # the schema's default
    page.get_by_label("Họ, chữ đệm và tên của trẻ").fill("NGUYỄN VĂN BÌNH")
    page.get_by_label("Nam", exact=True).check()
    page.get_by_label("Nơi sinh").fill("Bệnh viện Đa khoa tỉnh Vĩnh Long")
    save_and_continue(page)
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible() and "Nhập “Ngày, tháng, năm sinh”." in summary.inner_text()
    assert page.get_by_label("Họ, chữ đệm và tên của trẻ").input_value() == "NGUYỄN VĂN BÌNH"
    assert axe(page) == [], "form page with errors"
    page.screenshot(path=str(screenshot_dir / "portal-form-errors-360.png"), full_page=True)
    page.get_by_label("Ngày, tháng, năm sinh").fill("2026-02-01")
    save_and_continue(page)

    with page.expect_navigation():
        page.get_by_role("link", name="Thông tin của mẹ").click()
    page.get_by_label("Họ, chữ đệm và tên người mẹ").fill("TRẦN THỊ HỒNG ĐÀO")
    save_and_continue(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Thông tin của cha").click()
    save_and_continue(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Nơi cư trú và người đi đăng ký").click()
    assert axe(page) == [], "one question per page"
    page.get_by_label("Xã, phường nơi cư trú của trẻ").select_option(label=ward.name)
    save_and_continue(page)
    page.get_by_label("Quan hệ của người đi đăng ký với trẻ").select_option("Mẹ")
    save_and_continue(page)

    # Files.
    with page.expect_navigation():
        page.get_by_role("link", name="Giấy tờ kèm theo").click()
    assert axe(page) == [], "files"
    for code, name in (("TK", "to-khai.pdf"), ("GCS", "giay-chung-sinh.pdf")):
        path = tmp_path / name
        path.write_bytes(pdf_bytes(name))
        page.locator(f"#id_tp-{code}-file").set_input_files(str(path))
        with page.expect_navigation():
            page.locator(f'button[value="tai-len:{code}"]').click()
    assert not has_horizontal_scroll(page)
    save_and_continue(page)

    # Check answers, then send.
    with page.expect_navigation():
        page.get_by_role("link", name="Kiểm tra và gửi hồ sơ").click()
    assert page.locator("h1").inner_text() == "Kiểm tra hồ sơ trước khi gửi"
    assert "NGUYỄN VĂN BÌNH" in page.locator("main").inner_text()
    assert not has_horizontal_scroll(page)
    assert axe(page) == [], "check answers"
    page.screenshot(path=str(screenshot_dir / "portal-check-360.png"), full_page=True)
    with page.expect_navigation():
        page.get_by_role("button", name="Đồng ý và gửi hồ sơ").click()
    dossier = Dossier.objects.get()
    assert page.locator(".govuk-panel__title").inner_text() == "Đã gửi hồ sơ"
    assert dossier.code in page.locator(".govuk-panel__body").inner_text()
    assert not has_horizontal_scroll(page)
    assert axe(page) == [], "receipt"
    page.screenshot(path=str(screenshot_dir / "portal-receipt-360.png"), full_page=True)
    assert (dossier.channel, dossier.source, dossier.attachments.count()) == (2, "online", 2)
    assert dossier.form_data["noi_cu_tru"] == "99901"
    # Pages with errors are answered 422 on purpose (Chromium notes it in the console): no other problem.
    assert [p for p in page.problems if "status of 422" not in p] == []


def _citizen_pages(desk) -> tuple[list[str], Dossier, Draft]:
    """A citizen with a submitted dossier (answered in full) and a draft: the portal's pages."""
    from django.test import Client

    client = Client()
    client.force_login(desk.citizen)
    client.post("/dich-vu-cong/thu-tuc/1.001193/nop-truc-tuyen/")
    draft = Draft.objects.get(owner=desk.citizen)
    base = f"/dich-vu-cong/ho-so-nhap/{draft.public_id}/"
    client.post(base + "nguoi-nop/", {"phone": "0912345678", "address": "Ấp Phú Hòa"})
    client.post(base + "noi-giai-quyet/", {"agency": desk.commune.code})
    form = {"ho_ten_tre": "NGUYỄN VĂN BÌNH", "ngay_sinh": "2026-02-01", "gioi_tinh": "Nam", "noi_sinh": "Bệnh viện",
            "dan_toc": "Kinh", "quoc_tich": "Việt Nam", "ho_ten_me": "TRẦN THỊ HỒNG ĐÀO",
            "quan_he_nguoi_yeu_cau": "Mẹ"}
    dossier, _ = services.dossier_intake(
        actor=desk.citizen, procedure_code="1.001193", receiving_agency=desk.commune, source="online",
        applicant=services.Applicant(name="Nguyễn Văn An", id_number="086085000123"), form_data=form,
        files=[services.IncomingFile(name="to-khai.pdf", data=pdf_bytes("tk"), component_code="TK")])
    pages = ["/dich-vu-cong/", "/dich-vu-cong/?q=dang+ky+khai+sinh", "/dich-vu-cong/?su-kien=khai-sinh",
             "/dich-vu-cong/thu-tuc/1.001193/", "/dich-vu-cong/thu-tuc/1.001193/nop-truc-tuyen/", base,
             base + "nguoi-nop/", base + "noi-giai-quyet/", base + "to-khai/0/", base + "to-khai/3/",
             base + "giay-to/", "/dich-vu-cong/ho-so/", f"/dich-vu-cong/ho-so/{dossier.code}/",
             f"/dich-vu-cong/ho-so/{dossier.code}/da-nop/", f"/dich-vu-cong/ho-so/{dossier.code}/rut-ho-so/",
             "/dich-vu-cong/kho-du-lieu/", "/dich-vu-cong/kho-du-lieu/thong-tin/"]
    return pages, dossier, draft


def test_citizen_pages_have_no_wcag_21_aa_violation_and_no_sideways_scroll(page, axe, desk):
    real_birth(desk)
    pages, _dossier, _draft = _citizen_pages(desk)
    sign_in(page, desk.citizen)
    for path in pages:
        response = goto(page, path)
        assert response.status == 200, path
        assert not has_horizontal_scroll(page), path
        assert axe(page) == [], path
    assert page.problems == []


def _sent_size(response) -> int:
    """Bytes the production server sends for a response: static text compressed as whitenoise
    serves it (gzip -9; brotli is smaller still), fonts and images as they are, HTML uncompressed
    (Django does not compress pages)."""
    body = response.body()
    kind = (response.headers.get("content-type") or "").split(";")[0].strip()
    if "/static/" in response.url and kind in COMPRESSED_TYPES:
        return len(gzip.compress(body, 9))
    return len(body)


def test_every_citizen_page_loads_under_150_kb_from_this_host_only(browser, live_server, province, desk):
    """First load of each page with an empty cache: the HTML plus every CSS, JS, font and image it
    pulls in. Measured with the real page in Chromium, so fonts requested by the CSS count."""
    from tinhso.web.context_processors import clear_province_cache

    real_birth(desk)
    pages, _dossier, _draft = _citizen_pages(desk)
    host = urlsplit(live_server.url).netloc
    report = {}
    for path in pages:
        clear_province_cache()
        context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
        tab = context.new_page()
        tab.base_url = live_server.url
        sign_in(tab, desk.citizen)
        requested, received = [], []
        tab.on("request", lambda request, requested=requested: requested.append(request.url))
        tab.on("response", lambda response, received=received: received.append(response))
        tab.goto(live_server.url + path)
        tab.evaluate("document.fonts.ready")
        tab.wait_for_load_state("networkidle")
        foreign = [u for u in requested if urlsplit(u).netloc != host and not u.startswith("data:")]
        assert foreign == [], (path, foreign)
        total = sum(_sent_size(r) for r in received)
        fonts = [r.url for r in received if r.url.endswith(".woff2")]
        report[path] = (total, len(received), len(fonts))
        context.close()
        assert fonts, (path, "the web font is part of the first load")
        assert total < PAGE_BUDGET, (path, total)
    print("\nfirst load (bytes, requests, fonts):", json.dumps(report, indent=1))
