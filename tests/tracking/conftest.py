"""The commune desk of the dossier tests, a second citizen, and dossiers at the steps the tracking,
rating and feedback pages care about."""

from __future__ import annotations

import pytest

from accounts.factories import citizen
from accounts.totp import activate_totp
from dossiers import conftest as dossier_fixtures
from dossiers.conftest import pdf_bytes
from tinhso.dossiers import services
from tinhso.dossiers.models import Dossier
from tinhso.dossiers.tracking import tracking_limit_reset

# The commune desk of the dossier tests, and its temporary file storage (autouse).
desk = dossier_fixtures.desk
_files_in_tmp = dossier_fixtures._files_in_tmp

BIRTH = {"ho_ten_tre": "Lê Thị Bé Thơ", "ngay_sinh": "2026-02-01", "gioi_tinh": "Nữ", "noi_sinh": "Trạm y tế Phú Túc"}
#: The applicant's facts, each distinctive enough to be searched for in a page.
APPLICANT = services.Applicant(name="Trần Thị Hồng Đào", id_number="086085000123", phone="0912345678",
                               email="dao.tran@example.vn", address="Ấp Phú Hòa Mười Bảy, xã Phú Túc")
PERSONAL = [APPLICANT.name, APPLICANT.id_number, APPLICANT.phone, APPLICANT.email, APPLICANT.address,
            BIRTH["ho_ten_tre"], BIRTH["noi_sinh"]]
SUPPLEMENT_NOTE = "Bổ sung giấy chứng sinh bản chính của cháu Lê Thị Bé Thơ"


@pytest.fixture(autouse=True)
def _tracking_budget(settings):
    """A generous per-IP budget unless a test sets its own; the counters of earlier tests dropped
    (the test client always comes from 127.0.0.1)."""
    settings.TINHSO_TRACKING_RATE = "1000/m"
    for ip in ("127.0.0.1", "10.0.0.2"):
        tracking_limit_reset(ip)
    yield
    for ip in ("127.0.0.1", "10.0.0.2"):
        tracking_limit_reset(ip)


@pytest.fixture
def other_citizen(db):
    user = citizen("086090000456")
    user.full_name = "Phạm Văn Khác"
    user.save(update_fields=["full_name"])
    return user


def files():
    return [services.IncomingFile(name="to-khai.pdf", data=pdf_bytes("tk"), component_code="TK", digitised=True),
            services.IncomingFile(name="giay-chung-sinh.pdf", data=pdf_bytes("gcs"), component_code="GCS",
                                  digitised=True)]


def online(desk) -> Dossier:
    """Filed online by the desk's citizen (the applicant account), waiting for acceptance."""
    dossier, _created = services.dossier_intake(
        actor=desk.citizen, procedure_code="1.001193", receiving_agency=desk.commune, source="online",
        applicant=APPLICANT, form_data=BIRTH, files=files())
    return dossier


def accepted(desk) -> Dossier:
    dossier = online(desk)
    services.dossier_act(actor=desk.receiver, dossier_id=dossier.pk, action="tiep_nhan", assignee=desk.specialist)
    return Dossier.objects.get(pk=dossier.pk)


def with_supplement(desk) -> Dossier:
    """Accepted, a supplement requested (its note names the child) and received, with the specialist."""
    dossier = accepted(desk)
    services.dossier_act(actor=desk.specialist, dossier_id=dossier.pk, action="yeu_cau_bo_sung", note=SUPPLEMENT_NOTE)
    services.dossier_act(actor=desk.receiver, dossier_id=dossier.pk, action="nhan_bo_sung", note="Đã nhận bản chính")
    return Dossier.objects.get(pk=dossier.pk)


def returned(desk) -> Dossier:
    """Through to "Đã trả kết quả" (status 10)."""
    dossier = accepted(desk)
    services.dossier_act(actor=desk.specialist, dossier_id=dossier.pk, action="trinh_phe_duyet")
    services.dossier_act(actor=desk.leader, dossier_id=dossier.pk, action="phe_duyet")
    services.dossier_act(actor=desk.clerk, dossier_id=dossier.pk, action="tra_ket_qua")
    return Dossier.objects.get(pk=dossier.pk)


def login(client, user):
    """Officials must have a second factor (OfficialMfaRequiredMiddleware)."""
    if user.is_official:
        activate_totp(user)
    client.force_login(user)
    return client
