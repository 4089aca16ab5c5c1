"""Writes of the kpi app: values reported with evidence, and the engine's computed measurements.

Reported values (`ReportedValue`) are what the platform cannot compute — the digital economy's
share of GRDP, broadband coverage, e-health records… — entered per unit and period with evidence,
then submitted and approved (DHIS2's data-entry and approval, anchors.md §3, reduced to one level).

Who may write (least privilege, from the roles of accounts.AgencyRole on the day):
- enter and submit: an official with a role (other than a system's integration role) in an agency
  located in the unit, in a unit above it, or in a unit that now holds it (a 2024 value of Bến Tre
  is entered by the officials of today's Vĩnh Long);
- approve: a leader or the province admin under the same rule, and not the person who entered it.
Every change is audited (core.audit), in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.accounts.models import Role, User
from tinhso.accounts.selectors import user_roles
from tinhso.core.audit import audit_record
from tinhso.core.models import AdministrativeUnit
from tinhso.kpi.errors import Conflict, Forbidden, InvalidInput, NotFound
from tinhso.kpi.models import (
    Indicator,
    IndicatorUnit,
    Measurement,
    MeasurementScope,
    ReportedStatus,
    ReportedValue,
    ValueSource,
    scope_key,
)
from tinhso.kpi.periods import Period, PeriodError
from tinhso.kpi.scopes import current_units

APPROVER_ROLES = {Role.LEADER, Role.PROVINCE_ADMIN}


def _number(value) -> str:
    return f"{value.normalize():f}" if isinstance(value, Decimal) else str(value)


# --- Permissions -----------------------------------------------------------------------------------


def _unit_chain(unit: AdministrativeUnit) -> set[int]:
    ids, current = set(), unit
    while current is not None:
        ids.add(current.pk)
        current = current.parent
    return ids


def _covering_units(unit: AdministrativeUnit) -> set[int]:
    """`unit`, the units above it, and today's units that hold it and the units above those."""
    ids = _unit_chain(unit)
    for link in current_units(unit):
        ids |= _unit_chain(link.unit)
    return ids


def _may_report(actor: User, unit: AdministrativeUnit, *, roles: set[str] | None = None) -> bool:
    if not getattr(actor, "is_authenticated", False) or not actor.is_official:
        return False
    held = user_roles(actor).exclude(role=Role.INTEGRATION)
    if roles is not None:
        held = held.filter(role__in=roles)
    agency_units = set(held.values_list("agency__unit_id", flat=True))
    return bool(agency_units & _covering_units(unit))


# --- Reported values -------------------------------------------------------------------------------


def _check_value(indicator: Indicator, raw) -> Decimal:
    try:
        value = Decimal(str(raw).strip()) if raw is not None and raw != "" else None
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise InvalidInput(_("Giá trị phải là một số."), details=[{"field": "value", "message": _("Giá trị phải là một số.")}])
    low, high = indicator.valid_min, indicator.valid_max
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = f"[{_number(low) if low is not None else '−∞'}; {_number(high) if high is not None else '+∞'}]"
        message = _("Giá trị %(value)s nằm ngoài khoảng cho phép %(bounds)s của chỉ tiêu “%(name)s”.") % {
            "value": _number(value), "bounds": bounds, "name": indicator.name}
        raise InvalidInput(message, details=[{"field": "value", "message": message}])
    if indicator.unit == IndicatorUnit.YES_NO and value not in (0, 1):
        message = _("Chỉ tiêu “%(name)s” chỉ nhận 1 (có) hoặc 0 (không).") % {"name": indicator.name}
        raise InvalidInput(message, details=[{"field": "value", "message": message}])
    if indicator.unit in (IndicatorUnit.RANK, IndicatorUnit.COUNT) and value != value.to_integral_value():
        message = _("Chỉ tiêu “%(name)s” nhận số nguyên.") % {"name": indicator.name}
        raise InvalidInput(message, details=[{"field": "value", "message": message}])
    return value


def _check_evidence(document: str, url: str, file) -> None:
    if not (document or url or file):
        message = _("Cần tài liệu kiểm chứng: số, ký hiệu văn bản, đường dẫn hoặc tệp đính kèm.")
        raise InvalidInput(message, details=[{"field": "evidence", "message": message}])
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except DjangoValidationError:
            message = _("Đường dẫn tài liệu kiểm chứng không hợp lệ.")
            raise InvalidInput(message, details=[{"field": "evidence_url", "message": message}]) from None


