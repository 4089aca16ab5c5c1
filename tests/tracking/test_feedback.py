"""Feedback (phản ánh, kiến nghị): a citizen sends it, the handling agency answers, refuses or
transfers it within its limits, the citizen says whether they are satisfied — every time recorded
for indicators 5.2 and 5.3."""

from __future__ import annotations

import re

import pytest

from accounts.factories import UserFactory
from tinhso.accounts.models import AgencyRole, Role
from tinhso.core.calendar import calendar_for
from tinhso.core.models import AuditEntry
from tinhso.dossiers import feedback as fb
from tinhso.dossiers.errors import Conflict, Forbidden, InvalidInput, NotFound
from tinhso.dossiers.models import Feedback, FeedbackKind, FeedbackStatus

from .conftest import accepted, login, returned

pytestmark = pytest.mark.django_db


def page(response) -> str:
    return response.content.decode()


def key_of(html: str) -> str:
    return re.search(r'name="key" value="([^"]+)"', html).group(1)


def send(desk, dossier, **kw) -> Feedback:
    kw.setdefault("kind", FeedbackKind.LATE)
    kw.setdefault("title", "Hồ sơ khai sinh chưa có kết quả")
    kw.setdefault("content", "Đã quá ngày hẹn mà chưa nhận được kết quả.")
    item, _created = fb.feedback_submit(actor=desk.citizen, dossier_code=dossier.code if dossier else "", **kw)
    return item


def test_a_citizen_sends_feedback_about_a_dossier_on_the_page(client, desk):
    dossier = accepted(desk)
    login(client, desk.citizen)
    form = page(client.get("/phan-anh/", {"ma": dossier.code}))
    assert f'value="{dossier.code}"' in form and form.count("<fieldset") == 1
    response = client.post("/phan-anh/", {"kind": "tre_han", "dossier": dossier.code, "agency": "",
                                          "title": "Chưa có kết quả", "content": "Quá hẹn hai ngày.",
                                          "key": key_of(form)})
    item = Feedback.objects.get()
    assert response.status_code == 302 and response.url == f"/phan-anh/{item.pk}/"
    assert (item.sender, item.dossier, item.agency, item.status) == (desk.citizen, dossier, desk.commune,
                                                                      FeedbackStatus.RECEIVED)
    # The clock (indicator 5.2): 2 and 15 working days on the handling agency's calendar.
    cal = calendar_for(agency=desk.commune)
    assert item.assigned_at == item.submitted_at
    assert item.refuse_due_at == cal.add_working_days(item.submitted_at, 2)
    assert item.answer_due_at == cal.add_working_days(item.submitted_at, 15)
    detail = page(client.get(response.url))
    assert "Đã gửi phản ánh, kiến nghị số" in detail and "Quá hẹn hai ngày." in detail
    # A double submit of the same form is one PAKN.
    again = client.post("/phan-anh/", {"kind": "tre_han", "dossier": dossier.code, "title": "Chưa có kết quả",
                                       "content": "Quá hẹn hai ngày.", "key": key_of(form)})
    assert again.status_code == 302 and Feedback.objects.count() == 1


def test_feedback_about_reception_goes_to_the_receiving_agency_and_without_a_dossier_to_the_province(desk):
    dossier = accepted(desk)
    about_reception = send(desk, dossier, kind=FeedbackKind.RECEPTION)
    assert about_reception.agency == desk.commune  # receiving = competent here; see the transfer test too
    about_rules = send(desk, None, kind=FeedbackKind.RULES)
    assert about_rules.agency == desk.province_committee and about_rules.dossier is None
    chosen = send(desk, None, kind=FeedbackKind.STAFF, agency=desk.department)
    assert chosen.agency == desk.department


def test_feedback_is_checked_and_what_was_typed_is_kept(client, desk, other_citizen):
    theirs = accepted(desk)
    login(client, other_citizen)
    form = page(client.get("/phan-anh/"))
    response = client.post("/phan-anh/", {"kind": "giai_quyet", "dossier": theirs.code, "title": "",
                                          "content": "Nội dung được giữ lại", "key": key_of(form)})
    html = page(response)
    assert response.status_code == 422 and 'class="govuk-error-summary"' in html
    assert "Nhập tiêu đề phản ánh." in html and "Nội dung được giữ lại" in html
    response = client.post("/phan-anh/", {"kind": "giai_quyet", "dossier": theirs.code, "title": "Tiêu đề",
                                          "content": "Nội dung", "key": key_of(form)})
    # Someone else's dossier is "not among yours", whether or not the code exists.
    assert response.status_code == 422
    assert "Không tìm thấy hồ sơ mang mã này trong các hồ sơ của bạn." in page(response)
    with pytest.raises(InvalidInput) as missing:
        fb.feedback_submit(actor=other_citizen, kind=FeedbackKind.LATE, title="Trễ", content="Trễ hẹn")
    assert [d["field"] for d in missing.value.details] == ["dossier"]
    assert not Feedback.objects.exists()


