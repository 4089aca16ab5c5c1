"""Acceptance of the citizen channel (issue 4), end to end in Chromium on a 360 × 740 phone.

The story, in the order the product allows it:

1. The citizen signs in with the form and finds “đăng ký khai sinh” by typing “dang ky khai sinh”.
2. They file it online: the applicant's contact details and the child's commune are pre-filled from
   their data store; they attach the two papers the catalogue requires from the phone and reuse the
   marriage certificate issued to them earlier (a signed e-result) instead of a copy; they read the
   fee and submit.
3. They pay the fee through the stand-in gateway (real HTTP: the gateway's signed notification goes
   to the live server). A payment belongs to a dossier (payments module: "paying before the dossier
   exists" is left for later), so the citizen pays on their dossier's page right after submitting,
   as the fee page of the form tells them — then they download the receipt (Mẫu 01) as a PDF.
4. In the back office (browser, officials signed in with their second factor set up): the receiving
   officer accepts the dossier, the specialist asks for a supplement; the notification pass runs
   (what the worker does every minute) and the SMS stand-in receives the message to the citizen's
   phone. The citizen follows the link of the SMS, answers the request with a file, the specialist
   sends the dossier to the leader, the leader approves — which signs the e-result (PAdES).
5. The citizen downloads the result, uploads it to the public verification page (“Văn bản hợp lệ”)
   and rates the service.

Every citizen page of the story is checked with axe-core (vendored) for WCAG 2.1 A/AA violations —
stricter than the issue's "no serious or critical violation" — and for sideways scrolling.

The demo catalogue's birth registration is free (Luật Hộ tịch 2014, Điều 11): the test gives its
version one fee line (test data, like tests/payments) so that there is something to pay.
Live-server tests flush the database after each test: everything is created inside the test.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import time
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest
from django.db import connections
from test_portal_browser import (
    _citizen_files_in_tmp,  # noqa: F401 - autouse: the citizen files in a temporary directory
    a_ward,
    goto,
    has_horizontal_scroll,
    real_birth,
    save_and_continue,
    sign_in,
    sign_in_with_the_form,
)

from accounts.totp import activate_totp
from documents import conftest as document_fixtures
from documents.conftest import pdf_text
from dossiers import conftest as dossier_fixtures
from dossiers.conftest import pdf_bytes, procedure_published, workflow_published
from notifications import conftest as notification_fixtures
from tinhso.documents.models import ResultDocument
from tinhso.documents.services import result_issue
from tinhso.dossiers import services
from tinhso.dossiers.models import Attachment, CitizenFact, Dossier, FactSource, Rating
from tinhso.notifications.services import notifications_dispatch
from tinhso.payments.models import Payment, PaymentStatus
from tinhso.standins import Journal, serve_in_thread
from tinhso.standins.payment import Merchant, PaymentGatewayStandin

desk = dossier_fixtures.desk
_files_in_tmp = dossier_fixtures._files_in_tmp
_demo_ca_files = document_fixtures._demo_ca_files
signing_dir = document_fixtures.signing_dir
commune_key = document_fixtures.commune_key
_no_passphrase = document_fixtures._no_passphrase
sms = notification_fixtures.sms

PHONE = "0912345678"
ADDRESS = "Ấp Phú Hòa, xã Phú Túc Thử Nghiệm"
#: One fee line of test data (see the module's docstring), added to the catalogue's free line.
COPY_FEE = {"code": "BSTL", "name": "Phí cấp bản sao trích lục khai sinh (thử nghiệm)", "kind": "fee",
            "amount": 16_000, "note": "2 bản"}
TMN_CODE = "NGHIEMTHU"
SECRET = "bi-mat-nghiem-thu-khong-dung-that"
REASON = "Bổ sung bản chụp rõ nét Giấy chứng sinh, bản đã nộp bị mờ"


@pytest.fixture
def gateway(settings, live_server):
    """The stand-in payment gateway on a loopback port; its IPN goes to the live server over HTTP.
    The pay form is redirected to it, so its origin joins the CSP form-action (settings.py adds the
    origin of TINHSO_PAY_URL when the settings load; here the URL is known only now)."""
    app = PaymentGatewayStandin([Merchant(TMN_CODE, SECRET, live_server.url + "/thanh-toan/ipn/")],
                                journal=Journal("thanh-toan-nghiem-thu"))
    server, base = serve_in_thread(app)
    settings.TINHSO_PAY_GATEWAY = "vnpay"
    settings.TINHSO_PAY_URL = f"{base}/paymentv2/vpcpay.html"
    settings.TINHSO_PAY_QUERY_URL = ""
    settings.TINHSO_PAY_TMN_CODE = TMN_CODE
    settings.TINHSO_PAY_HASH_SECRET = SECRET
    settings.TINHSO_PAY_IPN_ALLOWED_IPS = []
    settings.SECURE_CSP = {**settings.SECURE_CSP, "form-action": [*settings.SECURE_CSP["form-action"], base]}
    yield base, app.journal
    server.shutdown()
    server.server_close()


@pytest.fixture
def notify(settings, sms, live_server):
    """SMS through the stand-in (e-mail and Zalo have their own tests); the link in the message is
    the live server's tracking page."""
    settings.TINHSO_NOTIFY_CHANNELS = ["sms"]
    settings.TINHSO_NOTIFY_TRACKING_URL = live_server.url + "/tra-cuu/{code}/"
    return sms


