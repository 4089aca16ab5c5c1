"""The monitoring centre (/giam-sat/) through the Django test client, on a small generated province
(tests/kpi/monitor_fixtures.py: 400 synthetic dossiers, the full 766 recompute).

Who gets in; the overview shows the province's score and its five groups from the measurements, with
every number in an HTML table (no JavaScript needed); each download holds exactly the rows of its
table; the drill-down from a commune's on-time ratio lists exactly the dossiers counted late, each
linking to the back office, and the read is audited; the plan page shows every target with its status."""

from __future__ import annotations

import uuid

import csv
import datetime as dt
import io
import re
from html.parser import HTMLParser

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from accounts.factories import UserFactory, citizen
from accounts.totp import activate_totp
from kpi.monitor_fixtures import MONTH, NOW, monitored_province
from tinhso.accounts.models import AgencyRole, Role
from tinhso.core.models import AuditEntry
from tinhso.kpi.models import Measurement, Plan
from tinhso.kpi.periods import Period
from tinhso.kpi.selectors import component_dossiers, target_status_of

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def data(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield monitored_province()
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _province_and_clock(settings, monkeypatch):
    settings.TINHSO_PROVINCE = "86"
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def login(client, user):
    if user.is_official:
        activate_totp(user)
    client.force_login(user)
    return client


class Tables(HTMLParser):
    """Every <table> of a page as {id: [[cell text, …], …]} (header row included)."""

    def __init__(self):
        super().__init__()
        self.tables, self.current, self.row, self.text = {}, None, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.current = self.tables.setdefault(attrs.get("id", str(len(self.tables))), [])
        elif tag == "tr" and self.current is not None:
            self.row = []
        elif tag in ("th", "td") and self.row is not None:
            self.text = []

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self.text is not None:
            self.row.append(" ".join("".join(self.text).split()))
            self.text = None
        elif tag == "tr" and self.row is not None:
            self.current.append(self.row)
            self.row = None
        elif tag == "table":
            self.current = None

    def handle_data(self, data):
        if self.text is not None:
            self.text.append(data)


def tables(response) -> dict[str, list[list[str]]]:
    parser = Tables()
    parser.feed(response.content.decode())
    return parser.tables


def number(value, places=2) -> str:
    return f"{value:,.{places}f}".replace(",", " ").replace(".", ",").replace(" ", ".")


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


# --- Who gets in --------------------------------------------------------------------------------


def test_anonymous_visitors_sign_in_for_the_766_pages_but_read_the_plans(client, data):
    response = client.get("/giam-sat/")
    assert response.status_code == 302 and response.url.startswith("/tai-khoan/")
    assert client.get(f"/giam-sat/chi-so/766.2.1/?ky={MONTH}").status_code == 302
    assert client.get("/giam-sat/ke-hoach/").status_code == 200


def test_a_citizen_and_a_specialist_get_a_polite_403_a_leader_gets_in(client, data):
    login(client, citizen())
    response = client.get("/giam-sat/")
    assert response.status_code == 403 and "Trang dành cho lãnh đạo" in response.content.decode()
    specialist = UserFactory()
    AgencyRole.objects.create(user=specialist, agency=data.agency, role=Role.SPECIALIST)
    login(client, specialist)
    assert client.get("/giam-sat/").status_code == 403
    login(client, data.leader)
    assert client.get("/giam-sat/", {"ky": MONTH}).status_code == 200


# --- Overview -------------------------------------------------------------------------------------


def test_the_overview_shows_the_province_score_and_five_groups_in_tables(client, data,
                                                                         django_assert_max_num_queries):
    login(client, data.leader)
    # The page computed afresh (its cache is off in tests): measurements read by kind, a fixed number
    # of queries — none per dossier, commune or row.
    with django_assert_max_num_queries(24):
        response = client.get("/giam-sat/", {"ky": MONTH})
    html = response.content.decode()
    total = Measurement.objects.get(indicator__code="766.TOTAL", period=MONTH, scope_level="province",
                                    unit=data.province)
    assert f"{number(total.points)}<span" in html and "/ 100" in html
    groups = tables(response)["bang-nhom"]
    assert groups[0] == ["Nhóm chỉ số", "Điểm đạt", "Điểm tối đa"]
    assert [row[2] for row in groups[1:]] == ["18", "20", "22", "22", "18"]
    g2 = Measurement.objects.get(indicator__code="766.G2", period=MONTH, scope_level="province", unit=data.province)
    assert groups[2][:2] == ["Nhóm chỉ số tiến độ, kết quả giải quyết", number(g2.points)]
    # Accessible tables: a caption and header cells with a scope, the chart only a repetition.
    assert '<caption class="govuk-table__caption govuk-table__caption--s" id="cap-nhom">' in html
    assert '<th scope="col"' in html and '<th scope="row"' in html
    assert 'data-chart="chart-nhom" aria-hidden="true"' in html
    assert 'role="region" tabindex="0" aria-labelledby="cap-xep-hang-xa"' in html


def ranking_pages(client, level: str) -> tuple[list[str], list[list[str]], str]:
    """Every page of a full ranking: (header, rows of all pages in order, the pages' HTML)."""
    rows, html, url = [], "", f"/giam-sat/xep-hang/{level}/?ky={MONTH}"
    header = None
    while url:
        response = client.get(url)
        assert response.status_code == 200
        page = response.content.decode()
        html += page
        shown = tables(response)[f"bang-xep-hang-{level}"]
        header, rows = shown[0], rows + shown[1:]
        found = re.search(r'href="([^"]+)" rel="next"', page)
        url = found.group(1).replace("&amp;", "&") if found else ""
    return header, rows, html


def test_the_overview_ranking_shows_the_first_and_last_ten_and_links_to_the_full_ranking(client, data):
    from tinhso.kpi.selectors import score_ranking

    login(client, data.leader)
    ranked = [r for r in score_ranking(level="commune", period=Period.parse(MONTH)) if r.rank]
    response = client.get("/giam-sat/", {"ky": MONTH})
    shown = tables(response)["bang-xep-hang-xa"][1:]
    expected = ranked if len(ranked) <= 20 else ranked[:10] + ranked[-10:]
    assert [row[1] for row in shown] == [r.name for r in expected]
    assert [row[0] for row in shown] == [str(r.rank) for r in expected]
    assert f'href="/giam-sat/xep-hang/xa/?ky={MONTH}"' in response.content.decode()


def test_the_commune_ranking_links_each_on_time_ratio_to_its_late_dossiers(client, data):
    login(client, data.leader)
    _header, ranking, html = ranking_pages(client, "xa")
    points = [row[2] for row in ranking if row[0] != "Chưa xếp hạng"]
    as_numbers = [float(p.replace(".", "").replace(",", ".")) for p in points]
    assert as_numbers == sorted(as_numbers, reverse=True) and len(as_numbers) >= 2
    assert f"/giam-sat/chi-so/766.2.1/?ky={MONTH}&amp;pham_vi=xa%3A{data.commune.code}&amp;ds=mat-diem" in html


@pytest.mark.parametrize("level", ["xa", "co-quan"])
def test_the_full_ranking_lists_every_unit_and_downloads_all_of_them(client, data, level):
    from tinhso.kpi.selectors import score_ranking

    login(client, data.leader)
    everyone = score_ranking(level="commune" if level == "xa" else "agency", period=Period.parse(MONTH))
    header, rows, _html = ranking_pages(client, level)
    assert [row[1] for row in rows] == [r.name for r in everyone]
    response = client.get(f"/giam-sat/xep-hang/{level}/", {"ky": MONTH, "xuat": "csv", "bang": f"xep-hang-{level}"})
    assert list(csv.reader(io.StringIO(body(response).decode("utf-8-sig")))) == [header, *rows]
    response = client.get(f"/giam-sat/xep-hang/{level}/", {"ky": MONTH, "xuat": "xlsx", "bang": f"xep-hang-{level}"})
    sheet = list(load_workbook(io.BytesIO(body(response))).active.iter_rows(values_only=True))
    assert list(sheet[1]) == header and len(sheet) - 2 == len(rows)
    assert client.get("/giam-sat/xep-hang/huyen/", {"ky": MONTH}).status_code == 404


def test_the_scope_picker_lists_the_communes_and_finds_an_agency_by_search(client, data):
    login(client, data.leader)
    html = client.get("/giam-sat/", {"ky": MONTH}).content.decode()
    picker = html[html.index('<select class="govuk-select" id="pham_vi"'):]
    picker = picker[:picker.index("</select>")]
    assert f'value="xa:{data.commune.code}"' in picker and "co-quan:" not in picker  # agencies are searched
    response = client.get("/giam-sat/", {"ky": MONTH, "pham_vi": "tinh", "co_quan": data.agency.code})
    assert response.status_code == 302
    assert response.url == f"/giam-sat/?ky={MONTH}&pham_vi=co-quan%3A{data.agency.code.replace('.', '.')}"
    # Accents and case folded; several matches are listed as links, none is said.
    folded = "uy ban nhan dan"
    response = client.get("/giam-sat/", {"ky": MONTH, "co_quan": folded})
    assert response.status_code == 200 and "Các cơ quan khớp với" in response.content.decode()
    assert "pham_vi=co-quan%3A" in response.content.decode()
    response = client.get("/giam-sat/", {"ky": MONTH, "co_quan": "không có cơ quan này"})
    assert "Không tìm thấy cơ quan nào khớp với" in response.content.decode()


def test_the_page_cache_serves_a_second_visit_and_a_recompute_renews_it(client, data, settings, monkeypatch):
    from tinhso.web.monitor import views

    monkeypatch.setattr(views, "_cache_on", True)
    monkeypatch.setattr(views, "CACHE_PREFIX", f"test:monitor:{uuid.uuid4().hex}:")
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "monitor-page-cache-test"}}
    login(client, data.leader)
    first = tables(client.get("/giam-sat/", {"ky": MONTH}))
    with CaptureQueriesContext(connection) as queries:
        second = tables(client.get("/giam-sat/", {"ky": MONTH}))
    # Only the stamp (the time of the engine's latest write) reads measurements.
    read = [q["sql"] for q in queries.captured_queries if "kpi_measurement" in q["sql"] or "kpi_indicator" in q["sql"]]
    assert len(read) == 1 and "MAX" in read[0]
    assert second == first
    total = Measurement.objects.get(indicator__code="766.TOTAL", period=MONTH, scope_level="province",
                                    unit=data.province)
    # What the engine does when a figure changes: the row is rewritten with its time.
    Measurement.objects.filter(pk=total.pk).update(note="Đã tính lại", computed_at=timezone.now() + dt.timedelta(hours=1))
    assert "Đã tính lại" in client.get("/giam-sat/", {"ky": MONTH}).content.decode()


