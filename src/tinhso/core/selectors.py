"""Read side of core."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Q, QuerySet

from tinhso.core.models import AdministrativeUnit, UnitLevel


def valid_on(day: dt.date) -> Q:
    """Rows whose [valid_from, valid_to) contains `day`."""
    return (Q(valid_from__isnull=True) | Q(valid_from__lte=day)) & (Q(valid_to__isnull=True) | Q(valid_to__gt=day))


def deployment_province() -> AdministrativeUnit | None:
    """The current province this deployment serves (TINHSO_PROVINCE)."""
    return (
        AdministrativeUnit.objects.filter(level=UnitLevel.PROVINCE, code=settings.TINHSO_PROVINCE, valid_to__isnull=True)
        .only("id", "code", "name")
        .first()
    )


def units_on(day: dt.date) -> QuerySet[AdministrativeUnit]:
    return AdministrativeUnit.objects.filter(valid_on(day))
