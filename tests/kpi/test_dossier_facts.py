"""The Decision 766 facts kept on the dossier row (dossiers migration 0005) — each set in the
transaction that writes what it is made of, by whichever path writes it (the services, a bulk
insert, a queryset update) — and the migration's backfill."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection, transaction
from django.db.models import Exists, Min, OuterRef, Subquery

from kpi.test_766_engine import _files_in_tmp, act, at, clock, counter, desk, finish, online  # noqa: F401 (fixtures)
from tinhso.dossiers.feedback import DOSSIER_KINDS, feedback_submit, rating_submit
from tinhso.dossiers.models import Attachment, Dossier, Feedback, OutboxMessage, Rating, Supplement

pytestmark = pytest.mark.django_db
facts_migration = importlib.import_module("tinhso.dossiers.migrations.0005_dossier_kpi_facts")

COLUMNS = ["has_e_result", "has_reused_component", "has_store_component", "has_dislike", "has_complaint",
           "supplement_received_at", "sync_delivered"]


class Boom(Exception):
    pass


def columns(dossier) -> dict:
    return Dossier.objects.filter(pk=dossier.pk).values(*COLUMNS).get()


def truth():
    """The columns as the engine computed them before they existed: one subquery each."""
    return Dossier.objects.annotate(
        t_e_result=Exists(Attachment.objects.filter(dossier=OuterRef("pk"), is_result=True)),
        t_reused=Exists(Attachment.objects.filter(dossier=OuterRef("pk"), reused=True)),
        t_store=Exists(Attachment.objects.filter(dossier=OuterRef("pk"), from_citizen_store=True)),
        t_dislike=Exists(Rating.objects.filter(dossier=OuterRef("pk"), is_current=True, satisfied=False)),
        t_complaint=Exists(Feedback.objects.filter(dossier=OuterRef("pk"), kind__in=DOSSIER_KINDS)),
        t_received=Subquery(Supplement.objects.filter(dossier=OuterRef("pk"), received_at__isnull=False)
                            .values("dossier").annotate(m=Min("received_at")).values("m")),
        t_sync=Exists(OutboxMessage.objects.filter(dossier=OuterRef("pk"), topic="dvcqg.dossier",
                                                   sent_at__isnull=False)),
    ).values_list("pk", *COLUMNS, "t_e_result", "t_reused", "t_store", "t_dislike", "t_complaint", "t_received",
                  "t_sync")


def assert_columns_are_the_truth() -> None:
    rows = list(truth())
    assert rows
    for row in rows:
        assert row[1:8] == row[8:15], f"dossier {row[0]}"


def test_the_migration_freezes_the_kinds_of_pakn_item_5_4_counts():
    assert set(facts_migration.DOSSIER_KINDS) == {str(k) for k in DOSSIER_KINDS}


def test_an_e_result_is_on_the_dossier_in_the_transaction_that_stores_it(desk, clock):
    dossier = counter(desk, clock, at(9, 8))
    assert columns(dossier)["has_e_result"] is False
    with pytest.raises(Boom), transaction.atomic():
        finish(desk, clock, dossier, at(10, 9))  # dossier_act stores the e-result (services._store_files)
        assert columns(dossier)["has_e_result"] is True
        raise Boom
    assert columns(dossier)["has_e_result"] is False  # rolled back with the file
    finish(desk, clock, dossier, at(10, 9))
    assert columns(dossier)["has_e_result"] is True
    assert_columns_are_the_truth()


def test_a_dislike_follows_the_current_rating_and_a_pakn_about_the_dossier_sets_a_complaint(desk, clock):
    a = online(desk, clock, at(9, 8))
    finish(desk, clock, a, at(10, 9))
    clock.now = at(11, 9)
    with pytest.raises(Boom), transaction.atomic():
        rating_submit(actor=desk.citizen, code=a.code, satisfied=False)
        assert columns(a)["has_dislike"] is True
        raise Boom
    assert columns(a)["has_dislike"] is False
    rating_submit(actor=desk.citizen, code=a.code, satisfied=False)
    assert columns(a)["has_dislike"] is True
    clock.now = at(11, 10)
    rating_submit(actor=desk.citizen, code=a.code, satisfied=True)  # replaces the current rating
    assert columns(a)["has_dislike"] is False
    # A PAKN about staff behaviour is not one of item 5.4's kinds; one about lateness is.
    feedback_submit(actor=desk.citizen, kind="thai_do", title="Thái độ", content="Nội dung.", dossier_code=a.code)
    assert columns(a)["has_complaint"] is False
    with pytest.raises(Boom), transaction.atomic():
        feedback_submit(actor=desk.citizen, kind="tre_han", title="Chậm", content="Nội dung.", dossier_code=a.code)
        assert columns(a)["has_complaint"] is True
        raise Boom
    assert columns(a)["has_complaint"] is False
    feedback_submit(actor=desk.citizen, kind="tre_han", title="Chậm", content="Nội dung.", dossier_code=a.code)
    assert columns(a)["has_complaint"] is True
    assert_columns_are_the_truth()


def test_the_first_completion_of_a_supplement_is_on_the_dossier(desk, clock):
    dossier = counter(desk, clock, at(9, 8))
    act(desk, clock, dossier, at(9, 10), "yeu_cau_bo_sung")
    assert columns(dossier)["supplement_received_at"] is None
    with pytest.raises(Boom), transaction.atomic():
        act(desk, clock, dossier, at(10, 9), "nhan_bo_sung", files=[])
        assert columns(dossier)["supplement_received_at"] == at(10, 9)
        raise Boom
    assert columns(dossier)["supplement_received_at"] is None
    act(desk, clock, dossier, at(10, 9), "nhan_bo_sung", files=[])
    act(desk, clock, dossier, at(10, 14), "yeu_cau_bo_sung")
    act(desk, clock, dossier, at(11, 9), "nhan_bo_sung", files=[])
    assert columns(dossier)["supplement_received_at"] == at(10, 9)  # the first, as "any completed by then" reads
    assert_columns_are_the_truth()


def test_a_delivered_sync_message_marks_the_dossier_synced(desk, clock):
    dossier = counter(desk, clock, at(9, 8))
    assert OutboxMessage.objects.filter(dossier=dossier, topic="dvcqg.dossier").exists()
    assert columns(dossier)["sync_delivered"] is False
    OutboxMessage.objects.filter(dossier=dossier, topic="dvcqg.dossier").update(sent_at=at(9, 9))
    assert columns(dossier)["sync_delivered"] is True
    OutboxMessage.objects.filter(dossier=dossier).update(sent_at=None)  # e.g. a resend decided
    assert columns(dossier)["sync_delivered"] is False


def test_every_write_path_keeps_the_file_columns_right_insert_update_move_delete(desk, clock):
    a, b = counter(desk, clock, at(9, 8)), counter(desk, clock, at(9, 9))
    base = {"name": "a.pdf", "storage_path": "x", "size": 1, "content_type": "application/pdf",
            "sha256": "0" * 64, "uploaded_at": at(9, 10)}
    Attachment.objects.bulk_create([Attachment(dossier=a, reused=True, **base),
                                    Attachment(dossier=a, from_citizen_store=True, reused=True, **base)])
    assert (columns(a)["has_reused_component"], columns(a)["has_store_component"]) == (True, True)
    stored = Attachment.objects.get(dossier=a, from_citizen_store=True)
    Attachment.objects.filter(pk=stored.pk).update(dossier=b)  # moved to another dossier
    assert (columns(a)["has_reused_component"], columns(a)["has_store_component"]) == (True, False)
    assert (columns(b)["has_reused_component"], columns(b)["has_store_component"]) == (True, True)
    Attachment.objects.filter(dossier=a, reused=True).update(reused=False, is_result=True)
    assert (columns(a)["has_reused_component"], columns(a)["has_e_result"]) == (False, True)
    Attachment.objects.filter(dossier=b, from_citizen_store=True).delete()
    assert (columns(b)["has_reused_component"], columns(b)["has_store_component"]) == (False, False)
    Supplement.objects.bulk_create([Supplement(dossier=b, requested_at=at(9, 11), content="c",
                                               received_at=at(9, 15))])
    assert columns(b)["supplement_received_at"] == at(9, 15)
    Supplement.objects.filter(dossier=b).delete()
    assert columns(b)["supplement_received_at"] is None
    assert_columns_are_the_truth()


def test_the_backfill_sets_the_columns_of_existing_dossiers(desk, clock):
    a = online(desk, clock, at(9, 8))
    finish(desk, clock, a, at(10, 9))
    b = counter(desk, clock, at(9, 9))
    act(desk, clock, b, at(9, 10), "yeu_cau_bo_sung")
    act(desk, clock, b, at(10, 9), "nhan_bo_sung", files=[])
    clock.now = at(11, 9)
    rating_submit(actor=desk.citizen, code=a.code, satisfied=False)
    feedback_submit(actor=desk.citizen, kind="giai_quyet", title="Kết quả", content="Nội dung.", dossier_code=a.code)
    OutboxMessage.objects.filter(dossier=b, topic="dvcqg.dossier").update(sent_at=at(10, 10))
    Attachment.objects.filter(dossier=b).update(reused=True)
    expected = {d.pk: columns(d) for d in (a, b)}
    assert expected[a.pk]["has_e_result"] and expected[a.pk]["has_dislike"] and expected[a.pk]["has_complaint"]
    assert expected[b.pk]["supplement_received_at"] and expected[b.pk]["sync_delivered"]
    # As before the migration: the columns at their defaults (a dossier update fires no trigger).
    Dossier.objects.update(has_e_result=False, has_reused_component=False, has_store_component=False,
                           has_dislike=False, has_complaint=False, supplement_received_at=None,
                           sync_delivered=False)
    with connection.cursor() as cursor:
        for sql in facts_migration.backfill_sql(connection.vendor):
            cursor.execute(sql)
    assert {d.pk: columns(d) for d in (a, b)} == expected
    assert_columns_are_the_truth()


def test_the_engine_reads_the_columns_not_the_child_rows(desk, clock):
    """What the facts are made of: a column each (so the pass is one scan of the dossiers)."""
    from tinhso.kpi.engine.catalogue import catalogue_read
    from tinhso.kpi.engine.facts import Judgement, dossier_facts

    facts = dossier_facts(catalogue=catalogue_read().facts, judgement=Judgement(2026, at(10, 9)), with_sync=True)
    sql, _params = Dossier.objects.annotate(**facts).values(*facts).query.sql_with_params()
    for table in ("dossiers_attachment", "dossiers_rating", "dossiers_feedback", "dossiers_supplement",
                  "dossiers_outboxmessage"):
        assert table not in sql
