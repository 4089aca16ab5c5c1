"""The synthetic province read back through the platform's own rules: workflows, calendar,
Decision 766 on-time rule, dossier codes, and the proportions the generator promises."""

from __future__ import annotations

import collections
import datetime as dt
import hashlib
import re

import pytest
from django.utils import timezone

from tinhso.accounts.models import User, UserKind
from tinhso.accounts.validators import personal_id_parse, tax_code_parse
from tinhso.catalog.workflow import APPLICANT, SYSTEM, Effect, compiled
from tinhso.core.calendar import calendar_for
from tinhso.dossiers.feedback import ANSWER_WORKING_DAYS, RATABLE_STATUSES, REFUSE_WORKING_DAYS
from tinhso.dossiers.models import (
    Attachment,
    Dossier,
    DossierEvent,
    DossierSequence,
    Feedback,
    FeedbackStatus,
    Rating,
    Supplement,
)
from tinhso.payments.models import Payment, PaymentStatus
from tinhso.synthetic.mix import Mix

from .conftest import DOSSIERS
from .facts import events_by_dossier, supplements_by_dossier, verdict

pytestmark = pytest.mark.django_db

OFFICIAL = {"receiving_officer", "specialist", "leader", "result_clerk"}


def _dossiers():
    return list(Dossier.objects.select_related("workflow", "procedure_version", "receiving_agency",
                                               "competent_agency").order_by("pk"))


def test_writes_the_number_of_dossiers_asked_with_their_control_slips(generated):
    summary = generated.summary
    assert summary.dossiers == DOSSIERS == Dossier.objects.count()
    assert summary.rows["events"] == DossierEvent.objects.count()
    assert summary.rows["attachments"] == Attachment.objects.count()
    assert summary.rows["supplements"] == Supplement.objects.count()
    assert summary.rows["ratings"] == Rating.objects.count()
    # every dossier's event_seq is the number of lines on its control slip, numbered 1..n
    slips = events_by_dossier(Dossier.objects.values_list("pk", flat=True))
    for dossier in Dossier.objects.all():
        assert [e.seq for e in slips[dossier.pk]] == list(range(1, dossier.event_seq + 1))
    assert summary.start <= timezone.localtime(Dossier.objects.earliest("submitted_at").submitted_at).date()
    assert Dossier.objects.latest("submitted_at").submitted_at <= summary.cutoff


def test_every_control_slip_is_a_path_of_the_pinned_workflow(generated):
    dossiers = _dossiers()
    slips = events_by_dossier([d.pk for d in dossiers])
    for dossier in dossiers:
        wf = compiled(dossier.workflow)
        events = slips[dossier.pk]
        submit = events[0]
        assert (submit.action, submit.from_state, submit.to_state, submit.status) == ("nop_ho_so", "", wf.start, 1)
        state, moment = wf.start, submit.at
        for event in events[1:]:
            action = wf.action(state, event.action)
            assert action is not None, f"{dossier.code}: no action {event.action} from {state}"
            assert (event.from_state, event.to_state) == (state, action.to)
            assert event.effect == action.effect
            assert event.actor_role in action.roles
            target = wf.state(action.to)
            assert event.status == (2 if action.effect == Effect.ACCEPT else target.status)
            holder = dossier.receiving_agency_id if target.holder == "receiving" else dossier.competent_agency_id
            assert event.to_agency_id == holder
            assert event.at >= moment, f"{dossier.code}: event {event.seq} goes back in time"
            state, moment = action.to, event.at
        assert dossier.state == state
        assert dossier.status == wf.state(state).status
        assert dossier.updated_at == moment


def test_officers_act_in_office_hours_of_the_working_calendar(generated):
    cal = calendar_for(agency=Dossier.objects.first().competent_agency)
    checked = 0
    for event in DossierEvent.objects.filter(actor_role__in=OFFICIAL).exclude(action="nop_ho_so"):
        # an officer's hand-over happens during office hours (a period's close included)
        start = cal.start_of_counting(event.at)
        assert start == event.at or cal.start_of_counting(event.at - dt.timedelta(seconds=1)) == \
            event.at - dt.timedelta(seconds=1), f"{event.dossier_id}: {event.action} at {event.at}"
        checked += 1
    assert checked > DOSSIERS
    for dossier in Dossier.objects.filter(source="counter"):
        assert cal.start_of_counting(dossier.submitted_at) == dossier.submitted_at