def test_officials_do_not_send_feedback(client, desk):
    with pytest.raises(Forbidden):
        fb.feedback_submit(actor=desk.receiver, kind=FeedbackKind.RULES, title="x", content="y")
    login(client, desk.receiver)
    response = client.get("/phan-anh/")
    assert response.status_code == 403 and 'href="/mot-cua/phan-anh/"' in page(response)


def test_the_agency_answers_in_the_back_office_and_the_sender_rates_the_answer(client, desk):
    dossier = accepted(desk)
    item = send(desk, dossier)
    login(client, desk.specialist)
    listing = page(client.get("/mot-cua/phan-anh/"))
    assert f'href="/mot-cua/phan-anh/{item.pk}/"' in listing and "Đang xử lý (1)" in listing
    before = AuditEntry.objects.count()
    detail = page(client.get(f"/mot-cua/phan-anh/{item.pk}/"))
    assert desk.citizen.full_name in detail and "Đã quá ngày hẹn" in detail
    assert AuditEntry.objects.filter(action="feedback.viewed", object_id=str(item.pk)).count() == 1
    assert AuditEntry.objects.count() == before + 1
    empty = client.post(f"/mot-cua/phan-anh/{item.pk}/", {"thao_tac": "tra_loi", "tra_loi-answer": " "})
    assert empty.status_code == 422 and "Nhập nội dung trả lời." in page(empty)
    response = client.post(f"/mot-cua/phan-anh/{item.pk}/", {
        "thao_tac": "tra_loi", "tra_loi-answer": "Hồ sơ sẽ có kết quả ngày mai.", "tra_loi-publish": "on"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.answered_by, item.answer) == (FeedbackStatus.ANSWERED, desk.specialist,
                                                            "Hồ sơ sẽ có kết quả ngày mai.")
    assert item.submitted_at < item.answered_at <= item.answer_due_at and item.published_at == item.answered_at
    # The sender reads the answer and is not satisfied: the PAKN is closed with that verdict.
    login(client, desk.citizen)
    mine = page(client.get(f"/phan-anh/{item.pk}/"))
    assert "Hồ sơ sẽ có kết quả ngày mai." in mine and "Bạn có hài lòng với kết quả xử lý" in mine
    assert client.post(f"/phan-anh/{item.pk}/", {"satisfied": "khong"}).status_code == 302
    item.refresh_from_db()
    assert (item.status, item.sender_satisfied) == (FeedbackStatus.CLOSED, False)
    assert item.sender_rated_at == item.closed_at and item.sender_rated_at > item.answered_at
    # The same verdict again changes nothing; another one is refused.
    fb.feedback_react(actor=desk.citizen, feedback_id=item.pk, satisfied=False)
    with pytest.raises(Conflict):
        fb.feedback_react(actor=desk.citizen, feedback_id=item.pk, satisfied=True)


def test_the_same_answer_twice_is_recorded_once_and_a_handled_pakn_is_not_answered_again(desk):
    item = send(desk, accepted(desk))
    first = fb.feedback_answer(actor=desk.leader, feedback_id=item.pk, answer="Đã xử lý.")
    again = fb.feedback_answer(actor=desk.leader, feedback_id=item.pk, answer="Đã xử lý.")
    assert again.answered_at == first.answered_at
    with pytest.raises(Conflict):
        fb.feedback_answer(actor=desk.specialist, feedback_id=item.pk, answer="Một câu trả lời khác.")
    with pytest.raises(Conflict):
        fb.feedback_refuse(actor=desk.leader, feedback_id=item.pk, reason="Không thuộc thẩm quyền.")


def test_an_official_of_another_agency_cannot_see_or_answer(client, desk):
    item = send(desk, accepted(desk))
    with pytest.raises(NotFound):
        fb.feedback_answer(actor=desk.other_receiver, feedback_id=item.pk, answer="Trả lời thay.")
    with pytest.raises(NotFound):
        fb.feedback_answer(actor=desk.dept_leader, feedback_id=item.pk, answer="Trả lời thay.")
    login(client, desk.other_receiver)
    assert client.get(f"/mot-cua/phan-anh/{item.pk}/").status_code == 404
    assert client.post(f"/mot-cua/phan-anh/{item.pk}/", {"thao_tac": "tra_loi",
                                                         "tra_loi-answer": "Trả lời thay."}).status_code == 404
    assert f"/mot-cua/phan-anh/{item.pk}/" not in page(client.get("/mot-cua/phan-anh/"))
    item.refresh_from_db()
    assert item.status == FeedbackStatus.RECEIVED and item.answer == ""


def test_a_role_without_the_right_to_answer_sees_it_but_cannot_answer(client, desk):
    item = send(desk, accepted(desk))
    with pytest.raises(Forbidden):
        fb.feedback_answer(actor=desk.clerk, feedback_id=item.pk, answer="Trả lời.")
    login(client, desk.clerk)
    detail = client.get(f"/mot-cua/phan-anh/{item.pk}/")
    assert detail.status_code == 200 and "Gửi trả lời" not in page(detail)
    response = client.post(f"/mot-cua/phan-anh/{item.pk}/", {"thao_tac": "tra_loi", "tra_loi-answer": "Trả lời."})
    assert response.status_code == 403


def test_refusal_within_two_working_days_is_recorded_with_its_reason(client, desk):
    item = send(desk, None, kind=FeedbackKind.STAFF, agency=desk.commune)
    login(client, desk.receiver)
    response = client.post(f"/mot-cua/phan-anh/{item.pk}/", {"thao_tac": "tu_choi",
                                                             "tu_choi-reason": "Nội dung không rõ."})
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.answer, item.answered_by) == (FeedbackStatus.REFUSED, "Nội dung không rõ.", desk.receiver)
    assert item.refused_at <= item.refuse_due_at and item.answered_at is None


