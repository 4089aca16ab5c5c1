"""Loading the indicator registry and the demo plans from kpi/data/.

- `indicators_load()` upserts every indicator of kpi/data/indicators/*.json by (code, version).
  Migration 0002 runs it (with historical models), so every install has the registry;
  `manage.py load_kpi` runs it again after the files change. Indicators the files no longer list
  are kept (measurements and targets point at them) and counted as "unlisted".
- `plans_load()` upserts the plans of kpi/data/plans/*.json by code and their targets by
  (plan, key); targets a plan file no longer lists are deleted (the file is the plan).
- `kpi_load_demo()` does both: the demo set-up calls it.

Both validate everything first (kpi.schemas) and write nothing when anything is wrong; a second run
with the same files changes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction
from pydantic import ValidationError

from tinhso.kpi.schemas import (
    IndicatorSpec,
    KpiDataInvalid,
    PlanSpec,
    UnitRef,
    field_path,
    problems_from,
    scoring_problems,
)
from tinhso.kpi.scoring import StepTableRule, SumRule, scoring_parse

DATA_DIR = Path(__file__).resolve().parent / "data"
INDICATORS_DIR = DATA_DIR / "indicators"
PLANS_DIR = DATA_DIR / "plans"
_CODE_WIDTH_LEVEL = {2: "province", 3: "district", 5: "commune"}


def _models(apps, *names: str):
    if apps is None:
        from django.apps import apps as live_apps

        apps = live_apps
    return [apps.get_model(*name.split(".")) for name in names]


def _read_json(path: Path, problems: list[dict]) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        problems.append({"file": path.name, "field": "",
                         "message": f"Tệp JSON không đọc được / unreadable JSON: {error}"})
        return None


def _merge(defaults: dict, item: dict) -> dict:
    merged = dict(defaults)
    for key, value in item.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


# --- Indicators ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorRow:
    spec: IndicatorSpec
    file: str
    where: str  # "indicators[3]"
    order: int


def indicators_read(directory: Path = INDICATORS_DIR) -> list[IndicatorRow]:
    """Every indicator of the directory's files, validated; raises KpiDataInvalid."""
    problems: list[dict[str, str]] = []
    rows: list[IndicatorRow] = []
    paths = sorted(directory.glob("*.json"))
    if not paths:
        raise KpiDataInvalid([{"file": str(directory), "field": "",
                               "message": "Không có tệp chỉ tiêu nào / no indicator files"}])
    for path in paths:
        data = _read_json(path, problems)
        if data is None:
            continue
        if not isinstance(data, dict) or not isinstance(data.get("indicators"), list):
            problems.append({"file": path.name, "field": "indicators",
                             "message": "Thiếu danh sách chỉ tiêu / 'indicators' must be a list"})
            continue
        for key in set(data) - {"about", "defaults", "indicators"}:
            problems.append({"file": path.name, "field": key, "message": "Trường không được phép / not allowed"})
        defaults = data.get("defaults", {})
        if not isinstance(defaults, dict):
            problems.append({"file": path.name, "field": "defaults", "message": "Phải là đối tượng / must be an object"})
            continue
        for index, item in enumerate(data["indicators"]):
            where = f"indicators[{index}]"
            if not isinstance(item, dict):
                problems.append({"file": path.name, "field": where, "message": "Phải là đối tượng / must be an object"})
                continue
            try:
                spec = IndicatorSpec.model_validate(_merge(defaults, item))
            except ValidationError as error:
                problems += problems_from(error, file=path.name, prefix=where)
                continue
            found = scoring_problems(spec, file=path.name, prefix=where)
            if found:
                problems += found
                continue
            rows.append(IndicatorRow(spec, path.name, where, spec.order if spec.order is not None else index))
    problems += _registry_problems(rows)
    if problems:
        raise KpiDataInvalid(problems)
    return rows