def test_the_header_links_leaders_to_the_monitoring_centre_only(client, data):
    login(client, data.leader)
    assert 'class="govuk-service-navigation__link" href="/giam-sat/"' in client.get("/").content.decode()
    specialist = UserFactory()
    AgencyRole.objects.create(user=specialist, agency=data.agency, role=Role.SPECIALIST)
    login(client, specialist)
    assert 'href="/giam-sat/"' not in client.get("/").content.decode()
    login(client, citizen())
    assert 'href="/giam-sat/"' not in client.get("/").content.decode()


def test_a_commune_scope_reads_that_commune(client, data):
    login(client, data.leader)
    response = client.get("/giam-sat/", {"ky": MONTH, "pham_vi": f"xa:{data.commune.code}"})
    total = Measurement.objects.get(indicator__code="766.TOTAL", period=MONTH, scope_level="commune",
                                    unit=data.commune)
    assert f"{number(total.points)}<span" in response.content.decode()
    assert f"{data.commune.name}, {Period.parse(MONTH).label}</p>" in response.content.decode()


# --- Downloads: the same rows as the table ---------------------------------------------------------


@pytest.mark.parametrize("key", ["nhom", "thanh-phan", "xu-huong", "xep-hang-xa", "xep-hang-co-quan",
                                 "thu-tuc-mat-diem"])