def test_766_columns_agree_with_the_control_slip_and_the_calendar(generated):
    dossiers = _dossiers()
    slips = events_by_dossier([d.pk for d in dossiers])
    supplements = supplements_by_dossier([d.pk for d in dossiers])
    for dossier in dossiers:
        events = slips[dossier.pk]
        by_effect = collections.defaultdict(list)
        for event in events:
            by_effect[event.effect].append(event)
        accept = by_effect[Effect.ACCEPT]
        assert dossier.accepted_at == (accept[0].at if accept else None)
        extensions = by_effect[Effect.EXTEND]
        if accept:
            version = dossier.procedure_version
            due = calendar_for(agency=dossier.competent_agency).deadline(
                dossier.accepted_at, version.processing_amount, version.processing_unit)
            assert accept[0].data["due_at"] == timezone.localtime(due).isoformat()
            if extensions:
                assert extensions[0].data["previous_due_at"] == timezone.localtime(due).isoformat()
                due = dt.datetime.fromisoformat(extensions[-1].data["new_due_at"])
                assert due > dt.datetime.fromisoformat(extensions[-1].data["previous_due_at"])
            assert dossier.due_at == due
        else:
            assert dossier.due_at is None
        assert dossier.extension_count == len(extensions)
        ends = [e.at for e in events if e.effect in (Effect.REFUSE, Effect.STOP, Effect.WITHDRAW,
                                                      Effect.RESULT_ISSUED, Effect.RESULT_RETURNED)]
        assert dossier.finished_at == (min(ends) if ends else None)
        returned = by_effect[Effect.RESULT_RETURNED]
        assert dossier.returned_at == (returned[0].at if returned else None)
        rows = supplements[dossier.pk]
        requests = by_effect[Effect.SUPPLEMENT_REQUEST]
        assert dossier.supplement_count == len(requests) == len(rows)
        assert [r.requested_at for r in rows] == [e.at for e in requests]
        assert [r.received_at for r in rows if r.received_at] == [e.at for e in by_effect[Effect.SUPPLEMENT_RECEIVED]]
        paused = sum((r.received_at - r.requested_at for r in rows if r.received_at), dt.timedelta())
        assert dossier.supplement_duration == paused
        still_waiting = [r for r in rows if r.received_at is None]
        expected_waiting = still_waiting[0].requested_at if still_waiting and dossier.status == 5 else None
        assert dossier.supplement_requested_at == expected_waiting
        digitised = Attachment.objects.filter(dossier=dossier, digitised=True).exists()
        assert dossier.has_digitised_components == digitised


def test_on_time_verdict_from_the_columns_is_what_the_generator_meant(generated):
    summary = generated.summary
    dossiers = _dossiers()
    slips = events_by_dossier([d.pk for d in dossiers])
    supplements = supplements_by_dossier([d.pk for d in dossiers])
    meant = collections.Counter()
    for dossier in dossiers:
        intent = summary.intents[dossier.code]
        got = verdict(dossier, slips[dossier.pk], supplements[dossier.pk], summary.cutoff)
        assert got.on_time == intent.on_time, (dossier.code, intent, got)
        meant[(intent.constructed, intent.on_time)] += 1
        if intent.supplements >= 2:
            assert got.on_time is False
    # both outcomes were built on purpose, not only derived
    assert meant[(True, True)] > 300 and meant[(True, False)] >= 5 and meant[(True, None)] >= 3


