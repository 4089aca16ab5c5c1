"""The engine scores each component with the registry's rule, at and around its threshold, and with
the variant a deployment names in TINHSO_KPI_SCORING_VARIANTS (regulations.md §4.2, "Conflicts").

Dossiers are written as rows (test_766_sql_verdict.write_life): five accepted in February at one
commune, of the procedure with fees and an electronic result only; what varies is how many carry
the flag a component counts. Points are worked out by hand from the rule text.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

import kpi.test_766_sql_verdict as verdicts
from tinhso.dossiers.models import Attachment, Dossier, DossierEvent, Status
from tinhso.kpi.models import Measurement
from tinhso.kpi.services import measurements_recompute

pytestmark = pytest.mark.django_db
BASE, Life, write_life, world = verdicts.BASE, verdicts.Life, verdicts.write_life, verdicts.world
FEB = 31 * 1440 + 600  # 1 February 10:00, minutes from BASE
NOW = BASE + dt.timedelta(days=70)


def five(world, **flags_per_dossier):
    """Five dossiers of the fee procedure, accepted in February and finished on time; `flags_per_dossier`
    gives, per flag, how many of the five carry it."""
    made = []
    for i in range(5):
        flags = {name: (i < count) for name, count in flags_per_dossier.items()}
        if flags.pop("paid", False):
            flags["paid"] = 2
        life = Life(agency=0, version=1, submitted=FEB + i, accepted=FEB + i, due=FEB + i + 3 * 1440,
                    terminal="processed", terminal_at=FEB + i + 1440, flags=flags)
        made.append(write_life(life, world))
    return made


def points(code: str, period: str = "2026-02") -> Decimal:
    return Measurement.objects.get(indicator__code=code, indicator__version="766-dvcqg-2025", period=period,
                                   scope_level="commune").points


def reuse(dossiers) -> None:
    Attachment.objects.bulk_create([Attachment(dossier=d, name="a.pdf", storage_path="x", size=1,
                                               content_type="application/pdf", sha256="0" * 64, reused=True,
                                               uploaded_at=d.submitted_at) for d in dossiers])


@pytest.mark.parametrize(("digitised", "observed", "formula_doc"), [
    (4, "3.2000", "4.0000"),   # 80 %: linear 4 × 0.8; the document's threshold gives full points at 80 %
    (3, "2.4000", "3.0000"),   # 60 %: 4 × 0.6; 4 × 0.6 / 0.8
    (5, "4.0000", "4.0000"),   # 100 %
])
def test_4_2_is_scored_linearly_unless_the_deployment_chooses_the_documents_threshold(world, settings, digitised,
                                                                                      observed, formula_doc):
    five(world, digitised=digitised)
    measurements_recompute(year=2026, now=NOW)
    assert points("766.4.2") == Decimal(observed)
    settings.TINHSO_KPI_SCORING_VARIANTS = {"766.4.2": "formula_doc"}
    measurements_recompute(year=2026, now=NOW)
    assert points("766.4.2") == Decimal(formula_doc)


@pytest.mark.parametrize(("reused", "expected"), [(5, "2.0000"), (4, "2.0000"), (3, "1.5000"), (0, "0.0000")])
def test_4_3_has_full_points_from_80_percent(world, reused, expected):
    reuse(five(world)[:reused])
    measurements_recompute(year=2026, now=NOW)
    assert points("766.4.3") == Decimal(expected)  # min(2, 2 × ratio / 0.8)


@pytest.mark.parametrize(("paid", "expected"), [(5, "6.0000"), (3, "3.6000"), (1, "1.2000")])
def test_3_6_is_six_times_the_share_paid_online(world, paid, expected):
    five(world, paid=paid)
    measurements_recompute(year=2026, now=NOW)
    assert points("766.3.6") == Decimal(expected)


def test_3_5_is_capped_as_documented_and_exceeds_2_with_the_observed_fit(world, settings):
    # The commune is competent for two procedures, one with fees; a dossier of it carried fees: X/Y = 1/1.
    five(world)
    measurements_recompute(year=2026, now=NOW)
    assert points("766.3.5") == Decimal("2.0000")        # min(2, 2 × 1 / 0.8)
    settings.TINHSO_KPI_SCORING_VARIANTS = {"766.3.5": "observed_uncapped"}
    measurements_recompute(year=2026, now=NOW)
    assert points("766.3.5") == Decimal("2.5000")        # 2.5 × C "can exceed 2"


def test_2_1_is_twenty_times_the_share_on_time_and_5_4_full_from_90_percent(world):
    made = five(world)
    # Make one of the five late: finished after its appointment.
    late = made[0]
    Dossier.objects.filter(pk=late.pk).update(finished_at=late.due_at + dt.timedelta(minutes=1))
    DossierEvent.objects.filter(dossier=late, status=Status.PROCESSED).update(at=late.due_at + dt.timedelta(minutes=1))
    measurements_recompute(year=2026, now=NOW)
    assert points("766.2.1") == Decimal("16.0000")       # 20 × 4/5
    assert points("766.5.4") == Decimal("5.3333")        # 6 × 0.8 / 0.9
    assert points("766.G2") == Decimal("16.0000")        # 2.2 has no points of its own


def test_the_2022_reading_scores_only_the_points_it_gives_and_says_its_groups_are_incomplete(world):
    five(world)
    measurements_recompute(year=2026, now=NOW, version="766-2022")
    rows = {m.indicator.code: m for m in Measurement.objects.filter(
        indicator__version="766-2022", period="2026-02", scope_level="commune").select_related("indicator")}
    assert rows["766.2.1"].points == Decimal("20.0000")       # up to 20, 5 of 5 on time
    assert rows["766.5.4"].points == Decimal("6.0000")
    assert rows["766.2.2"].points is None and "766.4.2" not in rows  # 2022 names no 4.x components
    assert rows["766.G3"].points is None and "chưa nêu đủ" in rows["766.G3"].note
    assert not Measurement.objects.filter(indicator__version="766-dvcqg-2025").exists()