def test_a_transfer_restarts_the_clock_at_the_competent_agency(client, desk):
    item = send(desk, None, kind=FeedbackKind.RULES)   # to the province's People's Committee
    assert item.agency == desk.province_committee
    handler = UserFactory(full_name="Chuyên viên Văn phòng UBND tỉnh")
    AgencyRole.objects.create(user=handler, agency=desk.province_committee, role=Role.SPECIALIST)
    login(client, handler)
    response = client.post(f"/mot-cua/phan-anh/{item.pk}/", {
        "thao_tac": "chuyen", "chuyen-to_agency": desk.department.code, "chuyen-note": "Thuộc lĩnh vực xây dựng."})
    assert response.status_code == 302
    first_due = item.answer_due_at
    item.refresh_from_db()
    assert (item.agency, item.transferred_from, item.transfer_note) == (desk.department, desk.province_committee,
                                                                        "Thuộc lĩnh vực xây dựng.")
    cal = calendar_for(agency=desk.department)
    assert item.assigned_at == item.transferred_at > item.submitted_at
    assert item.answer_due_at == cal.add_working_days(item.transferred_at, 15) >= first_due
    # Now the department's people see and answer it; the committee's no longer do.
    assert client.get(f"/mot-cua/phan-anh/{item.pk}/").status_code == 404
    fb.feedback_answer(actor=desk.dept_specialist, feedback_id=item.pk, answer="Sở trả lời.")


def test_coming_back_about_the_same_dossier_is_a_repeated_pakn(desk):
    dossier = accepted(desk)
    first = send(desk, dossier)
    second = send(desk, dossier, kind=FeedbackKind.SETTLEMENT, title="Vẫn chưa có kết quả")
    other = send(desk, returned(desk))
    assert (first.repeat_of, second.repeat_of, other.repeat_of) == (None, first, None)


def test_the_sender_sees_only_their_own_feedback(client, desk, other_citizen):
    item = send(desk, accepted(desk))
    login(client, other_citizen)
    assert client.get(f"/phan-anh/{item.pk}/").status_code == 404
    assert item.title not in page(client.get("/phan-anh/cua-toi/"))
    login(client, desk.citizen)
    assert item.title in page(client.get("/phan-anh/cua-toi/"))