def _state(row: ReportedValue) -> dict:
    return {"indicator": row.indicator_id, "unit": row.unit_id, "period": row.period, "value": str(row.value),
            "status": row.status, "evidence_document": row.evidence_document, "evidence_url": row.evidence_url,
            "evidence_file": row.evidence_file.name if row.evidence_file else ""}


def reported_value_save(
    *,
    actor: User,
    indicator: Indicator,
    unit: AdministrativeUnit,
    period: Period | str,
    value,
    evidence_document: str = "",
    evidence_url: str = "",
    evidence_file: UploadedFile | None = None,
    note: str = "",
) -> ReportedValue:
    """Enter (or correct, until approved) the value of a reported indicator for a unit and period.
    A corrected value goes back to draft and must be submitted again."""
    if isinstance(period, str):
        try:
            period = Period.parse(period)
        except PeriodError as error:
            raise InvalidInput(str(error), details=[{"field": "period", "message": str(error)}]) from None
    if indicator.source != ValueSource.REPORTED:
        message = _("Chỉ tiêu “%(name)s” do hệ thống tự tính từ dữ liệu, không nhập tay.") % {"name": indicator.name}
        raise InvalidInput(message, details=[{"field": "indicator", "message": message}])
    if not ((unit.valid_from is None or unit.valid_from < period.end_date)
            and (unit.valid_to is None or unit.valid_to > period.start_date)):
        message = _("%(unit)s không tồn tại trong kỳ %(period)s.") % {"unit": unit.name, "period": period.label}
        raise InvalidInput(message, details=[{"field": "unit", "message": message}])
    number = _check_value(indicator, value)
    evidence_document, evidence_url = (evidence_document or "").strip(), (evidence_url or "").strip()
    _check_evidence(evidence_document, evidence_url, evidence_file)
    if not _may_report(actor, unit):
        raise Forbidden(_("Bạn không có quyền nhập số liệu cho %(unit)s.") % {"unit": unit.name})

    now = timezone.now()
    with transaction.atomic():
        row = (ReportedValue.objects.select_for_update()
               .filter(indicator=indicator, unit=unit, period=period.key).first())
        before = _state(row) if row else None
        if row is not None and row.status == ReportedStatus.APPROVED:
            raise Conflict(_("Số liệu %(period)s của %(unit)s đã được phê duyệt, không sửa được.")
                           % {"period": period.label, "unit": unit.name})
        if row is None:
            row = ReportedValue(indicator=indicator, unit=unit)
            row.set_period(period)
        row.value = number
        row.evidence_document = evidence_document
        row.evidence_url = evidence_url
        if evidence_file is not None:
            row.evidence_file = evidence_file
        row.note = note
        row.status = ReportedStatus.DRAFT
        row.submitted_at = None
        row.entered_by = actor
        row.entered_at = now
        row.save()
        audit_record(action="kpi.reported_value_save", actor=actor, object_type="kpi.ReportedValue",
                     object_id=row.pk, before=before, after=_state(row))
    return row


def _reported_for_update(reported_value_id: int) -> ReportedValue:
    row = (ReportedValue.objects.select_for_update().select_related("indicator", "unit")
           .filter(pk=reported_value_id).first())
    if row is None:
        raise NotFound(_("Không tìm thấy số liệu báo cáo."))
    return row


def reported_value_submit(*, actor: User, reported_value_id: int) -> ReportedValue:
    """Draft → submitted. Submitting twice changes nothing."""
    with transaction.atomic():
        row = _reported_for_update(reported_value_id)
        if not _may_report(actor, row.unit):
            raise Forbidden(_("Bạn không có quyền gửi số liệu của %(unit)s.") % {"unit": row.unit.name})
        if row.status != ReportedStatus.DRAFT:
            return row
        before = _state(row)
        row.status, row.submitted_at = ReportedStatus.SUBMITTED, timezone.now()
        row.save(update_fields=["status", "submitted_at"])
        audit_record(action="kpi.reported_value_submit", actor=actor, object_type="kpi.ReportedValue",
                     object_id=row.pk, before=before, after=_state(row))
    return row


