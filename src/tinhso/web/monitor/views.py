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
import logging
from contextlib import contextmanager
from functools import wraps
from urllib.parse import quote

from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.db.models import Max
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import get_language, gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from tinhso.accounts.models import Role
from tinhso.accounts.selectors import user_roles
from tinhso.core.models import Agency
from tinhso.core.selectors import deployment_province
from tinhso.core.text import fold
from tinhso.kpi import selectors
from tinhso.kpi.errors import KpiError
from tinhso.kpi.models import IndicatorUnit, Measurement, Pillar
from tinhso.kpi.periods import Period, PeriodKind, vn_today
from tinhso.kpi.scopes import unit_at
from tinhso.kpi.status import COMPARATOR_SYMBOLS
from tinhso.web.monitor.tables import Cell, Table, cell, count, download, number, when

log = logging.getLogger(__name__)
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


# --- The page cache ---------------------------------------------------------------------------------
#
# The overview and the rankings read measurements only, and measurements change only when the 766
# engine writes (a full recompute, or an incremental update every few minutes). So their computed data
# (tables, texts) is kept in Django's cache (Redis in production) per page, scope, period and language,
# under a key that holds the time of the engine's latest write to the province's own rows: every write
# that changes a figure changes some province row (the province sums every unit), so a recompute
# makes a new key and the old entries are never read again (they expire). Reading that time is one
# query on the index (unit, scope_level, period_year, indicator). The day is in the key too (the
# running month's label, the twelve months of the trend).

CACHE_SECONDS = 3600
CACHE_PREFIX = "tinhso:monitor:v1:"
_cache_on = True


@contextmanager
def page_cache_off():
    """Compute every page (benchmarks/monitor_pages.py measures the pages with and without cache)."""
    global _cache_on
    before, _cache_on = _cache_on, False
    try:
        yield
    finally:
        _cache_on = before


def _stamp(province) -> str:
    latest = (Measurement.objects.filter(unit=province, scope_level="province")
              .aggregate(latest=Max("computed_at"))["latest"])
    return latest.isoformat() if latest else "none"


def _cached(parts: tuple, compute):
    """`compute()` once per key (`parts` + the measurements' stamp, the day, the language)."""
    if not _cache_on:
        return compute()
    key = CACHE_PREFIX + ":".join(str(p) for p in (*parts, vn_today().isoformat(), get_language()))
    key = key.replace(" ", "_")
    try:
        found = cache.get(key)
    except Exception:  # a cache outage costs time, never the page
        log.warning("monitor cache unreachable", exc_info=True)
        return compute()
    if found is None:
        found = compute()
        try:
            cache.set(key, found, CACHE_SECONDS)
        except Exception:
            log.warning("monitor cache unreachable", exc_info=True)
    return found


def _registry() -> tuple[object, str, dict, list[Period]]:
    """(province, stamp, indicators of the 766 version by code, periods with a province total)."""
    province = deployment_province()
    if province is None:
        raise Http404(_("Chưa cấu hình tỉnh triển khai."))
    stamp = _stamp(province)
    version = selectors.version_766()

    def compute():
        indicators = selectors.indicators_of_version(version)
        return indicators, selectors.monitor_periods(indicators=indicators)

    indicators, periods = _cached(("registry", version, stamp), compute)
    return province, stamp, indicators, periods


# --- Overview -------------------------------------------------------------------------------------

RANK_ENDS = 10  # the overview shows the first and the last ten of each ranking
RANK_PAGE = 50  # rows a page of the full ranking
LEVELS = {"xa": "commune", "co-quan": "agency"}  # ranking page URL → level


def _months_to(period: Period, count_: int = 12) -> list[Period]:
    last_day = min(period.end_date - dt.timedelta(days=1), vn_today())
    month = Period.containing(PeriodKind.MONTH, last_day)
    months = [month]
    while len(months) < count_:
        months.append(months[-1].previous())
    return list(reversed(months))


def _rankings(period: Period, stamp: str, indicators: dict) -> dict[str, list[selectors.RankRow]]:
    """Both rankings of the period (communes, agencies), cached."""
    return _cached(("rankings", selectors.version_766(), stamp, period.key), lambda: {
        level: selectors.score_ranking(level=level, period=period, indicators=indicators)
        for level in ("commune", "agency")})


def _ranking_table(level: str, period: Period, rows: list[selectors.RankRow], *, caption: str = "") -> Table:
    key = "xep-hang-xa" if level == "commune" else "xep-hang-co-quan"
    table = Table(key, caption or (_("Xếp hạng cấp xã — %(period)s") if level == "commune" else
                                   _("Xếp hạng cơ quan — %(period)s")) % {"period": period.label},
                  [_("Hạng"), _("Xã, phường") if level == "commune" else _("Cơ quan"), _("Tổng điểm"),
                   _("Tỷ lệ đúng hạn (2.1)"), _("Số hồ sơ tính 2.1")])
    overview_base = reverse("monitor:overview") + f"?ky={quote(period.key)}&pham_vi="
    drill_base = reverse("monitor:component", args=["766.2.1"]) + f"?ky={quote(period.key)}&pham_vi="
    unranked, no_data = _("Chưa xếp hạng"), _("Chưa có số liệu")
    for row in rows:
        param = quote(row.scope.param)
        table.rows.append([
            Cell(str(row.rank), row.rank) if row.rank else Cell(unranked),
            Cell(row.name, href=overview_base + param),
            cell(_points(row.points), row.points),
            cell(number(row.on_time, 2, suffix="%") if row.on_time is not None else no_data, row.on_time,
                 href=f"{drill_base}{param}&ds=mat-diem" if row.counted else ""),
            cell(count(row.counted), row.counted),
        ])
    return table


