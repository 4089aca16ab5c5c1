"""Decision 766 computed from dossiers built by the real services, values worked out by hand.

The desk of tests/dossiers (a commune one-stop desk, a birth registration: 3 working days, result on
paper and electronic) files dossiers on a clock set by hand. Each test states the rule it checks,
the numbers worked out from the rule text, and reads them back from `Measurement` after a full
recompute (and, where the rule has one, from the drill-down list).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

import dossiers.conftest as one_stop
from tinhso.dossiers import services
from tinhso.dossiers.feedback import feedback_submit, rating_submit
from tinhso.dossiers.models import Status
from tinhso.kpi.models import Measurement
from tinhso.kpi.selectors import component_dossier_page, component_dossiers
from tinhso.kpi.services import measurements_recompute

VN = ZoneInfo("Asia/Ho_Chi_Minh")
pytestmark = pytest.mark.django_db
# The one-stop desk of tests/dossiers, its files kept in a temporary directory.
desk, _files_in_tmp = one_stop.desk, one_stop._files_in_tmp
pdf_bytes, procedure_published = one_stop.pdf_bytes, one_stop.procedure_published


def at(day: int, hour: int, minute: int = 0, month: int = 2, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=VN)


class Clock:
    def __init__(self):
        self.now = at(9, 9)

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    c = Clock()
    monkeypatch.setattr(timezone, "now", c)
    return c


@pytest.fixture(autouse=True)
def _no_deployment_units(settings):
    """Measure only the units the tests' dossiers are in (not every commune of the real province)."""
    settings.TINHSO_PROVINCE = "00"


PARENT = services.Applicant(name="Nguyễn Văn An", id_number="086085000123", phone="0912345678",
                            address="Ấp Phú Hòa, xã Phú Túc")
BIRTH = {"ho_ten_tre": "Nguyễn Văn Bình", "ngay_sinh": "2026-02-01", "gioi_tinh": "Nam"}


def tk():
    return services.IncomingFile(name="To khai.pdf", data=pdf_bytes("tk"), component_code="TK", digitised=True)


def gcs():
    return services.IncomingFile(name="Giay chung sinh.pdf", data=pdf_bytes("gcs"), component_code="GCS",
                                 digitised=True)


def e_result():
    return services.IncomingFile(name="Trich luc khai sinh.pdf", data=pdf_bytes("kq"), component_code="KQ",
                                 is_result=True)


def counter(desk, clock, when: dt.datetime, **kw):
    clock.now = when
    kw.setdefault("files", [tk(), gcs()])
    dossier, _ = services.dossier_intake(actor=desk.receiver, procedure_code=kw.pop("procedure", "1.001193"),
                                         receiving_agency=desk.commune, applicant=PARENT, source="counter",
                                         form_data=BIRTH, accept=True, **kw)
    return dossier


def act(desk, clock, dossier, when: dt.datetime, action: str, actor=None, **kw):
    clock.now = when
    actor = actor or {"yeu_cau_bo_sung": desk.specialist, "nhan_bo_sung": desk.receiver,
                      "trinh_phe_duyet": desk.specialist, "phe_duyet": desk.leader, "tra_ket_qua": desk.clerk,
                      "tiep_nhan": desk.receiver, "rut_ho_so": desk.receiver}[action]
    kw.setdefault("note", "Ghi chú." if action in ("yeu_cau_bo_sung", "rut_ho_so") else "")
    return services.dossier_act(actor=actor, dossier_id=dossier.pk, action=action, **kw)


def finish(desk, clock, dossier, when: dt.datetime, *, result=True):
    act(desk, clock, dossier, when - dt.timedelta(hours=1), "trinh_phe_duyet")
    act(desk, clock, dossier, when, "phe_duyet", files=[e_result()] if result else ())


def measured(code: str, period: str, *, scope: str = "commune", unit=None, agency=None):
    rows = Measurement.objects.filter(indicator__code=code, indicator__version="766-dvcqg-2025", period=period,
                                      scope_level=scope)
    if unit is not None:
        rows = rows.filter(unit=unit)
    if agency is not None:
        rows = rows.filter(agency=agency)
    return rows.get()


