"""Loading administrative units, their lineage and the demo agencies from the data files.

The files under core/data/ are generated once by tools/build_units.py (see its docstring) and
committed. `units_load` is both the first load (migration 0002, with historical models) and the
refresh (`manage.py load_units`): it upserts by natural key, so running it twice changes nothing.
It uses bulk_create/bulk_update, which skip Model.save(), so it folds the names itself.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from tinhso.core.text import fold

DATA_DIR = Path(__file__).resolve().parent / "data"
UNITS_CSV = DATA_DIR / "units.csv"
LINEAGE_CSV = DATA_DIR / "unit_lineage.csv"
DEMO_AGENCIES_JSON = DATA_DIR / "demo_agencies.json"
LEVEL_ORDER = ("province", "district", "commune")  # parents before children
BATCH = 2000


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "deleted": self.deleted,
        }


def _models(apps) -> tuple[Any, Any, Any]:
    """The live models, or the historical ones when called from a migration."""
    if apps is None:
        from django.apps import apps as live_apps

        apps = live_apps
    return (
        apps.get_model("core", "AdministrativeUnit"),
        apps.get_model("core", "UnitLineage"),
        apps.get_model("core", "Agency"),
    )


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


def _date(value: str) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


_Era = tuple[dt.date | None, dt.date | None, int]  # valid_from, valid_to, id


class _Eras:
    """(level, code) → the rows of that unit over time, to find the one in force on a day."""

    def __init__(self, Unit, codes: Iterable[str] | None = None):
        self.by_code: dict[tuple[str, str], list[_Era]] = defaultdict(list)
        units = Unit.objects.all() if codes is None else Unit.objects.filter(code__in=set(codes))
        for pk, level, code, start, end in units.values_list("id", "level", "code", "valid_from", "valid_to"):
            self.by_code[(level, code)].append((start, end, pk))

    def on(self, level: str, code: str, day: dt.date) -> int:
        for start, end, pk in self.by_code.get((level, code), ()):
            if (start is None or start <= day) and (end is None or day < end):
                return pk
        raise ValueError(f"no {level} {code} in force on {day}")


def _first_day(start: dt.date | None, end: dt.date | None) -> dt.date:
    """A day the unit existed on, to find its parent of the same time."""
    if start is not None:
        return start
    return end - dt.timedelta(days=1) if end is not None else timezone.localdate()


def _stage(row, values: dict, fields, to_create: list, to_update: list, result: LoadResult, *, make) -> None:
    """Queue one upsert: a new row, a changed row, or count it unchanged."""
    if row is None:
        to_create.append(make())
    elif any(getattr(row, f) != values[f] for f in fields):
        for f in fields:
            setattr(row, f, values[f])
        to_update.append(row)
    else:
        result.unchanged += 1


def _upsert_units(Unit, level: str, rows: list[dict[str, str]], eras: _Eras, result: LoadResult) -> None:
    fields = ("name", "division_type", "name_folded", "parent_id", "valid_to")
    existing = {(u.level, u.code, u.valid_from): u for u in Unit.objects.filter(level=level)}
    to_create, to_update = [], []
    for row in rows:
        start, end = _date(row["valid_from"]), _date(row["valid_to"])
        parent_id = (
            eras.on(row["parent_level"], row["parent_code"], _first_day(start, end))
            if row["parent_code"]
            else None
        )
        values = {
            "name": row["name"],
            "division_type": row["division_type"],
            "name_folded": fold(row["name"]),
            "parent_id": parent_id,
            "valid_to": end,
        }
        _stage(existing.get((row["level"], row["code"], start)), values, fields, to_create, to_update, result,
               make=lambda: Unit(level=row["level"], code=row["code"], valid_from=start, **values))
    Unit.objects.bulk_create(to_create, batch_size=BATCH)
    Unit.objects.bulk_update(to_update, fields, batch_size=BATCH)
    result.created += len(to_create)
    result.updated += len(to_update)


def _upsert_lineage(Unit, Lineage, rows: list[dict[str, str]], result: LoadResult) -> None:
    eras = _Eras(Unit)
    existing = {(e.predecessor_id, e.successor_id): e for e in Lineage.objects.all()}
    fields = ("kind", "effective_on", "source")
    to_create, to_update, seen = [], [], set()
    for row in rows:
        day = dt.date.fromisoformat(row["effective_on"])
        key = (
            eras.on(row["predecessor_level"], row["predecessor_code"], day - dt.timedelta(days=1)),
            eras.on(row["successor_level"], row["successor_code"], day),
        )
        values = {"kind": row["kind"], "effective_on": day, "source": row["source"]}
        seen.add(key)
        _stage(existing.get(key), values, fields, to_create, to_update, result,
               make=lambda: Lineage(predecessor_id=key[0], successor_id=key[1], **values))
    # Lineage is nothing but the file's content (nothing points at an edge): drop edges it no longer has.
    stale = [edge.pk for key, edge in existing.items() if key not in seen]
    for start in range(0, len(stale), BATCH):
        Lineage.objects.filter(pk__in=stale[start : start + BATCH]).delete()
    Lineage.objects.bulk_create(to_create, batch_size=BATCH)
    Lineage.objects.bulk_update(to_update, fields, batch_size=BATCH)
    result.created += len(to_create)
    result.updated += len(to_update)
    result.deleted += len(stale)


def units_load(
    *, apps=None, units_path: Path = UNITS_CSV, lineage_path: Path = LINEAGE_CSV
) -> dict[str, dict]:
    """Upsert every unit and lineage edge of the data files; returns counts per table.

    Units that the file no longer lists are kept (agencies, dossiers and history may point at
    them); lineage edges it no longer lists are deleted.
    """
    Unit, Lineage, _ = _models(apps)
    rows_by_level: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in _read_csv(units_path):
        rows_by_level[row["level"]].append(row)
    units, lineage = LoadResult(), LoadResult()
    with transaction.atomic(using=Unit.objects.db):
        for level in LEVEL_ORDER:
            if rows_by_level[level]:
                # Re-read after each level: the children of the next level need their parents' ids.
                _upsert_units(Unit, level, rows_by_level[level], _Eras(Unit), units)
        _upsert_lineage(Unit, Lineage, _read_csv(lineage_path), lineage)
    return {"units": units.as_dict(), "lineage": lineage.as_dict()}


def units_unload(*, apps=None) -> None:
    """Reverse of the first load: lineage, then communes, districts, provinces (parents are PROTECTed)."""
    Unit, Lineage, _ = _models(apps)
    Lineage.objects.all().delete()
    for level in reversed(LEVEL_ORDER):
        Unit.objects.filter(level=level).delete()


def agencies_load_demo(*, apps=None, path: Path = DEMO_AGENCIES_JSON) -> dict[str, int]:
    """Upsert the demo agencies of three merged provinces (codes are DEMO codes, see the file's note).

    An agency's unit is the unit in force on the file's `valid_from`. Two passes: the rows, then the
    parent links, which need the ids of the rows just created.
    """
    Unit, _, Agency = _models(apps)
    data = json.loads(path.read_text(encoding="utf-8"))
    start = dt.date.fromisoformat(data["valid_from"])
    items = [item for province in data["provinces"] for item in province["agencies"]]
    parent_of = {item["code"]: item["parent"] for item in items}
    eras = _Eras(Unit, codes=(item["unit"]["code"] for item in items))
    fields = ("name", "short_name", "name_folded", "kind", "unit_id", "valid_from")
    with transaction.atomic(using=Agency.objects.db):
        existing = {a.code: a for a in Agency.objects.filter(code__in=parent_of)}
        to_create, changed = [], set()
        for item in items:
            values = {
                "name": item["name"],
                "short_name": item["short_name"],
                "name_folded": fold(item["name"]),
                "kind": item["kind"],
                "valid_from": start,
                "unit_id": eras.on(item["unit"]["level"], item["unit"]["code"], start),
            }
            agency = existing.get(item["code"])
            if agency is None:
                to_create.append(Agency(code=item["code"], **values))
            elif any(getattr(agency, f) != values[f] for f in fields):
                for f in fields:
                    setattr(agency, f, values[f])
                changed.add(agency.code)
        Agency.objects.bulk_create(to_create, batch_size=BATCH)
        Agency.objects.bulk_update([existing[c] for c in changed], fields, batch_size=BATCH)
        agencies = list(Agency.objects.filter(code__in=parent_of))
        ids = {a.code: a.pk for a in agencies}
        relinked = []
        for agency in agencies:
            parent_id = ids[parent_of[agency.code]] if parent_of[agency.code] else None
            if agency.parent_id != parent_id:
                agency.parent_id = parent_id
                relinked.append(agency)
        Agency.objects.bulk_update(relinked, ["parent_id"], batch_size=BATCH)
    created = {a.code for a in to_create}
    updated = (changed | {a.code for a in relinked}) - created
    return {
        "created": len(created),
        "updated": len(updated),
        "unchanged": len(items) - len(created) - len(updated),
        "deleted": 0,
    }