def reported_value_approve(*, actor: User, reported_value_id: int) -> ReportedValue:
    """Submitted → approved, by a leader or the province admin who did not enter it. Approving twice
    changes nothing."""
    with transaction.atomic():
        row = _reported_for_update(reported_value_id)
        if row.status == ReportedStatus.APPROVED:
            return row
        if not _may_report(actor, row.unit, roles=APPROVER_ROLES):
            raise Forbidden(_("Chỉ lãnh đạo hoặc quản trị cấp tỉnh được phê duyệt số liệu của %(unit)s.")
                            % {"unit": row.unit.name})
        if row.entered_by_id == actor.pk:
            raise Forbidden(_("Người nhập số liệu không tự phê duyệt số liệu của mình."))
        if row.status != ReportedStatus.SUBMITTED:
            raise Conflict(_("Số liệu chưa được gửi, chưa phê duyệt được."))
        before = _state(row)
        row.status, row.approved_by, row.approved_at = ReportedStatus.APPROVED, actor, timezone.now()
        row.save(update_fields=["status", "approved_by", "approved_at"])
        audit_record(action="kpi.reported_value_approve", actor=actor, object_type="kpi.ReportedValue",
                     object_id=row.pk, before=before, after=_state(row))
    return row


# --- Computed measurements -------------------------------------------------------------------------


@dataclass(frozen=True)
class MeasurementRow:
    """One computed value for `measurements_store`. `value` None = no data (never 0)."""

    indicator_id: int
    period: Period
    scope_level: str
    unit_id: int
    value: Decimal | None
    numerator: Decimal | int | None = None
    denominator: Decimal | int | None = None
    points: Decimal | None = None
    agency_id: int | None = None
    procedure_id: int | None = None
    note: str = ""


def ratio_value(numerator, denominator, factor) -> Decimal | None:
    """numerator / denominator × factor to four places, None when the denominator is 0 or missing."""
    if numerator is None or not denominator:
        return None
    return (Decimal(numerator) * Decimal(factor) / Decimal(denominator)).quantize(Decimal("0.0001"))


_UPDATED = ["scope_level", "unit", "agency", "procedure", "numerator", "denominator", "value", "points", "note",
            "computed_at", "period_kind", "period_year", "period_start", "period_end"]


def measurements_store(*, rows: Iterable[MeasurementRow], computed_at: dt.datetime | None = None,
                       batch_size: int = 2000) -> int:
    """Insert or overwrite measurements by (indicator, period, scope) in bulk — the engine's one
    write. Storing the same rows twice leaves one row each. Returns the number of rows written."""
    computed_at = computed_at or timezone.now()
    objects = []
    for row in rows:
        if row.scope_level not in MeasurementScope.values:
            raise InvalidInput(_("Phạm vi đo không hợp lệ: %(scope)s.") % {"scope": row.scope_level})
        if row.scope_level == MeasurementScope.AGENCY and (row.agency_id is None or row.procedure_id is not None):
            raise InvalidInput(_("Phạm vi cơ quan cần đúng một cơ quan, không kèm thủ tục."))
        if row.scope_level == MeasurementScope.PROCEDURE and row.procedure_id is None:
            raise InvalidInput(_("Phạm vi thủ tục cần một thủ tục."))
        if row.scope_level in (MeasurementScope.PROVINCE, MeasurementScope.DISTRICT, MeasurementScope.COMMUNE) \
                and (row.agency_id is not None or row.procedure_id is not None):
            raise InvalidInput(_("Phạm vi đơn vị hành chính không kèm cơ quan hay thủ tục."))
        objects.append(Measurement(
            indicator_id=row.indicator_id, scope_level=row.scope_level, unit_id=row.unit_id,
            agency_id=row.agency_id, procedure_id=row.procedure_id,
            scope=scope_key(row.scope_level, row.unit_id, row.agency_id, row.procedure_id),
            numerator=row.numerator, denominator=row.denominator, value=row.value, points=row.points,
            note=row.note, computed_at=computed_at, **Measurement.period_columns(row.period),
        ))
    with transaction.atomic():
        Measurement.objects.bulk_create(
            objects, batch_size=batch_size, update_conflicts=True,
            unique_fields=["indicator", "period", "scope"], update_fields=_UPDATED,
        )
    return len(objects)


# --- The Decision 766 engine (kpi/engine) ----------------------------------------------------------


def measurements_recompute(*, year: int, version: str | None = None, scopes: Iterable[str] | None = None,
                           now: dt.datetime | None = None, day: dt.date | None = None):
    """Recompute every Decision 766 component for every scope and period of `year` (kpi/engine/recompute.py)."""
    from tinhso.kpi.engine.recompute import measurements_recompute as recompute

    return recompute(year=year, version=version, scopes=scopes, now=now, day=day)


def measurements_update(*, version: str | None = None, now: dt.datetime | None = None, day: dt.date | None = None,
                        batch_size: int = 5000):
    """Apply the dossier events (and ratings, PAKN, files) appended since the last update."""
    from tinhso.kpi.engine.recompute import measurements_update as update

    return update(version=version, now=now, day=day, batch_size=batch_size)
