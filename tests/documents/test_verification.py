"""The public verification page (/xac-thuc/): anyone uploads a PDF, or opens the QR of a result,
and is told valid / altered / unknown signer / not signed — never the dossier's content."""

from __future__ import annotations

import datetime as dt
import io
import re
from html.parser import HTMLParser

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import NoEncryption, pkcs12
from cryptography.x509.oid import NameOID
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers

from documents.conftest import BIRTH, PARENT, approved, at_counter
from dossiers.conftest import pdf_bytes
from tinhso.documents.kinds import FormKind
from tinhso.documents.services import form_render, result_issue
from tinhso.documents.signing import pdf_sign
from tinhso.dossiers.attachments import _storage, attachment_open

pytestmark = pytest.mark.django_db

VERIFY = "/xac-thuc/"


def upload(client: Client, data: bytes, name: str = "ket-qua.pdf", content_type: str = "application/pdf"):
    return client.post(VERIFY, {"tep": SimpleUploadedFile(name, data, content_type=content_type)})


def page(response) -> str:
    return response.content.decode()


def verdict(response) -> str:
    """The text of the role=status region that announces the verdict."""
    match = re.search(r'<div role="status"[^>]*>(.*?)</div>', page(response), re.DOTALL)
    assert match, "no verdict on the page"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


@pytest.fixture
def signed_result(desk, commune_key):
    dossier = approved(desk)
    result = result_issue(dossier_id=dossier.pk, actor=desk.leader)
    with attachment_open(result.attachment.storage_path) as handle:
        return result, handle.read()


def test_the_signed_result_is_valid_with_signer_time_and_document_but_no_form_data(client, signed_result):
    result, data = signed_result
    response = upload(client, data)
    assert response.status_code == 200
    assert "Văn bản hợp lệ" in verdict(response)
    html = page(response)
    assert "không bị thay đổi kể từ khi ký" in html
    assert "Ủy ban nhân dân xã Phú Túc Thử Nghiệm" in html                    # signer
    assert result.code in html and result.dossier.code in html and "Trích lục khai sinh" in html
    assert result.sha256 in html
    assert timezone.localtime(result.signed_at).strftime("%H:%M, %d/%m/%Y") in html    # signing time
    # Nothing of the dossier's form or the applicant.
    for private in (BIRTH["ho_ten_tre"], PARENT.name, PARENT.id_number, "Bệnh viện Đa khoa tỉnh"):
        assert private not in html


def test_bytes_changed_after_signing_make_it_altered(client, signed_result):
    _result, data = signed_result
    assert b"WeasyPrint" in data
    edited = data.replace(b"WeasyPrint", b"WeasyPrinT", 1)                   # same length, inside the signed range
    response = upload(client, edited)
    assert "Văn bản đã bị thay đổi" in verdict(response)
    assert "Mã băm của nội dung không khớp với chữ ký" in page(response)


def test_a_damaged_signed_file_is_altered_too(client, signed_result):
    _result, data = signed_result
    middle = len(data) // 2
    edited = data[:middle] + bytes(b ^ 0xFF for b in data[middle:middle + 64]) + data[middle + 64:]
    assert "Văn bản đã bị thay đổi" in verdict(upload(client, edited))


def test_content_added_by_an_incremental_update_after_signing_is_altered(client, signed_result):
    _result, data = signed_result
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    stamp = generic.StreamObject(stream_data=b"BT /F1 30 Tf 40 300 Td (DA DUYET LAI) Tj ET")
    writer.add_stream_to_page(0, writer.add_object(stamp))
    out = io.BytesIO()
    writer.write(out)
    response = upload(client, out.getvalue())
    assert "Văn bản đã bị thay đổi" in verdict(response)
    assert "bổ sung nội dung sau khi ký" in page(response)


def _self_signed_signer():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Ủy ban nhân dân xã Giả Mạo"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Ủy ban nhân dân xã Giả Mạo")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    p12 = pkcs12.serialize_key_and_certificates(b"fake", key, cert, None, NoEncryption())
    return signers.SimpleSigner.load_pkcs12_data(p12, other_certs=())


def test_a_pdf_signed_with_an_untrusted_self_signed_key_has_an_unknown_signer(client, desk, signing_dir):
    document = form_render(kind=FormKind.RECEIPT, dossier_id=at_counter(desk).pk)
    forged = pdf_sign(document, signer=_self_signed_signer())
    response = upload(client, forged)
    assert "Không xác định được người ký" in verdict(response)
    assert "Ủy ban nhân dân xã Giả Mạo" in page(response)                   # who claims to have signed
    assert "Trích lục khai sinh" not in page(response)                      # not a result we issued