@contextmanager
def outside_playwrights_loop():
    """Playwright's sync API keeps its event loop marked as running in the test's thread; pyHanko's
    synchronous signing starts its own loop (asyncio.run), which refuses to run inside another.
    The product signs in request threads, where no loop runs: this call is made the same way.
    Django's connections are context-local (asgiref): without the loop the call gets a connection
    of its own, closed here (an open one would keep the test database from being dropped)."""
    loop = asyncio._get_running_loop()
    asyncio._set_running_loop(None)
    try:
        yield
    finally:
        connections.close_all()
        asyncio._set_running_loop(loop)


def earlier_marriage(desk) -> Dossier:
    """The citizen's marriage, registered at the same commune earlier: its certificate is a signed
    e-result in their data store."""
    version = procedure_published(
        code="1.000894", name="Đăng ký kết hôn", workflow=workflow_published("mot-cua-chuan"), agencies=[desk.commune],
        form={"type": "object", "properties": {"ho_ten_vo": {"type": "string", "title": "Họ, chữ đệm và tên bên nữ"}}},
        components=[{"code": "TK", "name": "Tờ khai đăng ký kết hôn", "originals": 1, "copies": 0, "required": False,
                     "reusable_result": False, "note": ""}])
    version.results = [{"code": "GCNKH", "name": "Giấy chứng nhận kết hôn", "paper": True, "electronic": True}]
    version.save()
    marriage, _ = services.dossier_intake(
        actor=desk.receiver, procedure_code="1.000894", receiving_agency=desk.commune, source="counter",
        applicant=services.Applicant(name="Nguyễn Văn An", id_number="086085000123"),
        form_data={"ho_ten_vo": "Trần Thị Hồng Đào"}, accept=True, applicant_user=desk.citizen)
    services.dossier_act(actor=desk.specialist, dossier_id=marriage.pk, action="trinh_phe_duyet")
    services.dossier_act(actor=desk.leader, dossier_id=marriage.pk, action="phe_duyet")
    with outside_playwrights_loop():
        result_issue(dossier_id=marriage.pk, actor=desk.leader)
    services.dossier_act(actor=desk.clerk, dossier_id=marriage.pk, action="tra_ket_qua")
    return marriage


def click_and_wait(page, locator, **wait):
    with page.expect_navigation(**wait):
        locator.click()


