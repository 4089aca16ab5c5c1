"""Loading the demo catalogue from the data files: catalog/data/workflows/*.json (one workflow
version per file) and catalog/data/procedures/*.json (one file per field).

A procedure file names its field and lists procedures, each with its national code, its version
data (the shape of catalog.schemas.VersionData), its `workflow` code and who is `competent`:

- {"level": "commune"}: every commune People's Committee (kind ubnd_xa) of the province;
- {"level": "province", "agency_name_startswith": "Sở Tư pháp"}: the province's agencies whose
  name starts so (optionally also "kind").

`code_verified` and `note` are for the reader only. Loading goes through the same all-or-nothing
import as `catalog_import_json`, so it is idempotent: a second run changes nothing, and a changed
file gives the procedure a new published version.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.catalog.schemas import CatalogInvalid
from tinhso.catalog.services import EXPORT_FORMAT, EXPORT_FORMAT_VERSION, _catalog_apply
from tinhso.core.models import Agency, AgencyKind, UnitLevel
from tinhso.core.selectors import valid_on

DATA_DIR = Path(__file__).resolve().parent / "data"
WORKFLOWS_DIR = DATA_DIR / "workflows"
PROCEDURES_DIR = DATA_DIR / "procedures"


def demo_workflows() -> list[dict[str, Any]]:
    items = []
    for path in sorted(WORKFLOWS_DIR.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        items.append({key: data[key] for key in ("code", "version", "name", "definition")})
    return items


def demo_procedure_files() -> list[dict[str, Any]]:
    return [json.loads(path.read_text(encoding="utf-8")) for path in sorted(PROCEDURES_DIR.glob("*.json"))]


def _province_agencies(province_code: str):
    day = timezone.localdate()
    return Agency.objects.filter(valid_on(day)).filter(
        Q(unit__level=UnitLevel.PROVINCE, unit__code=province_code, unit__valid_to__isnull=True)
        | Q(unit__level=UnitLevel.COMMUNE, unit__parent__code=province_code, unit__parent__valid_to__isnull=True,
            unit__valid_to__isnull=True)
    )


def competent_agency_codes(spec: dict[str, Any], *, province_code: str) -> list[str]:
    """The codes of the province's agencies a `competent` spec names."""
    agencies = _province_agencies(province_code)
    if spec.get("level") == "commune":
        agencies = agencies.filter(unit__level=UnitLevel.COMMUNE,
                                   kind=spec.get("kind", AgencyKind.COMMUNE_PEOPLES_COMMITTEE))
    elif spec.get("level") == "province":
        agencies = agencies.filter(unit__level=UnitLevel.PROVINCE)
        if spec.get("kind"):
            agencies = agencies.filter(kind=spec["kind"])
        if spec.get("agency_name_startswith"):
            agencies = agencies.filter(name__startswith=spec["agency_name_startswith"])
    else:
        return []
    return list(agencies.order_by("code").values_list("code", flat=True))


def demo_catalog_document(*, province_code: str) -> dict[str, Any]:
    """The demo data files as one catalogue document (the shape of catalog_export_json), with the
    competent agencies of the province. A spec that names no agency of a province that has agencies
    is a data error; a province without agencies loaded gets no assignments."""
    have_agencies = _province_agencies(province_code).exists()
    workflows = demo_workflows()
    latest = {}
    for workflow in workflows:
        latest[workflow["code"]] = max(latest.get(workflow["code"], 0), workflow["version"])
    fields, procedures, problems = [], [], []
    for doc in demo_procedure_files():
        fields.append(doc["field"])
        for item in doc["procedures"]:
            agencies = None
            if have_agencies:
                agencies = competent_agency_codes(item["competent"], province_code=province_code)
                if not agencies:
                    problems.append({"field": f"{item['code']}.competent", "message": _(
                        "Không tìm thấy cơ quan có thẩm quyền giải quyết thủ tục %(code)s trong tỉnh.")
                        % {"code": item["code"]}})
            procedures.append({
                "code": item["code"], "name": item["name"], "field": doc["field"]["code"], "is_active": True,
                "current_version": {"number": 1, **item["version"],
                                    "workflow": {"code": item["workflow"],
                                                 "version": latest.get(item["workflow"], 0)}},
                "agencies": agencies,
            })
    if problems:
        raise CatalogInvalid(problems)
    return {"format": EXPORT_FORMAT, "format_version": EXPORT_FORMAT_VERSION, "fields": fields,
            "workflows": workflows, "procedures": procedures}


def catalog_load_demo(*, province_code: str, actor=None) -> dict[str, dict[str, int]]:
    """Load the demo workflows (published), procedures (published version 1) and assignments for
    the deployment province. Idempotent; returns the counts of catalog_import_json."""
    document = demo_catalog_document(province_code=province_code)
    return _catalog_apply(document, actor=actor, action="catalog.demo_loaded")
