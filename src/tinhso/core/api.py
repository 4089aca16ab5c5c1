"""HTTP API of core: administrative units and agencies (public reference data, no login needed).

Every list takes `date` (ISO, default today): units and agencies are dated, and a GSO code may name
different units before and after 1 July 2025. Lists are paginated as {count, page, page_size, items}.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from tinhso.api.errors import ApiError
from tinhso.api.pagination import PageIn, page
from tinhso.core import selectors
from tinhso.core.models import AdministrativeUnit, Agency, AgencyKind, UnitLevel

router = Router(tags=["core"])



# --- Schemas ------------------------------------------------------------------------------------


class UnitFilters(PageIn):
    level: UnitLevel | None = Field(None, description="Cấp: province, district (trước 01/7/2025), commune.")
    parent: str | None = Field(None, max_length=5, description="Mã GSO của đơn vị cấp trên.")
    date: dt.date | None = Field(None, description="Ngày tra cứu (YYYY-MM-DD), mặc định hôm nay.")
    q: str = Field("", max_length=100, description="Tìm theo tên, không phân biệt dấu, hoa thường.")


class UnitOut(Schema):
    id: int
    code: str
    name: str
    division_type: str
    level: UnitLevel
    parent_code: str | None
    valid_from: dt.date | None
    valid_to: dt.date | None


class UnitPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[UnitOut]


class LinkedUnitOut(UnitOut):
    kind: str = Field(description="merged (nhập vào), split (chia một phần vào), continued (giữ nguyên)")
    effective_on: dt.date


class UnitDetailOut(UnitOut):
    successors: list[LinkedUnitOut]
    predecessors: list[LinkedUnitOut]


class AgencyFilters(PageIn):
    unit: str | None = Field(
        None, max_length=5, description="Mã GSO của địa bàn; gồm cả các đơn vị trực thuộc."
    )
    kind: AgencyKind | None = None
    parent: str | None = Field(None, max_length=20, description="Mã định danh của cơ quan cấp trên.")
    date: dt.date | None = Field(None, description="Ngày tra cứu (YYYY-MM-DD), mặc định hôm nay.")
    q: str = Field("", max_length=100, description="Tìm theo tên, không phân biệt dấu, hoa thường.")


class AgencyOut(Schema):
    id: int
    code: str = Field(description="Mã định danh theo QCVN 102:2016/BTTTT")
    name: str
    short_name: str
    kind: AgencyKind
    unit_code: str
    unit_level: UnitLevel
    unit_name: str
    parent_code: str | None
    works_saturday: bool
    valid_from: dt.date | None
    valid_to: dt.date | None


class AgencyPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[AgencyOut]


# --- Helpers ------------------------------------------------------------------------------------

UNIT_FIELDS = ("id", "code", "name", "division_type", "level", "valid_from", "valid_to")


def _unit_rows(units: QuerySet[AdministrativeUnit], **annotations) -> QuerySet:
    return units.values(*UNIT_FIELDS, parent_code=F("parent__code"), **annotations)


def _unit_row(unit: AdministrativeUnit) -> dict:
    return {field: getattr(unit, field) for field in UNIT_FIELDS} | {
        "parent_code": unit.parent.code if unit.parent else None
    }


def _day(value: dt.date | None) -> dt.date:
    return value or timezone.localdate()


def _unit_or_404(code: str, day: dt.date, parameter: str) -> AdministrativeUnit:
    unit = selectors.unit_get_by_code(code=code, day=day)
    if unit is None:
        raise ApiError(
            404,
            "unit_not_found",
            _("Không tìm thấy đơn vị hành chính có mã %(code)s vào ngày %(day)s.")
            % {"code": code, "day": f"{day:%d/%m/%Y}"},
            {"field": parameter, "code": code, "date": day.isoformat()},
        )
    return unit


# --- Endpoints ----------------------------------------------------------------------------------


@router.get("/units", response=UnitPage, summary="Danh mục đơn vị hành chính")
def list_units(request, filters: Query[UnitFilters]):
    day = _day(filters.date)
    parent = _unit_or_404(filters.parent, day, "parent") if filters.parent else None
    units = selectors.unit_list(day=day, level=filters.level, parent=parent, q=filters.q)
    return page(_unit_rows(units), filters)


@router.get("/units/{int:unit_id}", response=UnitDetailOut, summary="Đơn vị hành chính và quan hệ kế thừa")
def get_unit(request, unit_id: int):
    unit = selectors.unit_get(unit_id=unit_id)
    if unit is None:
        raise ApiError(404, "unit_not_found", _("Không tìm thấy đơn vị hành chính."), {"id": unit_id})
    row = _unit_row(unit)
    linked = {"kind": F("lineage_kind"), "effective_on": F("lineage_effective_on")}
    row["successors"] = list(_unit_rows(selectors.unit_successors(unit=unit), **linked))
    row["predecessors"] = list(_unit_rows(selectors.unit_predecessors(unit=unit), **linked))
    return row


@router.get("/agencies", response=AgencyPage, summary="Danh mục cơ quan, đơn vị")
def list_agencies(request, filters: Query[AgencyFilters]):
    day = _day(filters.date)
    unit = _unit_or_404(filters.unit, day, "unit") if filters.unit else None
    parent = None
    if filters.parent:
        parent = selectors.agency_get_by_code(code=filters.parent)
        if parent is None:
            raise ApiError(
                404,
                "agency_not_found",
                _("Không tìm thấy cơ quan có mã định danh %(code)s.") % {"code": filters.parent},
                {"field": "parent", "code": filters.parent},
            )
    agencies: QuerySet[Agency] = selectors.agency_list(
        day=day, unit=unit, kind=filters.kind, parent=parent, q=filters.q
    )
    rows = agencies.values(
        "id",
        "code",
        "name",
        "short_name",
        "kind",
        "works_saturday",
        "valid_from",
        "valid_to",
        unit_code=F("unit__code"),
        unit_level=F("unit__level"),
        unit_name=F("unit__name"),
        parent_code=F("parent__code"),
    )
    return page(rows, filters)
