"""The commune desk of the dossier tests, a demo CA and the commune's demo key in a temporary
signing directory, and helpers that move a dossier along the standard workflow and read PDFs."""

from __future__ import annotations

import io
import shutil
import unicodedata
from pathlib import Path

import pytest
from pypdf import PdfReader

from accounts.totp import activate_totp
from dossiers import conftest as dossier_fixtures
from dossiers.conftest import pdf_bytes, procedure_published, workflow_published
from tinhso.dossiers import services
from tinhso.dossiers.models import Dossier

desk = dossier_fixtures.desk
_files_in_tmp = dossier_fixtures._files_in_tmp

BIRTH = {"ho_ten_tre": "Nguyễn Ngọc Bích Trâm", "ngay_sinh": "2026-02-01", "gioi_tinh": "Nữ",
         "noi_sinh": "Bệnh viện Đa khoa tỉnh"}
PARENT = services.Applicant(name="Trần Thị Hồng Đào", id_number="086085000123", phone="0912345678",
                            address="Ấp Phú Hòa, xã Phú Túc")


@pytest.fixture(scope="session")
def _demo_ca_files(tmp_path_factory):
    """The demo CA is made once per test session (an RSA key takes a moment); each test copies it."""
    from django.test import override_settings

    from tinhso.documents.keys import demo_ca_ensure

    directory = tmp_path_factory.mktemp("demo-ca")
    with override_settings(TINHSO_SIGNING_DIR=directory):
        demo_ca_ensure()
    return directory


@pytest.fixture
def signing_dir(settings, tmp_path, _demo_ca_files) -> Path:
    """A signing directory with the demo CA, trusted as in the demo; no PKCS#12 passphrase."""
    directory = tmp_path / "signing"
    directory.mkdir(mode=0o700)
    for name in ("demo-ca.pem", "demo-ca.key.pem"):
        shutil.copy(_demo_ca_files / name, directory / name)
    settings.TINHSO_SIGNING_DIR = directory
    settings.TINHSO_TRUST_DEMO_CA = True
    settings.TINHSO_TRUSTED_ROOTS = []
    settings.TINHSO_SIGNING_BACKEND = "pkcs12"
    settings.TINHSO_BASE_URL = "https://dichvucong.tinh.example.vn"
    return directory


@pytest.fixture(autouse=True)
def _no_passphrase(monkeypatch):
    monkeypatch.delenv("TINHSO_SIGNING_PASSPHRASE", raising=False)
    monkeypatch.delenv("TINHSO_PKCS11_PIN", raising=False)


@pytest.fixture
def commune_key(desk, signing_dir):
    """The commune's demo key and certificate (PKCS#12 under the signing directory)."""
    from tinhso.documents.keys import demo_keys_create

    return demo_keys_create(agencies=[desk.commune])[0]


def login(client, user):
    if user.is_official:
        activate_totp(user)
    client.force_login(user)
    return client


def at_counter(desk, *, procedure_code: str = "1.001193", applicant=PARENT) -> Dossier:
    """Received and accepted at the commune's counter, both papers scanned."""
    files = [services.IncomingFile(name="to-khai.pdf", data=pdf_bytes("tk"), component_code="TK", digitised=True),
             services.IncomingFile(name="gcs.pdf", data=pdf_bytes("gcs"), component_code="GCS", digitised=True)]
    dossier, _ = services.dossier_intake(
        actor=desk.receiver, procedure_code=procedure_code, receiving_agency=desk.commune, applicant=applicant,
        source="counter", form_data=BIRTH, files=files, accept=True, assignee=desk.specialist)
    return dossier


def online(desk, *, applicant_user=None) -> Dossier:
    """Filed online by the citizen, not yet accepted."""
    dossier, _ = services.dossier_intake(
        actor=applicant_user or desk.citizen, procedure_code="1.001193", receiving_agency=desk.commune,
        source="online", applicant=services.Applicant(name="Nguyễn Văn An", id_number="086085000123"),
        form_data=BIRTH)
    return dossier


def act(desk, dossier: Dossier, action: str, who, note: str = "", **kwargs) -> Dossier:
    services.dossier_act(actor=who, dossier_id=dossier.pk, action=action, note=note, **kwargs)
    return Dossier.objects.get(pk=dossier.pk)


def approved(desk) -> Dossier:
    """Accepted, examined by the specialist, approved by the commune's leader: status 9."""
    dossier = at_counter(desk)
    dossier = act(desk, dossier, "trinh_phe_duyet", desk.specialist, assignee=desk.leader)
    return act(desk, dossier, "phe_duyet", desk.leader)


@pytest.fixture
def fee_procedure(desk):
    """A procedure with two fees (lệ phí and phí), at the same commune."""
    return procedure_published(
        code="1.000894", name="Cấp bản sao trích lục hộ tịch", workflow=workflow_published("mot-cua-chuan"),
        agencies=[desk.commune], fees=[
            {"code": "LP", "name": "Lệ phí cấp bản sao", "kind": "le_phi", "amount": 1_250_000, "note": ""},
            {"code": "PHI", "name": "Phí thẩm định", "kind": "phi", "amount": 105, "note": ""},
        ])


def pdf_text(data: bytes) -> str:
    """The text of every page, NFC-normalised, whitespace collapsed."""
    reader = PdfReader(io.BytesIO(data))
    text = " ".join(page.extract_text() or "" for page in reader.pages)
    return " ".join(unicodedata.normalize("NFC", text).split())


def pdf_reader(data: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(data))