def test_an_unsigned_pdf_is_not_signed(client, desk):
    response = upload(client, pdf_bytes("khong ky"))
    assert response.status_code == 200
    assert "Văn bản không có chữ ký số" in verdict(response)


def test_a_file_that_is_not_a_pdf_is_refused_with_a_clear_vietnamese_error(client):
    response = upload(client, b"\x89PNG\r\n\x1a\n" + b"\0" * 100, name="ket-qua.pdf")
    assert response.status_code == 400
    html = page(response)
    assert "govuk-error-summary" in html and 'href="#id_tep"' in html
    assert "Tệp “ket-qua.pdf” không phải là tệp PDF" in html
    assert 'role="status"' not in html                                      # no verdict on a refusal


def test_a_pdf_header_without_a_readable_pdf_is_refused(client):
    response = upload(client, b"%PDF-1.7\nkhong phai pdf")
    assert response.status_code == 400
    assert "Không đọc được tệp PDF này" in page(response)


def test_no_file_chosen_and_a_file_too_large_are_explained(client, settings):
    response = client.post(VERIFY, {})
    assert response.status_code == 400 and "Chọn tệp PDF cần kiểm tra." in page(response)
    settings.TINHSO_VERIFY_MAX_BYTES = 1024
    response = upload(client, pdf_bytes("x") + b"%" * 2048)
    assert response.status_code == 400
    assert "Tệp lớn hơn 1 KB" in page(response)
    settings.TINHSO_VERIFY_MAX_BYTES = 10
    response = upload(client, b"%PDF-" + b"0" * (80 * 1024))                 # refused before it is read
    assert response.status_code == 413 and "Tệp lớn hơn 10 byte" in page(response)


def test_the_qr_of_the_result_opens_its_verification_by_result_or_dossier_code(client, signed_result):
    result, _data = signed_result
    for code in (result.code, result.dossier.code, result.code.lower()):
        response = client.get(f"/xac-thuc/{code}/")
        assert response.status_code == 200, code
        assert "Văn bản hợp lệ" in verdict(response)
        assert "Trích lục khai sinh" in page(response) and BIRTH["ho_ten_tre"] not in page(response)
    assert client.get(f"{VERIFY}?ma={result.code}").url == f"/xac-thuc/{result.code}/"


def test_an_unknown_code_says_so(client, desk):
    response = client.get("/xac-thuc/KQ-000.00.00.H61-260101-9999/")
    assert response.status_code == 404
    assert "Không tìm thấy kết quả điện tử có mã" in page(response)
    response = client.get(f"{VERIFY}?ma=")
    assert response.status_code == 400 and 'href="#id_ma"' in page(response)
    response = client.get(f"{VERIFY}?ma=KQ/../../etc")
    assert response.status_code == 400 and "Mã chỉ gồm chữ cái không dấu" in page(response)


def test_a_stored_result_changed_on_disk_is_reported_altered(client, signed_result):
    result, data = signed_result
    path = _storage().path(result.attachment.storage_path)
    with open(path, "wb") as handle:
        handle.write(data.replace(b"WeasyPrint", b"WeasyPrinT", 1))
    response = client.get(f"/xac-thuc/{result.code}/")
    assert "Văn bản đã bị thay đổi" in verdict(response)
    assert "Bản lưu trên hệ thống không khớp" in page(response)


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.style_attrs, self.inline_scripts, self.labels, self.ids = [], 0, set(), set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "style" in attrs:
            self.style_attrs.append(tag)
        if tag == "script" and "src" not in attrs and "nonce" not in attrs:
            self.inline_scripts += 1
        if tag == "label":
            self.labels.add(attrs.get("for"))
        if "id" in attrs:
            self.ids.add(attrs["id"])


def test_the_page_works_without_javascript_obeys_the_csp_and_labels_its_fields(client):
    response = client.get(VERIFY)
    assert response.status_code == 200
    html = page(response)
    assert '<html lang="vi"' in html and "Xác thực văn bản điện tử có chữ ký số" in html
    assert 'enctype="multipart/form-data"' in html and 'method="post"' in html      # a plain form
    collected = _Collector()
    collected.feed(html)
    assert collected.style_attrs == [] and collected.inline_scripts == 0
    assert {"id_tep", "id_ma"} <= collected.labels and {"id_tep", "id_ma"} <= collected.ids
