"""The Decision 766 facts kept on the dossier row (issue 5), maintained by database triggers.

The engine's pass (kpi/engine/cells.py) read these from the dossier's child rows with one correlated
subquery each, per dossier; kept as columns, the pass is one scan of `dossiers_dossier`. Each column
is a function of the child rows (`FACTS`); a trigger on the child table recomputes the columns it
feeds for the dossier(s) a written row belongs to, in the statement that writes the row — so in the
same transaction whatever writes it (the services, `documents` issuing a signed result, a bulk
insert, a queryset update, the synthetic generator with its triggers on). Nothing in Python has to
remember to set them. Only a load with triggers disabled (`session_replication_role = replica`,
the generator's `--no-fk-checks`) must set them itself, which the generator does.

The backfill sets the columns of existing dossiers with the same expressions. The kinds of PAKN
counted by item 5.4 are frozen here as `dossiers.feedback.DOSSIER_KINDS` is today
(tests/kpi/test_dossier_facts.py checks that they still agree).
"""

from django.db import migrations, models

#: "hồ sơ TTHC có phản ánh, kiến nghị" (Decision 766, item 5.4): PAKN about reception, settlement, lateness.
DOSSIER_KINDS = ("giai_quyet", "tiep_nhan", "tre_han")
SYNC_TOPIC = "dvcqg.dossier"

#: child table → [(dossier column, aggregate, expression over the child row `c`)]; `exists` is true
#: when a child row satisfies the expression, `min` the least non-null value.
FACTS: dict[str, list[tuple[str, str, str]]] = {
    "dossiers_attachment": [
        ("has_e_result", "exists", "c.is_result"),
        ("has_reused_component", "exists", "c.reused"),
        ("has_store_component", "exists", "c.from_citizen_store"),
    ],
    "dossiers_rating": [
        ("has_dislike", "exists", "c.is_current AND NOT c.satisfied"),
    ],
    "dossiers_feedback": [
        ("has_complaint", "exists", "c.kind IN (" + ", ".join(f"'{k}'" for k in DOSSIER_KINDS) + ")"),
    ],
    "dossiers_supplement": [
        ("supplement_received_at", "min", "c.received_at"),
    ],
    "dossiers_outboxmessage": [
        ("sync_delivered", "exists", f"c.topic = '{SYNC_TOPIC}' AND c.sent_at IS NOT NULL"),
    ],
}
#: The child columns a trigger on UPDATE listens to (besides dossier_id).
WATCHED = {
    "dossiers_attachment": ["is_result", "reused", "from_citizen_store"],
    "dossiers_rating": ["is_current", "satisfied"],
    "dossiers_feedback": ["kind"],
    "dossiers_supplement": ["received_at"],
    "dossiers_outboxmessage": ["topic", "sent_at"],
}


def value_sql(table: str, aggregate: str, expression: str) -> str:
    """The column's value for the dossier row `dossiers_dossier` being updated."""
    if aggregate == "min":
        return f"(SELECT MIN({expression}) FROM {table} c WHERE c.dossier_id = dossiers_dossier.id)"
    return f"EXISTS (SELECT 1 FROM {table} c WHERE c.dossier_id = dossiers_dossier.id AND {expression})"


def refresh_sql(table: str, vendor: str, where: str) -> str:
    """UPDATE the columns `table` feeds for the dossiers `where` selects, writing only rows that change."""
    differs = "IS DISTINCT FROM" if vendor == "postgresql" else "IS NOT"
    sets, changed = [], []
    for column, aggregate, expression in FACTS[table]:
        value = value_sql(table, aggregate, expression)
        sets.append(f"{column} = {value}")
        changed.append(f"{column} {differs} {value}")
    return f"UPDATE dossiers_dossier SET {', '.join(sets)} WHERE ({where}) AND ({' OR '.join(changed)})"


def _insert_when(table: str, new: str = "NEW") -> str:
    """An inserted row changes nothing unless it satisfies one of its expressions."""
    parts = []
    for _column, aggregate, expression in FACTS[table]:
        row = expression.replace("c.", f"{new}.")
        parts.append(f"{row} IS NOT NULL" if aggregate == "min" else f"({row})")
    return f"{new}.dossier_id IS NOT NULL AND (" + " OR ".join(parts) + ")"


def _name(table: str) -> str:
    return "dossier_facts_" + table.removeprefix("dossiers_")


def postgresql_create() -> list[str]:
    statements = []
    for table in FACTS:
        name = _name(table)
        old = refresh_sql(table, "postgresql", "id = OLD.dossier_id")
        new = refresh_sql(table, "postgresql", "id = NEW.dossier_id")
        statements.append(f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' AND OLD.dossier_id IS NOT NULL THEN
        {old};
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.dossier_id IS DISTINCT FROM OLD.dossier_id) THEN
        {new};
    END IF;
    RETURN NULL;
