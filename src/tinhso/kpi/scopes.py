"""Which units measure a target, across the reorganisation of 1 July 2025.

Built on core's lineage (`core.UnitLineage`, one edge old unit → new unit, kind merged / split /
continued) and validity dates; nothing here copies that data. Reads only.

Forward, for targets written for old units:
- `current_units(unit, day=)` — the units in force on `day` (default today) that now hold the old
  unit's territory: Bến Tre (83, before 2025) → Vĩnh Long (86, after). A unit abolished without an
  edge of its own (the districts) is followed through its communes.
- `current_communes(unit, day=)` — the communes in force on `day` made out of its territory: the 48
  communes of today's Vĩnh Long that came from Bến Tre, not the 124 of Vĩnh Long.
- `plan_scope(plan)` / `target_scope(target)` — both at once for a plan's province or a target's unit.

Backward, for re-aggregating history onto today's units:
- `former_units(unit, day=)` — the units in force on a past `day` that make up `unit`.
- `commune_mapping(old_day=, new_day=, within=)` — every commune in force on `old_day` → the
  communes in force on `new_day` it went into, in bulk (one query per reorganisation step).

Two flags qualify a link: `whole` — the old unit went into this one entirely (no "split" edge on the
way); `exact` — this unit holds nothing but (parts of) the old one. Bến Tre → Vĩnh Long is whole but
not exact (Vĩnh Long also holds Trà Vinh and the old Vĩnh Long): a province-wide figure of Vĩnh
Long measures more than Bến Tre's plan covered, and the dashboard must say so.

A split commune's history cannot be divided without addresses; `commune_mapping` marks one
successor `primary` (the one that kept the old code, else the lowest code) so that the engine can
count each old dossier exactly once.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _

from tinhso.core.models import AdministrativeUnit, LineageKind, UnitLevel, UnitLineage
from tinhso.core.selectors import unit_level_of_code, valid_on
from tinhso.kpi.errors import NotFound
from tinhso.kpi.periods import vn_today

MAX_STEPS = 10  # reorganisations to follow; a loop in the data must not hang a request


@dataclass(frozen=True)
class Linked:
    unit: AdministrativeUnit
    whole: bool
    exact: bool


@dataclass(frozen=True)
class MappedTo:
    unit_id: int
    code: str
    whole: bool
    primary: bool


@dataclass(frozen=True)
class Scope:
    """Where a plan's (or a target's) unit is measured on `day`."""

    original: AdministrativeUnit
    day: dt.date
    units: list[Linked]  # the units at the original's level (or its communes if that level is gone)
    communes: list[Linked]  # the communes made out of its territory

    @property
    def exact(self) -> bool:
        """The units hold the original territory and nothing more."""
        return bool(self.units) and all(link.exact for link in self.units)


def in_force(unit: AdministrativeUnit, day: dt.date) -> bool:
    return (unit.valid_from is None or unit.valid_from <= day) and (unit.valid_to is None or day < unit.valid_to)


def _last_day(unit: AdministrativeUnit) -> dt.date:
    return unit.valid_to - dt.timedelta(days=1)


def unit_at(code: str, day: dt.date) -> AdministrativeUnit:
    """The unit a GSO code named on `day` (52 was Bình Định in 2024, is Gia Lai in 2026)."""
    level = unit_level_of_code(code or "")
    unit = (
        AdministrativeUnit.objects.filter(valid_on(day), level=level, code=code).select_related("parent").first()
        if level else None
    )
    if unit is None:
        raise NotFound(
            _("Không tìm thấy đơn vị hành chính có mã %(code)s vào ngày %(day)s.")
            % {"code": code, "day": f"{day:%d/%m/%Y}"},
            code="unit_not_found", details={"code": code, "date": day.isoformat()},
        )
    return unit


def _communes_of(unit: AdministrativeUnit, day: dt.date) -> list[AdministrativeUnit]:
    """The communes under `unit` on `day` (directly, or through a district before 1 July 2025)."""
    if unit.level == UnitLevel.COMMUNE:
        return [unit]
    return list(
        AdministrativeUnit.objects.filter(valid_on(day), level=UnitLevel.COMMUNE)
        .filter(Q(parent=unit) | Q(parent__parent=unit))
        .order_by("code")
    )


def _exact(reached: Iterable[int], inside: set[int]) -> dict[int, bool]:
    """For each reached unit: whether every predecessor it has lies inside the old territory."""
    result = {pk: True for pk in reached}
    for successor_id, predecessor_id in UnitLineage.objects.filter(successor_id__in=list(result)).values_list(
        "successor_id", "predecessor_id"
    ):
        if predecessor_id not in inside:
            result[successor_id] = False
    return result


def current_units(unit: AdministrativeUnit, *, day: dt.date | None = None) -> list[Linked]:
    """The units in force on `day` that now hold `unit`'s territory (see the module docstring)."""
    day = day or vn_today()
    if in_force(unit, day):
        return [Linked(unit, whole=True, exact=True)]
    if unit.valid_from is not None and unit.valid_from > day:
        return []
    reached: dict[int, tuple[AdministrativeUnit, bool]] = {}
    inside = {unit.pk}
    frontier = [(unit, True)]
    for _step in range(MAX_STEPS):
        if not frontier:
            break
        links = defaultdict(list)
        for edge in UnitLineage.objects.filter(predecessor_id__in=[u.pk for u, _w in frontier]).select_related(
            "successor"
        ):
            links[edge.predecessor_id].append(edge)
        following = []
        for old, whole in frontier:
            if not links[old.pk]:
                # Abolished without an edge of its own (a district on 1 July 2025): its communes carry on.
                children = list(AdministrativeUnit.objects.filter(valid_on(_last_day(old)), parent=old))
                inside.update(child.pk for child in children)
                following += [(child, whole) for child in children]
                continue
            for edge in links[old.pk]:
                new, kept_whole = edge.successor, whole and edge.kind != LineageKind.SPLIT
                if in_force(new, day):
                    before = reached.get(new.pk)
                    reached[new.pk] = (new, kept_whole if before is None else before[1] and kept_whole)
                elif new.valid_to is not None and new.valid_to <= day:
                    inside.add(new.pk)
                    following.append((new, kept_whole))
        frontier = following
    exact = _exact(reached, inside)
    return sorted(
        (Linked(new, whole=whole, exact=exact[pk]) for pk, (new, whole) in reached.items()),
        key=lambda link: (link.unit.level, link.unit.code),
    )