def _registry_problems(rows: list[IndicatorRow]) -> list[dict[str, str]]:
    """Checks across items and files: one row per (code, version); group totals made of existing
    components of the same version whose points add up; step points within the maximum."""
    problems = []
    by_key: dict[tuple[str, str], IndicatorRow] = {}
    for row in rows:
        key = (row.spec.code, row.spec.version)
        if key in by_key:
            problems.append({"file": row.file, "field": f"{row.where}.code",
                             "message": f"Chỉ tiêu {key[0]} phiên bản {key[1]} đã khai báo trong {by_key[key].file} "
                                        "/ duplicate code and version"})
        else:
            by_key[key] = row
    for row in by_key.values():
        spec = row.spec
        rule = scoring_parse(spec.formula_kind, spec.scoring).rule
        if spec.group and (spec.group, spec.version) not in by_key:
            problems.append({"file": row.file, "field": f"{row.where}.group",
                             "message": f"Nhóm {spec.group} không có trong phiên bản {spec.version} / unknown group"})
        if isinstance(rule, StepTableRule) and (
            any(step.points > spec.max_points for step in rule.steps) or rule.otherwise > spec.max_points
        ):
            problems.append({"file": row.file, "field": f"{row.where}.scoring.steps",
                             "message": f"Điểm của bậc vượt điểm tối đa {spec.max_points} / step above max_points"})
        if not isinstance(rule, SumRule):
            continue
        points: list[Decimal] = []
        for index, code in enumerate(rule.components):
            where = f"{row.where}.scoring.components[{index}]"
            part = by_key.get((code, spec.version))
            if part is None:
                problems.append({"file": row.file, "field": where,
                                 "message": f"Thành phần {code} không có trong phiên bản {spec.version} "
                                            "/ unknown component"})
            elif part.spec.group != spec.code:
                problems.append({"file": row.file, "field": where,
                                 "message": f"Thành phần {code} khai báo thuộc nhóm “{part.spec.group}”, không phải "
                                            f"{spec.code} / component belongs to another group"})
            else:
                points.append(part.spec.max_points or Decimal(0))
        if len(points) != len(rule.components):
            continue
        total = sum(points, Decimal(0))
        if rule.complete and total != spec.max_points:
            problems.append({"file": row.file, "field": f"{row.where}.max_points",
                             "message": f"Tổng điểm các thành phần ({total}) khác điểm tối đa của nhóm "
                                        f"({spec.max_points}) / components do not add up"})
        elif not rule.complete and total > spec.max_points:
            problems.append({"file": row.file, "field": f"{row.where}.max_points",
                             "message": f"Điểm các thành phần đã biết ({total}) vượt điểm tối đa của nhóm "
                                        f"({spec.max_points}) / components exceed the group"})
    return problems


def _indicator_values(row: IndicatorRow) -> dict[str, Any]:
    spec = row.spec
    return {
        "name": spec.name, "name_en": spec.name_en, "pillar": spec.pillar, "group": spec.group,
        "unit": spec.unit, "direction": spec.direction, "formula_kind": spec.formula_kind,
        "numerator": spec.numerator, "denominator": spec.denominator, "factor": spec.factor,
        "max_points": spec.max_points, "source": spec.source, "source_system": spec.source_system,
        "valid_min": spec.valid_min, "valid_max": spec.valid_max,
        "legal_basis": spec.legal_basis.text, "legal_article": spec.legal_basis.article,
        "legal_url": spec.legal_basis.url, "rule": spec.rule, "rule_en": spec.rule_en,
        "scoring": spec.scoring, "portal_metric": spec.portal_metric, "notes": spec.notes,
        "order": row.order, "data_file": row.file,
    }


def _differs(obj, values: dict[str, Any]) -> bool:
    return any(getattr(obj, field) != value for field, value in values.items())


def indicators_load(*, apps=None, directory: Path = INDICATORS_DIR) -> dict[str, dict[str, int]]:
    """Upsert the registry from the files; returns {"indicators": counts}."""
    rows = indicators_read(directory)
    (Indicator,) = _models(apps, "kpi.Indicator")
    counts = {"created": 0, "updated": 0, "unchanged": 0, "unlisted": 0}
    with transaction.atomic(using=Indicator.objects.db):
        existing = {(i.code, i.version): i for i in Indicator.objects.select_for_update()}
        listed = set()
        for row in rows:
            key = (row.spec.code, row.spec.version)
            listed.add(key)
            values = _indicator_values(row)
            indicator = existing.get(key)
            if indicator is None:
                Indicator.objects.create(code=key[0], version=key[1], **values)
                counts["created"] += 1
            elif _differs(indicator, values):
                for field, value in values.items():
                    setattr(indicator, field, value)
                indicator.save()
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1
        counts["unlisted"] = len(set(existing) - listed)
    return {"indicators": counts}


