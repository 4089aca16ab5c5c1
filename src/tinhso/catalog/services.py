"""Writes to the procedure catalogue: workflows, procedures and their versions, assignments, and
the whole catalogue in and out (JSON, xlsx).

The versioning rule: a version is a draft until published; a published version is never edited
again (`VersionFrozen`). Publishing version N+1 of a procedure retires the version in force and
moves `Procedure.current_version`; dossiers keep pointing at the version they were received under.
Workflow definitions follow the same rule, except that publishing a new workflow version does not
retire the old one: procedure versions already published keep using it.

Every write is one transaction and one audit entry (core.audit). Problems are reported as
`CatalogInvalid([{field, message}])` (Vietnamese), or `DefinitionInvalid` for a workflow.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic import Field as PydanticField

from tinhso.catalog.models import (
    Field,
    Procedure,
    ProcedureAssignment,
    ProcedureVersion,
    VersionStatus,
    WorkflowDefinition,
)
from tinhso.catalog.schemas import (
    CODE_PATTERN,
    VERSION_FIELDS,
    CatalogInvalid,
    VersionFrozen,
    pydantic_problems,
    version_data_problems,
)
from tinhso.catalog.workflow import DefinitionInvalid, definition_parse
from tinhso.core.audit import audit_record
from tinhso.core.models import Agency

__all__ = [
    "CatalogInvalid",
    "DefinitionInvalid",
    "VersionFrozen",
    "catalog_export_json",
    "catalog_export_xlsx",
    "catalog_import_json",
    "catalog_import_xlsx",
    "procedure_assign",
    "procedure_upsert",
    "procedure_version_create",
    "procedure_version_publish",
    "procedure_version_update",
    "workflow_definition_publish",
    "workflow_definition_save",
]

EXPORT_FORMAT = "tinhso.catalog"
EXPORT_FORMAT_VERSION = 1


# --- Workflow definitions -----------------------------------------------------------------------


def _frozen(message: str, field: str = "status") -> VersionFrozen:
    return VersionFrozen([{"field": field, "message": message}])


@transaction.atomic
def workflow_definition_save(*, actor, code: str, name: str, definition: dict,
                             version: int | None = None) -> WorkflowDefinition:
    """Create or edit a draft workflow definition. `version=None` makes the next version of `code`.
    The definition is validated (catalog.workflow.definition_parse); a published one is frozen."""
    name = " ".join((name or "").split())
    problems = []
    if not code or len(code) > 60 or not code.replace("-", "").replace("_", "").isalnum() or not code.isascii():
        problems.append({"field": "code", "message": _("Mã quy trình chỉ gồm chữ không dấu, chữ số và dấu “-”.")})
    if not name:
        problems.append({"field": "name", "message": _("Chưa nhập tên quy trình.")})
    if problems:
        raise CatalogInvalid(problems)
    definition_parse(definition)  # raises DefinitionInvalid with every problem
    if version is None:
        version = (WorkflowDefinition.objects.filter(code=code).aggregate(n=Max("version"))["n"] or 0) + 1
    row = WorkflowDefinition.objects.select_for_update().filter(code=code, version=version).first()
    if row is None:
        row = WorkflowDefinition.objects.create(code=code, version=version, name=name, definition=definition)
        action = "catalog.workflow_created"
        before = None
    else:
        if row.status != VersionStatus.DRAFT:
            raise _frozen(_("Quy trình “%(code)s” phiên bản %(version)d đã công bố, không được sửa; "
                            "hãy tạo phiên bản mới.") % {"code": code, "version": version})
        before = {"name": row.name, "definition": row.definition}
        row.name, row.definition = name, definition
        row.save(update_fields=["name", "definition"])
        action = "catalog.workflow_updated"
    audit_record(action=action, actor=actor, object_type="catalog.WorkflowDefinition", object_id=row.pk,
                 before=before, after={"name": name, "definition": definition},
                 data={"code": code, "version": version})
    return row


@transaction.atomic
def workflow_definition_publish(*, actor, definition_id: int) -> WorkflowDefinition:
    """Publish a draft workflow (validated again). Publishing a published one changes nothing."""
    row = WorkflowDefinition.objects.select_for_update().get(pk=definition_id)
    if row.status == VersionStatus.PUBLISHED:
        return row
    if row.status == VersionStatus.RETIRED:
        raise _frozen(_("Quy trình đã ngừng áp dụng, không công bố lại được."))
    definition_parse(row.definition)
    row.status, row.published_at = VersionStatus.PUBLISHED, timezone.now()
    row.save(update_fields=["status", "published_at"])
    audit_record(action="catalog.workflow_published", actor=actor, object_type="catalog.WorkflowDefinition",
                 object_id=row.pk, data={"code": row.code, "version": row.version})
    return row


# --- Procedures and versions --------------------------------------------------------------------


def _code_problems(code: str, field: str, label: str) -> list[dict]:
    if not code or not re.match(CODE_PATTERN, code):
        return [{"field": field, "message": _("%(label)s chỉ gồm chữ không dấu, chữ số và các dấu . _ - "
                                              "(tối đa 30 ký tự).") % {"label": label}}]
    return []


@transaction.atomic
def procedure_upsert(*, actor, code: str, name: str, field_code: str, field_name: str) -> Procedure:
    """Create a procedure by its national code, or rename it / move it to another field."""
    code, field_code = (code or "").strip(), (field_code or "").strip()
    name, field_name = " ".join((name or "").split()), " ".join((field_name or "").split())
    problems = _code_problems(code, "code", _("Mã thủ tục")) + _code_problems(field_code, "field_code",
                                                                           _("Mã lĩnh vực"))
    if not name:
        problems.append({"field": "name", "message": _("Chưa nhập tên thủ tục.")})
    if not field_name:
        problems.append({"field": "field_name", "message": _("Chưa nhập tên lĩnh vực.")})
    if len(name) > 500 or len(field_name) > 200:
        problems.append({"field": "name", "message": _("Tên quá dài.")})
    if problems:
        raise CatalogInvalid(problems)
    field, _created = Field.objects.get_or_create(code=field_code, defaults={"name": field_name})
    if field.name != field_name:
        field.name = field_name
        field.save(update_fields=["name"])
    procedure = Procedure.objects.select_for_update().filter(code=code).first()
    before = None
    if procedure is None:
        procedure = Procedure.objects.create(code=code, name=name, field=field)
    else:
        before = {"name": procedure.name, "field": procedure.field.code}
        if before == {"name": name, "field": field_code}:
            return procedure
        procedure.name, procedure.field = name, field
        procedure.save()
    audit_record(action="catalog.procedure_upserted", actor=actor, object_type="catalog.Procedure",
                 object_id=procedure.pk, before=before, after={"name": name, "field": field_code},
                 data={"code": code})
    return procedure


def _workflow_resolve(ref: Any) -> WorkflowDefinition | None:
    """A workflow given as a row, an id, {"code", "version"}, or a code (its latest published version)."""
    if isinstance(ref, WorkflowDefinition):
        return ref
    if isinstance(ref, int):
        return WorkflowDefinition.objects.filter(pk=ref).first()
    if isinstance(ref, dict):
        return WorkflowDefinition.objects.filter(code=ref.get("code"), version=ref.get("version")).first()
    if isinstance(ref, str):
        return (WorkflowDefinition.objects.filter(code=ref, status=VersionStatus.PUBLISHED)
                .order_by("-version").first())
    return None


def version_as_data(version: ProcedureVersion) -> dict[str, Any]:
    """The version's data in the shape `procedure_version_create` and the export use."""
    data = {name: getattr(version, name) for name in VERSION_FIELDS}
    data["processing_amount"] = _amount_json(version.processing_amount)
    data["effective_from"] = version.effective_from.isoformat() if version.effective_from else None
    data["workflow"] = {"code": version.workflow.code, "version": version.workflow.version}
    return data


