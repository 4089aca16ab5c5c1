"""Acceptance of the monitoring centre (issue 5) in Chromium, on a 360 × 740 phone and on a desktop.

A leader of a commune signs in (password and second factor: a session made directly, as the back
office's browser tests do), opens the province's plan and reads a target with its status, opens the
Decision 766 overview for October 2026, follows the commune's on-time ratio (item 2.1) to the list
of dossiers counted late, opens one and reads on the back office's page that it is late. Every
monitor page is checked with axe-core for WCAG 2.1 A/AA violations and for sideways scrolling.

The data: 400 synthetic dossiers over September–October 2026 and the full recompute
(tests/kpi/monitor_fixtures.py). Live-server tests flush the database: everything is made here."""

from __future__ import annotations

import pytest
from test_backoffice_browser import goto, has_horizontal_scroll, sign_in

from kpi.monitor_fixtures import MONTH, monitored_province
from tinhso.kpi.models import Plan
from tinhso.kpi.selectors import component_dossiers, target_status_of

PLAN = "ben-tre-cds-2020-2025"
STATUS = {"met": "Đạt", "on_track": "Đúng tiến độ", "at_risk": "Có nguy cơ không đạt", "off_track": "Chệch hướng",
          "no_data": "Chưa có số liệu"}


def click_and_wait(page, locator):
    with page.expect_navigation():
        locator.click()


@pytest.mark.parametrize("width", [360, 1280])
def test_a_leader_walks_from_a_plan_to_a_late_dossier(page, axe, province, width, screenshot_dir):
    data = monitored_province()
    plan = Plan.objects.get(code=PLAN)
    target = plan.targets.select_related("indicator", "plan__province", "unit").order_by("order").first()
    late = set(component_dossiers(code="766.2.1", period=MONTH, unit=data.commune, lost=True)
               .values_list("code", flat=True))
    assert late
    page.set_viewport_size({"width": width, "height": 740})
    found: dict[str, list] = {}

    def check(name: str) -> None:
        assert not has_horizontal_scroll(page), name
        found[name] = axe(page)

    sign_in(page, data.leader)
    # 1. The plans, then one plan: a target with its status in words.
    goto(page, "/giam-sat/ke-hoach/")
    check("plans")
    click_and_wait(page, page.get_by_role("link", name=plan.title))
    check("plan")
    row = page.locator("#bang-chi-tieu tbody tr").first
    assert row.locator("th").inner_text() == target.indicator.name
    assert STATUS[target_status_of(target).status.value] in row.locator(".tinhso-mon-status").inner_text()
    # 2. The 766 overview of October: the score out of 100, five groups, the charts drawn.
    goto(page, f"/giam-sat/?ky={MONTH}")
    assert "/ 100" in page.locator(".tinhso-mon-score__value").inner_text()
    assert page.locator("#bang-nhom tbody tr").count() == 5
    page.wait_for_function("document.querySelectorAll('[data-chart] canvas').length >= 5")
    check("overview")
    page.screenshot(path=str(screenshot_dir / f"monitor-overview-{width}.png"), full_page=True)
    # 3. The full ranking of the communes (the overview shows its first and last ten), then the
    # commune's on-time ratio → the dossiers counted late.
    click_and_wait(page, page.get_by_role("link", name="Xem toàn bộ xếp hạng cấp xã"))
    check("ranking")

    def commune_row():
        return page.locator("#bang-xep-hang-xa tbody tr", has=page.get_by_role("link", name=data.commune.name,
                                                                                exact=True))
    while commune_row().count() == 0:
        click_and_wait(page, page.get_by_role("link", name="Trang sau"))
    click_and_wait(page, commune_row().locator("td").nth(2).get_by_role("link"))
    assert page.locator("h1").inner_text().startswith("2.1")
    check("drill-down")
    listed = set(page.locator("#bang-ho-so tbody th").all_inner_texts())
    assert listed == late
    # 4. One of them in the back office: late.
    code = sorted(late)[0]
    click_and_wait(page, page.get_by_role("link", name=code, exact=True))
    assert page.locator("h1").inner_text() == code
    verdict = page.locator(".govuk-summary-list__row", has_text="Đánh giá đúng hạn")
    assert "Quá hạn" in verdict.inner_text()
    assert not has_horizontal_scroll(page)
    assert found == {name: [] for name in found}
    assert page.problems == []


def test_the_monitor_without_javascript_shows_every_table(browser, live_server, province):
    data = monitored_province()
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN", java_script_enabled=False)
    page = context.new_page()
    page.base_url = live_server.url
    try:
        sign_in(page, data.leader)
        goto(page, f"/giam-sat/?ky={MONTH}")
        assert page.locator("[data-chart]").first.is_hidden()
        for key in ("nhom", "thanh-phan", "xu-huong", "xep-hang-xa", "xep-hang-co-quan", "thu-tuc-mat-diem"):
            assert page.locator(f"#bang-{key}").is_visible(), key
        assert page.locator("#bang-nhom tbody tr").count() == 5
        # The agency search is a plain GET form.
        page.fill("#co_quan", data.agency.code)
        with page.expect_navigation():
            page.get_by_role("button", name="Xem").click()
        assert data.agency.name in page.locator(".tinhso-mon-score__label").inner_text()
    finally:
        context.close()
