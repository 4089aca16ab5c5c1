"""Accounts and roles are created and changed only through the services, which check who may do
it and write the audit log."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tinhso.accounts.models import AgencyRole, ApiToken, Role, UserKind
from tinhso.accounts.selectors import agencies_where, user_has_role, user_roles
from tinhso.accounts.services import (
    agency_role_grant,
    agency_role_revoke,
    api_token_issue,
    api_token_revoke,
    user_create_business,
    user_create_citizen,
    user_create_official,
)
from tinhso.core.models import AgencyKind, AuditEntry

from .factories import PASSWORD, AgencyFactory, UserFactory, citizen, official_with_role, province_admin

pytestmark = pytest.mark.django_db


def _field_errors(excinfo) -> dict:
    return excinfo.value.message_dict


def test_a_receiving_officer_registers_a_citizen_who_logs_in_with_the_personal_id(agency):
    officer = official_with_role(Role.RECEIVING_OFFICER, agency)
    user = user_create_citizen(personal_id="086 085 000 123", full_name="  Nguyễn  Văn An ",
                               password=PASSWORD, phone="+84912345678", actor=officer)
    assert (user.username, user.personal_id, user.kind) == ("086085000123", "086085000123", UserKind.CITIZEN)
    assert (user.full_name, user.phone) == ("Nguyễn Văn An", "0912345678")
    assert user.check_password(PASSWORD)
    entry = AuditEntry.objects.get(action="user.created")
    assert (entry.actor_id, entry.object_id, entry.data) == (officer.pk, str(user.pk), {"kind": "citizen"})


def test_the_same_personal_id_cannot_have_two_accounts():
    user_create_citizen(personal_id="086085000123", full_name="Nguyễn Văn An", password=PASSWORD)
    with pytest.raises(ValidationError) as excinfo:
        user_create_citizen(personal_id="086085000123", full_name="Người khác", password=PASSWORD)
    assert "username" in _field_errors(excinfo)


def test_a_wrong_personal_id_is_refused_on_the_personal_id_field():
    with pytest.raises(ValidationError) as excinfo:
        user_create_citizen(personal_id="099085000123", full_name="Nguyễn Văn An", password=PASSWORD)
    assert "Mã tỉnh nơi đăng ký khai sinh 099 không tồn tại" in _field_errors(excinfo)["personal_id"][0]


def test_a_weak_password_is_refused():
    with pytest.raises(ValidationError) as excinfo:
        user_create_citizen(personal_id="086085000123", full_name="Nguyễn Văn An", password="12345678")
    assert "password" in _field_errors(excinfo)


def test_a_citizen_cannot_register_other_citizens():
    with pytest.raises(PermissionDenied):
        user_create_citizen(personal_id="001301000456", full_name="Lê Thị Bình", password=PASSWORD,
                            actor=citizen())


def test_a_business_logs_in_with_its_tax_code():
    user = user_create_business(tax_code="0314409058-002", name="Chi nhánh Công ty A", password=PASSWORD)
    assert (user.username, user.tax_code) == ("0314409058-002", "0314409058-002")
    assert user.kind == UserKind.BUSINESS
    with pytest.raises(ValidationError) as excinfo:
        user_create_business(tax_code="0314409059", name="Công ty B", password=PASSWORD)
    assert "chữ số kiểm tra" in _field_errors(excinfo)["tax_code"][0]


def test_an_official_username_is_lower_case_and_never_all_digits(agency):
    admin = official_with_role(Role.AGENCY_ADMIN, agency)
    assert user_create_official(username="Tran.Thi.B", full_name="Trần Thị B", password=PASSWORD,
                                actor=admin).username == "tran.thi.b"
    with pytest.raises(ValidationError) as excinfo:
        user_create_official(username="0314409058", full_name="Kẻ mạo danh", password=PASSWORD, actor=admin)
    assert "bắt đầu bằng chữ cái" in _field_errors(excinfo)["username"][0]


def test_only_an_administrator_creates_officials(agency):
    with pytest.raises(PermissionDenied):
        user_create_official(username="canbo.moi", full_name="Cán bộ mới", password=PASSWORD,
                             actor=official_with_role(Role.LEADER, agency))


def test_an_agency_admin_gives_a_specialist_role_and_it_is_audited(agency):
    admin = official_with_role(Role.AGENCY_ADMIN, agency)
    clerk = UserFactory()
    agency_role = agency_role_grant(actor=admin, user=clerk, agency=agency, role=Role.SPECIALIST)
    assert user_has_role(clerk, agency=agency, roles=[Role.SPECIALIST])
    assert list(agencies_where(clerk, Role.SPECIALIST)) == [agency]
    entry = AuditEntry.objects.get(action="role.granted")
    assert (entry.actor_id, entry.object_type) == (admin.pk, "agency_role")
    assert entry.object_id == str(agency_role.pk)
    assert entry.data == {"agency": agency.code, "role": "specialist", "user_id": clerk.pk}
    assert entry.after_digest and not entry.before_digest


def test_a_role_grant_by_someone_who_is_not_an_admin_of_that_agency_is_refused(agency):
    leader = official_with_role(Role.LEADER, agency)
    admin_elsewhere = official_with_role(Role.AGENCY_ADMIN, AgencyFactory())
    for actor in (leader, admin_elsewhere, citizen()):
        with pytest.raises(PermissionDenied):
            agency_role_grant(actor=actor, user=UserFactory(), agency=agency, role=Role.SPECIALIST)
    assert not AgencyRole.objects.filter(role=Role.SPECIALIST).exists()
    assert not AuditEntry.objects.filter(action="role.granted").exists()


def test_a_province_admin_may_grant_in_any_agency_but_an_agency_admin_not_province_admin(agency):
    boss = province_admin()
    agency_role_grant(actor=boss, user=UserFactory(), agency=agency, role=Role.LEADER)
    admin = official_with_role(Role.AGENCY_ADMIN, agency)
    with pytest.raises(PermissionDenied):
        agency_role_grant(actor=admin, user=UserFactory(), agency=agency, role=Role.PROVINCE_ADMIN)


def test_roles_are_for_officials_only(agency):
    with pytest.raises(ValidationError) as excinfo:
        agency_role_grant(actor=province_admin(), user=citizen(), agency=agency, role=Role.SPECIALIST)
    assert "user" in _field_errors(excinfo)


def test_a_revoked_role_no_longer_counts_from_today(agency):
    admin = official_with_role(Role.AGENCY_ADMIN, agency)
    clerk = official_with_role(Role.RESULT_CLERK, agency)
    agency_role = AgencyRole.objects.get(user=clerk)
    agency_role_revoke(actor=admin, agency_role=agency_role)
    agency_role.refresh_from_db()
    assert agency_role.valid_to == timezone.localdate()
    assert not user_has_role(clerk, agency=agency, roles=[Role.RESULT_CLERK])
    yesterday = timezone.localdate() - dt.timedelta(1)
    assert user_has_role(clerk, agency=agency, roles=[Role.RESULT_CLERK], on=yesterday)
    assert AuditEntry.objects.filter(action="role.revoked", actor_id=admin.pk).count() == 1


def test_the_last_province_admin_cannot_be_revoked():
    boss = province_admin()
    with pytest.raises(ValidationError):
        agency_role_revoke(actor=boss, agency_role=AgencyRole.objects.get(user=boss))


def test_roles_count_only_inside_their_period_and_their_agencys(agency):
    today = timezone.localdate()
    user = UserFactory()
    AgencyRole.objects.create(user=user, agency=agency, role=Role.LEADER, valid_to=today)
    AgencyRole.objects.create(user=user, agency=agency, role=Role.SPECIALIST,
                              valid_from=today + dt.timedelta(1))
    dissolved = AgencyFactory(kind=AgencyKind.COMMUNE_PEOPLES_COMMITTEE, valid_to=dt.date(2025, 7, 1))
    AgencyRole.objects.create(user=user, agency=dissolved, role=Role.LEADER)
    assert not user_roles(user).exists()
    assert user_has_role(user, agency=agency, roles=[Role.SPECIALIST], on=today + dt.timedelta(1))
    user.is_active = False
    assert not user_roles(user, today + dt.timedelta(1)).exists()


def test_an_api_token_is_shown_once_and_stored_as_its_sha256(agency):
    admin = official_with_role(Role.AGENCY_ADMIN, agency)
    system = official_with_role(Role.SPECIALIST, agency, username="he-thong.motcua")
    issued = api_token_issue(actor=admin, agency=agency, user=system, name="Hệ thống một cửa")
    stored = ApiToken.objects.get()
    assert stored.token_sha256 == hashlib.sha256(issued.token.encode()).hexdigest() != issued.token
    entry = AuditEntry.objects.get(action="api_token.issued")
    assert issued.token not in str(entry.data) and entry.data["agency"] == agency.code
    api_token_revoke(actor=admin, api_token=stored)
    stored.refresh_from_db()
    assert stored.revoked_at is not None
    assert AuditEntry.objects.filter(action="api_token.revoked").count() == 1


def test_a_token_acts_for_an_official_of_that_agency_only(agency):
    admin = official_with_role(Role.AGENCY_ADMIN, agency)
    with pytest.raises(ValidationError):
        api_token_issue(actor=admin, agency=agency, user=official_with_role(Role.LEADER, AgencyFactory()),
                        name="Hệ thống khác")
    with pytest.raises(PermissionDenied):
        api_token_issue(actor=official_with_role(Role.LEADER, agency), agency=agency, user=admin, name="X")
