"""A small generated province for the monitoring centre's tests (web pages, API, browser).

The demo agencies and catalogue of Vĩnh Long, 400 synthetic dossiers over September and October 2026
(fixed seed), and the full Decision 766 recompute of 2026 as of 1 November — what the demo does with
3,000 dossiers. A leader of the commune whose October on-time ratio (2.1) lost the most dossiers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings

from tinhso.accounts.models import AgencyRole, Role, User, UserKind
from tinhso.catalog.demo import catalog_load_demo
from tinhso.core.models import AdministrativeUnit, Agency, UnitLevel
from tinhso.core.units import agencies_load_demo, units_load
from tinhso.kpi.loading import kpi_load_demo
from tinhso.kpi.models import Measurement
from tinhso.kpi.services import measurements_recompute
from tinhso.synthetic.services import province_generate

SEED = 766_2026
DOSSIERS = 400
END = dt.date(2026, 10, 31)
NOW = dt.datetime(2026, 11, 1, 8, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
MONTH = "2026-10"
PASSWORD = "Mat-khau-lanh-dao-2026"


@dataclass
class Province:
    province: AdministrativeUnit
    commune: AdministrativeUnit  # the commune with the most late dossiers in October
    agency: Agency  # its people's committee
    leader: User  # a leader of that committee
    late: int  # dossiers 2.1 counted late there in October


def monitored_province() -> Province:
    settings.TINHSO_PROVINCE = "86"
    # A live-server test flushed the reference data (its `province` fixture may have put back the
    # province row alone): reload the units.
    if not AdministrativeUnit.objects.filter(level=UnitLevel.COMMUNE, parent__code="86").exists():
        units_load()
    agencies_load_demo()
    catalog_load_demo(province_code="86")
    kpi_load_demo()
    province_generate(dossiers=DOSSIERS, months=2, end=END, seed=SEED)
    measurements_recompute(year=2026, now=NOW)
    on_time = (Measurement.objects.filter(indicator__code="766.2.1", indicator__version="766-dvcqg-2025",
                                          period=MONTH, scope_level="commune", denominator__gt=0)
               .select_related("unit"))
    worst = max(on_time, key=lambda m: (m.denominator - m.numerator, -m.unit_id))
    agency = Agency.objects.filter(unit=worst.unit).order_by("code").first()
    leader = User.objects.create_user(username="lanhdao.giamsat", password=PASSWORD, kind=UserKind.OFFICIAL,
                                      full_name="Lê Thị Lãnh Đạo")
    AgencyRole.objects.create(user=leader, agency=agency, role=Role.LEADER)
    return Province(AdministrativeUnit.objects.get(level=UnitLevel.PROVINCE, code="86", valid_to__isnull=True),
                    worst.unit, agency, leader, int(worst.denominator - worst.numerator))