def _amount_json(value: Any) -> int | float:
    amount = Decimal(str(value)).normalize()
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def _version_validate(data: dict[str, Any]) -> tuple[dict[str, Any], WorkflowDefinition]:
    """Validate the data of a version (its workflow included): (clean data, workflow) or CatalogInvalid."""
    data = dict(data)
    ref = data.pop("workflow", None)
    unknown = [key for key in data if key not in VERSION_FIELDS]
    problems = [{"field": key, "message": _("“%(key)s” không phải là thông tin của phiên bản thủ tục.")
                 % {"key": key}} for key in unknown]
    clean, more = version_data_problems({k: v for k, v in data.items() if k not in unknown})
    problems += more
    workflow = _workflow_resolve(ref)
    if workflow is None:
        problems.append({"field": "workflow", "message": _("Chưa chọn quy trình xử lý, hoặc quy trình không tồn tại.")})
    if problems:
        raise CatalogInvalid(problems)
    return clean, workflow


def _version_fields(clean: dict[str, Any]) -> dict[str, Any]:
    values = dict(clean)
    values["processing_amount"] = Decimal(str(values["processing_amount"]))
    return values


@transaction.atomic
def procedure_version_create(*, actor, procedure: Procedure, data: dict[str, Any]) -> ProcedureVersion:
    """A new draft version: a copy of the latest version with `data` laid over it, validated whole.

    `data` holds version fields (see catalog.schemas.VersionData) and may name the `workflow` (a
    WorkflowDefinition, {"code", "version"}, or a code meaning its latest published version). A
    procedure has at most one draft at a time: edit it with `procedure_version_update`.
    """
    procedure = Procedure.objects.select_for_update().get(pk=procedure.pk)
    latest = procedure.versions.select_related("workflow").order_by("-number").first()
    if latest is not None and latest.status == VersionStatus.DRAFT:
        raise CatalogInvalid([{"field": "version", "message": _(
            "Thủ tục đang có bản nháp phiên bản %(number)d; hãy sửa bản nháp đó.") % {"number": latest.number}}])
    base = version_as_data(latest) if latest is not None else {"name": procedure.name}
    clean, workflow = _version_validate(base | dict(data))
    number = (latest.number if latest else 0) + 1
    version = ProcedureVersion.objects.create(procedure=procedure, number=number, status=VersionStatus.DRAFT,
                                              workflow=workflow, created_by=_user_or_none(actor),
                                              **_version_fields(clean))
    audit_record(action="catalog.procedure_version_created", actor=actor, object_type="catalog.ProcedureVersion",
                 object_id=version.pk, after=version_as_data(version),
                 data={"procedure": procedure.code, "number": number})
    return version


