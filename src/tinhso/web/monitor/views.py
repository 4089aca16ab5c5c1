"""Pages of the monitoring centre (/giam-sat/).

- `overview`: the Decision 766 score of a scope (province, a commune, an agency) and period, its five
  groups, the trend by month, rankings of communes and agencies, the procedures that cost the most.
- `component`: one indicator for a scope and period (value, numerator/denominator, points, the rule)
  and the dossiers behind it (all counted, or those that lost the point), each linking to the back
  office's dossier page, which checks who may read it.
- `plans`, `plan`: the province's published plans and every target with status and series.

Leaders and province admins (a current role `leader` or `province_admin` in some agency) see the 766
pages; the plans are public (docs/decisions.md). Every table downloads as .csv and .xlsx
(`?xuat=csv&bang=<key>`): the same rows the page shows.
"""

from __future__ import annotations

import datetime as dt
from functools import wraps
from urllib.parse import quote

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from tinhso.accounts.models import Role
from tinhso.accounts.selectors import user_roles
from tinhso.core.models import Agency
from tinhso.core.selectors import deployment_province
from tinhso.kpi import selectors
from tinhso.kpi.errors import KpiError
from tinhso.kpi.models import IndicatorUnit, Pillar
from tinhso.kpi.periods import Period, PeriodKind, vn_today
from tinhso.kpi.scopes import unit_at
from tinhso.kpi.status import COMPARATOR_SYMBOLS
from tinhso.web.monitor.tables import Cell, Table, cell, count, download, number, when

MONITOR_ROLES = (Role.LEADER, Role.PROVINCE_ADMIN)
PAGE_SIZE = 50
KIND_LABELS = {PeriodKind.MONTH: gettext_lazy("Tháng"), PeriodKind.QUARTER: gettext_lazy("Quý"),
               PeriodKind.YEAR: gettext_lazy("Năm"), PeriodKind.YTD: gettext_lazy("Lũy kế từ đầu năm")}


def status_text(status: str) -> str:
    return str({"met": _("Đạt"), "on_track": _("Đúng tiến độ"), "at_risk": _("Có nguy cơ không đạt"),
                "off_track": _("Chệch hướng"), "no_data": _("Chưa có số liệu")}[status])


# --- Who may come in ------------------------------------------------------------------------------


def may_monitor(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_official
                and user_roles(user).filter(role__in=MONITOR_ROLES).exists())


