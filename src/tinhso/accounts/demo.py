"""Demo accounts: a citizen, a household business, a business, the staff of the province's public
administration service centre (TTPVHCC), of one department and of one commune People's Committee,
and a province admin. Idempotent: running it again resets the demo password and changes nothing else.

Refused unless TINHSO_DEMO is set: the demo password is public (it is in the docs).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.mfa.utils import decrypt
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from tinhso.accounts.models import Role, User
from tinhso.accounts.selectors import user_has_role
from tinhso.accounts.services import (
    agency_role_grant,
    user_create_business,
    user_create_citizen,
    user_create_official,
)
from tinhso.accounts.validators import BIRTH_PROVINCE_CODES, tax_code_check_digit
from tinhso.core.audit import audit_record
from tinhso.core.models import AdministrativeUnit, Agency, AgencyKind, UnitLevel
from tinhso.core.selectors import valid_on

log = logging.getLogger(__name__)

#: The one password of every demo account. Public, so demo only (see demo_enabled).
DEMO_PASSWORD = "Demo@TinhSo2025"

# (username suffix, role, full name); the prefix says the agency: ttpvhcc, so, xa.
_STAFF = [
    ("tiepnhan", Role.RECEIVING_OFFICER, "Cán bộ tiếp nhận"),
    ("chuyenvien", Role.SPECIALIST, "Chuyên viên"),
    ("lanhdao", Role.LEADER, "Lãnh đạo"),
    ("trakq", Role.RESULT_CLERK, "Cán bộ trả kết quả"),
    ("quantri", Role.AGENCY_ADMIN, "Quản trị cơ quan"),
]
_NAMES = {
    "ttpvhcc": ["Trần Thị Bích", "Lê Văn Cường", "Phạm Minh Đức", "Hoàng Thị Giang", "Võ Quốc Hải"],
    "so": ["Đặng Thu Hà", "Bùi Văn Khoa", "Ngô Thị Lan", "Dương Minh Long", "Lý Thanh Mai"],
    "xa": ["Huỳnh Văn Nam", "Phan Thị Oanh", "Trịnh Công Phúc", "Đỗ Thị Quyên", "Mai Văn Sơn"],
}


class DemoNotAllowed(ImproperlyConfigured):
    pass


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    kind: str
    full_name: str
    agency: str = ""
    role: str = ""
    totp_secret: str = ""


def demo_enabled() -> bool:
    return os.environ.get("TINHSO_DEMO", "").strip().lower() in {"1", "true", "yes", "on"}


def _current(qs: QuerySet) -> QuerySet:
    return qs.filter(valid_on(timezone.localdate()))


def _demo_agencies(province_code: str) -> dict[str, Agency | None]:
    provinces = AdministrativeUnit.objects.filter(level=UnitLevel.PROVINCE, code=province_code)
    province = _current(provinces).first()
    if province is None:
        raise ImproperlyConfigured(f"Không có tỉnh mã {province_code} trong danh mục đơn vị hành chính.")
    agencies = _current(Agency.objects.all()).order_by("code")
    at_province = agencies.filter(unit=province)
    return {
        "tinh": at_province.filter(kind=AgencyKind.PROVINCE_PEOPLES_COMMITTEE).first(),
        "ttpvhcc": at_province.filter(kind=AgencyKind.PROVINCE_SERVICE_CENTRE).first(),
        "so": at_province.filter(kind=AgencyKind.DEPARTMENT).first(),
        "xa": agencies.filter(Q(unit__parent=province), unit__level=UnitLevel.COMMUNE,
                              kind=AgencyKind.COMMUNE_PEOPLES_COMMITTEE).first(),
    }


def _demo_tax_code() -> str:
    # An obviously made-up sequence ("00" is no tax department), with a valid check digit.
    sequence = 1234567
    while (digit := tax_code_check_digit(f"00{sequence}")) is None:
        sequence += 1
    return f"00{sequence}{digit}"


def _ensure_password(user: User) -> None:
    if not user.check_password(DEMO_PASSWORD):
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        audit_record(action="user.password_reset", object_type="user", object_id=user.pk,
                     data={"username": user.username, "via": "demo"})


def _ensure_user(username: str, create) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        return create()
    _ensure_password(user)
    return user


def _ensure_totp(user: User) -> str:
    """The user's TOTP secret, creating the authenticator the first time."""
    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if authenticator is not None:
        return decrypt(authenticator.data["secret"])
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    audit_record(action="mfa.authenticator_added", object_type="user", object_id=user.pk,
                 data={"username": user.username, "type": "totp", "via": "demo"})
    return secret