@transaction.atomic
def procedure_version_update(*, actor, version_id: int, data: dict[str, Any]) -> ProcedureVersion:
    """Change a draft version (validated whole). A published or retired version is frozen."""
    version = (ProcedureVersion.objects.select_for_update(of=("self",)).select_related("workflow", "procedure")
               .get(pk=version_id))
    if version.status != VersionStatus.DRAFT:
        raise _frozen(_("Phiên bản %(number)d của thủ tục %(code)s đã công bố, không được sửa; hãy tạo "
                        "phiên bản mới.") % {"number": version.number, "code": version.procedure.code})
    before = version_as_data(version)
    clean, workflow = _version_validate(before | dict(data))
    for name, value in _version_fields(clean).items():
        setattr(version, name, value)
    version.workflow = workflow
    version.save()
    audit_record(action="catalog.procedure_version_updated", actor=actor, object_type="catalog.ProcedureVersion",
                 object_id=version.pk, before=before, after=version_as_data(version),
                 data={"procedure": version.procedure.code, "number": version.number})
    return version


@transaction.atomic
def procedure_version_publish(*, actor, version_id: int) -> ProcedureVersion:
    """Publish a draft: validated again, its workflow must be published; the version in force is
    retired and `Procedure.current_version` moves. Publishing a published version changes nothing."""
    version = ProcedureVersion.objects.select_related("procedure").get(pk=version_id)
    procedure = Procedure.objects.select_for_update().get(pk=version.procedure_id)
    version = ProcedureVersion.objects.select_for_update(of=("self",)).select_related("workflow").get(pk=version_id)
    if version.status == VersionStatus.PUBLISHED:
        return version
    if version.status == VersionStatus.RETIRED:
        raise _frozen(_("Phiên bản đã ngừng áp dụng, không công bố lại được."))
    _clean, workflow = _version_validate(version_as_data(version))
    if workflow.status != VersionStatus.PUBLISHED:
        raise CatalogInvalid([{"field": "workflow", "message": _(
            "Quy trình “%(name)s” chưa được công bố; hãy công bố quy trình trước.") % {"name": workflow.name}}])
    current = procedure.current_version
    if current is not None and current.number > version.number:
        raise CatalogInvalid([{"field": "number", "message": _(
            "Bản nháp phiên bản %(draft)d cũ hơn phiên bản đang áp dụng (%(current)d); hãy tạo phiên bản mới.")
            % {"draft": version.number, "current": current.number}}])
    _publish(procedure, version)
    audit_record(action="catalog.procedure_version_published", actor=actor,
                 object_type="catalog.ProcedureVersion", object_id=version.pk,
                 data={"procedure": procedure.code, "number": version.number,
                       "retired": current.number if current else None})
    return version


