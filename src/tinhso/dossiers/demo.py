"""Demo dossiers: a few birth registrations at the demo commune, at every step of the standard
workflow, so that the back office has something to show. Runs once (skipped when the commune
already has dossiers); demo mode only, like the demo accounts."""

from __future__ import annotations

import logging

from tinhso.accounts.models import AgencyRole, Role, User, UserKind
from tinhso.dossiers import services
from tinhso.dossiers.models import Dossier, Source
from tinhso.dossiers.national import example_pdf

log = logging.getLogger(__name__)

CHILDREN = [
    ("Nguyễn Gia Huy", "Nam", "2026-10-02", "Trần Thị Thu"),
    ("Lê Ngọc Hân", "Nữ", "2026-10-11", "Phạm Thị Hoa"),
    ("Trần Minh Khôi", "Nam", "2026-10-20", "Võ Thị Lan"),
    ("Phạm Bảo Anh", "Nữ", "2026-10-28", "Đặng Thị Mỹ"),
    ("Huỳnh Đức Trí", "Nam", "2026-11-03", "Lý Thị Ngọc"),
    ("Võ Khánh Linh", "Nữ", "2026-11-09", "Bùi Thị Hạnh"),
    ("Đặng Quốc Bảo", "Nam", "2026-11-14", "Ngô Thị Kim"),
    ("Bùi Thảo Vy", "Nữ", "2026-11-18", "Dương Thị Yến"),
]

#: How far along the standard workflow each demo dossier goes (actions after acceptance).
PATHS = [
    None,                                            # filed online, waiting for acceptance
    None,
    [],                                              # accepted, with the specialist
    [],
    [("yeu_cau_bo_sung", "chuyenvien", "Bổ sung Giấy chứng sinh bản chính.")],
    [("trinh_phe_duyet", "chuyenvien", "")],         # waiting for the leader
    [("trinh_phe_duyet", "chuyenvien", ""), ("phe_duyet", "lanhdao", "")],
    [("trinh_phe_duyet", "chuyenvien", ""), ("phe_duyet", "lanhdao", ""), ("tra_ket_qua", "trakq", "")],
]


def _form(child: tuple[str, str, str, str]) -> dict[str, str]:
    name, sex, born, mother = child
    return {"ho_ten_tre": name, "ngay_sinh": born, "gioi_tinh": sex, "noi_sinh": "Bệnh viện Đa khoa tỉnh",
            "dan_toc": "Kinh", "quoc_tich": "Việt Nam", "ho_ten_me": mother, "quan_he_nguoi_yeu_cau": "Mẹ"}


def demo_dossiers_create(*, prefix: str = "xa") -> int:
    """At the commune where the demo receiving officer `{prefix}.tiepnhan` works."""
    desk = AgencyRole.objects.filter(user__username=f"{prefix}.tiepnhan", role=Role.RECEIVING_OFFICER).select_related(
        "agency__unit").first()
    commune = desk.agency if desk else None
    if commune is None or Dossier.objects.filter(receiving_agency=commune).exists():
        return 0
    staff = {u.username.split(".", 1)[1]: u for u in User.objects.filter(username__startswith=f"{prefix}.")}
    citizens = list(User.objects.filter(kind=UserKind.CITIZEN).order_by("username")[:2])
    if not {"tiepnhan", "chuyenvien", "lanhdao", "trakq"} <= staff.keys() or not citizens:
        log.warning("demo dossiers: demo accounts missing, nothing created")
        return 0
    files = [services.IncomingFile(name="To khai dang ky khai sinh.pdf", data=example_pdf("To khai"),
                                   component_code="TK", digitised=True),
             services.IncomingFile(name="Giay chung sinh.pdf", data=example_pdf("Giay chung sinh"),
                                   component_code="GCS", digitised=True)]
    created = 0
    for i, (child, path) in enumerate(zip(CHILDREN, PATHS, strict=True)):
        parent = citizens[i % len(citizens)]
        applicant = services.Applicant(name=parent.full_name, id_number=parent.personal_id,
                                       phone="0912345678", address=commune.unit.name)
        if path is None:
            services.dossier_intake(actor=parent, procedure_code="1.001193", receiving_agency=commune,
                                    applicant=applicant, source=Source.ONLINE, form_data=_form(child),
                                    files=files, idempotency_key=f"demo-{commune.code}-{i}")
        else:
            dossier, _ = services.dossier_intake(
                actor=staff["tiepnhan"], procedure_code="1.001193", receiving_agency=commune,
                applicant=applicant, source=Source.COUNTER, form_data=_form(child), files=files, accept=True,
                assignee=staff["chuyenvien"], idempotency_key=f"demo-{commune.code}-{i}")
            for action, who, note in path:
                assignee = staff["lanhdao"] if action == "trinh_phe_duyet" else None
                services.dossier_act(actor=staff[who], dossier_id=dossier.pk, action=action, note=note,
                                     assignee=assignee)
        created += 1
    return created