def _ranking_ends(level: str, period: Period, rows: list[selectors.RankRow]) -> Table:
    """The overview's ranking: the first and the last RANK_ENDS ranked units (every ranked unit when
    there are few), a bar chart of the same rows, and a link to the full ranking."""
    ranked = [r for r in rows if r.rank]
    shown = ranked if len(ranked) <= 2 * RANK_ENDS else ranked[:RANK_ENDS] + ranked[-RANK_ENDS:]
    label = {"period": period.label, "n": RANK_ENDS, "ranked": len(ranked)}
    if len(shown) < len(ranked):
        caption = (_("Xếp hạng cấp xã — %(period)s: %(n)s xã, phường đứng đầu và %(n)s đứng cuối "
                     "(trong %(ranked)s được xếp hạng)") if level == "commune" else
                   _("Xếp hạng cơ quan — %(period)s: %(n)s cơ quan đứng đầu và %(n)s đứng cuối "
                     "(trong %(ranked)s được xếp hạng)")) % label
    else:
        caption = ""
    table = _ranking_table(level, period, shown, caption=caption)
    table.chart = {"kind": "hbars", "categories": [r.name for r in shown],
                   "series": [{"name": _("Tổng điểm"), "data": [_float(r.points) for r in shown]}]}
    unranked = len(rows) - len(ranked)
    table.note = _("Đơn vị không có hồ sơ nào được tính ở chỉ tiêu 2.1 trong kỳ không được xếp hạng "
                   "(điểm của đơn vị đó chủ yếu do quy tắc cho điểm khi không có dữ liệu).")
    if unranked:
        table.note += " " + _("Kỳ này có %(n)s đơn vị chưa xếp hạng, xem trong bảng xếp hạng đầy đủ.") % {"n": unranked}
    table.more_url = (reverse("monitor:ranking", args=["xa" if level == "commune" else "co-quan"])
                      + f"?ky={quote(period.key)}")
    table.more_text = (_("Xem toàn bộ xếp hạng cấp xã (%(n)s đơn vị)") if level == "commune" else
                       _("Xem toàn bộ xếp hạng cơ quan (%(n)s đơn vị)")) % {"n": len(rows)}
    return table


