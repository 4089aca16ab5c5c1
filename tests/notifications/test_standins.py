"""The SMS and Zalo stand-ins keep to their providers' contracts, over real HTTP."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from tinhso.standins import STANDINS, Mount, standin_app
from tinhso.standins.sms import SEND_PATH, SmsStandin
from tinhso.standins.zalo import ZaloStandin


def post(url: str, body, headers: dict | None = None) -> tuple[int, dict]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method="POST",
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        raw = error.read()
        return error.code, json.loads(raw) if raw.startswith(b"{") else {"raw": raw.decode()}


def get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read().decode()


SMS_OK = {"ApiKey": "khoa-thu", "SecretKey": "bi-mat-thu", "Phone": "0912345678", "Content": "Ho so da duoc tiep nhan",
          "Brandname": "UBND-TEST", "SmsType": "2", "IsUnicode": "0", "RequestId": "r-1"}


def test_sms_accepts_a_valid_request(sms):
    status, body = post(sms.url + SEND_PATH + "/", SMS_OK)
    assert status == 200 and body["CodeResult"] == "100" and len(body["SMSID"]) == 32
    [record] = sms.journal.items()
    assert (record["phone"], record["content"], record["request_id"]) == ("0912345678", "Ho so da duoc tiep nhan", "r-1")
    assert "khoa-thu" not in json.dumps(record) and "bi-mat-thu" not in json.dumps(record)


@pytest.mark.parametrize("change, code", [
    ({"SecretKey": "sai"}, "101"),
    ({"Brandname": "KHAC"}, "104"),
    ({"SmsType": "8"}, "118"),
    ({"Phone": "0212345678"}, "108"),
    ({"Phone": "09123"}, "108"),
])
def test_sms_refuses_like_esms(sms, change, code):
    status, body = post(sms.url + SEND_PATH + "/", {**SMS_OK, **change})
    assert (status, body["CodeResult"]) == (200, code) and body["ErrorMessage"]
    assert "SMSID" not in body


def test_sms_same_request_id_is_not_sent_twice(sms):
    assert post(sms.url + SEND_PATH + "/", SMS_OK)[1]["CodeResult"] == "100"
    assert post(sms.url + SEND_PATH + "/", SMS_OK)[1]["CodeResult"] == "124"


def test_sms_malformed_body(sms):
    assert post(sms.url + SEND_PATH + "/", b"{not json") == (400, {"error": "Invalid request"})
    assert post(sms.url + SEND_PATH + "/", {"Phone": "0912345678"}) == (400, {"error": "Invalid request"})


def test_fault_switch(sms):
    assert post(sms.url + "/_fail?mode=down", b"") == (200, {"mode": "down"})
    status, body = post(sms.url + SEND_PATH + "/", SMS_OK)
    assert status == 503
    assert post(sms.url + "/_fail", b"") == (200, {"mode": "off"})          # no mode: toggles
    assert post(sms.url + SEND_PATH + "/", SMS_OK)[0] == 200


def test_fault_switch_from_the_environment(monkeypatch):
    monkeypatch.setenv("TINHSO_STANDIN_SMS_FAIL", "down")
    assert SmsStandin().mode == "down"


def test_page_says_it_is_a_stand_in_and_lists_messages_masked(sms):
    post(sms.url + SEND_PATH + "/", SMS_OK)
    status, page = get(sms.url + "/")
    assert status == 200
    assert "<title>Máy giả lập SMS brandname — không gửi tin thật</title>" in page
    assert "không đến điện thoại nào" in page
    assert "091****678" in page and "0912345678" not in page
    assert "Ho so da duoc tiep nhan" in page
    assert json.loads(get(sms.url + "/_messages")[1])[0]["phone"] == "0912345678"


ZNS_OK = {"phone": "84912345678", "template_id": "100001", "tracking_id": "t-1",
          "template_data": {"customer_name": "Trần Thị Hồng Đào", "dossier_code": "000.91.60.H61-260209-0001",
                            "procedure_name": "Đăng ký khai sinh", "due_date": "12/02/2026 17:00"}}
TOKEN = {"access_token": "ma-truy-cap-thu"}


def test_zns_requires_the_access_token(zalo):
    assert post(zalo.url + "/message/template", ZNS_OK) == (401, {"error": -124, "message": "Access token invalid"})
    assert post(zalo.url + "/message/template", ZNS_OK, {"access_token": "sai"})[0] == 401
    status, body = post(zalo.url + "/message/template", ZNS_OK, TOKEN)
    assert status == 200 and body["error"] == 0 and body["message"] == "Success"
    assert body["data"]["msg_id"] and body["data"]["quota"]["dailyQuota"] == "500"


@pytest.mark.parametrize("change, error", [
    ({"phone": "0912345678"}, -108),             # Zalo's adapter must send 84…
    ({"template_id": "999999"}, -109),
    ({"template_data": {}}, -111),
    ({"template_data": {"customer_name": "A"}}, -112),
    ({"phone": "84987000111"}, -118),
])
def test_zns_refuses_like_zalo(zalo, change, error):
    status, body = post(zalo.url + "/message/template", {**ZNS_OK, **change}, TOKEN)
    assert (status, body["error"]) == (200, error) and "data" not in body


def test_zns_page(zalo):
    post(zalo.url + "/message/template", ZNS_OK, TOKEN)
    page = get(zalo.url + "/")[1]
    assert "<title>Máy giả lập Zalo ZNS — không gửi tin thật</title>" in page
    assert "849****678" in page and "dossier_code: 000.91.60.H61-260209-0001" in page


def test_both_are_registered_and_mounted_under_gia_lap():
    assert isinstance(standin_app("sms"), SmsStandin) and isinstance(standin_app("zalo"), ZaloStandin)
    assert {"sms", "zalo"} <= set(STANDINS)

    def django(environ, start_response):  # what the demo serves outside /gia-lap/
        start_response("200 OK", [])
        return [b"django"]

    seen = {}
    mounted = Mount(django)
    body = mounted({"PATH_INFO": "/gia-lap/zalo/", "REQUEST_METHOD": "GET", "SCRIPT_NAME": ""},
                   lambda status, headers: seen.update(status=status))
    assert seen["status"] == "200 OK" and "Máy giả lập Zalo ZNS" in b"".join(body).decode()