def _publish(procedure: Procedure, version: ProcedureVersion) -> None:
    now = timezone.now()
    procedure.versions.filter(status=VersionStatus.PUBLISHED).exclude(pk=version.pk).update(
        status=VersionStatus.RETIRED)
    version.status, version.published_at = VersionStatus.PUBLISHED, now
    version.save(update_fields=["status", "published_at"])
    procedure.current_version = version
    procedure.save(update_fields=["current_version", "updated_at", "name_folded"])


@transaction.atomic
def procedure_assign(*, actor, procedure: Procedure, agencies) -> dict[str, int]:
    """Make `agencies` exactly the agencies competent to decide `procedure`. Returns the counts."""
    wanted = {agency.pk for agency in agencies}
    added, removed = _assign(procedure, wanted)
    if added or removed:
        audit_record(action="catalog.procedure_assigned", actor=actor, object_type="catalog.Procedure",
                     object_id=procedure.pk, data={"procedure": procedure.code, "added": added, "removed": removed,
                                                   "agencies": len(wanted)})
    return {"added": added, "removed": removed}


def _assign(procedure: Procedure, wanted: set[int]) -> tuple[int, int]:
    have = set(ProcedureAssignment.objects.filter(procedure=procedure).values_list("agency_id", flat=True))
    gone = have - wanted
    if gone:
        ProcedureAssignment.objects.filter(procedure=procedure, agency_id__in=gone).delete()
    new = wanted - have
    ProcedureAssignment.objects.bulk_create(
        [ProcedureAssignment(procedure=procedure, agency_id=pk) for pk in sorted(new)], batch_size=500)
    return len(new), len(gone)


def _user_or_none(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


# --- The whole catalogue: export ----------------------------------------------------------------


def catalog_export_json() -> dict[str, Any]:
    """The whole catalogue as one JSON-able document: fields, published workflows, and every
    procedure with its version in force and the codes of its competent agencies."""
    procedures = list(
        Procedure.objects.select_related("field", "current_version__workflow").order_by("code"))
    assigned: dict[int, list[str]] = {}
    for procedure_id, agency_code in (ProcedureAssignment.objects.order_by("agency__code")
                                      .values_list("procedure_id", "agency__code")):
        assigned.setdefault(procedure_id, []).append(agency_code)
    workflow_ids = set(WorkflowDefinition.objects.filter(status=VersionStatus.PUBLISHED).values_list("pk", flat=True))
    workflow_ids |= {p.current_version.workflow_id for p in procedures if p.current_version}
    workflows = WorkflowDefinition.objects.filter(pk__in=workflow_ids).order_by("code", "version")
    items = []
    for procedure in procedures:
        version = None
        if procedure.current_version is not None:
            version = {"number": procedure.current_version.number} | version_as_data(procedure.current_version)
        items.append({
            "code": procedure.code, "name": procedure.name, "field": procedure.field.code,
            "is_active": procedure.is_active, "current_version": version,
            "agencies": assigned.get(procedure.pk, []),
        })
    return {
        "format": EXPORT_FORMAT,
        "format_version": EXPORT_FORMAT_VERSION,
        "exported_at": timezone.now().isoformat(timespec="seconds"),
        "fields": [{"code": f.code, "name": f.name} for f in Field.objects.order_by("code")],
        "workflows": [{"code": w.code, "version": w.version, "name": w.name, "definition": w.definition}
                      for w in workflows],
        "procedures": items,
    }


def catalog_export_xlsx() -> bytes:
    from tinhso.catalog.xlsx import catalog_to_xlsx

    return catalog_to_xlsx(catalog_export_json())


# --- The whole catalogue: import ----------------------------------------------------------------


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _FieldIn(_In):
    code: str = PydanticField(pattern=CODE_PATTERN)
    name: str = PydanticField(min_length=1, max_length=200)


class _WorkflowRef(_In):
    code: str = PydanticField(min_length=1, max_length=60)
    version: int = PydanticField(ge=1)


class _WorkflowIn(_WorkflowRef):
    name: str = PydanticField(min_length=1, max_length=200)
    definition: dict[str, Any]


class _ProcedureIn(_In):
    code: str = PydanticField(pattern=CODE_PATTERN)
    name: str = PydanticField(min_length=1, max_length=500)
    field: str = PydanticField(min_length=1, max_length=20)
    is_active: bool = True
    current_version: dict[str, Any] | None = None
    agencies: list[str] | None = None


class _CatalogIn(_In):
    format: str = EXPORT_FORMAT
    format_version: int = EXPORT_FORMAT_VERSION
    exported_at: str | None = None
    note: str | None = None
    fields: list[_FieldIn] = PydanticField(default_factory=list)
    workflows: list[_WorkflowIn] = PydanticField(default_factory=list)
    procedures: list[_ProcedureIn] = PydanticField(default_factory=list)


def _canonical(value: Any) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True)