END $$""")
        watched = ", ".join(["dossier_id", *WATCHED[table]])
        statements += [
            f"CREATE TRIGGER {name}_insert AFTER INSERT ON {table} FOR EACH ROW "
            f"WHEN ({_insert_when(table)}) EXECUTE FUNCTION {name}()",
            f"CREATE TRIGGER {name}_update AFTER UPDATE OF {watched} ON {table} FOR EACH ROW "
            f"EXECUTE FUNCTION {name}()",
            f"CREATE TRIGGER {name}_delete AFTER DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION {name}()",
        ]
    return statements


def postgresql_drop() -> list[str]:
    statements = []
    for table in FACTS:
        name = _name(table)
        statements += [f"DROP TRIGGER IF EXISTS {name}_{op} ON {table}" for op in ("insert", "update", "delete")]
        statements.append(f"DROP FUNCTION IF EXISTS {name}()")
    return statements


def sqlite_create() -> list[str]:
    statements = []
    for table in FACTS:
        name = _name(table)
        watched = ", ".join(["dossier_id", *WATCHED[table]])
        statements += [
            f"CREATE TRIGGER {name}_insert AFTER INSERT ON {table} WHEN {_insert_when(table)} "
            f"BEGIN {refresh_sql(table, 'sqlite', 'id = NEW.dossier_id')}; END",
            f"CREATE TRIGGER {name}_update AFTER UPDATE OF {watched} ON {table} "
            f"BEGIN {refresh_sql(table, 'sqlite', 'id IN (OLD.dossier_id, NEW.dossier_id)')}; END",
            f"CREATE TRIGGER {name}_delete AFTER DELETE ON {table} "
            f"BEGIN {refresh_sql(table, 'sqlite', 'id = OLD.dossier_id')}; END",
        ]
    return statements


def sqlite_drop() -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {_name(table)}_{op}" for table in FACTS for op in ("insert", "update", "delete")]


def backfill_sql(vendor: str) -> list[str]:
    """Set the columns of the dossiers that have a child row counting for one (the others keep the
    defaults: false, null)."""
    return [refresh_sql(table, vendor, "id IN (SELECT c.dossier_id FROM {table} c WHERE {cond})".format(
        table=table, cond=" OR ".join(f"({e}) IS NOT NULL" if a == "min" else f"({e})" for _c, a, e in facts)))
        for table, facts in FACTS.items()]


def _run(statements):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        with schema_editor.connection.cursor() as cursor:
            for sql in statements(vendor):
                cursor.execute(sql)
    return run


def _forward(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return postgresql_create() + backfill_sql(vendor)
    if vendor == "sqlite":
        return sqlite_create() + backfill_sql(vendor)
    return backfill_sql(vendor)


def _backward(vendor: str) -> list[str]:
    return postgresql_drop() if vendor == "postgresql" else sqlite_drop() if vendor == "sqlite" else []


class Migration(migrations.Migration):

    dependencies = [
        ("dossiers", "0004_citizen_store"),
    ]

    operations = [
        migrations.AddField(
            model_name="dossier",
            name="has_e_result",
            field=models.BooleanField(default=False, editable=False, verbose_name="có kết quả điện tử"),
        ),
        migrations.AddField(
            model_name="dossier",
            name="has_reused_component",
            field=models.BooleanField(default=False, editable=False, verbose_name="có thành phần tái sử dụng"),
        ),
        migrations.AddField(
            model_name="dossier",
            name="has_store_component",
            field=models.BooleanField(default=False, editable=False, verbose_name="có thành phần lấy từ kho dữ liệu"),
        ),
        migrations.AddField(
            model_name="dossier",
            name="has_dislike",
            field=models.BooleanField(default=False, editable=False, verbose_name="bị đánh giá không hài lòng"),
        ),
        migrations.AddField(
            model_name="dossier",
            name="has_complaint",
            field=models.BooleanField(default=False, editable=False, verbose_name="có phản ánh, kiến nghị về hồ sơ"),
        ),
        migrations.AddField(
            model_name="dossier",
            name="supplement_received_at",
            field=models.DateTimeField(blank=True, editable=False, null=True,
                                       verbose_name="công dân bổ sung lần đầu lúc"),
        ),
        migrations.AddField(
            model_name="dossier",
            name="sync_delivered",
            field=models.BooleanField(default=False, editable=False, verbose_name="đã đồng bộ lên Cổng DVCQG"),
        ),
        migrations.RunPython(_run(_forward), _run(_backward), elidable=False),
    ]