def official_acts(desk_page, code: str, button: str, *, note: str = "", field: str = "", assignee=None) -> list[str]:
    """On the back-office dossier page: type the note of an action, pick whom it goes to, press
    its button; returns the texts of the success banners."""
    goto(desk_page, f"/mot-cua/ho-so/{code}/")
    if note:
        desk_page.locator(f"#id_{field}-note").fill(note)
    if assignee is not None:
        desk_page.locator(f"#id_{field}-assignee").select_option(str(assignee.pk))
    click_and_wait(desk_page, desk_page.get_by_role("button", name=button, exact=True))
    assert not has_horizontal_scroll(desk_page), button
    return desk_page.locator(".govuk-notification-banner--success").all_inner_texts()


def test_a_citizen_files_pays_answers_a_supplement_gets_a_signed_result_and_rates_it(
        browser, page, axe, desk, province, commune_key, gateway, notify, tmp_path, screenshot_dir):
    started = time.monotonic()
    gateway_url, gateway_journal = gateway
    version = real_birth(desk)
    version.fees = [*version.fees, COPY_FEE]
    version.save()
    ward = a_ward(province)
    marriage = earlier_marriage(desk)
    certificate = Attachment.objects.get(dossier=marriage, is_result=True)
    for key, value in (("phone", PHONE), ("address", ADDRESS), ("residence_unit", ward.code)):
        CitizenFact.objects.create(owner=desk.citizen, key=key, value=value, source=FactSource.TYPED,
                                   updated_at=marriage.submitted_at)
    # The notification pass of the story starts here (what ran before is not this story's).
    notifications_dispatch(inline=True)
    axe_found: dict[str, list] = {}
    console_errors: list[tuple[str, str]] = []  # (what failed, the page shown)
    page.on("console", lambda m: m.type == "error" and console_errors.append(
        (urlsplit(m.location.get("url", "")).path, urlsplit(page.url).path)))

    def check(name: str) -> None:
        assert not has_horizontal_scroll(page), name
        axe_found[name] = axe(page)

    # 1. Sign in; find the procedure without accents.
    sign_in_with_the_form(page, desk.citizen)
    page.get_by_label("Bạn cần làm thủ tục gì?").fill("dang ky khai sinh")
    click_and_wait(page, page.get_by_role("button", name="Tìm kiếm"))
    check("search")
    click_and_wait(page, page.get_by_role("link", name="Thủ tục đăng ký khai sinh"))
    assert "16.000" in page.locator("main").inner_text()
    check("procedure")
    click_and_wait(page, page.get_by_role("button", name="Nộp trực tuyến"))
    click_and_wait(page, page.get_by_role("button", name="Bắt đầu"))
    check("task list")

    # 2. The applicant's contact details come from the data store.
    click_and_wait(page, page.get_by_role("link", name="Thông tin người nộp hồ sơ"))
    assert page.get_by_label("Số điện thoại").input_value() == PHONE
    assert page.get_by_label("Địa chỉ nơi cư trú").input_value() == ADDRESS
    save_and_continue(page)
    page.get_by_label(desk.commune.name).check()
    save_and_continue(page)

    click_and_wait(page, page.get_by_role("link", name="Thông tin của trẻ"))
    page.get_by_label("Họ, chữ đệm và tên của trẻ").fill("NGUYỄN VĂN BÌNH")
    page.get_by_label("Ngày, tháng, năm sinh").fill("2026-02-01")
    page.get_by_label("Nam", exact=True).check()
    page.get_by_label("Nơi sinh").fill("Bệnh viện Đa khoa tỉnh Vĩnh Long")
    check("form page")
    save_and_continue(page)
    click_and_wait(page, page.get_by_role("link", name="Thông tin của mẹ"))
    page.get_by_label("Họ, chữ đệm và tên người mẹ").fill("TRẦN THỊ HỒNG ĐÀO")
    save_and_continue(page)
    click_and_wait(page, page.get_by_role("link", name="Thông tin của cha"))
    save_and_continue(page)
    # The child's commune is the filer's, kept in the store (x-fact residence_unit).
    click_and_wait(page, page.get_by_role("link", name="Nơi cư trú và người đi đăng ký"))
    assert page.get_by_label("Xã, phường nơi cư trú của trẻ").input_value() == ward.code
    assert "điền sẵn từ kho dữ liệu" in page.locator("main").inner_text()
    check("question page, pre-filled")
    save_and_continue(page)
    page.get_by_label("Quan hệ của người đi đăng ký với trẻ").select_option("Mẹ")
    save_and_continue(page)

    # Files: two papers from the phone, the marriage certificate reused from the store.
    click_and_wait(page, page.get_by_role("link", name="Giấy tờ kèm theo"))
    for code, name in (("TK", "to-khai-khai-sinh.pdf"), ("GCS", "giay-chung-sinh.pdf")):
        path = tmp_path / name
        path.write_bytes(pdf_bytes(name))
        page.locator(f"#id_tp-{code}-file").set_input_files(str(path))
        click_and_wait(page, page.locator(f'button[value="tai-len:{code}"]'))
    reuse = page.locator("#tp-GCNKH")
    assert certificate.name in reuse.inner_text()
    click_and_wait(page, reuse.get_by_role("button", name=re.compile("^Dùng kết quả này")))
    assert f"Dùng lại kết quả điện tử mã {marriage.code}" in " ".join(page.locator("#tp-GCNKH").inner_text().split())
    check("files")
    save_and_continue(page)

    click_and_wait(page, page.get_by_role("link", name="Phí, lệ phí"))
    assert "16.000" in page.locator("main").inner_text()
    check("fee")
    click_and_wait(page, page.get_by_role("button", name="Đã hiểu, tiếp tục"))

    click_and_wait(page, page.get_by_role("link", name="Kiểm tra và gửi hồ sơ"))
    assert page.locator("h1").inner_text() == "Kiểm tra hồ sơ trước khi gửi"
    check("check answers")
    page.screenshot(path=str(screenshot_dir / "acceptance-check-360.png"), full_page=True)
    click_and_wait(page, page.get_by_role("button", name="Đồng ý và gửi hồ sơ"))
    dossier = Dossier.objects.get(procedure_version=version)
    assert page.locator(".govuk-panel__title").inner_text() == "Đã gửi hồ sơ"
    assert dossier.code in page.locator(".govuk-panel__body").inner_text()
    check("receipt page")
    receipt_url = page.url

    # 3. Pay on the dossier's page, through the stand-in gateway.
    click_and_wait(page, page.get_by_role("link", name="Xem hồ sơ của bạn"))
    check("my dossier, to pay")
    click_and_wait(page, page.get_by_role("button", name="Thanh toán trực tuyến"),
                   url=re.compile(re.escape(gateway_url) + "/paymentv2/"))
    assert "16.000 VND" in page.locator("body").inner_text()
    click_and_wait(page, page.get_by_role("button", name="Thanh toán thành công (giả lập)"),
                   url=re.compile(r"/thanh-toan/ket-qua/"))
    assert page.locator(".govuk-panel__title").inner_text() == "Thanh toán thành công"
    check("payment result")
    payment = Payment.objects.get(dossier=dossier)
    assert (payment.status, payment.amount, payment.confirmed_via) == (PaymentStatus.PAID, 16_000, "ipn")
    [ipn] = [r for r in gateway_journal.items() if r["kind"] == "ipn"]  # sent to the live server over HTTP
    assert (ipn["status"], ipn["answer"]) == (200, {"RspCode": "00", "Message": "Confirm Success"})

    # The receipt, Mẫu 01, as a PDF (opened in the browser's PDF viewer; its bytes read with the
    # same session).
    page.goto(receipt_url)
    link = page.get_by_role("link", name="Tải Giấy tiếp nhận hồ sơ và hẹn trả kết quả (PDF)")
    with page.expect_response(lambda r: r.url.endswith("/bieu-mau/tiep-nhan.pdf")) as opened:
        link.click()
    assert (opened.value.status, opened.value.headers["content-type"]) == (200, "application/pdf")
    receipt = page.context.request.get(opened.value.url)
    assert receipt.body().startswith(b"%PDF")
    receipt_text = pdf_text(receipt.body())
    assert dossier.code in receipt_text and "Nguyễn Văn An" in receipt_text

    # 4. The back office, in another browser (each official on their own session).
    desk_context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
    desk_page = desk_context.new_page()
    desk_page.base_url = page.base_url
    desk_problems: list[str] = []
    desk_page.on("console", lambda m: m.type == "error" and desk_problems.append(m.text))
    desk_page.on("pageerror", lambda e: desk_problems.append(str(e)))

    for official in (desk.receiver, desk.specialist, desk.leader):
        activate_totp(official)  # officials must have a second factor (OfficialMfaRequiredMiddleware)

    def as_official(user) -> None:
        """A session made directly, as in the back-office browser tests (no TOTP code to type)."""
        desk_context.clear_cookies()
        sign_in(desk_page, user)

    as_official(desk.receiver)
    banners = official_acts(desk_page, dossier.code, "Tiếp nhận hồ sơ")
    assert any("Tiếp nhận hồ sơ" in b for b in banners), banners
    as_official(desk.specialist)
    banners = official_acts(desk_page, dossier.code, "Yêu cầu bổ sung hồ sơ", note=REASON, field="yeu_cau_bo_sung")
    assert any("Chờ công dân bổ sung" in b for b in banners), banners

    # The notification pass (cron + worker in production), then the stand-in's journal.
    notifications_dispatch(inline=True)
    to_citizen = [m for m in notify.journal.items() if m["phone"] == PHONE and dossier.code in m["content"]]
    tracking = f"{page.base_url}/tra-cuu/{dossier.code}/"
    supplement_sms = (f"Ho so {dossier.code} can bo sung: Bo sung ban chup ro net Giay chung sinh, ban da nop bi mo. "
                      f"Chi tiet: {tracking}")
    assert supplement_sms in [m["content"] for m in to_citizen], to_citizen
    assert all(m["code_result"] == "100" for m in to_citizen)

    # The citizen follows the link of the SMS, then answers on their dossier's page.
    goto(page, urlsplit(supplement_sms.rsplit(" ", 1)[1]).path)
    assert dossier.code in page.locator("main").inner_text()
    check("tracking")
    click_and_wait(page, page.get_by_role("link", name="Bổ sung, rút hồ sơ hoặc tải kết quả trên trang Hồ sơ của tôi"))
    banner = page.locator(".govuk-notification-banner", has_text="Cần bổ sung hồ sơ")
    assert REASON in banner.inner_text()
    assert "Đã thanh toán trực tuyến" in page.locator(".tinhso-pay-box").inner_text()
    check("my dossier, supplement requested")
    click_and_wait(page, banner.get_by_role("link", name="Bổ sung hồ sơ"))
    check("supplement")
    clearer = tmp_path / "giay-chung-sinh-ban-ro.pdf"
    clearer.write_bytes(pdf_bytes("giay chung sinh ban ro"))
    page.get_by_label("Nội dung bổ sung").fill("Gửi lại bản chụp rõ nét Giấy chứng sinh.")
    page.get_by_label("Giấy tờ bổ sung thuộc thành phần hồ sơ").select_option("GCS")
    page.get_by_label("Tệp giấy tờ bổ sung").set_input_files(str(clearer))
    click_and_wait(page, page.get_by_role("button", name="Gửi hồ sơ bổ sung"))
    assert "Đã gửi hồ sơ bổ sung" in page.locator("main").inner_text()
    dossier.refresh_from_db()
    assert dossier.state == "dang_xu_ly"
    assert dossier.attachments.filter(component_code="GCS", name="giay-chung-sinh-ban-ro.pdf").exists()

    as_official(desk.specialist)
    official_acts(desk_page, dossier.code, "Trình lãnh đạo phê duyệt", field="trinh_phe_duyet", assignee=desk.leader)
    as_official(desk.leader)
    banners = official_acts(desk_page, dossier.code, "Phê duyệt, ký kết quả")
    signed = ResultDocument.objects.get(dossier=dossier)
    assert any(f"Đã ký số kết quả điện tử {signed.code}" in b for b in banners), banners
    desk_context.close()

    # 5. The result: download it, verify it on the public page, rate the service.
    goto(page, "/dich-vu-cong/ho-so/")
    check("my dossiers")
    click_and_wait(page, page.get_by_role("link", name=dossier.code))
    check("my dossier, result")
    with page.expect_download() as downloaded:
        page.get_by_role("link", name=re.compile("^Tải về")).click()
    result_path = tmp_path / "ket-qua.pdf"
    downloaded.value.save_as(result_path)
    assert hashlib.sha256(result_path.read_bytes()).hexdigest() == signed.sha256  # the signed original
    goto(page, "/xac-thuc/")
    page.get_by_label("Tệp PDF cần kiểm tra").set_input_files(str(result_path))
    click_and_wait(page, page.get_by_role("button", name="Kiểm tra tệp"))
    verdict = page.locator(".tinhso-verdict")
    assert verdict.locator(".govuk-tag").inner_text() == "Văn bản hợp lệ"
    verified = page.locator("main").inner_text()
    assert signed.code in verified and dossier.code in verified and signed.signer_name in verified
    check("verification")
    page.screenshot(path=str(screenshot_dir / "acceptance-verified-360.png"), full_page=True)

    goto(page, f"/dich-vu-cong/ho-so/{dossier.code}/")
    click_and_wait(page, page.get_by_role("link", name="Đánh giá việc giải quyết hồ sơ này"))
    check("rating")
    page.get_by_role("group", name="Bạn có hài lòng với việc giải quyết hồ sơ này không?") \
        .get_by_label("Hài lòng", exact=True).check()
    page.get_by_role("group", name="Tiến độ, chất lượng dịch vụ công trực tuyến") \
        .get_by_label("Hài lòng", exact=True).check()
    page.get_by_label("Ý kiến khác (không bắt buộc)").fill("Nộp trên điện thoại nhanh, không phải đi lại.")
    click_and_wait(page, page.get_by_role("button", name="Gửi đánh giá"))
    assert page.locator(".govuk-panel__title").inner_text() == "Đã gửi đánh giá"
    check("rating sent")

    # What the national sync and the 766 indicators read from the dossier.
    dossier.refresh_from_db()
    assert (dossier.source, dossier.channel, dossier.state) == ("online", 2, "cho_tra_ket_qua")
    assert dossier.paid_online == 2            # paid through the province's gateway
    assert dossier.vneid_authenticated is False  # signed in with a password: VNeID sign-in is not built yet
    assert dossier.has_digitised_components     # the reused e-result is an electronic original
    reused = dossier.attachments.get(component_code="GCNKH")
    assert (reused.reused, reused.from_citizen_store, reused.replaced_result_code, reused.sha256) == (
        True, True, marriage.code, certificate.sha256)
    for code in ("TK", "GCS"):
        uploaded = dossier.attachments.filter(component_code=code).order_by("pk").first()
        assert (uploaded.reused, uploaded.from_citizen_store, uploaded.replaced_result_code) == (False, False, "")
    rating = Rating.objects.get(dossier=dossier, is_current=True)
    assert (rating.satisfied, rating.criteria, rating.channel, rating.rated_by) == (
        True, {"truc_tuyen": "hai_long"}, "portal", desk.citizen)

    assert {name: found for name, found in axe_found.items() if found} == {}
    # No script error and no console error but one: Chromium's PDF viewer asks for /favicon.ico when
    # it shows the receipt (a PDF names no icon; the site's pages name theirs, /favicon.ico is 404).
    assert all(failed == "/favicon.ico" and shown.endswith(".pdf") for failed, shown in console_errors), console_errors
    assert len(page.problems) == len(console_errors) and desk_problems == [], page.problems + desk_problems
    print(f"\nacceptance story: {time.monotonic() - started:.1f} s, {len(axe_found)} pages scanned with axe-core")
