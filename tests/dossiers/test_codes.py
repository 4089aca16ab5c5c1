"""Dossier codes: `{agency}-{YYMMDD}-{NNNN}` (Circular 01/2018/TT-VPCP Art. 19), numbered per agency
and day, and the same code everywhere the intake wrote it."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from tinhso.dossiers import codes, services
from tinhso.dossiers.models import DossierSequence, OutboxMessage, Source

from .conftest import pdf_bytes

pytestmark = pytest.mark.django_db

PARENT = services.Applicant(name="Huỳnh Thị Mai", id_number="086301000456")
BIRTH = {"ho_ten_tre": "Huỳnh Gia Bảo", "ngay_sinh": "2026-01-20", "gioi_tinh": "Nam"}


def at_counter(desk):
    scan = services.IncomingFile(name="to-khai.pdf", data=pdf_bytes("tk"), component_code="TK", digitised=True)
    dossier, _ = services.dossier_intake(actor=desk.receiver, procedure_code="1.001193", source=Source.COUNTER,
                                         receiving_agency=desk.commune, applicant=PARENT, form_data=BIRTH,
                                         files=[scan], accept=True)
    return dossier


def test_the_formats_pad_the_number_and_let_it_grow_past_its_width(desk):
    day = timezone.localdate()
    assert codes.qcvn_code(desk.commune, day, 7) == f"{desk.commune.code}-{day:%y%m%d}-0007"
    assert codes.qcvn_code(desk.commune, day, 10000) == f"{desk.commune.code}-{day:%y%m%d}-10000"
    assert codes.long_code(desk.commune, day, 7) == f"{desk.commune.code}-{day:%Y%m%d}-0000007"


def test_counter_intakes_of_a_day_are_numbered_one_after_another(desk):
    day = timezone.localdate()
    numbers = [at_counter(desk).code for _ in range(3)]
    assert numbers == [codes.qcvn_code(desk.commune, day, n) for n in (1, 2, 3)]


@pytest.mark.parametrize("last", [9998, 9999])
def test_the_10000th_dossier_of_a_day_gets_a_five_digit_number(desk, last):
    day = timezone.localdate()
    DossierSequence.objects.create(agency=desk.commune, day=day, last=last)
    assert at_counter(desk).code == codes.qcvn_code(desk.commune, day, last + 1)


def test_every_outbox_message_carries_the_dossier_code_and_no_provisional_one(desk):
    dossier = at_counter(desk)
    stored = list(OutboxMessage.objects.filter(dossier=dossier).order_by("id"))
    assert len(stored) == 2  # submitted, then accepted at the counter
    for message in stored:
        assert message.payload["hoSo"]["MaHoSo"] == dossier.code
        assert "~" not in json.dumps(message.payload)
        steps = message.payload.get("tienTrinhDongBo", [])
        assert all(step["MaHoSo"] == dossier.code for step in steps if "MaHoSo" in step)


def test_a_generator_other_than_a_code_format_still_numbers_the_dossier(desk, settings):
    settings.TINHSO_DOSSIER_CODE = "tests.dossiers.test_codes.plain_generator"
    dossier = at_counter(desk)
    assert dossier.code == f"X-{desk.commune.code}-1"
    assert all(m.payload["hoSo"]["MaHoSo"] == dossier.code for m in OutboxMessage.objects.filter(dossier=dossier))


def plain_generator(agency, day, seq):
    return f"X-{agency.code}-{seq}"