def test_proportions_are_those_documented(generated):
    mix, summary = Mix(), generated.summary
    total = Dossier.objects.count()
    online = Dossier.objects.filter(channel=2).count() / total
    assert 0.45 <= online <= 0.80
    national = Dossier.objects.filter(source="dvcqg").count() / Dossier.objects.filter(channel=2).count()
    assert 0.70 <= national <= 0.97
    # online share rises: the last four months above the first four
    first = Dossier.objects.filter(submitted_at__lt=summary.cutoff - dt.timedelta(days=270))
    last = Dossier.objects.filter(submitted_at__gte=summary.cutoff - dt.timedelta(days=120))
    assert last.filter(channel=2).count() / last.count() > first.filter(channel=2).count() / first.count()
    intents = summary.intents.values()
    judged = [i for i in intents if i.on_time is not None]
    on_time = sum(i.on_time for i in judged) / len(judged)
    assert 0.85 <= on_time <= 0.99
    accepted = Dossier.objects.filter(accepted_at__isnull=False)
    one = accepted.filter(supplement_count=1).count() / accepted.count()
    assert 0.02 <= one <= 0.12
    assert accepted.filter(supplement_count__gte=2).count() <= accepted.filter(supplement_count=1).count()
    assert Dossier.objects.filter(status=3).exists()                      # refusals
    assert Dossier.objects.filter(status=7, accepted_at__isnull=True).exists()  # withdrawn before acceptance
    assert Dossier.objects.filter(extension_count__gt=0).exists()
    open_ = Dossier.objects.exclude(status__in=[3, 7, 8, 10]).count()
    assert 5 <= open_ <= 0.2 * total
    # stalled dossiers are late (test_runs checks that recent ones are still open and overdue)
    stuck = [code for code, i in summary.intents.items() if i.stuck]
    assert stuck and all(summary.intents[c].on_time is False for c in stuck)
    e_results = Attachment.objects.filter(is_result=True).count() / Dossier.objects.filter(status__in=[9, 10]).count()
    assert mix.e_result[0] * 0.5 <= e_results <= 1.0
    assert Dossier.objects.filter(source="counter", has_digitised_components=True).count() > \
        0.7 * Dossier.objects.filter(source="counter", status__in=[9, 10]).count()
    assert Attachment.objects.filter(reused=True, replaced_result_code__startswith="KQ-").exists()
    assert Dossier.objects.filter(source="dvcqg", vneid_authenticated=True).count() > \
        0.8 * Dossier.objects.filter(source="dvcqg").count()
    ratings = Rating.objects.filter(is_current=True)
    assert 0.8 <= ratings.filter(satisfied=True).count() / ratings.count() <= 1.0
    assert Feedback.objects.exists()


def test_dossier_codes_are_unique_dated_and_numbered_through_the_sequence(generated):
    codes = collections.defaultdict(list)
    for dossier in Dossier.objects.select_related("receiving_agency"):
        day = timezone.localtime(dossier.submitted_at).date()
        match = re.fullmatch(rf"{re.escape(dossier.receiving_agency.code)}-{day:%y%m%d}-(\d{{4}})", dossier.code)
        assert match, dossier.code
        codes[(dossier.receiving_agency_id, day)].append(int(match.group(1)))
    for (agency, day), numbers in codes.items():
        assert sorted(numbers) == list(range(1, len(numbers) + 1))
        assert DossierSequence.objects.get(agency_id=agency, day=day).last == len(numbers)