def _comparable(clean: dict[str, Any], workflow: tuple[str, int]) -> str:
    data = dict(clean)
    data["processing_amount"] = _amount_json(data["processing_amount"])
    if isinstance(data.get("effective_from"), dt.date):
        data["effective_from"] = data["effective_from"].isoformat()
    data["workflow"] = list(workflow)
    return _canonical(data)


def _prefixed(problems: list[dict], prefix: str) -> list[dict]:
    return [{**p, "field": f"{prefix}.{p['field']}" if p.get("field") else prefix} for p in problems]


def _catalog_check(payload: Any) -> tuple[_CatalogIn, dict[int, tuple[dict, tuple[str, int]]], dict[str, int]]:
    """Validate a whole catalogue document without writing. Returns the parsed document, the clean
    version data per procedure index, and the ids of every agency code named."""
    try:
        doc = _CatalogIn.model_validate(payload)
    except ValidationError as exc:
        raise CatalogInvalid(pydantic_problems(exc)) from None
    problems: list[dict] = []
    if doc.format != EXPORT_FORMAT or doc.format_version != EXPORT_FORMAT_VERSION:
        problems.append({"field": "format", "message": _(
            "Tệp không phải danh mục thủ tục của tinhso (định dạng %(format)s, phiên bản %(version)d).")
            % {"format": EXPORT_FORMAT, "version": EXPORT_FORMAT_VERSION}})
    field_codes = set(Field.objects.values_list("code", flat=True))
    seen: set[str] = set()
    for i, field in enumerate(doc.fields):
        if field.code in seen:
            problems.append({"field": f"fields.{i}.code", "message": _("Mã lĩnh vực “%(code)s” bị trùng.")
                             % {"code": field.code}})
        seen.add(field.code)
    field_codes |= seen
    workflows: dict[tuple[str, int], str] = {
        (w.code, w.version): w.status for w in WorkflowDefinition.objects.all()}
    existing_defs = {(w.code, w.version): w.definition for w in WorkflowDefinition.objects.filter(
        status=VersionStatus.PUBLISHED)}
    in_file: set[tuple[str, int]] = set()
    for i, workflow in enumerate(doc.workflows):
        key = (workflow.code, workflow.version)
        if key in in_file:
            problems.append({"field": f"workflows.{i}", "message": _("Quy trình “%(code)s” phiên bản %(version)d "
                             "bị lặp.") % {"code": workflow.code, "version": workflow.version}})
        in_file.add(key)
        try:
            definition_parse(workflow.definition)
        except DefinitionInvalid as exc:
            problems += [{"field": f"workflows.{i}.definition.{p['path']}", "message": p["message"]}
                         for p in exc.problems]
        if key in existing_defs and _canonical(existing_defs[key]) != _canonical(workflow.definition):
            problems.append({"field": f"workflows.{i}.definition", "message": _(
                "Quy trình “%(code)s” phiên bản %(version)d đã công bố với nội dung khác; quy trình đã công bố "
                "không được sửa, hãy dùng số phiên bản mới.") % {"code": workflow.code, "version": workflow.version}})
    usable = in_file | {key for key, status in workflows.items() if status == VersionStatus.PUBLISHED}
    named_agencies = {code for p in doc.procedures for code in (p.agencies or [])}
    agency_ids = dict(Agency.objects.filter(code__in=named_agencies).values_list("code", "pk"))
    versions: dict[int, tuple[dict, tuple[str, int]]] = {}
    codes: set[str] = set()
    for i, procedure in enumerate(doc.procedures):
        prefix = f"procedures.{i}"
        if procedure.code in codes:
            problems.append({"field": f"{prefix}.code", "message": _("Mã thủ tục “%(code)s” bị trùng.")
                             % {"code": procedure.code}})
        codes.add(procedure.code)
        if procedure.field not in field_codes:
            problems.append({"field": f"{prefix}.field", "message": _("Lĩnh vực “%(code)s” không có trong danh mục.")
                             % {"code": procedure.field}})
        for j, code in enumerate(procedure.agencies or []):
            if code not in agency_ids:
                problems.append({"field": f"{prefix}.agencies.{j}", "message": _(
                    "Không có cơ quan mã định danh “%(code)s”.") % {"code": code}})
        if procedure.current_version is None:
            continue
        data = dict(procedure.current_version)
        data.pop("number", None)
        ref = data.pop("workflow", None)
        unknown = [key for key in data if key not in VERSION_FIELDS]
        problems += [{"field": f"{prefix}.current_version.{key}", "message": _(
            "“%(key)s” không phải là thông tin của phiên bản thủ tục.") % {"key": key}} for key in unknown]
        clean, more = version_data_problems({k: v for k, v in data.items() if k not in unknown})
        problems += _prefixed(more, f"{prefix}.current_version")
        try:
            wf = _WorkflowRef.model_validate(ref)
        except ValidationError:
            problems.append({"field": f"{prefix}.current_version.workflow", "message": _(
                "Chưa ghi quy trình xử lý (mã và phiên bản).")})
            continue
        if (wf.code, wf.version) not in usable:
            problems.append({"field": f"{prefix}.current_version.workflow", "message": _(
                "Quy trình “%(code)s” phiên bản %(version)d chưa được công bố và không có trong tệp.")
                % {"code": wf.code, "version": wf.version}})
        number = procedure.current_version.get("number")
        if number is not None and not (isinstance(number, int) and number >= 1):
            problems.append({"field": f"{prefix}.current_version.number", "message": _(
                "Số phiên bản phải là số nguyên dương.")})
        if clean is not None:
            versions[i] = (clean, (wf.code, wf.version))
    if problems:
        raise CatalogInvalid(problems)
    return doc, versions, agency_ids