def monitor_required(view):
    """Leaders and province admins only; others see a polite 403 page, anonymous visitors sign in."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not may_monitor(request.user):
            return render(request, "monitor/no_access.html", status=403)
        return view(request, *args, **kwargs)

    return wrapped


# --- Period and scope from the query ----------------------------------------------------------------


def _period(request, periods: list[Period]) -> Period | None:
    wanted = request.GET.get("ky", "")
    for period in periods:
        if period.key == wanted:
            return period
    today = vn_today()
    months = [p for p in periods if p.kind is PeriodKind.MONTH and p.start_date <= today]
    return months[0] if months else (periods[0] if periods else None)


def _period_choices(periods: list[Period]) -> list[tuple[str, list[Period]]]:
    groups = []
    for kind in (PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.YTD, PeriodKind.YEAR):
        found = [p for p in periods if p.kind is kind]
        if found:
            groups.append((str(KIND_LABELS[kind]), found))
    return groups


def _province_scope() -> selectors.MonitorScope:
    province = deployment_province()
    if province is None:
        raise Http404(_("Chưa cấu hình tỉnh triển khai."))
    return selectors.MonitorScope("province", province)


def _scope(param: str, period: Period) -> selectors.MonitorScope:
    """`tinh`, `xa:<GSO code>` (read on the period's last day) or `co-quan:<agency code>`."""
    kind, _sep, code = (param or "tinh").partition(":")
    if kind == "xa" and code:
        try:
            unit = unit_at(code, min(period.end_date - dt.timedelta(days=1), vn_today()))
        except KpiError:
            raise Http404(_("Không tìm thấy đơn vị hành chính.")) from None
        return selectors.MonitorScope("commune", unit)
    if kind == "co-quan" and code:
        agency = Agency.objects.select_related("unit").filter(code=code).first()
        if agency is None:
            raise Http404(_("Không tìm thấy cơ quan."))
        return selectors.MonitorScope("agency", agency.unit, agency)
    return _province_scope()


def _query(**params) -> str:
    return "?" + urlencode({k: v for k, v in params.items() if v not in (None, "")})


def _component_url(code: str, period: Period, scope: selectors.MonitorScope, **extra) -> str:
    return reverse("monitor:component", args=[code]) + _query(ky=period.key, pham_vi=scope.param, **extra)


def _export(request, tables: list[Table], name: str):
    """The download asked for by `?xuat=csv|xlsx&bang=<key>`, or None."""
    fmt = request.GET.get("xuat")
    if fmt not in ("csv", "xlsx"):
        return None
    table = next((t for t in tables if t.key == request.GET.get("bang")), None)
    if table is None:
        raise Http404(_("Không có bảng này."))
    return download(table, fmt, f"{name}-{table.key}")


def _downloads(request, table: Table) -> dict:
    params = request.GET.copy()
    params["bang"] = table.key
    links = {}
    for fmt in ("csv", "xlsx"):
        params["xuat"] = fmt
        links[fmt] = "?" + params.urlencode()
    return links


def _with_downloads(request, tables: list[Table]) -> list[dict]:
    return [{"table": t, "downloads": _downloads(request, t)} for t in tables]


# --- Value formatting -------------------------------------------------------------------------------


def _value(indicator, value) -> str:
    if value is None:
        return _("Chưa có số liệu")
    if indicator.unit == IndicatorUnit.PERCENT:
        return number(value, 2, suffix="%")
    if indicator.unit in (IndicatorUnit.COUNT, IndicatorUnit.RANK):
        return number(value, 0)
    return number(value, 2)


def _points(points) -> str:
    return number(points, 2) if points is not None else _("Chưa có điểm")


# --- Overview -------------------------------------------------------------------------------------


def _months_to(period: Period, count_: int = 12) -> list[Period]:
    last_day = min(period.end_date - dt.timedelta(days=1), vn_today())
    month = Period.containing(PeriodKind.MONTH, last_day)
    months = [month]
    while len(months) < count_:
        months.append(months[-1].previous())
    return list(reversed(months))


@never_cache
@require_GET
@monitor_required
def overview(request):
    indicators = selectors.indicators_of_version()
    periods = selectors.monitor_periods(indicators=indicators)
    period = _period(request, periods)
    context = {"periods": _period_choices(periods), "period": period, "tables": [], "scope": None}
    if period is None:
        return render(request, "monitor/overview.html", context)
    scope = _scope(request.GET.get("pham_vi", ""), period)
    tree = selectors.score_tree(scope=scope, period=period, indicators=indicators)
    communes = selectors.score_ranking(level="commune", period=period, indicators=indicators)
    agencies = selectors.score_ranking(level="agency", period=period, indicators=indicators)
    months = _months_to(period)
    trend = selectors.score_trend(scope=scope, periods=months, indicators=indicators)
    costly = selectors.costliest_procedures(period=period, scope=scope, indicators=indicators)

    groups = Table("nhom", _("Điểm theo nhóm chỉ số — %(scope)s, %(period)s") % {"scope": scope.name, "period": period.label},
                   [_("Nhóm chỉ số"), _("Điểm đạt"), _("Điểm tối đa")])
    components = Table("thanh-phan", _("Điểm từng chỉ tiêu thành phần — %(scope)s, %(period)s")
                       % {"scope": scope.name, "period": period.label},
                       [_("Mã"), _("Chỉ tiêu"), _("Giá trị"), _("Điểm đạt"), _("Điểm tối đa"), _("Ghi chú")])
    if tree is not None:
        for group in tree.children:
            groups.rows.append([cell(group.indicator.name), cell(_points(group.points), group.points),
                                cell(number(group.indicator.max_points, 0), group.indicator.max_points)])
            leaves = [c for child in group.children for c in (child.children or [child])]
            for leaf in leaves:
                m = leaf.measurement
                components.rows.append([
                    cell(leaf.code.removeprefix("766."), href=_component_url(leaf.code, period, scope)),
                    cell(leaf.indicator.name), cell(_value(leaf.indicator, leaf.value), leaf.value),
                    cell(_points(leaf.points), leaf.points),
                    cell(number(leaf.indicator.max_points, 0) if leaf.indicator.max_points is not None else "—",
                         leaf.indicator.max_points),
                    cell(m.note if m else _("Chưa có số liệu")),
                ])
        groups.chart = {"kind": "bars", "categories": [g.indicator.name for g in tree.children],
                        "series": [{"name": _("Điểm đạt"), "data": [_float(g.points) for g in tree.children]},
                                   {"name": _("Điểm tối đa"),
                                    "data": [_float(g.indicator.max_points) for g in tree.children]}]}
    trend_table = Table("xu-huong", _("Điểm theo tháng — %(scope)s") % {"scope": scope.name},
                        [_("Tháng"), _("Tổng điểm")] + [indicators[c].name for c in selectors.SCORE_GROUPS
                                                         if c in indicators])
    codes = [c for c in (selectors.SCORE_TOTAL, *selectors.SCORE_GROUPS) if c in trend]
    for index, month in enumerate(months):
        trend_table.rows.append([cell(month.label)] + [cell(_points(trend[c][index][1]), trend[c][index][1])
                                                       for c in codes])
    trend_table.chart = {"kind": "line", "categories": [m.label for m in months],
                         "series": [{"name": indicators[c].name, "data": [_float(p) for _m, p in trend[c]]}
                                    for c in codes]}

    overview_base = reverse("monitor:overview")
    drill_base = reverse("monitor:component", args=["766.2.1"])

    def ranking(key: str, caption: str, rows: list[selectors.RankRow], first: str) -> Table:
        table = Table(key, caption, [_("Hạng"), first, _("Tổng điểm"), _("Tỷ lệ đúng hạn (2.1)"),
                                     _("Số hồ sơ tính 2.1")])
        for row in rows:
            table.rows.append([
                cell(str(row.rank) if row.rank else _("Chưa xếp hạng"), row.rank),
                cell(row.name, href=f"{overview_base}?ky={period.key}&pham_vi={quote(row.scope.param)}"),
                cell(_points(row.points), row.points),
                cell(number(row.on_time, 2, suffix="%") if row.on_time is not None else _("Chưa có số liệu"),
                     row.on_time, href=f"{drill_base}?ky={period.key}&pham_vi={quote(row.scope.param)}&ds=mat-diem"
                     if row.counted else ""),
                cell(count(row.counted), row.counted),
            ])
        shown = [r for r in rows if r.rank][:15]
        table.chart = {"kind": "hbars", "categories": [r.name for r in shown],
                       "series": [{"name": _("Tổng điểm"), "data": [_float(r.points) for r in shown]}]}
        table.note = _("Đơn vị không có hồ sơ nào được tính ở chỉ tiêu 2.1 trong kỳ không được xếp hạng "
                       "(điểm của đơn vị đó chủ yếu do quy tắc cho điểm khi không có dữ liệu).")
        return table

    commune_table = ranking("xep-hang-xa", _("Xếp hạng cấp xã — %(period)s") % {"period": period.label}, communes,
                            _("Xã, phường"))
    agency_table = ranking("xep-hang-co-quan", _("Xếp hạng cơ quan — %(period)s") % {"period": period.label},
                           agencies, _("Cơ quan"))
    cost_table = Table("thu-tuc-mat-diem", _("Thủ tục làm mất nhiều điểm nhất — %(scope)s, %(period)s")
                       % {"scope": scope.name, "period": period.label},
                       [_("Thủ tục"), _("Mã thủ tục"), _("Điểm bị mất"), _("Chỉ tiêu mất điểm nhiều nhất"),
                        _("Số hồ sơ tính 2.1")])
    for row in costly:
        worst = max(row.by_component.items(), key=lambda item: item[1])
        cost_table.rows.append([cell(row.procedure.name), cell(row.procedure.code),
                                cell(number(row.lost, 2), row.lost),
                                cell(f"{worst[0].removeprefix('766.')} ({number(worst[1], 2)})"),
                                cell(count(row.counted), row.counted)])
    cost_table.chart = {"kind": "hbars", "categories": [r.procedure.code for r in costly],
                        "series": [{"name": _("Điểm bị mất"), "data": [_float(r.lost) for r in costly]}]}
    cost_table.note = (_("Điểm tỉnh có thêm nếu mọi hồ sơ của thủ tục đều đạt, cộng trên các chỉ tiêu đếm theo "
                         "hồ sơ, theo đúng quy tắc tính điểm của từng chỉ tiêu.") if scope.level == "province" else
                       _("Số liệu theo thủ tục chỉ có ở phạm vi toàn tỉnh."))
    tables = [groups, components, trend_table, commune_table, agency_table, cost_table]
    for table, heading in zip(tables, (_("Năm nhóm chỉ số"), _("Chỉ tiêu thành phần"), _("Xu hướng theo tháng"),
                                       _("Xếp hạng xã, phường"), _("Xếp hạng cơ quan"),
                                       _("Thủ tục làm mất nhiều điểm nhất")), strict=True):
        table.heading = heading
    response = _export(request, tables, f"giam-sat-766-{period.key}")
    if response is not None:
        return response
    context.update({
        "scope": scope, "tree": tree, "tables": _with_downloads(request, tables),
        "scope_choices": _scope_choices(communes, agencies),
        "total_text": _points(tree.points) if tree is not None else "",
        "total_note": tree.measurement.note if tree is not None and tree.measurement else "",
    })
    return render(request, "monitor/overview.html", context)


def _float(value) -> float | None:
    return float(value) if value is not None else None


def _scope_choices(communes, agencies) -> list[tuple[str, list[tuple[str, str]]]]:
    return [
        (_("Toàn tỉnh"), [("tinh", _("Toàn tỉnh"))]),
        (_("Xã, phường"), sorted(((r.scope.param, r.name) for r in communes), key=lambda c: c[1])),
        (_("Cơ quan"), sorted(((r.scope.param, r.name) for r in agencies), key=lambda c: c[1])),
    ]


# --- One indicator and its dossiers -------------------------------------------------------------------


@never_cache
@require_GET
@monitor_required
def component(request, code: str):
    indicators = selectors.indicators_of_version()
    indicator = indicators.get(code)
    if indicator is None:
        raise Http404(_("Không có chỉ tiêu này."))
    periods = selectors.monitor_periods(indicators=indicators)
    period = _period(request, periods)
    if period is None:
        raise Http404(_("Chưa có số liệu."))
    scope = _scope(request.GET.get("pham_vi", ""), period)
    measurement = selectors.measurement_of(indicator=indicator, scope=scope, period=period)
    lost = request.GET.get("ds", "mat-diem") != "tat-ca"
    drillable = code in selectors._dossier_components()
    try:
        page = max(int(request.GET.get("trang", "1")), 1)
    except ValueError:
        page = 1
    table = Table("ho-so", (_("Hồ sơ không đạt — %(code)s, %(scope)s, %(period)s") if lost else
                            _("Hồ sơ được tính — %(code)s, %(scope)s, %(period)s"))
                  % {"code": code.removeprefix("766."), "scope": scope.name, "period": period.label},
                  [_("Mã hồ sơ"), _("Thủ tục"), _("Cơ quan giải quyết"), _("Nhận hồ sơ"), _("Hẹn trả"),
                   _("Kết thúc"), _("Lý do không đạt")])

    def drill_row(row) -> list[Cell]:
        d = row.dossier
        return [cell(d.code, href=reverse("backoffice:dossier", args=[d.code])), cell(d.procedure.name),
                cell(d.competent_agency.name if d.competent_agency else "—"),
                cell(when(d.accepted_at or d.submitted_at)), cell(when(d.due_at)), cell(when(d.finished_at)),
                cell(row.reason or "—")]

    if drillable and request.GET.get("xuat") in ("csv", "xlsx") and request.GET.get("bang") == table.key:
        rows = (drill_row(r) for r in selectors.drilldown_stream(code=code, period=period, scope=scope, lost=lost,
                                                                 user=request.user))
        return download(table, request.GET["xuat"], f"giam-sat-{code}-{period.key}-{table.key}", rows)
    window = None
    if drillable:
        window = selectors.drilldown_window(code=code, period=period, scope=scope, lost=lost, user=request.user,
                                            page=page, page_size=PAGE_SIZE)
        table.rows = [drill_row(r) for r in window.rows]
    expected = None
    if measurement is not None and measurement.denominator is not None:
        expected = measurement.denominator - (measurement.numerator or 0) if lost else measurement.denominator

    def page_url(number_: int) -> str:
        return _component_url(code, period, scope, ds="mat-diem" if lost else "tat-ca", trang=number_)

    return render(request, "monitor/component.html", {
        "indicator": indicator, "measurement": measurement, "period": period, "scope": scope,
        "periods": _period_choices(periods), "value_text": _value(indicator, measurement.value if measurement else None),
        "points_text": _points(measurement.points if measurement else None),
        "max_points": number(indicator.max_points, 0) if indicator.max_points is not None else "",
        "numerator": count(measurement.numerator) if measurement else "—",
        "denominator": count(measurement.denominator) if measurement else "—",
        "drillable": drillable, "lost": lost, "window": window, "expected": count(expected) if expected is not None else None,
        "table": {"table": table, "downloads": _downloads(request, table)} if drillable else None,
        "lost_url": _component_url(code, period, scope, ds="mat-diem"),
        "all_url": _component_url(code, period, scope, ds="tat-ca"),
        "previous_url": page_url(page - 1) if window and window.has_previous else "",
        "next_url": page_url(page + 1) if window and window.has_next else "",
        "overview_url": reverse("monitor:overview") + _query(ky=period.key, pham_vi=scope.param),
    })


# --- Plans (public) ---------------------------------------------------------------------------------


@require_GET
def plans(request):
    province = deployment_province()
    rows = list(selectors.plan_list(unit=province)) if province is not None else []
    return render(request, "monitor/plans.html", {"plans": rows, "may_monitor": may_monitor(request.user)})


@require_GET
def plan(request, plan_id: int):
    found = selectors.plan_get(plan_id=plan_id)
    if found is None:
        raise Http404(_("Không tìm thấy kế hoạch."))
    pillar = request.GET.get("tru_cot") or None
    if pillar not in (None, *Pillar.values):
        pillar = None
    rows = selectors.plan_target_rows(found, pillar=pillar)
    table = Table("chi-tieu", _("Chỉ tiêu của %(plan)s") % {"plan": found.title},
                  [_("Chỉ tiêu"), _("Năm"), _("Mục tiêu"), _("Giá trị hiện tại"), _("Tình trạng"), _("Câu nguồn")])
    sparks = []
    for row in rows:
        target, status = row.target, row.status
        latest = status.latest
        goal = (_("trong nhóm %(n)s dẫn đầu") % {"n": number(target.value, 0)} if target.comparator == "top_n"
                else _("nâng cao so với năm trước") if target.comparator == "improve"
                else f"{COMPARATOR_SYMBOLS[target.comparator]} {_value(target.indicator, target.value)}")
        current = (f"{_value(target.indicator, latest.value)} ({latest.period.label})" if latest is not None
                   else _("Chưa có số liệu"))
        table.rows.append([
            cell(target.indicator.name), cell(str(target.year), target.year), cell(goal),
            cell(current, latest.value if latest is not None else None),
            Cell(status_text(status.status.value), status=status.status.value),
            cell(f"“{target.source_sentence}” ({target.source_file}, {_('dòng')} {target.source_line})"),
        ])
        sparks.append({"name": target.indicator.name, "categories": [o.period.label for o in row.series],
                       "data": [_float(o.value) if o.value is not None else None for o in row.series]})
    table.chart = {"kind": "sparklines", "items": sparks}
    response = _export(request, [table], f"ke-hoach-{found.code}")
    if response is not None:
        return response
    counts = {}
    for row in rows:
        counts[row.status.status.value] = counts.get(row.status.status.value, 0) + 1
    summary = [(key, status_text(key), counts.get(key, 0)) for key in ("met", "on_track", "at_risk", "off_track",
                                                                         "no_data")]
    return render(request, "monitor/plan.html", {
        "plan": found, "table": {"table": table, "downloads": _downloads(request, table)},
        "pillars": Pillar.choices,
        "pillar": pillar or "", "summary": summary, "may_monitor": may_monitor(request.user),
    })