# --- Plans -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanRow:
    spec: PlanSpec
    file: str


def plans_read(directory: Path = PLANS_DIR) -> list[PlanRow]:
    problems: list[dict[str, str]] = []
    rows: list[PlanRow] = []
    for path in sorted(directory.glob("*.json")):
        data = _read_json(path, problems)
        if data is None:
            continue
        try:
            rows.append(PlanRow(PlanSpec.model_validate(data), path.name))
        except ValidationError as error:
            problems += problems_from(error, file=path.name, prefix="")
    seen: dict[str, str] = {}
    for row in rows:
        if row.spec.code in seen:
            problems.append({"file": row.file, "field": "code",
                             "message": f"Mã kế hoạch {row.spec.code} đã dùng trong {seen[row.spec.code]} / duplicate"})
        seen.setdefault(row.spec.code, row.file)
    if problems:
        raise KpiDataInvalid(problems)
    return rows


def _unit_on(Unit, ref: UnitRef):
    level = _CODE_WIDTH_LEVEL[len(ref.code)]
    return (
        Unit.objects.filter(level=level, code=ref.code)
        .filter(_in_force(ref.on))
        .first()
    )


def _in_force(day: dt.date):
    from django.db.models import Q

    return (Q(valid_from__isnull=True) | Q(valid_from__lte=day)) & (Q(valid_to__isnull=True) | Q(valid_to__gt=day))


def _ancestors(unit) -> set[int]:
    ids, current = set(), unit
    while current is not None:
        ids.add(current.pk)
        current = current.parent
    return ids


_LEVEL_NAMES = {"province": "tỉnh", "district": "huyện", "commune": "xã"}


def _resolve_plans(rows: list[PlanRow], Unit, Indicator) -> list[tuple[PlanRow, Any, list[tuple[Any, Any, Any]]]]:
    """Each plan with its province and, per target, (spec, indicator, unit or None); raises
    KpiDataInvalid naming every unknown unit and indicator."""
    problems = []
    versions: dict[str, dict[str, Any]] = defaultdict(dict)
    for indicator in Indicator.objects.all():
        versions[indicator.code][indicator.version] = indicator
    resolved = []
    for row in rows:
        spec = row.spec
        province = _unit_on(Unit, spec.province)
        if province is None or province.level != "province":
            problems.append({"file": row.file, "field": "province",
                             "message": f"Không có tỉnh mã {spec.province.code} vào ngày {spec.province.on:%d/%m/%Y} "
                                        "/ no such province on that day"})
        targets = []
        for index, target in enumerate(spec.targets):
            where = field_path("", ["targets", index])
            found = versions.get(target.indicator, {})
            indicator = None
            if target.indicator_version:
                indicator = found.get(target.indicator_version)
                if indicator is None:
                    problems.append({"file": row.file, "field": f"{where}.indicator_version",
                                     "message": f"Chỉ tiêu “{target.indicator}” không có phiên bản "
                                                f"{target.indicator_version} / unknown indicator version"})
            elif not found:
                problems.append({"file": row.file, "field": f"{where}.indicator",
                                 "message": f"Chỉ tiêu “{target.indicator}” không có trong danh mục chỉ tiêu "
                                            "/ unknown indicator"})
            elif len(found) > 1:
                problems.append({"file": row.file, "field": f"{where}.indicator_version",
                                 "message": f"Chỉ tiêu “{target.indicator}” có nhiều phiên bản "
                                            f"({', '.join(sorted(found))}): ghi rõ indicator_version "
                                            "/ ambiguous indicator"})
            else:
                indicator = next(iter(found.values()))
            unit = None
            if target.unit is not None:
                unit = _unit_on(Unit, target.unit)
                if unit is None:
                    problems.append({"file": row.file, "field": f"{where}.unit",
                                     "message": f"Không có đơn vị hành chính mã {target.unit.code} vào ngày "
                                                f"{target.unit.on:%d/%m/%Y} / unknown unit"})
                elif province is not None and province.pk not in _ancestors(unit):
                    problems.append({"file": row.file, "field": f"{where}.unit",
                                     "message": f"{unit.name} không thuộc {province.name} / unit outside the province"})
            targets.append((target, indicator, unit))
        resolved.append((row, province, targets))
    if problems:
        raise KpiDataInvalid(problems)
    return resolved


