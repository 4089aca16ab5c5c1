"""Values reported with evidence (enter, submit, approve) and the engine's measurement store.

The officials are those of today's Vĩnh Long, reporting among others for Bến Tre before the merger.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.factories import AgencyFactory, citizen, official_with_role
from tinhso.accounts.models import Role
from tinhso.core.models import AgencyKind, AuditEntry
from tinhso.dossiers.national import example_pdf
from tinhso.kpi.errors import Conflict, Forbidden, InvalidInput
from tinhso.kpi.loading import kpi_load_demo
from tinhso.kpi.models import Indicator, Measurement, ReportedStatus, ReportedValue, Target
from tinhso.kpi.periods import Period
from tinhso.kpi.scopes import unit_at
from tinhso.kpi.selectors import target_series, target_status_of
from tinhso.kpi.services import (
    MeasurementRow,
    measurements_store,
    ratio_value,
    reported_value_approve,
    reported_value_save,
    reported_value_submit,
)
from tinhso.kpi.status import TargetStatus

pytestmark = pytest.mark.django_db

BEFORE, AFTER = dt.date(2024, 6, 1), dt.date(2026, 3, 1)
REPORT = "Báo cáo số 15/BC-CTK ngày 20/01/2025 của Cục Thống kê tỉnh Bến Tre"


@pytest.fixture
def vinh_long():
    return unit_at("86", AFTER)


@pytest.fixture
def ben_tre():
    return unit_at("83", BEFORE)


@pytest.fixture
def department(vinh_long):
    return AgencyFactory(name="Sở Khoa học và Công nghệ tỉnh Vĩnh Long", unit=vinh_long)


@pytest.fixture
def specialist(department):
    return official_with_role(Role.SPECIALIST, department)


@pytest.fixture
def leader(department):
    return official_with_role(Role.LEADER, department)


@pytest.fixture
def grdp():
    return Indicator.objects.get(code="econ.digital_economy_grdp_share")


def enter(actor, indicator, unit, period="2024", value="8.5", **evidence):
    evidence = evidence or {"evidence_document": REPORT}
    return reported_value_save(actor=actor, indicator=indicator, unit=unit, period=period, value=value, **evidence)


def test_an_official_of_todays_province_reports_for_ben_tre_before_the_merger(specialist, grdp, ben_tre):
    row = enter(specialist, grdp, ben_tre)
    assert (row.unit.name, row.period, row.period_kind, row.value) == ("Tỉnh Bến Tre", "2024", "year", Decimal("8.5"))
    assert (row.period_start, row.period_end) == (dt.date(2024, 1, 1), dt.date(2025, 1, 1))
    assert row.status == ReportedStatus.DRAFT and row.entered_by == specialist
    entry = AuditEntry.objects.get(action="kpi.reported_value_save")
    assert (entry.object_id, entry.actor_id, entry.before_digest) == (str(row.pk), specialist.pk, "")


def test_a_value_out_of_range_is_refused_with_the_range(specialist, grdp, ben_tre):
    with pytest.raises(InvalidInput) as caught:
        enter(specialist, grdp, ben_tre, value="120")
    assert caught.value.message == (
        "Giá trị 120 nằm ngoài khoảng cho phép [0; 100] của chỉ tiêu “Tỷ trọng kinh tế số trong GRDP của tỉnh”.")
    assert caught.value.details[0]["field"] == "value"
    with pytest.raises(InvalidInput, match="phải là một số"):
        enter(specialist, grdp, ben_tre, value="mười")
    assert not ReportedValue.objects.exists()


def test_growth_may_be_negative_but_yes_no_and_ranks_have_their_own_values(specialist, ben_tre):
    assert enter(specialist, Indicator.objects.get(code="soc.broadband_households"), ben_tre,
                 value="100").value == Decimal(100)  # the top of the range is allowed
    growth = Indicator.objects.get(code="econ.labour_productivity_growth")
    assert enter(specialist, growth, ben_tre, value="-2.5").value == Decimal("-2.5")
    with pytest.raises(InvalidInput, match="chỉ nhận 1 \\(có\\) hoặc 0 \\(không\\)"):
        enter(specialist, Indicator.objects.get(code="soc.mobile_smartphone_universal"), ben_tre, value="0.5")
    with pytest.raises(InvalidInput, match="số nguyên"):
        enter(specialist, Indicator.objects.get(code="rank.ict_index"), ben_tre, value="12.5")


def test_evidence_is_required(specialist, grdp, ben_tre):
    with pytest.raises(InvalidInput, match="Cần tài liệu kiểm chứng") as caught:
        reported_value_save(actor=specialist, indicator=grdp, unit=ben_tre, period="2024", value="8")
    assert caught.value.details == [{"field": "evidence", "message": caught.value.message}]
    with pytest.raises(InvalidInput, match="Đường dẫn"):
        enter(specialist, grdp, ben_tre, evidence_url="cuc thong ke")


def test_evidence_may_be_a_file_or_a_link(specialist, grdp, ben_tre, settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}}}
    upload = SimpleUploadedFile("bao-cao-grdp-2024.pdf", example_pdf("GRDP 2024"), content_type="application/pdf")
    row = enter(specialist, grdp, ben_tre, evidence_file=upload)
    assert row.evidence_file.name.startswith("kpi/evidence/") and row.evidence_file.read().startswith(b"%PDF")
    linked = enter(specialist, grdp, ben_tre, period="2023", evidence_url="https://thongke.bentre.gov.vn/bao-cao-2023")
    assert linked.evidence_url.endswith("bao-cao-2023")


def test_the_database_refuses_a_value_without_evidence(specialist, grdp, ben_tre):
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportedValue.objects.create(indicator=grdp, unit=ben_tre, value=1, entered_by=specialist,
                                     entered_at=timezone.now(), **ReportedValue.period_columns(Period.of_year(2024)))


def test_computed_indicators_are_not_entered_by_hand(specialist, ben_tre):
    with pytest.raises(InvalidInput, match="do hệ thống tự tính"):
        enter(specialist, Indicator.objects.get(code="gov.dossiers_fully_online"), ben_tre, value="50")


def test_a_unit_must_exist_in_the_period(specialist, grdp, vinh_long):
    with pytest.raises(InvalidInput, match="Tỉnh Vĩnh Long không tồn tại trong kỳ Năm 2024"):
        enter(specialist, grdp, vinh_long, period="2024")  # today's Vĩnh Long starts on 1 July 2025
    assert enter(specialist, grdp, vinh_long, period="2025").period == "2025"  # it existed for half of 2025
    with pytest.raises(InvalidInput, match="không đúng định dạng"):
        enter(specialist, grdp, vinh_long, period="năm 2025")


def test_only_officials_of_the_province_that_holds_the_unit_may_report(grdp, ben_tre):
    hanoi = AgencyFactory(unit=unit_at("01", AFTER), code="T99.01.00.H26")
    with pytest.raises(Forbidden, match="không có quyền nhập số liệu cho Tỉnh Bến Tre"):
        enter(official_with_role(Role.SPECIALIST, hanoi), grdp, ben_tre)
    with pytest.raises(Forbidden):
        enter(citizen(), grdp, ben_tre)
    commune = unit_at("28756", AFTER)
    commune_agency = AgencyFactory(unit=commune, kind=AgencyKind.COMMUNE_PEOPLES_COMMITTEE, code="T99.02.00.H86")
    with pytest.raises(Forbidden):  # a commune's staff report for their commune, not for the province
        enter(official_with_role(Role.SPECIALIST, commune_agency), grdp, ben_tre)


def test_submit_approve_and_then_frozen(specialist, leader, grdp, ben_tre):
    row = enter(specialist, grdp, ben_tre)
    with pytest.raises(Conflict, match="chưa được gửi"):
        reported_value_approve(actor=leader, reported_value_id=row.pk)
    submitted = reported_value_submit(actor=specialist, reported_value_id=row.pk)
    assert submitted.status == ReportedStatus.SUBMITTED and submitted.submitted_at is not None
    assert reported_value_submit(actor=specialist, reported_value_id=row.pk).submitted_at == submitted.submitted_at
    with pytest.raises(Forbidden, match="Chỉ lãnh đạo"):
        reported_value_approve(actor=official_with_role(Role.SPECIALIST, leader.agency_roles.get().agency),
                               reported_value_id=row.pk)
    approved = reported_value_approve(actor=leader, reported_value_id=row.pk)
    assert (approved.status, approved.approved_by) == (ReportedStatus.APPROVED, leader)
    assert reported_value_approve(actor=leader, reported_value_id=row.pk).approved_at == approved.approved_at
    with pytest.raises(Conflict, match="đã được phê duyệt, không sửa được"):
        enter(specialist, grdp, ben_tre, value="9")
    assert ReportedValue.objects.get().value == Decimal("8.5")
    assert list(AuditEntry.objects.filter(action__startswith="kpi.reported_value").values_list("action", flat=True)
                .order_by("seq")) == ["kpi.reported_value_save", "kpi.reported_value_submit",
                                      "kpi.reported_value_approve"]


def test_nobody_approves_their_own_value(department, grdp, ben_tre):
    leader = official_with_role(Role.LEADER, department)
    row = enter(leader, grdp, ben_tre)
    reported_value_submit(actor=leader, reported_value_id=row.pk)
    with pytest.raises(Forbidden, match="không tự phê duyệt"):
        reported_value_approve(actor=leader, reported_value_id=row.pk)


def test_a_corrected_value_goes_back_to_draft(specialist, grdp, ben_tre):
    row = enter(specialist, grdp, ben_tre)
    reported_value_submit(actor=specialist, reported_value_id=row.pk)
    again = enter(specialist, grdp, ben_tre, value="8.7")
    assert (again.pk, again.status, again.value, again.submitted_at) == (row.pk, ReportedStatus.DRAFT,
                                                                         Decimal("8.7"), None)


def test_a_targets_series_runs_from_the_old_unit_to_the_new(specialist, leader, grdp, ben_tre, vinh_long):
    """Bến Tre's 2030 GRDP target: 2024 reported for Bến Tre, 2025 and 2026 for today's Vĩnh Long."""
    kpi_load_demo()
    for unit, period, value in [(ben_tre, "2024", "8"), (vinh_long, "2025", "9"), (vinh_long, "2026", "10")]:
        row = enter(specialist, grdp, unit, period=period, value=value)
        reported_value_submit(actor=specialist, reported_value_id=row.pk)
        if period != "2026":
            reported_value_approve(actor=leader, reported_value_id=row.pk)
    target = Target.objects.get(plan__code="ben-tre-cds-2020-2025", key="kinh-te-so-grdp-2030-002")
    series = target_series(target, day=dt.date(2026, 11, 1))
    assert [(str(o.period), o.value) for o in series] == [("2024", Decimal(8)), ("2025", Decimal(9))]  # 2026 unapproved
    # 8 at 1/1/2025, 9 at 1/1/2026: +1 per 365 days; 1/1/2031 is 1,826 days on (2028 is a leap year):
    # 9 + 1826/365 = 14.0027, short of 20 by more than 10% → off track.
    result = target_status_of(target, today=dt.date(2026, 11, 1))
    assert result.status is TargetStatus.OFF_TRACK and result.forecast == Decimal("14.0027")
    early = Target.objects.get(plan__code="ben-tre-cds-2020-2025", key="kinh-te-so-grdp-2025")
    assert target_status_of(early, today=dt.date(2026, 11, 1)).status is TargetStatus.OFF_TRACK  # 9 < 10 in 2025


def test_a_target_without_values_has_no_data():
    kpi_load_demo()
    target = Target.objects.get(plan__code="dong-thap-cds-2021-2025", key="ho-so-truc-tuyen-2025")
    assert target_status_of(target).status is TargetStatus.NO_DATA


# --- Measurements ----------------------------------------------------------------------------------


def test_measurements_are_upserted_by_indicator_period_and_scope(vinh_long):
    on_time = Indicator.objects.get(code="766.2.1", version="766-dvcqg-2025")
    row = MeasurementRow(indicator_id=on_time.pk, period=Period.month(2026, 3), scope_level="province",
                         unit_id=vinh_long.pk, numerator=17, denominator=20, value=ratio_value(17, 20, on_time.factor),
                         points=Decimal(17))
    assert measurements_store(rows=[row]) == 1
    stored = Measurement.objects.get()
    assert (stored.value, stored.points, stored.period_year, stored.scope) == (Decimal(85), Decimal(17), 2026,
                                                                               f"province:{vinh_long.pk}::")
    later = MeasurementRow(**{**row.__dict__, "numerator": 18, "value": ratio_value(18, 20, on_time.factor),
                              "points": Decimal(18)})
    measurements_store(rows=[later])
    assert Measurement.objects.count() == 1 and Measurement.objects.get().value == Decimal(90)


def test_an_empty_period_is_stored_as_no_data_not_zero(vinh_long):
    on_time = Indicator.objects.get(code="766.2.1", version="766-dvcqg-2025")
    assert ratio_value(0, 0, on_time.factor) is None
    measurements_store(rows=[MeasurementRow(indicator_id=on_time.pk, period=Period.month(2026, 4),
                                            scope_level="province", unit_id=vinh_long.pk, numerator=0,
                                            denominator=0, value=None)])
    assert Measurement.objects.get().value is None


def test_the_two_766_versions_of_one_scope_and_period_are_two_rows(vinh_long):
    rows = [MeasurementRow(indicator_id=i.pk, period=Period.of_year(2026), scope_level="province",
                           unit_id=vinh_long.pk, value=Decimal(80)) for i in Indicator.objects.filter(code="766.2.1")]
    assert measurements_store(rows=rows) == 2 and Measurement.objects.count() == 2


def test_a_scope_must_be_complete(vinh_long, department):
    indicator = Indicator.objects.get(code="766.2.1", version="766-dvcqg-2025")
    base = {"indicator_id": indicator.pk, "period": Period.of_year(2026), "unit_id": vinh_long.pk, "value": None}
    with pytest.raises(InvalidInput):
        measurements_store(rows=[MeasurementRow(scope_level="agency", **base)])
    with pytest.raises(InvalidInput):
        measurements_store(rows=[MeasurementRow(scope_level="procedure", **base)])
    with pytest.raises(InvalidInput):
        measurements_store(rows=[MeasurementRow(scope_level="province", agency_id=department.pk, **base)])
    measurements_store(rows=[MeasurementRow(scope_level="agency", agency_id=department.pk, **base),
                             MeasurementRow(scope_level="province", **base)])
    assert Measurement.objects.count() == 2


def test_a_computed_target_reads_measurements_across_the_merger():
    """Đồng Tháp's ≥ 80% fully-online dossiers by 2025: 2024 measured on the old Đồng Tháp (87),
    2025 on today's (82)."""
    kpi_load_demo()
    indicator = Indicator.objects.get(code="gov.dossiers_fully_online")
    old, new = unit_at("87", BEFORE), unit_at("82", AFTER)
    measurements_store(rows=[
        MeasurementRow(indicator_id=indicator.pk, period=Period.of_year(2024), scope_level="province",
                       unit_id=old.pk, value=Decimal(61)),
        MeasurementRow(indicator_id=indicator.pk, period=Period.of_year(2025), scope_level="province",
                       unit_id=new.pk, value=Decimal(83)),
    ])
    target = Target.objects.get(plan__code="dong-thap-cds-2021-2025", key="ho-so-truc-tuyen-2025")
    assert [str(o.period) for o in target_series(target, day=AFTER)] == ["2024", "2025"]
    assert target_status_of(target, today=AFTER).status is TargetStatus.MET
