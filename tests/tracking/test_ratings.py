"""Satisfaction ratings (Decision 766 indicator 5.4): the applicant rates a dossier once the agency
has given its final answer; nobody else can; a repeat is harmless; a change is kept as history
and possible for a limited time."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tinhso.dossiers import feedback as fb
from tinhso.dossiers import services
from tinhso.dossiers.errors import Conflict, InvalidInput, NotFound
from tinhso.dossiers.models import Dossier, Rating, Status

from .conftest import accepted, login, online, returned

pytestmark = pytest.mark.django_db


def page(response) -> str:
    return response.content.decode()


def test_the_applicant_rates_a_returned_dossier_on_the_page(client, desk):
    dossier = returned(desk)
    login(client, desk.citizen)
    form = page(client.get(f"/danh-gia/{dossier.code}/"))
    # Radio groups in fieldsets with legends: the overall question and the 12 criteria.
    assert form.count("<fieldset") == 13 and form.count("<legend") == 13
    assert "Thái độ của cán bộ, công chức" in form and "Số cơ quan phải liên hệ" in form
    response = client.post(f"/danh-gia/{dossier.code}/", {
        "satisfied": "khong", "tc_thai_do": "khong_hai_long", "tc_so_lan_lien_he": "ba_tro_len",
        "tc_cong_khai": "khong_y_kien", "comment": "Phải đi lại ba lần."})
    assert response.status_code == 302 and response.url == f"/danh-gia/{dossier.code}/da-gui/"
    rating = Rating.objects.get(dossier=dossier)
    assert (rating.satisfied, rating.is_current, rating.rated_by, rating.channel) == (False, True, desk.citizen, "portal")
    assert rating.criteria == {"thai_do": "khong_hai_long", "so_lan_lien_he": "ba_tro_len"}
    assert rating.comment == "Phải đi lại ba lần."
    thanks = page(client.get(response.url))
    assert "Đã gửi đánh giá" in thanks and "Gửi phản ánh, kiến nghị" in thanks
    # The applicant's dossier page now says so.
    assert "Bạn đã đánh giá: không hài lòng." in page(client.get(f"/tra-cuu/{dossier.code}/"))


def test_no_rating_before_the_final_answer(client, desk):
    dossier = accepted(desk)
    login(client, desk.citizen)
    response = client.get(f"/danh-gia/{dossier.code}/")
    assert response.status_code == 409 and "Chưa thể đánh giá hồ sơ này" in page(response)
    assert client.post(f"/danh-gia/{dossier.code}/", {"satisfied": "co"}).status_code == 409
    with pytest.raises(Conflict):
        fb.rating_submit(actor=desk.citizen, code=dossier.code, satisfied=True)
    assert not Rating.objects.exists()


@pytest.mark.parametrize("action, actor, status, ratable", [
    ("tu_choi_tiep_nhan", "receiver", Status.REFUSED, True),
    ("rut_ho_so", "citizen", Status.WITHDRAWN, False),
])
def test_a_refusal_can_be_rated_a_withdrawal_cannot(desk, action, actor, status, ratable):
    dossier = online(desk)
    services.dossier_act(actor=getattr(desk, actor), dossier_id=dossier.pk, action=action, note="Lý do cụ thể")
    assert Dossier.objects.get(pk=dossier.pk).status == status
    if ratable:
        rating, created = fb.rating_submit(actor=desk.citizen, code=dossier.code, satisfied=False)
        assert created and not rating.satisfied
    else:
        with pytest.raises(Conflict):
            fb.rating_submit(actor=desk.citizen, code=dossier.code, satisfied=False)


def test_nobody_but_the_applicant_can_rate(client, desk, other_citizen):
    dossier = returned(desk)
    for user in (other_citizen, desk.receiver, desk.leader):
        login(client, user)
        assert client.get(f"/danh-gia/{dossier.code}/").status_code == 404
        assert client.post(f"/danh-gia/{dossier.code}/", {"satisfied": "co"}).status_code == 404
        with pytest.raises(NotFound):
            fb.rating_submit(actor=user, code=dossier.code, satisfied=True)
    client.logout()
    anonymous = client.get(f"/danh-gia/{dossier.code}/")
    assert anonymous.status_code == 302 and anonymous.url.startswith("/tai-khoan/")
    login(client, desk.citizen)
    assert client.get("/danh-gia/000.91.60.H61-991231-9999/").status_code == 404
    assert not Rating.objects.exists()


def test_the_same_rating_twice_is_one_rating(client, desk):
    dossier = returned(desk)
    first, created = fb.rating_submit(actor=desk.citizen, code=dossier.code, satisfied=True,
                                      criteria={"tong_the": "hai_long"}, comment="Nhanh")
    again, created_again = fb.rating_submit(actor=desk.citizen, code=dossier.code, satisfied=True,
                                            criteria={"tong_the": "hai_long"}, comment=" Nhanh ")
    assert created and not created_again and again.pk == first.pk
    login(client, desk.citizen)
    data = {"satisfied": "co", "tc_tong_the": "hai_long", "comment": "Nhanh"}
    assert client.post(f"/danh-gia/{dossier.code}/", data).status_code == 302
    assert Rating.objects.filter(dossier=dossier).count() == 1


def test_a_changed_rating_replaces_the_current_one_and_is_kept(desk):
    dossier = returned(desk)
    first, _ = fb.rating_submit(actor=desk.citizen, code=dossier.code, satisfied=False)
    second, created = fb.rating_submit(actor=desk.citizen, code=dossier.code, satisfied=True)
    assert created
    first.refresh_from_db()
    assert (first.is_current, second.is_current) == (False, True)
    assert first.replaced_at == second.rated_at
    assert fb.rating_current(dossier) == second


def test_after_the_change_window_the_rating_is_final(client, desk, settings):
    settings.TINHSO_RATING_CHANGE_DAYS = 7
    dossier = returned(desk)
    rating, _ = fb.rating_submit(actor=desk.citizen, code=dossier.code, satisfied=False)
    Rating.objects.filter(pk=rating.pk).update(rated_at=timezone.now() - dt.timedelta(days=7, minutes=1))
    with pytest.raises(Conflict) as refused:
        fb.rating_submit(actor=desk.citizen, code=dossier.code, satisfied=True)
    assert refused.value.code == "rating_final"
    login(client, desk.citizen)
    html = page(client.get(f"/danh-gia/{dossier.code}/"))
    assert "thời hạn này đã qua" in html and "<form method=\"post\"" not in html.split("main-content")[1]
    assert Rating.objects.get(dossier=dossier).satisfied is False


def test_criteria_are_checked_and_what_was_typed_is_kept(client, desk):
    dossier = returned(desk)
    login(client, desk.citizen)
    response = client.post(f"/danh-gia/{dossier.code}/", {
        "tc_thai_do": "tuyet_voi", "tc_so_co_quan": "hai", "comment": "Ý kiến giữ lại"})
    html = page(response)
    assert response.status_code == 422
    assert 'class="govuk-error-summary"' in html
    assert "Chọn Hài lòng hoặc Không hài lòng." in html
    assert "Chọn một trong các mức đánh giá đã cho." in html
    assert "Ý kiến giữ lại" in html
    assert 'value="hai" checked' in html
    assert not Rating.objects.exists()
    with pytest.raises(InvalidInput) as bad:
        fb.rating_submit(actor=desk.citizen, code=dossier.code, satisfied=True,
                         criteria={"khong_co_tieu_chi_nay": "hai_long", "thai_do": "tuyet_voi"})
    assert {d["field"] for d in bad.value.details} == {"criteria.khong_co_tieu_chi_nay", "criteria.thai_do"}


def test_every_criterion_has_its_options_and_the_form_offers_no_answer(desk):
    assert len(fb.RATING_CRITERIA) == 12
    assert len({c.code for c in fb.RATING_CRITERIA}) == 12
    dossier = returned(desk)
    criteria = {c.code: c.options[-1][0] for c in fb.RATING_CRITERIA}
    rating, _ = fb.rating_submit(actor=desk.citizen, code=dossier.code, satisfied=False, criteria=criteria)
    assert rating.criteria == criteria
