"""The monitoring reads of kpi: selectors (score tree, rankings, costliest procedures, targets in
bulk) and the API's scores, rankings and drill-down, on the small generated province of
tests/kpi/monitor_fixtures.py."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from accounts.factories import citizen
from accounts.totp import activate_totp
from kpi.monitor_fixtures import MONTH, NOW, monitored_province
from tinhso.core.models import AuditEntry
from tinhso.kpi import selectors
from tinhso.kpi.models import Measurement, Plan
from tinhso.kpi.periods import Period

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


def measured(code: str, **scope) -> Measurement:
    return Measurement.objects.get(indicator__code=code, indicator__version="766-dvcqg-2025", period=MONTH, **scope)


# --- Selectors ------------------------------------------------------------------------------------


def test_the_score_tree_is_the_measurements_of_the_total_its_groups_and_components(data):
    scope = selectors.MonitorScope("province", data.province)
    tree = selectors.score_tree(scope=scope, period=Period.parse(MONTH))
    assert tree.points == measured("766.TOTAL", scope_level="province", unit=data.province).points
    assert [g.code for g in tree.children] == ["766.G1", "766.G2", "766.G3", "766.G4", "766.G5"]
    g3 = tree.children[2]
    assert [c.code for c in g3.children] == ["766.G3.online", "766.G3.payment"]
    on_time = next(c for c in tree.children[1].children if c.code == "766.2.1")
    assert on_time.measurement == measured("766.2.1", scope_level="province", unit=data.province)


def test_the_ranking_puts_the_best_first_and_leaves_communes_without_dossiers_unranked(data):
    rows = selectors.score_ranking(level="commune", period=Period.parse(MONTH))
    ranked = [r for r in rows if r.rank is not None]
    assert [r.points for r in ranked] == sorted((r.points for r in ranked), reverse=True)
    assert ranked[0].rank == 1
    assert all(not r.counted for r in rows if r.rank is None)
    assert all(r.counted for r in ranked)
    commune = next(r for r in rows if r.unit == data.commune)
    assert commune.points == measured("766.TOTAL", scope_level="commune", unit=data.commune).points


def test_a_procedures_cost_is_what_the_province_would_gain_if_all_its_dossiers_scored(data):
    scope = selectors.MonitorScope("province", data.province)
    costs = selectors.costliest_procedures(period=Period.parse(MONTH), scope=scope, limit=50)
    assert costs and [c.lost for c in costs] == sorted((c.lost for c in costs), reverse=True)
    whole = measured("766.2.1", scope_level="province", unit=data.province)
    for cost in costs:
        if "766.2.1" not in cost.by_component:
            continue
        own = measured("766.2.1", scope_level="procedure", procedure=cost.procedure, agency__isnull=True)
        # 2.1 scores 20 × ratio (no threshold): the gain is 20 × the procedure's late dossiers / all dossiers.
        expected = (Decimal(20) * (whole.numerator + own.denominator - own.numerator) / whole.denominator
                    ).quantize(Decimal("0.0001")) - whole.points
        assert cost.by_component["766.2.1"] == expected
        break
    else:
        pytest.fail("no procedure lost points on 2.1")
    assert selectors.costliest_procedures(period=Period.parse(MONTH),
                                          scope=selectors.MonitorScope("commune", data.commune)) == []


def test_targets_in_bulk_have_the_status_and_series_of_each_target_alone(data):
    for plan in Plan.objects.all():
        rows = selectors.plan_target_rows(plan)
        assert len(rows) == plan.targets.count()
        for row in rows:
            assert row.status == selectors.target_status_of(row.target)
            assert row.series == selectors.target_series(row.target)


# --- API ------------------------------------------------------------------------------------------


def test_scores_of_the_province_and_of_a_commune(client, data):
    body = client.get("/api/v1/kpi/scores", {"period": MONTH}).json()
    assert body["scope_level"] == "province" and body["total"]["code"] == "766.TOTAL"
    assert Decimal(str(body["total"]["points"])) == measured("766.TOTAL", scope_level="province",
                                                             unit=data.province).points
    assert [g["max_points"] for g in body["total"]["children"]] == [18, 20, 22, 22, 18]
    body = client.get("/api/v1/kpi/scores", {"period": MONTH, "unit": data.commune.code}).json()
    assert body["scope_name"] == data.commune.name
    assert Decimal(str(body["total"]["points"])) == measured("766.TOTAL", scope_level="commune",
                                                             unit=data.commune).points


def test_rankings_and_bad_input(client, data):
    body = client.get("/api/v1/kpi/rankings", {"period": MONTH, "level": "agency"}).json()
    ranked = [i["points"] for i in body["items"] if i["rank"] is not None]
    assert ranked == sorted(ranked, reverse=True) and body["items"][0]["agency_code"]
    response = client.get("/api/v1/kpi/rankings", {"period": "2026-13"})
    assert response.status_code == 422 and response.json()["code"] == "invalid_input"
    assert response.json()["details"][0]["field"] == "period"
    response = client.get("/api/v1/kpi/scores", {"period": MONTH, "agency": "KHONG.CO"})
    assert response.status_code == 404 and response.json()["code"] == "agency_not_found"


def test_the_drill_down_is_for_officials_and_lists_the_late_dossiers(client, data):
    query = {"period": MONTH, "indicator": "766.2.1", "unit": data.commune.code}
    response = client.get("/api/v1/kpi/drilldown", query)
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"
    client.force_login(citizen())
    response = client.get("/api/v1/kpi/drilldown", query)
    assert response.status_code == 403 and response.json()["message"].startswith("Chỉ cán bộ")
    activate_totp(data.leader)
    client.force_login(data.leader)
    late = set(selectors.component_dossiers(code="766.2.1", period=MONTH, unit=data.commune, lost=True, now=NOW)
               .values_list("code", flat=True))
    body = client.get("/api/v1/kpi/drilldown", query | {"page_size": 200}).json()
    assert {i["code"] for i in body["items"]} == late and body["count"] == len(late) == data.late
    assert all(i["reason"] for i in body["items"])
    assert AuditEntry.objects.filter(action="kpi.drilldown_viewed", actor_id=data.leader.pk).exists()
    first = client.get("/api/v1/kpi/drilldown", query | {"page_size": 1}).json()
    assert len(first["items"]) == 1 and first["has_next"] is (len(late) > 1)
    response = client.get("/api/v1/kpi/drilldown", query | {"indicator": "766.3.1"})
    assert response.status_code == 422 and response.json()["code"] == "no_dossier_list"
    response = client.get("/api/v1/kpi/drilldown", query | {"indicator": "766.9.9"})
    assert response.status_code == 404 and response.json()["code"] == "indicator_not_found"
