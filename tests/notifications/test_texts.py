"""The five messages, per channel, in Vietnamese, carrying the facts of the dossier step."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tinhso.notifications import texts
from tinhso.notifications.models import Kind

VN = ZoneInfo("Asia/Ho_Chi_Minh")

FACTS = {
    "code": "000.91.60.H61-260209-0001",
    "name": "Trần Thị Hồng Đào",
    "procedure": "Đăng ký khai sinh",
    "agency": "Ủy ban nhân dân xã Phú Túc",
    "due_at": texts.format_moment(dt.datetime(2026, 2, 12, 17, 0, tzinfo=VN)),
    "reason": "Bổ sung bản chính Giấy chứng sinh.",
    "tracking_url": "https://dichvucong.example.vn/tra-cuu/?ma=000.91.60.H61-260209-0001",
}


def test_dates_are_day_month_year_hour_minute_in_vietnam_time():
    assert FACTS["due_at"] == "12/02/2026 17:00"
    assert texts.format_moment(dt.datetime(2026, 2, 12, 10, 0, tzinfo=dt.UTC)) == "12/02/2026 17:00"


def test_acceptance_email_gives_code_appointment_and_tracking_link():
    message = texts.render(Kind.ACCEPTED, "email", FACTS)
    assert message.subject == "Hồ sơ 000.91.60.H61-260209-0001 đã được tiếp nhận"
    assert message.body.startswith("Kính gửi Ông/Bà Trần Thị Hồng Đào,")
    assert "Ủy ban nhân dân xã Phú Túc đã tiếp nhận hồ sơ “Đăng ký khai sinh”" in message.body
    assert "Ngày hẹn trả kết quả: 12/02/2026 17:00" in message.body
    assert FACTS["tracking_url"] in message.body
    assert "không trả lời thư này" in message.body


def test_acceptance_sms_is_short_and_unaccented_by_default(settings):
    settings.TINHSO_SMS_UNACCENTED = True
    body = texts.render(Kind.ACCEPTED, "sms", FACTS).body
    assert body == ("Ho so 000.91.60.H61-260209-0001 da duoc tiep nhan. Hen tra ket qua: 12/02/2026 17:00. "
                    "Tra cuu: https://dichvucong.example.vn/tra-cuu/?ma=000.91.60.H61-260209-0001")
    assert body.isascii()


def test_sms_keeps_its_marks_when_the_route_carries_unicode(settings):
    settings.TINHSO_SMS_UNACCENTED = False
    body = texts.render(Kind.ACCEPTED, "sms", FACTS).body
    assert body.startswith("Hồ sơ 000.91.60.H61-260209-0001 đã được tiếp nhận. Hẹn trả kết quả: 12/02/2026 17:00.")


def test_unaccent_keeps_case_spacing_and_the_letter_d():
    assert texts.unaccent("Đăng ký  KHAI SINH\nđợt 2") == "Dang ky  KHAI SINH\ndot 2"


def test_supplement_request_carries_the_reason_everywhere(settings):
    email = texts.render(Kind.SUPPLEMENT_REQUESTED, "email", FACTS)
    assert email.subject == "Hồ sơ 000.91.60.H61-260209-0001 cần bổ sung giấy tờ"
    assert "cần được bổ sung, hoàn thiện theo yêu cầu sau:\nBổ sung bản chính Giấy chứng sinh." in email.body
    assert "không tính vào thời hạn giải quyết" in email.body
    sms = texts.render(Kind.SUPPLEMENT_REQUESTED, "sms", FACTS).body
    assert "can bo sung: Bo sung ban chinh Giay chung sinh." in sms


def test_long_reason_is_shortened_in_the_sms_only():
    facts = dict(FACTS, reason="Bổ sung " + "giấy tờ chứng minh nơi cư trú hợp pháp " * 10)
    sms = texts.render(Kind.SUPPLEMENT_REQUESTED, "sms", facts).body
    assert "…" in sms and len(sms) < 260
    email = texts.render(Kind.SUPPLEMENT_REQUESTED, "email", facts).body
    assert facts["reason"].strip() in email


def test_apology_and_new_date():
    facts = dict(FACTS, due_at="19/02/2026 17:00", reason="Cần xác minh thông tin tại nơi sinh.")
    email = texts.render(Kind.EXTENDED, "email", facts)
    assert email.subject == "Xin lỗi và hẹn lại ngày trả kết quả hồ sơ 000.91.60.H61-260209-0001"
    assert "thành thật xin lỗi Ông/Bà" in email.body
    assert "Lý do: Cần xác minh thông tin tại nơi sinh." in email.body
    assert "Ngày hẹn trả kết quả mới: 19/02/2026 17:00" in email.body
    assert "Hen lai: 19/02/2026 17:00" in texts.render(Kind.EXTENDED, "sms", facts).body


def test_result_ready():
    email = texts.render(Kind.RESULT_READY, "email", FACTS)
    assert email.subject == "Hồ sơ 000.91.60.H61-260209-0001 đã có kết quả"
    assert "nhận kết quả theo hình thức đã đăng ký hoặc tại Ủy ban nhân dân xã Phú Túc" in email.body
    assert texts.render(Kind.RESULT_READY, "sms", FACTS).body.startswith(
        "Ho so 000.91.60.H61-260209-0001 da co ket qua.")


@pytest.mark.parametrize("phrase, expected", [
    (texts.REFUSED_AT_INTAKE, "không được tiếp nhận"),
    (texts.REFUSED_IN_PROCESSING, "không được giải quyết"),
])
def test_refusal_says_which_refusal_and_why(phrase, expected):
    facts = dict(FACTS, reason="Không thuộc thẩm quyền của xã.", refusal=phrase)
    email = texts.render(Kind.REFUSED, "email", facts)
    assert email.subject == "Thông báo từ chối hồ sơ 000.91.60.H61-260209-0001"
    assert f"hồ sơ 000.91.60.H61-260209-0001 (“Đăng ký khai sinh”) {expected}." in email.body
    assert "Lý do: Không thuộc thẩm quyền của xã." in email.body
    assert texts.unaccent(expected) in texts.render(Kind.REFUSED, "sms", facts).body


def test_zns_parameters_per_template(settings):
    settings.TINHSO_ZALO_ZNS_TEMPLATES = {"accepted": "100001", "refused": "100005"}
    accepted = texts.render(Kind.ACCEPTED, "zalo", FACTS)
    assert accepted.template_id == "100001"
    assert accepted.template_data == {"customer_name": "Trần Thị Hồng Đào",
                                      "dossier_code": "000.91.60.H61-260209-0001",
                                      "procedure_name": "Đăng ký khai sinh", "due_date": "12/02/2026 17:00"}
    refused = texts.render(Kind.REFUSED, "zalo", dict(FACTS, refusal=texts.REFUSED_AT_INTAKE))
    assert refused.template_data["reason"] == "Bổ sung bản chính Giấy chứng sinh."
    assert texts.render(Kind.EXTENDED, "zalo", FACTS).template_id == ""