def fraction(row) -> tuple:
    return (row.numerator, row.denominator)


def d(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.0001"))


# --- 2.1 -----------------------------------------------------------------------------------------


def test_on_time_after_one_supplement_because_the_citizens_time_is_deducted(desk, clock):
    dossier = counter(desk, clock, at(9, 9))  # Mon 09/02 09:00, due Thu 12/02 17:00 (3 working days)
    assert dossier.due_at == at(12, 17)
    act(desk, clock, dossier, at(9, 10), "yeu_cau_bo_sung")
    act(desk, clock, dossier, at(13, 9), "nhan_bo_sung", files=[gcs()])  # the citizen took 3 days 23 h
    finish(desk, clock, dossier, at(13, 15))
    # End Fri 13/02 15:00 − (Fri 09:00 − Mon 10:00 = 95 h) = Mon 09/02 16:00 ≤ Thu 12/02 17:00: on time,
    # although the result came a day after the appointment.
    measurements_recompute(year=2026, now=at(10, 12, month=3))
    row = measured("766.2.1", "2026-02", unit=desk.commune.unit)
    assert fraction(row) == (d(1), d(1))
    assert (row.value, row.points) == (d(100), d(20))
    assert not component_dossiers(code="766.2.1", period="2026-02", unit=desk.commune.unit, lost=True,
                                  now=at(10, 12, month=3)).exists()


def test_two_supplement_requests_make_a_dossier_late_even_when_it_ends_early(desk, clock):
    dossier = counter(desk, clock, at(9, 9))
    act(desk, clock, dossier, at(9, 10), "yeu_cau_bo_sung")
    act(desk, clock, dossier, at(9, 11), "nhan_bo_sung", files=[gcs()])
    act(desk, clock, dossier, at(9, 14), "yeu_cau_bo_sung")
    act(desk, clock, dossier, at(9, 15), "nhan_bo_sung", files=[gcs()])
    finish(desk, clock, dossier, at(10, 9))  # two days before the appointment
    other = counter(desk, clock, at(9, 9, 30))
    finish(desk, clock, other, at(10, 10))
    now = at(10, 12, month=3)
    measurements_recompute(year=2026, now=now)
    # "trừ trường hợp 'Yêu cầu bổ sung hồ sơ' hơn 01 lần thì tính quá hạn": 1 of 2 on time → 10 points.
    row = measured("766.2.1", "2026-02", unit=desk.commune.unit)
    assert fraction(row) == (d(1), d(2))
    assert (row.value, row.points) == (d(50), d(10))
    _page, rows = component_dossier_page(code="766.2.1", period="2026-02", unit=desk.commune.unit, lost=True, now=now)
    assert [r.dossier.pk for r in rows] == [dossier.pk]
    assert rows[0].reason == "Yêu cầu bổ sung hồ sơ 2 lần (từ 2 lần tính quá hạn)"


def test_a_dossier_withdrawn_before_acceptance_is_not_counted(desk, clock):
    clock.now = at(9, 8)
    withdrawn, _ = services.dossier_intake(actor=desk.citizen, procedure_code="1.001193",
                                           receiving_agency=desk.commune, applicant=PARENT, source="online",
                                           form_data=BIRTH, files=[tk(), gcs()])
    act(desk, clock, withdrawn, at(9, 9), "rut_ho_so", actor=desk.citizen, note="Tôi nộp nhầm thủ tục.")
    withdrawn.refresh_from_db()
    assert (withdrawn.status, withdrawn.accepted_at) == (Status.WITHDRAWN, None)
    kept = counter(desk, clock, at(9, 10))
    finish(desk, clock, kept, at(13, 9))  # after the appointment (Thu 12/02 17:00): late
    now = at(10, 12, month=3)
    measurements_recompute(year=2026, now=now)
    # "chỉ tính các hồ sơ đã được tiếp nhận": 0 on time of 1 judged, not of 2.
    assert fraction(measured("766.2.1", "2026-02", unit=desk.commune.unit)) == (d(0), d(1))
    late = component_dossier_page(code="766.2.1", period="2026-02", unit=desk.commune.unit, lost=True, now=now)[1]
    assert [r.dossier.pk for r in late] == [kept.pk]
    assert late[0].reason == "Trễ 16 giờ so với ngày hẹn trả"  # Fri 09:00 − Thu 17:00
    assert late[0].late_by == dt.timedelta(hours=16)


def test_a_dossier_with_no_terminal_state_is_judged_at_the_end_of_each_period(desk, clock):
    long_procedure = procedure_published(code="1.000999", name="Thủ tục thời hạn dài", workflow=desk.birth.workflow,
                                         agencies=[desk.commune], amount="30", unit="working_day")
    dossier = counter(desk, clock, at(9, 9), procedure=long_procedure.procedure.code)
    assert Period_month(2026, 3).contains(dossier.due_at)  # 30 working days from 9 February, Tết in between
    # "Chưa có trạng thái hoàn thành → lấy ngày cuối kỳ báo cáo": at the end of February it was within its
    # time (on time for February); at the end of March it was not (late for the first quarter, the year
    # and the year to date), though it is the same dossier of the same month.
    now = at(10, 10, month=4)
    measurements_recompute(year=2026, now=now)
    unit = desk.commune.unit
    assert fraction(measured("766.2.1", "2026-02", unit=unit)) == (d(1), d(1))
    assert fraction(measured("766.2.1", "2026-Q1", unit=unit)) == (d(0), d(1))
    assert fraction(measured("766.2.1", "2026", unit=unit)) == (d(0), d(1))
    assert fraction(measured("766.2.1", "2026-YTD", unit=unit)) == (d(0), d(1))
    late = component_dossier_page(code="766.2.1", period="2026-Q1", unit=unit, lost=True, now=now)[1]
    assert [r.dossier.pk for r in late] == [dossier.pk]
    assert late[0].late_by == Period_month(2026, 4).start - dossier.due_at
    assert not component_dossiers(code="766.2.1", period="2026-02", unit=unit, lost=True, now=now).exists()
    # Read during February itself, the period's end is today: still within its time, not late in advance.
    measurements_recompute(year=2026, now=at(20, 10))
    assert fraction(measured("766.2.1", "2026-02", unit=unit)) == (d(1), d(1))


def Period_month(year, month):
    from tinhso.kpi.periods import Period

    return Period.month(year, month)


def online(desk, clock, when: dt.datetime, procedure: str = "1.001193"):
    clock.now = when
    dossier, _ = services.dossier_intake(actor=desk.citizen, procedure_code=procedure, receiving_agency=desk.commune,
                                         applicant=PARENT, source="online", form_data=BIRTH, files=[tk(), gcs()])
    act(desk, clock, dossier, when + dt.timedelta(hours=1), "tiep_nhan")
    return dossier


def test_online_share_counts_an_online_dossier_only_with_an_e_result_where_the_result_is_on_paper(desk, clock):
    from tinhso.catalog.models import ProcedureVersion
    from tinhso.dossiers.models import OutboxMessage

    no_paper = procedure_published(code="1.000998", name="Xác nhận thông tin hộ tịch", workflow=desk.birth.workflow,
                                   agencies=[desk.commune])
    ProcedureVersion.objects.filter(pk=no_paper.pk).update(
        results=[{"code": "XN", "name": "Văn bản xác nhận", "paper": False, "electronic": True}])
    a = online(desk, clock, at(9, 8))
    finish(desk, clock, a, at(10, 9), result=True)            # online, e-result: counts
    b = online(desk, clock, at(9, 9))
    finish(desk, clock, b, at(10, 10), result=False)          # online, paper result only: does not
    c = counter(desk, clock, at(9, 14))                       # at the counter: does not
    e = online(desk, clock, at(11, 8), procedure="1.000998")  # online, no paper result needed: counts
    # Three of the four were delivered to the national portal (item 1.4).
    OutboxMessage.objects.filter(dossier__in=[a, b, c], topic="dvcqg.dossier").update(sent_at=at(12, 8))
    now = at(10, 12, month=3)
    measurements_recompute(year=2026, now=now)
    unit = desk.commune.unit
    synced = measured("766.1.4", "2026-02", unit=unit)
    assert (fraction(synced), synced.value, synced.points) == ((d(3), d(4)), d(75), d("4.5"))
    # 2 of 4 online × 75 % synced = 37.5 %; below the 50 % threshold: 6 × 0.375 / 0.5 = 4.5 points.
    share = measured("766.3.3", "2026-02", unit=unit)
    assert (fraction(share), share.value, share.points) == ((d(2), d(4)), d("37.5"), d("4.5"))
    assert set(component_dossiers(code="766.3.3", period="2026-02", unit=unit, lost=True, now=now)
               .values_list("pk", flat=True)) == {b.pk, c.pk}
    assert set(component_dossiers(code="766.3.3", period="2026-02", unit=unit, now=now)
               .values_list("pk", flat=True)) == {a.pk, b.pk, c.pk, e.pk}
    # 4.1 counts the dossiers of paper-result procedures (a, b, c; c still in progress): one e-result.
    results = measured("766.4.1", "2026-02", unit=unit)
    assert (fraction(results), results.points) == ((d(1), d(3)), d(2))


def test_a_pre_2025_communes_dossiers_count_in_the_commune_that_holds_it_now(desk, clock):
    from tinhso.accounts.models import AgencyRole, Role
    from tinhso.catalog.models import ProcedureAssignment
    from tinhso.core.models import Agency, AgencyKind
    from tinhso.kpi.scopes import unit_at

    old_ward = unit_at("28759", dt.date(2025, 6, 30))        # Phường 8, thành phố Bến Tre (until 1/7/2025)
    today_ward = unit_at("28756", dt.date(2026, 3, 1))       # Phường Phú Khương, Vĩnh Long (since 1/7/2025)
    old_agency = Agency.objects.create(code="000.28.59.H83", name="UBND Phường 8", kind=AgencyKind.COMMUNE_PEOPLES_COMMITTEE,
                                       unit=old_ward)
    ProcedureAssignment.objects.create(procedure=desk.birth.procedure, agency=old_agency)
    AgencyRole.objects.create(user=desk.receiver, agency=old_agency, role=Role.RECEIVING_OFFICER)

    def file(when):
        clock.now = when
        dossier, _ = services.dossier_intake(actor=desk.receiver, procedure_code="1.001193",
                                             receiving_agency=old_agency, applicant=PARENT, source="counter",
                                             form_data=BIRTH, accept=True, files=[tk(), gcs()])
        return dossier

    file(at(16, 9, month=6, year=2025))
    file(at(9, 9))  # the agency row was never moved to the new ward: its 2026 dossiers too
    now = at(10, 12, month=3)
    for year in (2025, 2026):
        measurements_recompute(year=year, now=now)
    assert measured("766.2.1", "2026-02", unit=today_ward).denominator == d(1)
    assert measured("766.2.1", "2025-06", unit=today_ward).denominator == d(1)
    assert measured("766.2.1", "2025", unit=today_ward).denominator == d(1)
    # The old ward and Bến Tre keep their own figures for the time they existed, and only that.
    assert measured("766.2.1", "2025-06", unit=old_ward).denominator == d(1)
    ben_tre = old_ward.parent.parent
    assert ben_tre.code == "83"
    assert measured("766.2.1", "2025-06", scope="province", unit=ben_tre).denominator == d(1)
    assert not Measurement.objects.filter(unit=old_ward, scope_level="commune",
                                          period__in=["2025-07", "2025-Q3", "2026-02", "2026"]).exists()
    vinh_long = today_ward.parent
    assert measured("766.2.1", "2026-02", scope="province", unit=vinh_long).denominator == d(1)
    assert measured("766.2.1", "2025-06", scope="province", unit=vinh_long).denominator == d(1)


def test_a_period_with_nothing_to_count_is_no_data_except_where_the_rule_gives_points(desk, clock):
    finish(desk, clock, counter(desk, clock, at(9, 9)), at(10, 9))
    measurements_recompute(year=2026, now=at(10, 12, month=3))
    unit = desk.commune.unit
    # January: no dossier, no PAKN.
    on_time = measured("766.2.1", "2026-01", unit=unit)
    assert (on_time.value, on_time.points, on_time.note) == (None, None, "Không có dữ liệu trong kỳ.")
    for code in ("766.5.2", "766.5.3"):  # "6 if no PAKN"
        row = measured(code, "2026-01", unit=unit)
        assert (row.value, row.points) == (None, d(6))
    satisfaction = measured("766.5.4", "2026-01", unit=unit)  # "0 if no dossiers"
    assert (satisfaction.value, satisfaction.points) == (None, d(0))
    published = measured("766.1.1", "2026-01", unit=unit)
    assert published.value is None and "chưa tính được" in published.note
    group = measured("766.G5", "2026-01", unit=unit)
    assert group.points == d(12) and group.note == "Chưa có điểm: 5.1."
    # February has its dossier: on time, 20 points; the total adds up what has points and says what has none.
    assert measured("766.2.1", "2026-02", unit=unit).points == d(20)
    total = measured("766.TOTAL", "2026-02", unit=unit)
    assert total.points == sum(measured(g, "2026-02", unit=unit).points or 0
                               for g in ("766.G1", "766.G2", "766.G3", "766.G4", "766.G5"))
    assert total.note.startswith("Chưa có điểm: ")


def test_every_commune_of_the_province_is_measured_even_without_a_dossier(desk, clock, settings):
    from tinhso.kpi.scopes import unit_at

    settings.TINHSO_PROVINCE = "86"
    counter(desk, clock, at(6, 9, month=1))
    measurements_recompute(year=2026, now=at(20, 12, month=1), scopes=["commune"])
    quiet = unit_at("28756", dt.date(2026, 1, 20))  # a ward of Vĩnh Long where nobody filed anything
    row = measured("766.2.1", "2026-01", unit=quiet)
    assert (row.value, row.points, row.note) == (None, None, "Không có dữ liệu trong kỳ.")
    assert measured("766.5.2", "2026-01", unit=quiet).points == d(6)
    assert Measurement.objects.filter(indicator__code="766.2.1", period="2026-01", scope_level="commune").count() == \
        Measurement.objects.filter(indicator__code="766.2.1", period="2026-01", scope_level="commune",
                                   unit__parent=quiet.parent).count() >= 124


def test_satisfaction_takes_away_late_disliked_and_complained_about_dossiers_once(desk, clock):
    a = online(desk, clock, at(9, 8))
    finish(desk, clock, a, at(10, 9))
    b = online(desk, clock, at(9, 9))
    finish(desk, clock, b, at(10, 10))
    c = online(desk, clock, at(9, 10))
    finish(desk, clock, c, at(10, 11))
    late = counter(desk, clock, at(9, 14))
    finish(desk, clock, late, at(13, 10))  # after Thu 12/02 17:00
    clock.now = at(11, 9)
    rating_submit(actor=desk.citizen, code=a.code, satisfied=False)
    rating_submit(actor=desk.citizen, code=c.code, satisfied=True)
    feedback_submit(actor=desk.citizen, kind="tre_han", title="Chậm trả kết quả", content="Đề nghị xem lại.",
                    dossier_code=b.code)
    now = at(10, 12, month=3)
    measurements_recompute(year=2026, now=now)
    unit = desk.commune.unit
    # 100 % − (1 late + 2 with a dislike or a PAKN) / 4 = 25 %; below 90 %: 6 × 0.25 / 0.9 = 1.6667.
    row = measured("766.5.4", "2026-02", unit=unit)
    assert (fraction(row), row.value, row.points) == ((d(1), d(4)), d(25), d("1.6667"))
    _page, rows = component_dossier_page(code="766.5.4", period="2026-02", unit=unit, lost=True, now=now)
    assert {r.dossier.pk: r.reason for r in rows} == {
        a.pk: "Bị đánh giá không hài lòng",
        b.pk: "Có phản ánh, kiến nghị về việc tiếp nhận, giải quyết",
        late.pk: "Trễ 17 giờ so với ngày hẹn trả",
    }
    # The PAKN itself, received in February, is in 5.3's February denominator (PAKN first received).
    assert measured("766.5.3", "2026-02", unit=unit).denominator == d(1)
