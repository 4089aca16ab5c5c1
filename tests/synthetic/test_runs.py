"""Whole runs: the same seed gives the same data (inline and through the writer thread), the
command and the demo entry point, and arguments the generator refuses."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone

from tinhso.dossiers.models import Dossier, DossierEvent
from tinhso.synthetic.mix import Mix
from tinhso.synthetic.models import GenerationRun
from tinhso.synthetic.services import GenerationInvalid, province_generate, province_generate_demo
from tinhso.synthetic.world import WorldInvalid

from .conftest import demo_province_load
from .facts import fingerprint

END = dt.date(2026, 6, 30)


def _run_and_fingerprint(**kwargs) -> dict:
    with transaction.atomic():
        province_generate(**kwargs)
        prints = fingerprint()
        transaction.set_rollback(True)
    return prints


@pytest.mark.django_db
def test_same_seed_same_data_whatever_the_chunks_other_seed_other_data():
    demo_province_load()
    first = _run_and_fingerprint(dossiers=120, months=3, end=END, seed=7)
    again = _run_and_fingerprint(dossiers=120, months=3, end=END, seed=7, chunk=25)  # written in 5 chunks
    other = _run_and_fingerprint(dossiers=120, months=3, end=END, seed=8)
    assert len(first["dossiers"]) == 120 and len(first["events"]) > 120
    assert first == again
    assert first["dossiers"] != other["dossiers"]


@pytest.mark.django_db
def test_a_period_in_the_past_is_generated_whole_and_nothing_after_its_end():
    demo_province_load()
    summary = province_generate(dossiers=200, months=2, end=END, seed=3)
    last_moment = timezone.make_aware(dt.datetime(2026, 6, 30, 23, 59, 59))
    assert summary.cutoff == last_moment
    assert not DossierEvent.objects.filter(at__gt=last_moment).exists()
    first = Dossier.objects.earliest("submitted_at").submitted_at
    assert timezone.localtime(first).date() >= dt.date(2026, 5, 1)


@pytest.mark.django_db
def test_stalled_dossiers_of_the_last_weeks_are_still_open_and_overdue_at_the_end():
    demo_province_load()
    mix = dataclasses.replace(Mix(), stuck=0.3)
    summary = province_generate(dossiers=150, months=1, end=END, seed=5, mix=mix, keep_intents=True)
    stuck = {code for code, intent in summary.intents.items() if intent.stuck}
    assert len(stuck) > 20
    open_overdue = set(Dossier.objects.filter(code__in=stuck, finished_at__isnull=True,
                                              due_at__lt=summary.cutoff).values_list("code", flat=True))
    assert len(open_overdue) > len(stuck) / 2
    assert all(summary.intents[code].on_time is False for code in open_overdue)


@pytest.mark.django_db
def test_the_command_reports_time_rows_and_memory():
    demo_province_load()
    out = io.StringIO()
    call_command("generate_province", "--dossiers", "60", "--months", "2", "--end", "2026-03-31", "--seed", "1",
                 "--report", stdout=out)
    text = out.getvalue()
    assert "60 hồ sơ" in text or "60 dossiers" in text
    assert "events" in text and "peak RSS" in text
    assert Dossier.objects.count() == 60
    with pytest.raises(CommandError, match="Số hồ sơ phải lớn hơn 0"):
        call_command("generate_province", "--dossiers", "0", stdout=io.StringIO())


@pytest.mark.django_db
def test_refuses_what_it_cannot_do():
    with pytest.raises(GenerationInvalid):
        province_generate(dossiers=10, months=0, end=END, seed=1)
    # before the demo agencies and catalogue are loaded there is nothing to generate for
    with pytest.raises(WorldInvalid, match="cơ quan|thủ tục"):
        province_generate(dossiers=10, months=1, end=END, seed=1, agencies=["000.99.99.H99"])
    demo_province_load()
    with pytest.raises(WorldInvalid, match="chưa có cơ quan"):
        # the demo agencies exist from 1 July 2025: a period before that has none
        province_generate(dossiers=10, months=2, end=dt.date(2025, 3, 31), seed=1)


@pytest.mark.django_db
def test_demo_generates_once():
    demo_province_load()
    summary = province_generate_demo(dossiers=150)
    assert summary is not None and summary.dossiers == 150
    assert summary.end == timezone.localdate() and summary.cutoff <= timezone.now()
    assert GenerationRun.objects.get(label="demo").counts["dossiers"] == 150
    assert province_generate_demo(dossiers=150) is None
    assert Dossier.objects.count() == 150


def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("the writer thread is the PostgreSQL path")


@pytest.mark.django_db(transaction=True)
def test_writer_thread_writes_what_the_inline_path_writes():
    _postgres_only()
    demo_province_load()
    inline = _run_and_fingerprint(dossiers=150, months=2, end=END, seed=11, pipeline=False)
    summary = province_generate(dossiers=150, months=2, end=END, seed=11, chunk=40)  # several chunks
    assert summary.mode.startswith("PostgreSQL COPY, writer thread")
    assert fingerprint() == inline
    run = GenerationRun.objects.get(pk=summary.run_id)
    assert run.first_dossier_id <= Dossier.objects.order_by("pk").first().pk
    assert run.last_dossier_id >= Dossier.objects.order_by("pk").last().pk