def test_a_real_counter_intake_after_generation_takes_the_next_number():
    """Generation up to now at one commune, then a real intake at its counter: the code goes on
    from the last generated number of the day, never onto one of them."""
    from django.conf import settings

    from tinhso.accounts.models import AgencyRole, Role
    from tinhso.core.models import Agency
    from tinhso.dossiers import services
    from tinhso.dossiers.national import example_pdf
    from tinhso.synthetic.services import province_generate

    from .conftest import demo_province_load

    demo_province_load()
    commune = Agency.objects.filter(kind="ubnd_xa", unit__parent__code=settings.TINHSO_PROVINCE,
                                    unit__parent__valid_to__isnull=True).order_by("code").first()
    province_generate(dossiers=400, months=1, seed=9, agencies=[commune])
    today = timezone.localdate()
    prefix = f"{commune.code}-{today:%y%m%d}-"
    generated_today = Dossier.objects.filter(code__startswith=prefix).count()
    row = DossierSequence.objects.filter(agency=commune, day=today).first()
    assert (row.last if row else 0) == generated_today
    officer = User.objects.create(username="synthetic.tiepnhan", full_name="Cán Bộ Thử", kind=UserKind.OFFICIAL)
    AgencyRole.objects.create(user=officer, agency=commune, role=Role.RECEIVING_OFFICER)
    files = [services.IncomingFile(name="to-khai.pdf", data=example_pdf("TK"), component_code="TK", digitised=True),
             services.IncomingFile(name="giay-chung-sinh.pdf", data=example_pdf("GCS"), component_code="GCS",
                                   digitised=True)]
    dossier, created = services.dossier_intake(
        actor=officer, procedure_code="1.001193", receiving_agency=commune, source="counter",
        applicant=services.Applicant(name="Nguyễn Văn Thử", id_number="086090000123"),
        form_data={"ho_ten_tre": "Nguyễn Gia Thử", "ngay_sinh": "2026-10-02", "gioi_tinh": "Nam"},
        files=files, accept=True, validate_form=False)
    assert created
    assert dossier.code == f"{prefix}{generated_today + 1:04d}"
    assert Dossier.objects.filter(code__startswith=prefix).count() == generated_today + 1


def test_ratings_only_once_the_agency_has_answered(generated):
    cutoff = generated.summary.cutoff
    for rating in Rating.objects.select_related("dossier"):
        dossier = rating.dossier
        assert dossier.status in RATABLE_STATUSES
        assert dossier.finished_at <= rating.rated_at <= cutoff
        if rating.channel == "portal":
            assert rating.rated_by_id == dossier.applicant_id is not None
        else:
            assert rating.rated_by_id is None
    current = collections.Counter(Rating.objects.filter(is_current=True).values_list("dossier_id", flat=True))
    assert set(current.values()) == {1}


def test_payments_only_where_there_are_fees(generated):
    assert Payment.objects.exists()
    for payment in Payment.objects.select_related("dossier"):
        assert payment.dossier.fee_total > 0 and payment.amount == payment.dossier.fee_total
        if payment.status == PaymentStatus.PAID:
            assert payment.dossier.paid_online == 2 and payment.paid_at is not None
            assert payment.payer_id == payment.dossier.applicant_id
    assert not Dossier.objects.filter(fee_total=0, paid_online__gt=0).exists()
    assert not Dossier.objects.filter(paid_online__gt=0).exclude(channel=2).exists()
    assert not Dossier.objects.filter(paid_online=2).exclude(
        pk__in=Payment.objects.filter(status=PaymentStatus.PAID).values("dossier")).exists()


def test_feedback_follows_the_pakn_rules(generated):
    for feedback in Feedback.objects.select_related("dossier", "agency"):
        cal = calendar_for(agency=feedback.agency)
        assert feedback.refuse_due_at == cal.add_working_days(feedback.assigned_at, REFUSE_WORKING_DAYS)
        assert feedback.answer_due_at == cal.add_working_days(feedback.assigned_at, ANSWER_WORKING_DAYS)
        if feedback.dossier_id:
            assert feedback.sender_id == feedback.dossier.applicant_id
        if feedback.status == FeedbackStatus.ANSWERED:
            assert feedback.answered_at and feedback.answer
        if feedback.status == FeedbackStatus.CLOSED:
            assert feedback.sender_satisfied is not None and feedback.closed_at >= (
                feedback.answered_at or feedback.refused_at)
        if feedback.repeat_of_id:
            assert (feedback.repeat_of.sender_id, feedback.repeat_of.dossier_id) == (
                feedback.sender_id, feedback.dossier_id)
        if feedback.transferred_from_id:
            assert feedback.assigned_at == feedback.transferred_at > feedback.submitted_at