def test_every_overview_table_downloads_as_csv_and_xlsx_with_the_rows_of_the_table(client, data, key):
    login(client, data.leader)
    shown = tables(client.get("/giam-sat/", {"ky": MONTH}))[f"bang-{key}"]
    response = client.get("/giam-sat/", {"ky": MONTH, "xuat": "csv", "bang": key})
    content = body(response)
    assert response["Content-Type"].startswith("text/csv") and content.startswith("\ufeff".encode())
    assert list(csv.reader(io.StringIO(content.decode("utf-8-sig")))) == shown
    response = client.get("/giam-sat/", {"ky": MONTH, "xuat": "xlsx", "bang": key})
    sheet = load_workbook(io.BytesIO(body(response))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[1]) == shown[0]
    assert len(rows) - 1 == len(shown)
    for row, table_row in zip(rows[2:], shown[1:], strict=True):
        if not isinstance(row[0], (int, float)):
            assert row[0] == table_row[0]


# --- Drill-down -----------------------------------------------------------------------------------


def test_the_drill_down_lists_exactly_the_dossiers_counted_late_and_audits_the_read(client, data):
    login(client, data.leader)
    late = set(component_dossiers(code="766.2.1", period=MONTH, unit=data.commune, lost=True, now=NOW)
               .values_list("code", flat=True))
    assert len(late) == data.late > 0
    response = client.get("/giam-sat/chi-so/766.2.1/",
                          {"ky": MONTH, "pham_vi": f"xa:{data.commune.code}", "ds": "mat-diem"})
    listed = tables(response)["bang-ho-so"]
    assert listed[0][0] == "Mã hồ sơ" and listed[0][-1] == "Lý do không đạt"
    assert {row[0] for row in listed[1:]} == late
    assert all(row[-1] for row in listed[1:])  # each with its reason
    html = response.content.decode()
    for code in late:
        assert f'href="/mot-cua/ho-so/{code}/"' in html
    assert f"Theo số liệu đo: {data.late} hồ sơ" in html
    entry = AuditEntry.objects.filter(action="kpi.drilldown_viewed", actor_id=data.leader.pk).latest("id")
    assert set(entry.data["dossiers"]) == late and entry.data["period"] == MONTH


