"""Where a dossier counts: its competent agency, and the units that agency's dossiers add up into.

A scope is (level, unit, agency, procedure) as `Measurement` spells it. An agency's dossiers count
in the agency scope; in today's commune and province (history from before 1 July 2025
re-aggregates onto today's units through core's lineage: an old commune's agency counts in the
commune that holds it now — the "primary" one when the old commune was split, so that nothing is
counted twice, kpi.scopes); in the old units themselves for the periods when they existed (Bến Tre's
own 2024 figure, read by a target written for Bến Tre); and, per procedure, in today's province's
procedure scope.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from tinhso.core.models import AdministrativeUnit, Agency, UnitLevel
from tinhso.core.selectors import deployment_province, units_on
from tinhso.kpi import scopes as lineage
from tinhso.kpi.models import MeasurementScope

ScopeKey = tuple[str, int, int | None, int | None]  # (level, unit id, agency id, procedure id)

LEVELS = tuple(MeasurementScope.values)


def key_of(level: str, unit_id: int, agency_id: int | None = None, procedure_id: int | None = None) -> ScopeKey:
    return (level, unit_id, agency_id, procedure_id)


@dataclass(frozen=True)
class Member:
    key: ScopeKey
    until: dt.date | None = None  # an old unit: only periods that start before it ended


@dataclass
class Place:
    agency_id: int
    members: list[Member] = field(default_factory=list)
    province_id: int | None = None  # today's province: the procedure scopes


def _chain(unit: AdministrativeUnit) -> list[AdministrativeUnit]:
    chain, current = [], unit
    while current is not None:
        chain.append(current)
        current = current.parent
    return chain


def agency_places(agency_ids, *, day: dt.date) -> dict[int, Place]:
    """{agency id: Place} for the agencies given, resolved on `day` (today's units)."""
    agencies = list(Agency.objects.filter(pk__in=list(agency_ids)).select_related("unit__parent__parent"))
    old_communes = {a.unit.pk: a.unit for a in agencies
                    if a.unit.level == UnitLevel.COMMUNE and not lineage.in_force(a.unit, day)}
    mapped = lineage._follow({pk: (u.code, u.valid_from, u.valid_to) for pk, u in old_communes.items()}, day) \
        if old_communes else {}
    successors = AdministrativeUnit.objects.select_related("parent").in_bulk(
        [m.unit_id for targets in mapped.values() for m in targets if m.primary])
    provinces_now: dict[int, AdministrativeUnit | None] = {}

    def province_today(province: AdministrativeUnit) -> AdministrativeUnit | None:
        if province.pk not in provinces_now:
            links = [link.unit for link in lineage.current_units(province, day=day)
                     if link.unit.level == UnitLevel.PROVINCE]
            provinces_now[province.pk] = links[0] if links else None
        return provinces_now[province.pk]

    places: dict[int, Place] = {}
    for agency in agencies:
        unit = agency.unit
        place = Place(agency.pk, [Member(key_of(MeasurementScope.AGENCY, unit.pk, agency.pk))])
        today: list[AdministrativeUnit] = []
        if lineage.in_force(unit, day):
            today = _chain(unit)
        else:
            place.members += [Member(key_of(u.level, u.pk), u.valid_to) for u in _chain(unit)]
            if unit.level == UnitLevel.COMMUNE:
                primary = next((m for m in mapped.get(unit.pk, []) if m.primary), None)
                if primary is not None and primary.unit_id in successors:
                    today = _chain(successors[primary.unit_id])
            else:
                province = next((u for u in _chain(unit) if u.level == UnitLevel.PROVINCE), None)
                now_province = province_today(province) if province is not None else None
                today = [now_province] if now_province is not None else []
        place.members += [Member(key_of(u.level, u.pk)) for u in today if lineage.in_force(u, day)]
        place.province_id = next((u.pk for u in today if u.level == UnitLevel.PROVINCE), None)
        places[agency.pk] = place
    return places


def agencies_of(places: dict[int, Place]) -> dict[ScopeKey, set[int]]:
    """Inverse of `agency_places`: the agencies whose dossiers a unit or agency scope adds up."""
    found: dict[ScopeKey, set[int]] = defaultdict(set)
    for place in places.values():
        for member in place.members:
            found[member.key].add(place.agency_id)
    return found


def deployment_scopes(*, day: dt.date) -> list[ScopeKey]:
    """The deployment province and its communes on `day`: measured even without a single dossier,
    so that a commune with nothing to count is shown as "no data", not left out."""
    province = deployment_province()
    if province is None:
        return []
    communes = units_on(day).filter(level=UnitLevel.COMMUNE, parent=province).values_list("pk", flat=True)
    return [key_of(MeasurementScope.PROVINCE, province.pk)] + [key_of(MeasurementScope.COMMUNE, pk)
                                                               for pk in communes]