def current_communes(unit: AdministrativeUnit, *, day: dt.date | None = None) -> list[Linked]:
    """The communes in force on `day` made out of `unit`'s territory."""
    day = day or vn_today()
    if in_force(unit, day):
        return [Linked(commune, whole=True, exact=True) for commune in _communes_of(unit, day)]
    if unit.valid_from is not None and unit.valid_from > day:
        return []
    old = _communes_of(unit, _last_day(unit))
    mapping = _follow({c.pk: (c.code, c.valid_from, c.valid_to) for c in old}, day)
    reached: dict[int, bool] = {}
    for targets in mapping.values():
        for target in targets:
            reached[target.unit_id] = reached.get(target.unit_id, True) and target.whole
    exact = _exact(reached, {c.pk for c in old})
    units = AdministrativeUnit.objects.in_bulk(list(reached))
    return sorted(
        (Linked(units[pk], whole=whole, exact=exact[pk]) for pk, whole in reached.items()),
        key=lambda link: link.unit.code,
    )


def former_units(unit: AdministrativeUnit, *, day: dt.date) -> list[Linked]:
    """The units in force on `day` (before `unit` existed) that make it up, whole or in part.
    `whole`: that old unit went entirely into `unit`; `exact`: `unit` is nothing but that old unit."""
    if in_force(unit, day):
        return [Linked(unit, whole=True, exact=True)]
    found: dict[int, tuple[AdministrativeUnit, bool]] = {}
    frontier = [(unit, True)]
    for _step in range(MAX_STEPS):
        if not frontier:
            break
        following = []
        edges = UnitLineage.objects.filter(successor_id__in=[u.pk for u, _w in frontier]).select_related("predecessor")
        for edge in edges:
            old, whole = edge.predecessor, edge.kind != LineageKind.SPLIT
            if in_force(old, day):
                before = found.get(old.pk)
                found[old.pk] = (old, whole if before is None else before[1] and whole)
            elif old.valid_from is not None and old.valid_from > day:
                following.append((old, whole))
        frontier = following
    only = len(found) == 1
    return sorted(
        (Linked(old, whole=whole, exact=only and whole) for old, whole in found.values()),
        key=lambda link: (link.unit.level, link.unit.code),
    )


