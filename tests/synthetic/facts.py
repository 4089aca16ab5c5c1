"""Reading generated data back the way the platform's own rules read it."""

from __future__ import annotations

import collections
import datetime as dt

from tinhso.dossiers import rules
from tinhso.dossiers.models import Attachment, Dossier, DossierEvent, Feedback, Rating, Supplement
from tinhso.payments.models import Payment


def events_by_dossier(ids) -> dict[int, list[DossierEvent]]:
    out: dict[int, list[DossierEvent]] = collections.defaultdict(list)
    for event in DossierEvent.objects.filter(dossier_id__in=ids).order_by("dossier_id", "seq"):
        out[event.dossier_id].append(event)
    return out


def supplements_by_dossier(ids) -> dict[int, list[Supplement]]:
    out: dict[int, list[Supplement]] = collections.defaultdict(list)
    for row in Supplement.objects.filter(dossier_id__in=ids).order_by("dossier_id", "requested_at"):
        out[row.dossier_id].append(row)
    return out


def verdict(dossier: Dossier, events: list[DossierEvent], supplements: list[Supplement],
            period_end: dt.datetime) -> rules.Verdict:
    """Decision 766 rule 2.1 from the dossier's columns, its control slip and its supplement rows."""
    first: dict[int, dt.datetime] = {}
    for event in events:
        first.setdefault(event.status, event.at)
    terminals = rules.Terminals(processed_at=first.get(9), returned_at=first.get(10), stopped_at=first.get(8),
                                refused_at=first.get(3), withdrawn_at=first.get(7))
    spans = [rules.SupplementSpan(s.requested_at, s.received_at) for s in supplements]
    return rules.on_time_verdict(accepted_at=dossier.accepted_at, due_at=dossier.due_at, terminals=terminals,
                                 supplements=spans, period_end=period_end)


USER_COLUMNS = ("applicant_id", "payer_id", "rated_by_id", "sender_id", "uploaded_by_id")


def fingerprint() -> dict[str, list]:
    """Every generated row, with row ids replaced by natural keys (dossier code, username): two
    runs compare equal iff they wrote the same data, whatever ids the database handed out."""
    from tinhso.accounts.models import User

    code = dict(Dossier.objects.values_list("pk", "code"))
    username = dict(User.objects.values_list("pk", "username"))

    def rows(model):
        fields = [f.attname for f in model._meta.concrete_fields if f.attname not in ("id", "repeat_of_id")]
        out = []
        for values in model.objects.values(*fields):
            if "dossier_id" in values:
                values["dossier_id"] = code.get(values["dossier_id"])
            for column in USER_COLUMNS:
                if column in values:
                    values[column] = username.get(values[column])
            out.append(tuple(sorted(values.items())))
        return sorted(out, key=repr)

    return {name: rows(model) for name, model in (
        ("dossiers", Dossier), ("events", DossierEvent), ("supplements", Supplement), ("attachments", Attachment),
        ("ratings", Rating), ("payments", Payment), ("feedback", Feedback))}
