"""Read side of the catalogue: search, procedures with their versions, competent agencies, workflows."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from tinhso.catalog.models import Field, Procedure, ProcedureVersion, VersionStatus, WorkflowDefinition
from tinhso.core.models import Agency
from tinhso.core.search import folded_search
from tinhso.core.selectors import valid_on


def procedure_search(q: str | None = "", *, field: str | None = None, level: str | None = None,
                     service_level: str | None = None) -> QuerySet[Procedure]:
    """Procedures in force (active, with a published version) whose name contains every word of `q`,
    accent- and case-insensitively ("dang ky khai sinh" finds "Đăng ký khai sinh"); optionally of one
    field (its code), one level (`commune`/`province`, from the version's agency levels) and one
    online service level. Ordered by code."""
    procedures = Procedure.objects.filter(is_active=True, current_version__status=VersionStatus.PUBLISHED)
    if field:
        procedures = procedures.filter(field__code=field)
    if level:
        # agency_levels is a short JSON list such as ["commune"]; the quoted value matches one item
        # exactly on both databases (JSON `contains` is not available on SQLite).
        procedures = procedures.filter(current_version__agency_levels__icontains=f'"{level}"')
    if service_level:
        procedures = procedures.filter(current_version__service_level=service_level)
    return folded_search(procedures, q).select_related("field", "current_version").order_by("code")


def procedure_get(code: str) -> Procedure | None:
    return (Procedure.objects.select_related("field", "current_version__workflow")
            .filter(code=code).first())


def procedure_versions(procedure: Procedure) -> QuerySet[ProcedureVersion]:
    """Every version of `procedure`, newest first (drafts included)."""
    return procedure.versions.select_related("workflow").order_by("-number")


def procedure_version_get(procedure: Procedure, number: int) -> ProcedureVersion | None:
    return procedure_versions(procedure).filter(number=number).first()


def procedure_current_version(procedure: Procedure) -> ProcedureVersion | None:
    """The version in force: the published version `current_version` points at, or None."""
    if procedure.current_version_id is None:
        return None
    return (ProcedureVersion.objects.select_related("workflow")
            .filter(pk=procedure.current_version_id, status=VersionStatus.PUBLISHED).first())


def procedure_competent_agencies(procedure: Procedure, *, on: dt.date | None = None) -> QuerySet[Agency]:
    """The agencies assigned to decide `procedure` that exist on day `on` (default today)."""
    day = on or timezone.localdate()
    return (Agency.objects.filter(valid_on(day), procedure_assignments__procedure=procedure)
            .select_related("unit").order_by("code"))


def workflow_get(code: str, version: int | None = None) -> WorkflowDefinition | None:
    """A workflow definition by code and version; without a version, its latest published one."""
    workflows = WorkflowDefinition.objects.filter(code=code)
    if version is not None:
        return workflows.filter(version=version).first()
    return workflows.filter(status=VersionStatus.PUBLISHED).order_by("-version").first()


def field_list() -> QuerySet[Field]:
    return Field.objects.order_by("name")