def _follow(start: dict[int, tuple[str, dt.date | None, dt.date | None]], day: dt.date) -> dict[int, list[MappedTo]]:
    """Each start unit (id → code, valid_from, valid_to) → the units in force on `day` it went into,
    following lineage edges in bulk, one query per reorganisation step."""
    found: dict[int, dict[int, list]] = {pk: {} for pk in start}  # origin → {unit id: [code, whole]}
    frontier: list[tuple[int, int, bool]] = []
    for pk, (code, valid_from, valid_to) in start.items():
        if (valid_from is None or valid_from <= day) and (valid_to is None or day < valid_to):
            found[pk][pk] = [code, True]
        else:
            frontier.append((pk, pk, True))
    for _step in range(MAX_STEPS):
        if not frontier:
            break
        edges = defaultdict(list)
        for row in UnitLineage.objects.filter(predecessor_id__in={cur for _o, cur, _w in frontier}).values_list(
            "predecessor_id", "successor_id", "kind", "successor__code", "successor__valid_from",
            "successor__valid_to",
        ):
            edges[row[0]].append(row[1:])
        following = []
        for origin, current, whole in frontier:
            for successor, kind, code, valid_from, valid_to in edges[current]:
                kept = whole and kind != LineageKind.SPLIT
                if (valid_from is None or valid_from <= day) and (valid_to is None or day < valid_to):
                    before = found[origin].get(successor)
                    found[origin][successor] = [code, kept if before is None else before[1] and kept]
                elif valid_to is not None and valid_to <= day:
                    following.append((origin, successor, kept))
        frontier = following
    result = {}
    for origin, targets in found.items():
        origin_code = start[origin][0]
        ordered = sorted(targets.items(), key=lambda item: item[1][0])
        primary = next((pk for pk, (code, _w) in ordered if code == origin_code), ordered[0][0] if ordered else None)
        result[origin] = [MappedTo(pk, code, whole, pk == primary) for pk, (code, whole) in ordered]
    return result


def commune_mapping(
    *, old_day: dt.date, new_day: dt.date | None = None, within: AdministrativeUnit | None = None
) -> dict[int, list[MappedTo]]:
    """Every commune in force on `old_day` (under `within` if given, a unit of that day) → the
    communes in force on `new_day` (default today) it went into. An old commune without a
    successor edge maps to [] (core's data has 28 such, see docs/modules/core-units.md)."""
    new_day = new_day or vn_today()
    communes = AdministrativeUnit.objects.filter(valid_on(old_day), level=UnitLevel.COMMUNE)
    if within is not None:
        communes = communes.filter(Q(pk=within.pk) | Q(parent=within) | Q(parent__parent=within))
    start = {pk: (code, start, end) for pk, code, start, end in
             communes.values_list("id", "code", "valid_from", "valid_to")}
    return _follow(start, new_day)


def scope_of(unit: AdministrativeUnit, *, day: dt.date | None = None) -> Scope:
    day = day or vn_today()
    return Scope(original=unit, day=day, units=current_units(unit, day=day),
                 communes=current_communes(unit, day=day))


def plan_scope(plan, *, day: dt.date | None = None) -> Scope:
    """Where the plan's province is measured on `day`: Bến Tre's plan → Vĩnh Long and the communes
    that came from Bến Tre."""
    return scope_of(plan.province, day=day)


def target_scope(target, *, day: dt.date | None = None) -> Scope:
    return scope_of(target.unit or target.plan.province, day=day)
