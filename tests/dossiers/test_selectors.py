"""Reads: search by the tail of a code, and who may be given a dossier at a step."""

from __future__ import annotations

import pytest

from tinhso.dossiers import selectors, services
from tinhso.dossiers.models import Dossier, Source

pytestmark = pytest.mark.django_db

BIRTH = {"ho_ten_tre": "Phan Thị Yến", "ngay_sinh": "2026-01-05", "gioi_tinh": "Nữ"}


def test_a_code_is_found_by_its_start_or_its_end(desk):
    dossier, _ = services.dossier_intake(
        actor=desk.receiver, procedure_code="1.001193", receiving_agency=desk.commune, source=Source.COUNTER,
        applicant=services.Applicant(name="Phan Văn Út", id_number="086085000555"), form_data=BIRTH)
    tail = dossier.code.split("-", 1)[1]
    everything = Dossier.objects.all()
    assert list(selectors.dossier_search(everything, tail)) == [dossier]
    assert list(selectors.dossier_search(everything, desk.commune.code + "-")) == [dossier]
    assert list(selectors.dossier_search(everything, "086085000555")) == [dossier]
    assert list(selectors.dossier_search(everything, "PHAN VAN UT")) == [dossier]
    assert list(selectors.dossier_search(everything, "999999-9999")) == []


def test_assignee_candidates_follow_the_roles_that_act_in_the_step(desk):
    workflow = desk.birth.workflow
    approval = selectors.assignee_candidates(agency=desk.commune, workflow=workflow, state="cho_phe_duyet")
    assert list(approval) == [desk.leader]
    processing = set(selectors.assignee_candidates(agency=desk.commune, workflow=workflow, state="dang_xu_ly"))
    assert processing == {desk.specialist}  # the leader may only refuse, stop or extend there
    other_commune = desk.other_receiver.agency_roles.get().agency  # a receiving officer only
    assert not selectors.assignee_candidates(agency=other_commune, workflow=workflow, state="cho_phe_duyet")
    assert list(selectors.assignee_candidates(agency=desk.department, workflow=workflow,
                                              state="cho_phe_duyet")) == [desk.dept_leader]


def test_a_provincial_leader_reads_any_dossier_of_the_province_other_officials_only_their_agencies(desk):
    from accounts.factories import UserFactory
    from tinhso.accounts.models import AgencyRole, Role

    def official(agency, role):
        user = UserFactory()
        AgencyRole.objects.create(user=user, agency=agency, role=role)
        return user

    dossier, _ = services.dossier_intake(
        actor=desk.receiver, procedure_code="1.001193", source=Source.COUNTER, receiving_agency=desk.commune,
        applicant=services.Applicant(name="Phan Văn Tài", id_number="086301000456"), form_data=BIRTH)
    province_leader = official(desk.province_committee, Role.LEADER)
    province_admin = official(desk.province_committee, Role.PROVINCE_ADMIN)
    assert dossier in selectors.dossiers_visible_to(province_leader)
    assert selectors.oversees_province(province_leader)
    # The system administrator and another commune's officials read no dossier content.
    assert dossier not in selectors.dossiers_visible_to(province_admin)
    assert dossier not in selectors.dossiers_visible_to(desk.other_receiver)
    assert dossier not in selectors.dossiers_visible_to(desk.dept_leader)
    assert dossier in selectors.dossiers_visible_to(desk.leader)