def test_people_are_synthetic_but_valid(generated):
    on = generated.summary.end
    for kind, number in Dossier.objects.values_list("applicant_kind", "applicant_id_number"):
        if kind in ("citizen", "household"):
            assert personal_id_parse(number, today=on).birth_province_code in ("083", "084", "086")
        elif kind == "business":
            assert tax_code_parse(number).kind == "organisation"
    accounts = User.objects.filter(kind=UserKind.CITIZEN)
    assert accounts.exists()
    for user in accounts:
        assert user.username == user.personal_id and not user.has_usable_password()
    for dossier in Dossier.objects.filter(source="online").select_related("applicant"):
        assert (dossier.applicant.full_name, dossier.applicant.personal_id) == (
            dossier.applicant_name, dossier.applicant_id_number)
    for dossier in Dossier.objects.exclude(source="online"):
        assert dossier.applicant_id is None


def test_attachments_point_at_a_stored_file(generated):
    from tinhso.dossiers.attachments import attachment_open

    paths = set(Attachment.objects.values_list("storage_path", "sha256").distinct())
    assert len(paths) == 2  # the applicants' files and the e-results
    for path, sha in paths:
        with attachment_open(path) as handle:
            data = handle.read()
        assert hashlib.sha256(data).hexdigest() == sha
    # the document gate: no dossier left a gated step without its required components
    for dossier in _dossiers():
        wf = compiled(dossier.workflow)
        gated_exits = DossierEvent.objects.filter(dossier=dossier, from_state__in=[
            s for s, spec in wf.states.items() if spec.documents_required]).exclude(effect__in=[
                Effect.REFUSE, Effect.STOP, Effect.WITHDRAW, Effect.SUPPLEMENT_REQUEST, Effect.EXTEND])
        if gated_exits.exists():
            required = {c["code"] for c in dossier.procedure_version.components if c.get("required")}
            present = set(dossier.attachments.filter(is_result=False).values_list("component_code", flat=True))
            assert required <= present, dossier.code


def test_roles_of_applicants_and_systems_only_where_they_can_act(generated):
    for event in DossierEvent.objects.filter(actor_role__in=[APPLICANT, SYSTEM]).select_related("dossier"):
        if event.actor_role == APPLICANT:
            assert event.dossier.source == "online"


def test_per_step_times_on_the_control_slip(generated):
    """Each line's early / on time / late is dossiers.rules.timeliness of its hand-over against the
    step's allowance; the reception step's allowance is 8 office hours from the submission."""
    from tinhso.dossiers.rules import timeliness

    for event in DossierEvent.objects.exclude(seq=1).select_related("dossier__competent_agency"):
        assert event.timeliness == timeliness(event.at, event.state_due_at), (event.dossier_id, event.seq)
        if event.from_state == "moi_nop":
            cal = calendar_for(agency=event.dossier.receiving_agency)
            assert event.state_entered_at == event.dossier.submitted_at
            assert event.state_due_at == cal.add_working_hours(event.dossier.submitted_at, 8)
    late_steps = DossierEvent.objects.filter(timeliness="late").count()
    assert 0 < late_steps < DossierEvent.objects.exclude(timeliness="").count() / 3


def test_generated_dossiers_feed_the_national_sync_and_the_satisfaction_counts(generated):
    from tinhso.dossiers.feedback import dossier_satisfaction_by_agency, feedback_counts_by_agency
    from tinhso.dossiers.national import national_sync_payload

    summary = generated.summary
    for dossier in Dossier.objects.order_by("?")[:40]:
        payload = national_sync_payload(dossier)
        assert payload["hoSo"]["MaHoSo"] == dossier.code
        assert len(payload["tienTrinhDongBo"]) == dossier.event_seq
    start = timezone.make_aware(dt.datetime.combine(summary.start, dt.time()))
    satisfaction = dossier_satisfaction_by_agency(start=start, end=summary.cutoff)
    assert sum(row.dossiers for row in satisfaction.values()) == Dossier.objects.filter(
        finished_at__isnull=False).count()
    counts = feedback_counts_by_agency(start=start, end=summary.cutoff)
    assert sum(c.received for c in counts.values()) == Feedback.objects.count()