def test_all_counted_dossiers_and_the_streamed_export_of_the_late_ones(client, data):
    login(client, data.leader)
    counted = set(component_dossiers(code="766.2.1", period=MONTH, unit=data.commune, now=NOW)
                  .values_list("code", flat=True))
    response = client.get("/giam-sat/chi-so/766.2.1/",
                          {"ky": MONTH, "pham_vi": f"xa:{data.commune.code}", "ds": "tat-ca"})
    assert {row[0] for row in tables(response)["bang-ho-so"][1:]} == counted
    response = client.get("/giam-sat/chi-so/766.2.1/", {"ky": MONTH, "pham_vi": f"xa:{data.commune.code}",
                                                         "ds": "mat-diem", "xuat": "csv", "bang": "ho-so"})
    assert response.streaming
    rows = list(csv.reader(io.StringIO(body(response).decode("utf-8-sig"))))
    assert len(rows) - 1 == data.late
    assert AuditEntry.objects.filter(action="kpi.drilldown_exported", actor_id=data.leader.pk).exists()


def test_a_leader_elsewhere_sees_none_of_the_communes_dossiers(client, data):
    from tinhso.core.models import Agency

    other = Agency.objects.exclude(pk=data.agency.pk).filter(unit__level="commune").first()
    leader = UserFactory()
    AgencyRole.objects.create(user=leader, agency=other, role=Role.LEADER)
    login(client, leader)
    response = client.get("/giam-sat/chi-so/766.2.1/",
                          {"ky": MONTH, "pham_vi": f"xa:{data.commune.code}", "ds": "mat-diem"})
    assert response.status_code == 200
    assert tables(response)["bang-ho-so"][1:] == [["Không có dòng nào."]]


# --- Plans ----------------------------------------------------------------------------------------


def test_a_plan_page_lists_every_target_with_its_status_and_source(client, data):
    plan = Plan.objects.get(code="ben-tre-cds-2020-2025")
    response = client.get(f"/giam-sat/ke-hoach/{plan.pk}/")
    rows = tables(response)["bang-chi-tieu"]
    targets = list(plan.targets.select_related("indicator", "plan__province", "unit").order_by("order"))
    assert len(rows) - 1 == len(targets)
    labels = {"met": "Đạt", "on_track": "Đúng tiến độ", "at_risk": "Có nguy cơ không đạt",
              "off_track": "Chệch hướng", "no_data": "Chưa có số liệu"}
    for row, target in zip(rows[1:], targets, strict=True):
        assert row[0] == target.indicator.name
        assert row[4] == labels[target_status_of(target).status.value]
        assert target.source_sentence in row[5]
    csv_rows = list(csv.reader(io.StringIO(body(client.get(
        f"/giam-sat/ke-hoach/{plan.pk}/", {"xuat": "csv", "bang": "chi-tieu"})).decode("utf-8-sig"))))
    assert csv_rows == rows
    pillar = targets[0].indicator.pillar
    filtered = tables(client.get(f"/giam-sat/ke-hoach/{plan.pk}/", {"tru_cot": pillar}))["bang-chi-tieu"]
    assert len(filtered) - 1 == sum(1 for t in targets if t.indicator.pillar == pillar)


def test_the_plan_list_and_an_unknown_plan(client, data):
    html = client.get("/giam-sat/ke-hoach/").content.decode()
    plan = Plan.objects.get(code="ben-tre-cds-2020-2025")
    assert f'href="/giam-sat/ke-hoach/{plan.pk}/"' in html
    assert client.get("/giam-sat/ke-hoach/999999/").status_code == 404


def test_pages_work_without_javascript(client, data):
    """The numbers are in the HTML; the charts' data is JSON that is never executed."""
    login(client, data.leader)
    html = client.get("/giam-sat/", {"ky": MONTH}).content.decode()
    assert '<script id="chart-xu-huong" type="application/json">' in html
    month = Period.parse(MONTH).label
    assert any(row[0] == month for row in tables(client.get("/giam-sat/", {"ky": MONTH}))["bang-xu-huong"])