def _counts() -> dict[str, dict[str, int]]:
    return {
        "fields": {"created": 0, "updated": 0, "unchanged": 0},
        "workflows": {"created": 0, "updated": 0, "unchanged": 0},
        "procedures": {"created": 0, "updated": 0, "unchanged": 0},
        "versions": {"created": 0, "unchanged": 0},
        "assignments": {"added": 0, "removed": 0},
    }


def _catalog_apply(payload: Any, *, actor, action: str) -> dict[str, dict[str, int]]:
    """Validate the whole document, then write it in one transaction (all or nothing)."""
    with transaction.atomic():
        doc, versions, agency_ids = _catalog_check(payload)
        counts = _counts()
        fields = {f.code: f for f in Field.objects.all()}
        for item in doc.fields:
            field = fields.get(item.code)
            if field is None:
                fields[item.code] = Field.objects.create(code=item.code, name=item.name)
                counts["fields"]["created"] += 1
            elif field.name != item.name:
                field.name = item.name
                field.save(update_fields=["name"])
                counts["fields"]["updated"] += 1
            else:
                counts["fields"]["unchanged"] += 1
        workflows = {(w.code, w.version): w for w in WorkflowDefinition.objects.select_for_update()}
        now = timezone.now()
        for item in doc.workflows:
            row = workflows.get((item.code, item.version))
            if row is None:
                workflows[(item.code, item.version)] = WorkflowDefinition.objects.create(
                    code=item.code, version=item.version, name=item.name, definition=item.definition,
                    status=VersionStatus.PUBLISHED, published_at=now)
                counts["workflows"]["created"] += 1
            elif row.status != VersionStatus.PUBLISHED or row.name != item.name:
                if row.status != VersionStatus.PUBLISHED:
                    row.definition, row.status, row.published_at = item.definition, VersionStatus.PUBLISHED, now
                row.name = item.name
                row.save()
                counts["workflows"]["updated"] += 1
            else:
                counts["workflows"]["unchanged"] += 1
        existing = {p.code: p for p in Procedure.objects.select_for_update(of=("self",)).select_related(
            "field", "current_version__workflow")}
        for i, item in enumerate(doc.procedures):
            procedure = existing.get(item.code)
            field = fields[item.field]
            if procedure is None:
                procedure = Procedure.objects.create(code=item.code, name=item.name, field=field,
                                                     is_active=item.is_active)
                counts["procedures"]["created"] += 1
            elif (procedure.name, procedure.field_id, procedure.is_active) != (item.name, field.pk, item.is_active):
                procedure.name, procedure.field, procedure.is_active = item.name, field, item.is_active
                procedure.save()
                counts["procedures"]["updated"] += 1
            else:
                counts["procedures"]["unchanged"] += 1
            if i in versions:
                clean, wf_key = versions[i]
                current = procedure.current_version
                same = current is not None and _comparable(
                    _version_clean(current), (current.workflow.code, current.workflow.version)
                ) == _comparable(clean, wf_key)
                if same:
                    counts["versions"]["unchanged"] += 1
                else:
                    top = procedure.versions.aggregate(n=Max("number"))["n"] or 0
                    wanted = item.current_version.get("number")
                    number = wanted if isinstance(wanted, int) and wanted > top else top + 1
                    version = ProcedureVersion.objects.create(
                        procedure=procedure, number=number, status=VersionStatus.DRAFT,
                        workflow=workflows[wf_key], created_by=_user_or_none(actor), **_version_fields(clean))
                    _publish(procedure, version)
                    counts["versions"]["created"] += 1
            if item.agencies is not None:
                added, removed = _assign(procedure, {agency_ids[code] for code in item.agencies})
                counts["assignments"]["added"] += added
                counts["assignments"]["removed"] += removed
        changed = any(n for key, group in counts.items() for kind, n in group.items() if kind != "unchanged")
        if changed:
            audit_record(action=action, actor=actor, object_type="catalog.Procedure", data=counts)
    return counts


