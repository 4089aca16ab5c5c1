"""Small factories for the rows accounts tests need; they do not depend on the demo data."""

from __future__ import annotations

import itertools

import factory
from factory.django import DjangoModelFactory

from tinhso.accounts.models import AgencyRole, Role, User, UserKind
from tinhso.core.models import AdministrativeUnit, Agency, AgencyKind, UnitLevel

PASSWORD = "Mat-khau-rat-dai-2025"
_seq = itertools.count(1)


def province_unit(code: str = "86", name: str = "Tỉnh Vĩnh Long") -> AdministrativeUnit:
    """The current province with this code: the one the data migration loaded, or a new row."""
    unit = AdministrativeUnit.objects.filter(level=UnitLevel.PROVINCE, code=code,
                                             valid_to__isnull=True).first()
    return unit or AdministrativeUnit.objects.create(level=UnitLevel.PROVINCE, code=code, name=name,
                                                     division_type="Tỉnh")


def commune_unit(province: AdministrativeUnit, name: str = "Xã Thử Nghiệm") -> AdministrativeUnit:
    return AdministrativeUnit.objects.create(level=UnitLevel.COMMUNE, code=f"T{next(_seq):04d}", name=name,
                                             division_type="Xã", parent=province)


class AgencyFactory(DjangoModelFactory):
    class Meta:
        model = Agency

    code = factory.Sequence(lambda n: f"T99.{n:02d}.00.H86")
    name = factory.Sequence(lambda n: f"Cơ quan thử nghiệm {n}")
    kind = AgencyKind.DEPARTMENT
    unit = factory.LazyFunction(province_unit)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    kind = UserKind.OFFICIAL
    username = factory.Sequence(lambda n: f"canbo{n}")
    full_name = factory.Sequence(lambda n: f"Cán bộ {n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def citizen(personal_id: str = "086085000123", **fields) -> User:
    return UserFactory(kind=UserKind.CITIZEN, username=personal_id, personal_id=personal_id,
                       full_name="Nguyễn Văn An", **fields)


def official_with_role(role: str, agency: Agency, **fields) -> User:
    user = UserFactory(**fields)
    AgencyRole.objects.create(user=user, agency=agency, role=role)
    return user


def province_admin(agency: Agency | None = None) -> User:
    agency = agency or AgencyFactory(kind=AgencyKind.PROVINCE_PEOPLES_COMMITTEE)
    return official_with_role(Role.PROVINCE_ADMIN, agency)