def plans_load(*, apps=None, directory: Path = PLANS_DIR) -> dict[str, dict[str, int]]:
    """Upsert the plans of the files and their targets; returns counts per table."""
    rows = plans_read(directory)
    Unit, Indicator, Plan, Target = _models(apps, "core.AdministrativeUnit", "kpi.Indicator", "kpi.Plan",
                                            "kpi.Target")
    plans = {"created": 0, "updated": 0, "unchanged": 0, "deleted": 0}
    targets = {"created": 0, "updated": 0, "unchanged": 0, "deleted": 0}
    with transaction.atomic(using=Plan.objects.db):
        for row, province, items in _resolve_plans(rows, Unit, Indicator):
            spec = row.spec
            values = {
                "province_id": province.pk, "title": spec.title, "kind": spec.kind,
                "decision_number": spec.decision_number, "decision_date": spec.decision_date,
                "issuing_body": spec.issuing_body, "start_year": spec.start_year, "end_year": spec.end_year,
                "vision_year": spec.vision_year, "budget_vnd": spec.budget_vnd, "budget_note": spec.budget_note,
                "pillars": list(spec.pillars), "priority_sectors": list(spec.priority_sectors),
                "sources": [source.model_dump() for source in spec.sources], "url": spec.url,
                "notes": spec.notes, "is_published": spec.is_published, "data_file": row.file,
            }
            plan = Plan.objects.select_for_update().filter(code=spec.code).first()
            if plan is None:
                plan = Plan.objects.create(code=spec.code, **values)
                plans["created"] += 1
            elif _differs(plan, values):
                for field, value in values.items():
                    setattr(plan, field, value)
                plan.save()
                plans["updated"] += 1
            else:
                plans["unchanged"] += 1
            existing = {t.key: t for t in Target.objects.filter(plan=plan)}
            for order, (target, indicator, unit) in enumerate(items):
                target_values = {
                    "indicator_id": indicator.pk, "unit_id": unit.pk if unit else None,
                    "scope_level": target.scope_level, "year": target.year, "comparator": target.comparator,
                    "value": target.value, "source_sentence": target.source_sentence,
                    "source_file": target.source_file, "source_line": target.source_line,
                    "notes": target.notes, "order": order,
                }
                current = existing.pop(target.key, None)
                if current is None:
                    Target.objects.create(plan=plan, key=target.key, **target_values)
                    targets["created"] += 1
                elif _differs(current, target_values):
                    for field, value in target_values.items():
                        setattr(current, field, value)
                    current.save()
                    targets["updated"] += 1
                else:
                    targets["unchanged"] += 1
            if existing:
                Target.objects.filter(pk__in=[t.pk for t in existing.values()]).delete()
                targets["deleted"] += len(existing)
    return {"plans": plans, "targets": targets}


def kpi_load(*, demo: bool = False) -> dict[str, dict[str, int]]:
    """The registry, and with `demo` the three seed plans; audited when anything changed."""
    from tinhso.core.audit import audit_record

    result = indicators_load()
    if demo:
        result |= plans_load()
    if any(counts.get("created") or counts.get("updated") or counts.get("deleted") for counts in result.values()):
        audit_record(action="kpi.load", object_type="kpi.Indicator", data=result)
    return result


def kpi_load_demo() -> dict[str, dict[str, int]]:
    """For the demo set-up: the indicator registry and the plans of Bến Tre, Bình Định, Đồng Tháp."""
    return kpi_load(demo=True)