def _version_clean(version: ProcedureVersion) -> dict[str, Any]:
    """The stored version data, normalised the way an imported one is (for comparison)."""
    data = version_as_data(version)
    data.pop("workflow")
    clean, _problems = version_data_problems(data)
    if clean is None:  # a version stored before a rule was tightened: compare the raw data
        clean = {name: getattr(version, name) for name in VERSION_FIELDS}
    return clean


def catalog_import_json(data: dict[str, Any], *, actor) -> dict[str, dict[str, int]]:
    """Import a catalogue document (the shape of `catalog_export_json`), all or nothing.

    Fields and procedures are upserted by code; workflows are created published by (code, version)
    and never changed once published; a procedure whose version in the file differs from its version
    in force gets a new published version (the old one is retired); the agencies listed become the
    competent agencies. Importing the same document again changes nothing. Returns the counts."""
    return _catalog_apply(data, actor=actor, action="catalog.imported")


def catalog_import_xlsx(fileobj, *, actor) -> dict[str, dict[str, int]]:
    """Import the spreadsheet made by `catalog_export_xlsx` (edited or not). Problems name the sheet,
    the row and the column; on any problem nothing changes."""
    from tinhso.catalog.xlsx import xlsx_problems_located, xlsx_to_catalog

    payload, origins = xlsx_to_catalog(fileobj)
    try:
        return _catalog_apply(payload, actor=actor, action="catalog.imported_xlsx")
    except CatalogInvalid as exc:
        raise CatalogInvalid(xlsx_problems_located(exc.problems, origins)) from None
