"""Read side of core: administrative units on a date, their lineage, agencies."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import F, Q, QuerySet

from tinhso.core.models import AdministrativeUnit, Agency, UnitLevel
from tinhso.core.search import folded_search

#: GSO codes are zero-padded to a fixed width per level, so a code's length names its level.
CODE_WIDTH = {UnitLevel.PROVINCE: 2, UnitLevel.DISTRICT: 3, UnitLevel.COMMUNE: 5}
_LEVEL_BY_WIDTH = {width: level for level, width in CODE_WIDTH.items()}


def valid_on(day: dt.date) -> Q:
    """Rows whose [valid_from, valid_to) contains `day`."""
    return (Q(valid_from__isnull=True) | Q(valid_from__lte=day)) & (
        Q(valid_to__isnull=True) | Q(valid_to__gt=day)
    )


def deployment_province() -> AdministrativeUnit | None:
    """The current province this deployment serves (TINHSO_PROVINCE)."""
    return (
        AdministrativeUnit.objects.filter(
            level=UnitLevel.PROVINCE, code=settings.TINHSO_PROVINCE, valid_to__isnull=True
        )
        .only("id", "code", "name")
        .first()
    )


def units_on(day: dt.date) -> QuerySet[AdministrativeUnit]:
    return AdministrativeUnit.objects.filter(valid_on(day))


def unit_level_of_code(code: str) -> UnitLevel | None:
    """The level a GSO code belongs to, from its width (None if it cannot be a GSO code)."""
    return _LEVEL_BY_WIDTH.get(len(code)) if code.isdigit() else None


def unit_get(*, unit_id: int) -> AdministrativeUnit | None:
    return AdministrativeUnit.objects.select_related("parent").filter(pk=unit_id).first()


def unit_get_by_code(*, code: str, day: dt.date) -> AdministrativeUnit | None:
    """The unit with this GSO code in force on `day`. The same code may name two units in two eras
    (province 86 was Vĩnh Long before and after 1 July 2025, with different communes): the date decides."""
    level = unit_level_of_code(code)
    if level is None:
        return None
    return units_on(day).filter(level=level, code=code).first()


def unit_list(
    *, day: dt.date, level: str | None = None, parent: AdministrativeUnit | None = None, q: str = ""
) -> QuerySet[AdministrativeUnit]:
    """Units in force on `day`, optionally of one level, under one parent, matching `q`
    (accent-insensitive)."""
    units = units_on(day)
    if level:
        units = units.filter(level=level)
    if parent is not None:
        units = units.filter(parent=parent)
    return folded_search(units, q).order_by("level", "code")


def unit_children(*, unit: AdministrativeUnit, day: dt.date) -> QuerySet[AdministrativeUnit]:
    """The units directly under `unit` on `day`: districts of a province or communes of a district
    before 1 July 2025, communes of a province after."""
    return unit_list(day=day, parent=unit)


def unit_successors(*, unit: AdministrativeUnit) -> QuerySet[AdministrativeUnit]:
    """The units `unit` went into at a reorganisation, each annotated with `lineage_kind`
    (merged / split / continued) and `lineage_effective_on`."""
    return (
        AdministrativeUnit.objects.filter(predecessor_links__predecessor=unit)
        .annotate(
            lineage_kind=F("predecessor_links__kind"),
            lineage_effective_on=F("predecessor_links__effective_on"),
        )
        .order_by("level", "code")
    )


def unit_predecessors(*, unit: AdministrativeUnit) -> QuerySet[AdministrativeUnit]:
    """The old units that make up `unit` (whole or in part), annotated like `unit_successors`."""
    return (
        AdministrativeUnit.objects.filter(successor_links__successor=unit)
        .annotate(
            lineage_kind=F("successor_links__kind"), lineage_effective_on=F("successor_links__effective_on")
        )
        .order_by("level", "code")
    )


def unit_subtree_ids(*, unit: AdministrativeUnit, day: dt.date) -> list[int]:
    """`unit` and every unit under it on `day` (at most three tiers, so two more queries)."""
    ids, frontier = [unit.pk], [unit.pk]
    while frontier:
        frontier = list(units_on(day).filter(parent_id__in=frontier).values_list("id", flat=True))
        ids += frontier
    return ids


def agency_get_by_code(*, code: str) -> Agency | None:
    return Agency.objects.filter(code=code).first()


def agency_list(
    *,
    day: dt.date,
    unit: AdministrativeUnit | None = None,
    kind: str | None = None,
    parent: Agency | None = None,
    q: str = "",
) -> QuerySet[Agency]:
    """Agencies in force on `day`. `unit` keeps the agencies located in that unit or anywhere under
    it (the agencies of a province include its communes' People's Committees)."""
    agencies = Agency.objects.filter(valid_on(day))
    if unit is not None:
        agencies = agencies.filter(unit_id__in=unit_subtree_ids(unit=unit, day=day))
    if kind:
        agencies = agencies.filter(kind=kind)
    if parent is not None:
        agencies = agencies.filter(parent=parent)
    return folded_search(agencies, q).order_by("code")