def _ensure_role(*, actor: User | None, user: User, agency: Agency, role: str) -> None:
    if not user_has_role(user, agency=agency, roles=[role]):
        agency_role_grant(actor=actor, user=user, agency=agency, role=role)


def _official(*, actor: User | None, username: str, full_name: str, agency: Agency, role: str) -> DemoAccount:
    user = _ensure_user(username, lambda: user_create_official(
        username=username, full_name=full_name, password=DEMO_PASSWORD))
    _ensure_role(actor=actor, user=user, agency=agency, role=role)
    return DemoAccount(username=user.username, password=DEMO_PASSWORD, kind=user.kind,
                       full_name=user.full_name, agency=agency.name, role=str(Role(role).label), totp_secret=_ensure_totp(user))


def _citizens_and_business(province_code: str) -> list[DemoAccount]:
    ppp = f"{int(province_code):03d}" if province_code.isdigit() else "001"
    ppp = ppp if ppp in BIRTH_PROVINCE_CODES else "001"
    # Gender/century digit 0 = male born 1900–1999, 3 = female born 2000–2099 (Decree 137/2015 Art. 13).
    people = [(f"{ppp}085000123", "Nguyễn Văn An"), (f"{ppp}301000456", "Lê Thị Bình")]
    accounts = []
    for number, name in people:
        user = _ensure_user(number, lambda n=number, f=name: user_create_citizen(
            personal_id=n, full_name=f, password=DEMO_PASSWORD))
        accounts.append(DemoAccount(user.username, DEMO_PASSWORD, user.kind, user.full_name))
    tax_code = _demo_tax_code()
    user = _ensure_user(tax_code, lambda: user_create_business(
        tax_code=tax_code, name="Công ty TNHH Dữ liệu Mẫu", password=DEMO_PASSWORD))
    accounts.append(DemoAccount(user.username, DEMO_PASSWORD, user.kind, user.full_name))
    return accounts


@transaction.atomic
def demo_accounts_create(*, province_code: str) -> list[DemoAccount]:
    if not demo_enabled():
        raise DemoNotAllowed("Tài khoản mẫu dùng mật khẩu công khai: chỉ tạo khi TINHSO_DEMO=1. "
                             "/ Demo accounts use a public password: set TINHSO_DEMO=1 (demo only).")
    agencies = _demo_agencies(province_code)
    admin_agency = agencies["tinh"] or agencies["so"] or agencies["ttpvhcc"]
    if admin_agency is None:
        raise ImproperlyConfigured(
            f"Tỉnh {province_code} chưa có cơ quan nào: hãy nạp danh mục cơ quan trước.")
    # The province admin is given the role by the system; everyone else by the province admin.
    admin = _official(actor=None, username="tinh.quantri", full_name="Nguyễn Thị Hạnh",
                      agency=admin_agency, role=Role.PROVINCE_ADMIN)
    actor = User.objects.get(username=admin.username)
    accounts = [admin, *_citizens_and_business(province_code)]
    for prefix in ("ttpvhcc", "so", "xa"):
        agency = agencies[prefix]
        if agency is None:
            log.warning("demo accounts: no agency of kind %s for province %s", prefix, province_code)
            continue
        for (suffix, role, _label), full_name in zip(_STAFF, _NAMES[prefix], strict=True):
            accounts.append(_official(actor=actor, username=f"{prefix}.{suffix}", full_name=full_name,
                                      agency=agency, role=role))
    return accounts