def _overview_data(scope: selectors.MonitorScope, period: Period, indicators: dict,
                   rankings: dict[str, list[selectors.RankRow]]) -> dict:
    """Everything the overview shows for one scope and period (the tables and the score's texts):
    what the page cache keeps."""
    tree = selectors.score_tree(scope=scope, period=period, indicators=indicators)
    months = _months_to(period)
    trend = selectors.score_trend(scope=scope, periods=months, indicators=indicators)
    costly = selectors.costliest_procedures(period=period, scope=scope, indicators=indicators)
    where = {"scope": scope.name, "period": period.label}

    groups = Table("nhom", _("Điểm theo nhóm chỉ số — %(scope)s, %(period)s") % where,
                   [_("Nhóm chỉ số"), _("Điểm đạt"), _("Điểm tối đa")])
    components = Table("thanh-phan", _("Điểm từng chỉ tiêu thành phần — %(scope)s, %(period)s") % where,
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
    commune_table = _ranking_ends("commune", period, rankings["commune"])
    agency_table = _ranking_ends("agency", period, rankings["agency"])
    cost_table = Table("thu-tuc-mat-diem", _("Thủ tục làm mất nhiều điểm nhất — %(scope)s, %(period)s") % where,
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
    return {
        "tables": tables,
        "has_total": tree is not None and tree.points is not None,
        "total_text": _points(tree.points) if tree is not None else "",
        "total_note": tree.measurement.note if tree is not None and tree.measurement else "",
    }


def _agency_matches(query: str, rows: list[selectors.RankRow]) -> list[selectors.RankRow]:
    """Agencies of the period's ranking whose code is `query` or whose name holds it (accents and
    case folded: "uy ban xa an" finds "Ủy ban nhân dân xã An …")."""
    wanted = fold(query)
    exact = [r for r in rows if r.agency.code.casefold() == query.casefold()]
    if exact:
        return exact
    words = wanted.split()
    found = [r for r in rows if all(w in fold(r.agency.name) for w in words)]
    return sorted(found, key=lambda r: r.agency.name)


def _picker(request, period: Period, periods: list[Period], scope, communes: list[selectors.RankRow] | None) -> dict:
    """The period select, and on the overview the scope: the province or a commune (a select of the
    communes only), or an agency found by the search field — a GET form that works without
    JavaScript. The options are drawn here (a few hundred would be slow in a template loop)."""
    period_html = format_html_join("", "{}", (
        (format_html('<optgroup label="{}">{}</optgroup>', label, format_html_join("", "{}", (
            (format_html('<option value="{}"{}>{}</option>', p.key, mark_safe(" selected") if p.key == period.key
                         else "", p.label),) for p in options))),)
        for label, options in _period_choices(periods)))
    picker = {"period_options": period_html}
    if communes is not None:
        current = scope.param if scope is not None else "tinh"
        options = [("tinh", _("Toàn tỉnh"))]
        if scope is not None and scope.level == "agency":
            options.append((scope.param, scope.name))
        options += sorted(((r.scope.param, r.name) for r in communes), key=lambda c: fold(c[1]))
        picker["scope_options"] = format_html_join("", '<option value="{}"{}>{}</option>', (
            (value, mark_safe(" selected") if value == current else "", name) for value, name in options))
        picker["agency_query"] = request.GET.get("co_quan", "").strip()
    return picker


@never_cache
@require_GET
@monitor_required
def overview(request):
    _province, stamp, indicators, periods = _registry()
    period = _period(request, periods)
    context = {"period": period, "tables": [], "scope": None}
    if period is None:
        context.update(_picker(request, period, periods, None, None) if periods else {})
        return render(request, "monitor/overview.html", context)
    rankings = _rankings(period, stamp, indicators)
    query = request.GET.get("co_quan", "").strip()
    matches = None
    if query:
        matches = _agency_matches(query, rankings["agency"])
        if len(matches) == 1:
            return redirect(reverse("monitor:overview") + _query(ky=period.key, pham_vi=matches[0].scope.param))
    scope = _scope(request.GET.get("pham_vi", ""), period)
    data = _cached(("overview", selectors.version_766(), stamp, period.key, scope.param),
                   lambda: _overview_data(scope, period, indicators, rankings))
    tables = data["tables"]
    response = _export(request, tables, f"giam-sat-766-{period.key}")
    if response is not None:
        return response
    context.update(data)
    context.update(_picker(request, period, periods, scope, rankings["commune"]))
    context.update({
        "scope": scope, "tables": _with_downloads(request, tables),
        "agency_matches": [(r.name, reverse("monitor:overview") + _query(ky=period.key, pham_vi=r.scope.param))
                           for r in (matches or [])[:30]],
        "agency_more": max(len(matches or []) - 30, 0), "agency_none": matches is not None and not matches,
    })
    return render(request, "monitor/overview.html", context)


@never_cache
@require_GET
@monitor_required
def ranking(request, level: str):
    """The full ranking of the communes (`xa`) or agencies (`co-quan`) for a period, RANK_PAGE rows a
    page; its download holds the whole ranking (as the drill-down's does)."""
    if level not in LEVELS:
        raise Http404(_("Không có bảng xếp hạng này."))
    _province, stamp, indicators, periods = _registry()
    period = _period(request, periods)
    if period is None:
        raise Http404(_("Chưa có số liệu."))
    rows = _rankings(period, stamp, indicators)[LEVELS[level]]
    table = _ranking_table(LEVELS[level], period, rows)
    if request.GET.get("xuat") in ("csv", "xlsx"):
        return _export(request, [table], f"giam-sat-766-{period.key}")
    pages = max((len(rows) + RANK_PAGE - 1) // RANK_PAGE, 1)
    try:
        page = min(max(int(request.GET.get("trang", "1")), 1), pages)
    except ValueError:
        page = 1
    downloads = _downloads(request, table)
    start = (page - 1) * RANK_PAGE
    table.rows = table.rows[start:start + RANK_PAGE]
    base = reverse("monitor:ranking", args=[level])

    def page_url(n: int) -> str:
        return base + _query(ky=period.key, trang=n if n > 1 else None)

    context = {
        "table": {"table": table, "downloads": downloads}, "period": period, "level": level,
        "title": _("Xếp hạng cấp xã") if level == "xa" else _("Xếp hạng cơ quan"),
        "page": page, "pages": pages, "total": len(rows), "first": start + 1 if rows else 0,
        "last": start + len(table.rows),
        "previous_url": page_url(page - 1) if page > 1 else "", "next_url": page_url(page + 1) if page < pages else "",
        "page_links": [(n, page_url(n)) for n in range(1, pages + 1)] if pages <= 20 else [],
        "overview_url": reverse("monitor:overview") + _query(ky=period.key),
    }
    context.update(_picker(request, period, periods, None, None))
    return render(request, "monitor/ranking.html", context)


def _float(value) -> float | None:
    return float(value) if value is not None else None


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
    drillable = code in selectors.dossier_components()
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
        **_picker(request, period, periods, scope, None), "value_text": _value(indicator, measurement.value if measurement else None),
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
