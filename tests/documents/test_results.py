"""E-results: rendered, signed with the competent agency's key (PAdES), stored as the dossier's
result, once; the keys they are signed with (PKCS#12 files, a PKCS#11 token, the demo CA)."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.management import call_command
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from accounts.factories import citizen
from documents.conftest import act, approved, at_counter, pdf_reader, pdf_text
from tinhso.core.models import AuditEntry
from tinhso.documents.keys import DEMO_CA_NAME, agency_certificate_issue, demo_ca_ensure, demo_keys_create
from tinhso.documents.models import ResultDocument, SigningKey
from tinhso.documents.services import result_issue
from tinhso.documents.signing import SigningUnavailable
from tinhso.dossiers.attachments import attachment_open
from tinhso.dossiers.errors import ActionNotAllowed, Forbidden, NotFound
from tinhso.dossiers.models import Attachment

pytestmark = pytest.mark.django_db


def stored(result: ResultDocument) -> bytes:
    with attachment_open(result.attachment.storage_path) as handle:
        return handle.read()


def demo_root(signing_dir: Path):
    from asn1crypto import pem, x509

    _type, _headers, der = pem.unarmor((signing_dir / "demo-ca.pem").read_bytes())
    return x509.Certificate.load(der)


def pyhanko_status(data: bytes, roots):
    reader = PdfFileReader(io.BytesIO(data))
    (signature,) = reader.embedded_regular_signatures
    context = ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")
    return signature, validate_pdf_signature(signature, signer_validation_context=context)


def test_the_leaders_approval_gives_a_signed_result_that_pyhanko_validates_with_the_demo_ca(
        desk, commune_key, signing_dir):
    dossier = approved(desk)
    result = result_issue(dossier_id=dossier.pk, actor=desk.leader)

    data = stored(result)
    assert hashlib.sha256(data).hexdigest() == result.sha256 == result.attachment.sha256
    assert result.attachment.is_result and result.attachment.content_type == "application/pdf"
    assert result.code == f"KQ-{dossier.code}" and result.name == "Trích lục khai sinh"
    assert result.signer_name == "Ủy ban nhân dân xã Phú Túc Thử Nghiệm"

    signature, status = pyhanko_status(data, [demo_root(signing_dir)])
    assert status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"   # PAdES
    assert status.signing_cert.subject.native["common_name"] == "Ủy ban nhân dân xã Phú Túc Thử Nghiệm"
    # Without the demo CA among the trusted roots, the same signature is intact but not trusted.
    _signature, untrusted = pyhanko_status(data, [])
    assert untrusted.intact and not untrusted.trusted

    assert AuditEntry.objects.filter(action="dossier.result_signed", object_id=dossier.code).count() == 1


def test_the_result_prints_the_decision_the_form_data_and_a_qr_to_verification(desk, commune_key, settings):
    dossier = approved(desk)
    data = stored(result_issue(dossier_id=dossier.pk, actor=desk.leader))
    text = pdf_text(data)
    assert "TRÍCH LỤC KHAI SINH" in text and "ỦY BAN NHÂN DÂN XÃ PHÚ TÚC THỬ NGHIỆM" in text
    assert "Nguyễn Ngọc Bích Trâm" in text and "01/02/2026" in text and dossier.code in text
    assert "Đã ký số" in text and "Phạm Chủ Tịch" in text
    assert "BẢN TRÌNH DIỄN" in text                       # a demo key says so on the page
    assert f"{settings.TINHSO_BASE_URL}/xac-thuc/" in text
    assert len(pdf_reader(data).pages[0].images) == 1     # the QR


def test_issuing_twice_keeps_one_result(desk, commune_key):
    dossier = approved(desk)
    first = result_issue(dossier_id=dossier.pk, actor=desk.leader)
    again = result_issue(dossier_id=dossier.pk, actor=desk.leader)
    assert again.pk == first.pk
    assert Attachment.objects.filter(dossier=dossier, is_result=True).count() == 1
    assert ResultDocument.objects.filter(dossier=dossier).count() == 1


def test_the_leader_may_sign_at_the_approval_step_but_not_before(desk, commune_key):
    dossier = at_counter(desk)
    with pytest.raises(ActionNotAllowed):
        result_issue(dossier_id=dossier.pk, actor=desk.leader)
    dossier = act(desk, dossier, "trinh_phe_duyet", desk.specialist, assignee=desk.leader)
    assert result_issue(dossier_id=dossier.pk, actor=desk.leader).code == f"KQ-{dossier.code}"


def test_a_refused_dossier_gets_no_result(desk, commune_key):
    dossier = at_counter(desk)
    dossier = act(desk, dossier, "trinh_phe_duyet", desk.specialist, assignee=desk.leader)
    dossier = act(desk, dossier, "tu_choi_giai_quyet", desk.leader, note="Không đủ điều kiện")
    with pytest.raises(ActionNotAllowed):
        result_issue(dossier_id=dossier.pk, actor=desk.leader)


def test_only_the_competent_agencys_leader_signs(desk, commune_key):
    dossier = approved(desk)
    with pytest.raises(Forbidden):
        result_issue(dossier_id=dossier.pk, actor=desk.specialist)      # sees it, may not sign
    with pytest.raises(NotFound):
        result_issue(dossier_id=dossier.pk, actor=desk.dept_leader)     # a leader elsewhere: not even seen
    with pytest.raises(NotFound):
        result_issue(dossier_id=dossier.pk, actor=citizen("086085000999"))
    assert not ResultDocument.objects.exists()


def test_without_the_agencys_key_nothing_is_signed_and_the_message_says_why(desk, signing_dir):
    dossier = approved(desk)
    with pytest.raises(SigningUnavailable) as refused:
        result_issue(dossier_id=dossier.pk, actor=desk.leader)
    assert "Chưa có khóa ký số của Ủy ban nhân dân xã Phú Túc Thử Nghiệm" in refused.value.message
    assert not Attachment.objects.filter(is_result=True).exists()


def test_an_encrypted_pkcs12_needs_its_passphrase_from_the_environment(desk, signing_dir, monkeypatch):
    monkeypatch.setenv("TINHSO_SIGNING_PASSPHRASE", "mật-khẩu-đúng")
    demo_keys_create(agencies=[desk.commune])
    dossier = approved(desk)
    monkeypatch.setenv("TINHSO_SIGNING_PASSPHRASE", "sai")
    with pytest.raises(SigningUnavailable) as refused:
        result_issue(dossier_id=dossier.pk, actor=desk.leader)
    assert "sai mật khẩu" in refused.value.message
    monkeypatch.setenv("TINHSO_SIGNING_PASSPHRASE", "mật-khẩu-đúng")
    assert result_issue(dossier_id=dossier.pk, actor=desk.leader).signer_name


# --- Demo keys -----------------------------------------------------------------------------------

def test_the_demo_command_makes_a_marked_demo_ca_and_a_key_per_leaders_agency(desk, settings, tmp_path,
                                                                              monkeypatch):
    monkeypatch.setenv("TINHSO_DEMO", "1")
    settings.TINHSO_SIGNING_DIR = tmp_path / "demo-signing"
    call_command("documents_demo_keys", stdout=io.StringIO())
    from cryptography import x509

    ca = x509.load_pem_x509_certificate((tmp_path / "demo-signing" / "demo-ca.pem").read_bytes())
    assert ca.subject.rfc4514_string().startswith(f"CN={DEMO_CA_NAME}")
    # The leaders in the desk: the commune's and the department's.
    keys = {k.agency.code: k for k in SigningKey.objects.select_related("agency")}
    assert set(keys) == {desk.commune.code, desk.department.code}
    assert all(k.is_demo for k in keys.values())
    p12 = tmp_path / "demo-signing" / f"{desk.commune.code}.p12"
    assert p12.is_file() and oct(p12.stat().st_mode & 0o777) == "0o600"
    cert = x509.load_pem_x509_certificate(keys[desk.commune.code].certificate_pem.encode())
    assert "DEMO — không dùng thật" in cert.subject.rfc4514_string()
    before = p12.read_bytes()
    out = io.StringIO()
    call_command("documents_demo_keys", stdout=out)          # idempotent: nothing new
    assert p12.read_bytes() == before and "new demo keys: 0" in out.getvalue()


def test_the_demo_command_refuses_outside_demo_mode(monkeypatch):
    from django.core.management.base import CommandError

    monkeypatch.delenv("TINHSO_DEMO", raising=False)
    with pytest.raises(CommandError):
        call_command("documents_demo_keys", stdout=io.StringIO())


# --- PKCS#11 -------------------------------------------------------------------------------------

SOFTHSM_MODULE = Path("/usr/lib/softhsm/libsofthsm2.so")


def test_the_token_configuration_is_checked_before_any_signature(desk, signing_dir, settings, monkeypatch):
    settings.TINHSO_SIGNING_BACKEND = "pkcs11"
    dossier = approved(desk)
    settings.TINHSO_PKCS11_MODULE = ""
    with pytest.raises(SigningUnavailable) as refused:
        result_issue(dossier_id=dossier.pk, actor=desk.leader)
    assert "TINHSO_PKCS11_MODULE" in refused.value.message
    settings.TINHSO_PKCS11_MODULE = "/khong/co/libtoken.so"
    with pytest.raises(SigningUnavailable) as refused:
        result_issue(dossier_id=dossier.pk, actor=desk.leader)
    assert "/khong/co/libtoken.so" in refused.value.message
    if SOFTHSM_MODULE.is_file():
        settings.TINHSO_PKCS11_MODULE = str(SOFTHSM_MODULE)
        with pytest.raises(SigningUnavailable) as refused:              # no PIN in the environment
            result_issue(dossier_id=dossier.pk, actor=desk.leader)
        assert "TINHSO_PKCS11_PIN" in refused.value.message
    assert not ResultDocument.objects.exists()


@pytest.mark.skipif(not SOFTHSM_MODULE.is_file() or shutil.which("softhsm2-util") is None,
                    reason="SoftHSM is not installed (apt-get install softhsm2)")
def test_a_result_signed_on_a_pkcs11_token(desk, signing_dir, settings, monkeypatch, tmp_path):
    """The commune's key lives on a SoftHSM token; its certificate (from the demo CA) is configured
    on the agency's SigningKey."""
    tokens = tmp_path / "softhsm"
    (tokens / "tokens").mkdir(parents=True)
    conf = tokens / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tokens / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
    monkeypatch.setenv("SOFTHSM2_CONF", str(conf))
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", "tinhso-xa", "--pin", "246810",
                    "--so-pin", "13579111"], check=True, capture_output=True)
    ca_cert, ca_key = demo_ca_ensure()
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    _key, cert = agency_certificate_issue(desk.commune, ca_cert=ca_cert, ca_key=ca_key, key=key)
    pem_key = tmp_path / "key.pem"
    pem_key.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    subprocess.run(["softhsm2-util", "--import", str(pem_key), "--token", "tinhso-xa", "--label", desk.commune.code,
                    "--id", "01", "--pin", "246810"], check=True, capture_output=True)
    os.unlink(pem_key)
    SigningKey.objects.create(agency=desk.commune, backend="pkcs11",
                              certificate_pem=cert.public_bytes(serialization.Encoding.PEM).decode())
    settings.TINHSO_PKCS11_MODULE = str(SOFTHSM_MODULE)
    settings.TINHSO_PKCS11_TOKEN_LABEL = "tinhso-xa"
    monkeypatch.setenv("TINHSO_PKCS11_PIN", "246810")

    dossier = approved(desk)
    result = result_issue(dossier_id=dossier.pk, actor=desk.leader)

    _signature, status = pyhanko_status(stored(result), [demo_root(signing_dir)])
    assert status.intact and status.valid and status.trusted
    assert status.signing_cert.serial_number == cert.serial_number
