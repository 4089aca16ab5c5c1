"""Scheduled work of the kpi app (`django.tasks`, enqueued by `tinhso scheduler` — django-crontask —
and run by `tinhso worker`): the incremental update of the Decision 766 measurements every few
minutes, and the nightly full recompute, which also refreshes what no appended row announces
(time passing over open dossiers, PAKN answered, payments noted, sync messages delivered)."""

from __future__ import annotations

from crontask import cron
from django.tasks import task

from tinhso.kpi import services
from tinhso.kpi.periods import vn_today


@cron("*/5 * * * *")
@task
def kpi_update_task() -> dict:
    result = services.measurements_update()
    return {"dossiers": result.dossiers, "cells": result.cells, "written": result.written,
            "bootstrapped": result.bootstrapped}


@cron("15 1 * * *")
@task
def kpi_recompute_task() -> dict:
    """The current year; in January also the year just ended, whose dossiers are still finishing."""
    today = vn_today()
    years = [today.year - 1, today.year] if today.month == 1 else [today.year]
    out = {}
    for year in years:
        result = services.measurements_recompute(year=year)
        out[str(year)] = {"cells": result.cells, "rows": result.rows, "written": result.written,
                          "deleted": result.deleted}
    return out
