"""Data for the one-stop benchmark (benchmarks/one_stop.py), built directly with the ORM and COPY.

Independent of the demo data, like tests/dossiers/conftest.py: a province, one commune one-stop
desk with its officials (the agency under test), four other communes, a department and the
province's People's Committee; the two standard workflows published; a catalogue of procedures with
realistic Vietnamese names and published versions; and dossiers spread over the lifecycle, written
with PostgreSQL COPY (the application's own `save()` is bypassed, so every derived column —
`applicant_name_folded`, codes, statuses — is filled here the way the services fill it).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import random
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from tinhso.accounts.models import AgencyRole, Role, User, UserKind
from tinhso.accounts.services import api_token_issue
from tinhso.catalog.models import (
    Field,
    Procedure,
    ProcedureAssignment,
    ProcedureVersion,
    VersionStatus,
    WorkflowDefinition,
)
from tinhso.core.models import AdministrativeUnit, Agency, AgencyKind, UnitLevel
from tinhso.core.text import fold
from tinhso.synthetic.bulk import copy_rows
from tinhso.synthetic.people import HAMLETS, person_name, personal_id

REPO = Path(__file__).resolve().parents[1]
WORKFLOWS = REPO / "src/tinhso/catalog/data/workflows"

# --- Procedures -------------------------------------------------------------------------------

BIRTH_FORM = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["ho_ten_tre", "ngay_sinh", "gioi_tinh"],
    "properties": {
        "ho_ten_tre": {"type": "string", "title": "Họ, chữ đệm, tên của trẻ", "minLength": 2, "maxLength": 100},
        "ngay_sinh": {"type": "string", "format": "date", "title": "Ngày, tháng, năm sinh"},
        "gioi_tinh": {"type": "string", "enum": ["Nam", "Nữ"], "title": "Giới tính"},
        "noi_sinh": {"type": "string", "title": "Nơi sinh"},
    },
}

BIRTH_COMPONENTS = [
    {"code": "TK", "name": "Tờ khai đăng ký khai sinh", "originals": 1, "copies": 0, "required": True,
     "reusable_result": False, "note": ""},
    {"code": "GCS", "name": "Giấy chứng sinh", "originals": 1, "copies": 0, "required": True,
     "reusable_result": False, "note": ""},
]

FIELDS = [
    ("HT", "Hộ tịch"), ("CT", "Chứng thực"), ("DD", "Đất đai"), ("XD", "Xây dựng"),
    ("KD", "Thành lập và hoạt động của hộ kinh doanh"), ("BTXH", "Bảo trợ xã hội"),
    ("MT", "Môi trường"), ("TNN", "Tài nguyên nước"), ("VH", "Văn hóa cơ sở"), ("GT", "Đường bộ"),
    ("YT", "Khám bệnh, chữa bệnh"), ("GD", "Giáo dục và đào tạo"), ("NN", "Nông nghiệp"),
    ("LD", "Lao động, việc làm"), ("TG", "Tín ngưỡng, tôn giáo"), ("TP", "An toàn thực phẩm"),
]

#: (object, verbs that go with it, field code): the verb + object pairs of real TTHC names.
OBJECTS = [
    ("khai sinh", ["Đăng ký", "Đăng ký lại", "Đăng ký"], "HT"),
    ("kết hôn", ["Đăng ký", "Đăng ký lại"], "HT"),
    ("khai tử", ["Đăng ký", "Đăng ký lại"], "HT"),
    ("nhận cha, mẹ, con", ["Đăng ký"], "HT"),
    ("giám hộ", ["Đăng ký", "Đăng ký chấm dứt"], "HT"),
    ("thay đổi, cải chính, bổ sung thông tin hộ tịch", ["Đăng ký"], "HT"),
    ("giấy xác nhận tình trạng hôn nhân", ["Cấp", "Cấp lại"], "HT"),
    ("bản sao trích lục hộ tịch", ["Cấp"], "HT"),
    ("bản sao từ bản chính giấy tờ, văn bản", ["Chứng thực"], "CT"),
    ("chữ ký trong các giấy tờ, văn bản", ["Chứng thực"], "CT"),
    ("hợp đồng, giao dịch liên quan đến tài sản là động sản", ["Chứng thực", "Chứng thực sửa đổi, bổ sung"], "CT"),
    ("văn bản thỏa thuận phân chia di sản", ["Chứng thực"], "CT"),
    ("giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất",
     ["Cấp", "Cấp đổi", "Cấp lại", "Đính chính", "Thu hồi"], "DD"),
    ("biến động quyền sử dụng đất", ["Đăng ký", "Xác nhận"], "DD"),
    ("chuyển mục đích sử dụng đất", ["Cho phép", "Giải quyết"], "DD"),
    ("tranh chấp đất đai", ["Hòa giải", "Giải quyết"], "DD"),
    ("giấy phép xây dựng nhà ở riêng lẻ", ["Cấp", "Cấp lại", "Điều chỉnh", "Gia hạn"], "XD"),
    ("giấy phép xây dựng công trình", ["Cấp", "Điều chỉnh", "Gia hạn", "Cấp lại"], "XD"),
    ("giấy phép di dời công trình", ["Cấp"], "XD"),
    ("thiết kế xây dựng triển khai sau thiết kế cơ sở", ["Thẩm định", "Thẩm định điều chỉnh"], "XD"),
    ("hộ kinh doanh", ["Đăng ký thành lập", "Đăng ký thay đổi nội dung đăng ký", "Tạm ngừng kinh doanh",
                       "Chấm dứt hoạt động"], "KD"),
    ("giấy chứng nhận đăng ký hộ kinh doanh", ["Cấp lại"], "KD"),
    ("trợ cấp xã hội hằng tháng", ["Thực hiện", "Điều chỉnh, thôi hưởng"], "BTXH"),
    ("hỗ trợ kinh phí mai táng", ["Giải quyết"], "BTXH"),
    ("hộ nghèo, hộ cận nghèo", ["Công nhận", "Xác nhận"], "BTXH"),
    ("người khuyết tật", ["Xác định, xác định lại mức độ khuyết tật và cấp giấy xác nhận cho"], "BTXH"),
    ("kế hoạch bảo vệ môi trường", ["Đăng ký", "Xác nhận"], "MT"),
    ("giấy phép môi trường", ["Cấp", "Cấp đổi", "Điều chỉnh", "Cấp lại"], "MT"),
    ("giấy phép khai thác, sử dụng nước mặt", ["Cấp", "Gia hạn", "Điều chỉnh"], "TNN"),
    ("giấy phép thăm dò nước dưới đất", ["Cấp", "Gia hạn"], "TNN"),
    ("lễ hội cấp xã", ["Đăng ký tổ chức", "Thông báo tổ chức"], "VH"),
    ("danh hiệu gia đình văn hóa", ["Xét tặng", "Công nhận"], "VH"),
    ("giấy phép kinh doanh dịch vụ karaoke", ["Cấp", "Điều chỉnh"], "VH"),
    ("giấy phép lái xe", ["Cấp", "Cấp đổi", "Cấp lại"], "GT"),
    ("đăng ký, biển số xe máy chuyên dùng", ["Cấp", "Cấp đổi", "Sang tên"], "GT"),
    ("giấy phép thi công công trình trên đường bộ đang khai thác", ["Cấp"], "GT"),
    ("chứng chỉ hành nghề khám bệnh, chữa bệnh", ["Cấp", "Cấp lại", "Điều chỉnh"], "YT"),
    ("giấy phép hoạt động đối với phòng khám", ["Cấp", "Cấp lại", "Điều chỉnh"], "YT"),
    ("trường mầm non tư thục", ["Cho phép thành lập", "Cho phép hoạt động giáo dục", "Sáp nhập, chia, tách"], "GD"),
    ("nhóm trẻ độc lập", ["Cho phép hoạt động", "Giải thể"], "GD"),
    ("giấy chứng nhận đủ điều kiện an toàn thực phẩm", ["Cấp", "Cấp lại"], "TP"),
    ("kinh tế trang trại", ["Xác nhận", "Công nhận"], "NN"),
    ("hỗ trợ khắc phục thiệt hại do thiên tai trong sản xuất nông nghiệp", ["Phê duyệt", "Giải quyết"], "NN"),
    ("giấy phép lao động cho người lao động nước ngoài", ["Cấp", "Cấp lại", "Gia hạn"], "LD"),
    ("trợ cấp thất nghiệp", ["Giải quyết", "Tạm dừng", "Chấm dứt hưởng"], "LD"),
    ("sinh hoạt tôn giáo tập trung", ["Đăng ký", "Đăng ký thay đổi địa điểm"], "TG"),
    ("người vào tu", ["Thông báo danh mục"], "TG"),
]

QUALIFIERS = [
    "", " có yếu tố nước ngoài", " cho người nước ngoài", " tại cấp xã", " tại cấp tỉnh",
    " trong trường hợp bị mất, hỏng", " lưu động", " đối với hộ gia đình, cá nhân",
    " đối với tổ chức", " (thủ tục liên thông)", " trên môi trường điện tử", " cho người Việt Nam định cư ở nước ngoài",
    " đối với trường hợp đã đăng ký trước đây", " theo Nghị định 118/2025/NĐ-CP", " đối với doanh nghiệp",
    " qua dịch vụ bưu chính công ích", " tại Trung tâm Phục vụ hành chính công", " trong khu công nghiệp",
    " đối với cơ sở tôn giáo", " (cấp huyện cũ chuyển về cấp xã)",
]

#: Accent-less queries an applicant types into the catalogue search box.
CATALOGUE_QUERIES = [
    "cap giay phep xay dung", "dang ky khai sinh", "chung thuc ban sao", "ho kinh doanh",
    "quyen su dung dat", "tro cap xa hoi", "ket hon nuoc ngoai", "gia han giay phep", "cap lai",
    "moi truong", "giay phep lai xe", "xac nhan tinh trang hon nhan",
]

# --- People -----------------------------------------------------------------------------------
# Names and identifiers (person_name, personal_id, HAMLETS) come from the synthetic province generator,
# tinhso.synthetic.people; copy_rows from tinhso.synthetic.bulk. Other benchmarks import them from here.

#: Inbox searches by name, accent-less, as an officer types them.
NAME_QUERIES = ["nguyen van hung", "tran thi thu", "le minh", "pham ngoc lan", "huynh", "vo thi hoa"]


# --- The world --------------------------------------------------------------------------------

@dataclass
class World:
    province: AdministrativeUnit
    commune: Agency                  # the agency under test
    others: list[Agency]             # other communes with their own dossiers
    department: Agency
    committee: Agency
    receiver: User
    specialists: list[User]
    leader: User
    clerk: User
    workflow: WorkflowDefinition
    birth: ProcedureVersion
    tokens: dict[str, str] = field(default_factory=dict)   # "receiver", "specialist", "leader"
    commune_procedures: list[tuple] = field(default_factory=list)  # (procedure_id, version_id, workflow_id, name, fee)
    other_procedures: list[tuple] = field(default_factory=list)


def _official(username: str, full_name: str, agency: Agency, *roles: str) -> User:
    user = User.objects.create(username=username, full_name=full_name, kind=UserKind.OFFICIAL)
    user.set_unusable_password()
    user.save(update_fields=["password"])
    for role in roles:
        AgencyRole.objects.create(user=user, agency=agency, role=role)
    return user


def workflow_published(code: str) -> WorkflowDefinition:
    data = json.loads((WORKFLOWS / f"{code}.json").read_text(encoding="utf-8"))
    workflow, _ = WorkflowDefinition.objects.get_or_create(
        code=data["code"], version=data["version"],
        defaults={"name": data["name"], "definition": data["definition"], "status": VersionStatus.PUBLISHED,
                  "published_at": timezone.now()})
    return workflow


def _unit(province: AdministrativeUnit, n: int, name: str) -> AdministrativeUnit:
    return AdministrativeUnit.objects.create(level=UnitLevel.COMMUNE, code=f"B{n:04d}", name=name,
                                             division_type="Xã", parent=province)


@transaction.atomic
def build_world() -> World:
    province = (AdministrativeUnit.objects.filter(level=UnitLevel.PROVINCE, code="86", valid_to__isnull=True).first()
                or AdministrativeUnit.objects.create(level=UnitLevel.PROVINCE, code="86", name="Tỉnh Vĩnh Long",
                                                     division_type="Tỉnh"))
    commune = Agency.objects.create(code="000.91.60.H86", name="Ủy ban nhân dân xã Phú Túc Đo Tải",
                                    kind=AgencyKind.COMMUNE_PEOPLES_COMMITTEE,
                                    unit=_unit(province, 1, "Xã Phú Túc Đo Tải"))
    others = [
        Agency.objects.create(code=f"000.{92 + i}.60.H86", name=f"Ủy ban nhân dân xã {name} Đo Tải",
                              kind=AgencyKind.COMMUNE_PEOPLES_COMMITTEE,
                              unit=_unit(province, 2 + i, f"Xã {name} Đo Tải"))
        for i, name in enumerate(["Giao Long", "Tân Thạch", "An Khánh", "Tiên Thủy"])
    ]
    department = Agency.objects.create(code="000.00.95.H86", name="Sở Xây dựng Đo Tải",
                                       kind=AgencyKind.DEPARTMENT, unit=province)
    committee = Agency.objects.create(code="000.00.99.H86", name="Ủy ban nhân dân tỉnh Đo Tải",
                                      kind=AgencyKind.PROVINCE_PEOPLES_COMMITTEE, unit=province)
    workflow = workflow_published("mot-cua-chuan")
    workflow_published("lien-thong-xa-so")
    receiver = _official("bench_tiepnhan", "Trần Thị Tiếp Nhận", commune, Role.RECEIVING_OFFICER)
    specialists = [_official(f"bench_chuyenvien{i}", f"Lê Văn Chuyên Viên {i}", commune, Role.SPECIALIST)
                   for i in range(1, 4)]
    leader = _official("bench_lanhdao", "Phạm Chủ Tịch", commune, Role.LEADER)
    clerk = _official("bench_traketqua", "Võ Thị Trả", commune, Role.RESULT_CLERK)
    field_hoTich, _ = Field.objects.get_or_create(code="HT", defaults={"name": "Hộ tịch"})
    procedure = Procedure.objects.create(code="1.001193", name="Đăng ký khai sinh", field=field_hoTich)
    birth = ProcedureVersion.objects.create(
        procedure=procedure, number=1, status=VersionStatus.PUBLISHED, name="Đăng ký khai sinh",
        applicant_types=["citizen"], agency_levels=["commune"], channels=[1, 2, 3],
        processing_amount=Decimal(3), processing_unit="working_day", fees=[],
        components=BIRTH_COMPONENTS,
        results=[{"code": "TLKS", "name": "Trích lục khai sinh", "paper": True, "electronic": True}],
        legal_basis=["Luật Hộ tịch 2014, Điều 16"], form_schema=BIRTH_FORM, workflow=workflow,
        published_at=timezone.now())
    procedure.current_version = birth
    procedure.save()
    for agency in [commune, *others]:
        ProcedureAssignment.objects.create(procedure=procedure, agency=agency)
    world = World(province=province, commune=commune, others=others, department=department, committee=committee,
                  receiver=receiver, specialists=specialists, leader=leader, clerk=clerk, workflow=workflow,
                  birth=birth)
    for key, user in (("receiver", receiver), ("specialist", specialists[0]), ("leader", leader)):
        world.tokens[key] = api_token_issue(actor=None, agency=commune, user=user, name=f"Đo tải {key}").token
    return world


def load_world() -> World:
    """The world of an earlier run (--keep-db), with fresh API tokens."""
    commune = Agency.objects.get(code="000.91.60.H86")
    birth = ProcedureVersion.objects.select_related("procedure", "workflow").get(procedure__code="1.001193",
                                                                                 number=1)
    world = World(
        province=commune.unit.parent, commune=commune,
        others=list(Agency.objects.filter(code__in=[f"000.{92 + i}.60.H86" for i in range(4)]).order_by("code")),
        department=Agency.objects.get(code="000.00.95.H86"), committee=Agency.objects.get(code="000.00.99.H86"),
        receiver=User.objects.get(username="bench_tiepnhan"),
        specialists=[User.objects.get(username=f"bench_chuyenvien{i}") for i in range(1, 4)],
        leader=User.objects.get(username="bench_lanhdao"), clerk=User.objects.get(username="bench_traketqua"),
        workflow=birth.workflow, birth=birth)
    for key, user in (("receiver", world.receiver), ("specialist", world.specialists[0]), ("leader", world.leader)):
        world.tokens[key] = api_token_issue(actor=None, agency=commune, user=user, name=f"Đo tải {key}").token
    return world


# --- Catalogue --------------------------------------------------------------------------------

def procedure_names(n: int, rng: random.Random) -> list[tuple[str, str]]:
    """`n` distinct (name, field code) pairs from the verb × object × qualifier combinations."""
    combos = [(f"{verb} {obj}{qual}", fcode) for obj, verbs, fcode in OBJECTS for verb in dict.fromkeys(verbs)
              for qual in QUALIFIERS]
    if n > len(combos):
        raise ValueError(f"only {len(combos)} distinct names")
    rng.shuffle(combos)
    # The plain (unqualified) names first: they are the common ones.
    combos.sort(key=lambda c: 0 if c[0].endswith(tuple(o for o, _v, _f in OBJECTS)) else 1)
    return combos[:n]


@transaction.atomic
def build_catalogue(world: World, n: int, rng: random.Random) -> None:
    """`n` procedures (including the birth registration already there), each with a published
    version on the standard workflow; ~60 assigned to each commune."""
    fields = {code: Field.objects.get_or_create(code=code, defaults={"name": name})[0] for code, name in FIELDS}
    names = [nf for nf in procedure_names(n, rng) if nf[0] != "Đăng ký khai sinh"][: n - 1]
    procedures = Procedure.objects.bulk_create([
        Procedure(code=f"{rng.choice('12')}.{100000 + i:06d}", name=name, name_folded=fold(name), field=fields[fcode])
        for i, (name, fcode) in enumerate(names)
    ], batch_size=1000)
    now = timezone.now()
    versions = ProcedureVersion.objects.bulk_create([
        ProcedureVersion(
            procedure=p, number=1, status=VersionStatus.PUBLISHED, name=p.name,
            applicant_types=rng.sample(["citizen", "foreigner", "business", "household"], rng.randint(1, 3)),
            agency_levels=[rng.choice(["commune", "province"])], channels=[1, 2, 3] if rng.random() < 0.7 else [1, 3],
            processing_amount=Decimal(rng.choice([1, 3, 5, 7, 10, 15, 20, 30])), processing_unit="working_day",
            fees=[{"code": "LP", "name": "Lệ phí", "kind": "le_phi", "amount": rng.choice([0, 8000, 50000, 100000]),
                   "note": ""}],
            components=[{"code": f"TP{j}", "name": f"Thành phần hồ sơ {j}", "originals": 1, "copies": 0,
                         "required": j == 1, "reusable_result": False, "note": ""} for j in range(1, rng.randint(2, 6))],
            results=[{"code": "KQ", "name": "Kết quả giải quyết", "paper": True, "electronic": True}],
            legal_basis=["Nghị định 118/2025/NĐ-CP"], requirements="", workflow=world.workflow,
            published_at=now, service_level=rng.choice(["full", "partial", "none"]),
        ) for p in procedures
    ], batch_size=1000)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE catalog_procedure p SET current_version_id = v.id FROM catalog_procedureversion v "
            "WHERE v.procedure_id = p.id AND p.current_version_id IS NULL")
    communes = [world.commune, *world.others]
    assignments = []
    for agency in communes:
        for p in rng.sample(procedures, 60):
            assignments.append(ProcedureAssignment(procedure=p, agency=agency))
    ProcedureAssignment.objects.bulk_create(assignments, ignore_conflicts=True)
    rows = {a.procedure_id: a for a in assignments if a.agency_id == world.commune.pk}
    by_proc = {v.procedure_id: v for v in versions}
    world.commune_procedures = [(world.birth.procedure_id, world.birth.pk, world.workflow.pk, world.birth.name, 0)]
    for pid in rows:
        v = by_proc[pid]
        world.commune_procedures.append((pid, v.pk, world.workflow.pk, v.name, v.fee_total))
    world.other_procedures = world.commune_procedures  # the other communes reuse the same mix


# --- Dossiers by COPY --------------------------------------------------------------------------

#: Where the dossiers of an agency stand: (state, status, share). A commune that has handled
#: 100,000 dossiers over three years has most of them returned; 16 % are open.
STATE_MIX = [
    ("da_tra_ket_qua", 10, 0.80), ("tu_choi", 3, 0.025), ("da_rut", 7, 0.01), ("da_dung", 8, 0.005),
    ("moi_nop", 1, 0.01), ("dang_xu_ly", 4, 0.07), ("cho_bo_sung", 5, 0.02),
    ("cho_nghia_vu_tai_chinh", 6, 0.005), ("cho_phe_duyet", 4, 0.025), ("cho_tra_ket_qua", 9, 0.03),
]
TERMINAL = {"da_tra_ket_qua", "tu_choi", "da_rut", "da_dung"}
NO_ALLOWANCE = {"cho_bo_sung", "cho_nghia_vu_tai_chinh", "cho_tra_ket_qua"}
CHANNEL_SOURCE = [(1, "counter", 0.6), (2, "online", 0.35), (3, "post", 0.05)]


def dossier_rows(*, agency: Agency, n: int, procedures: list[tuple], rng: random.Random, now: dt.datetime,
                 specialists: list[User] = (), leader: User | None = None) -> list[dict]:
    """`n` dossiers of `agency` (receiving = competent = holder), spread over three years."""
    states = [(s, st) for s, st, _w in STATE_MIX]
    weights = [w for _s, _st, w in STATE_MIX]
    rows = []
    for _ in range(n):
        state, status = rng.choices(states, weights)[0]
        proc_id, version_id, workflow_id, proc_name, fee = rng.choice(procedures)
        channel, source = rng.choices([(c, s) for c, s, _w in CHANNEL_SOURCE], [w for *_x, w in CHANNEL_SOURCE])[0]
        open_ = state not in TERMINAL
        if open_:
            submitted = now - dt.timedelta(hours=rng.uniform(2, 24 * 30))
        else:
            submitted = now - dt.timedelta(days=rng.uniform(2, 3 * 365))
        refused_at_counter = state == "tu_choi" and rng.random() < 0.5
        accepted = None if state == "moi_nop" or refused_at_counter else submitted + dt.timedelta(
            minutes=rng.uniform(1, 90))
        due = accepted + dt.timedelta(days=rng.choice([1, 3, 5, 7, 14, 21])) if accepted else None
        entered = (accepted or submitted) + dt.timedelta(hours=rng.uniform(0, 48))
        if open_:
            entered = min(entered, now - dt.timedelta(minutes=5))
        state_due = None
        if open_ and state not in NO_ALLOWANCE:
            r = rng.random()
            if r < 0.15:       # late in this step
                state_due = now - dt.timedelta(hours=rng.uniform(1, 120))
            elif r < 0.25:     # due within the next working day
                state_due = now + dt.timedelta(hours=rng.uniform(0.2, 8))
            else:
                state_due = now + dt.timedelta(hours=rng.uniform(8, 240))
        if open_ and due is not None:
            due = now + dt.timedelta(hours=rng.uniform(-72, 360))
        finished = returned = None
        if state in ("da_tra_ket_qua", "tu_choi", "da_dung", "da_rut"):
            finished = (accepted or submitted) + dt.timedelta(days=rng.uniform(0.2, 10))
            if state == "da_tra_ket_qua":
                returned = finished + dt.timedelta(days=rng.uniform(0, 3))
        elif state == "cho_tra_ket_qua":
            finished = entered
        assignee = None
        if state == "dang_xu_ly" and specialists and rng.random() < 0.9:
            assignee = rng.choice(specialists).pk
        elif state == "cho_phe_duyet" and leader is not None and rng.random() < 0.8:
            assignee = leader.pk
        name = person_name(rng)
        supplements = 1 if state == "cho_bo_sung" or rng.random() < 0.05 else 0
        rows.append({
            "procedure_id": proc_id, "procedure_version_id": version_id, "workflow_id": workflow_id,
            "state": state, "status": status, "channel": channel, "source": source,
            "receiving_agency_id": agency.pk, "competent_agency_id": agency.pk, "holder_agency_id": agency.pk,
            "assignee_id": assignee, "applicant_id": None,
            "applicant_name": name, "applicant_name_folded": fold(name), "applicant_id_number": personal_id(rng),
            "applicant_kind": "citizen", "applicant_phone": f"09{rng.randrange(10 ** 8):08d}",
            "applicant_address": f"{rng.choice(HAMLETS)}, {agency.name.replace('Ủy ban nhân dân ', '')}",
            "summary": proc_name[:500],
            "form_data": {"ho_ten": name, "noi_dung": proc_name, "so_ban": rng.randint(1, 3)},
            "submitted_at": submitted, "accepted_at": accepted, "due_at": due, "finished_at": finished,
            "returned_at": returned, "state_entered_at": entered, "state_due_at": state_due,
            "supplement_count": supplements,
            "supplement_requested_at": entered if state == "cho_bo_sung" else None,
            "fee_total": fee, "has_digitised_components": channel == 1 and rng.random() < 0.7,
            "event_seq": 0, "created_at": submitted, "updated_at": entered,
        })
    rows.sort(key=lambda r: r["submitted_at"])  # a real table fills in time order
    counters: dict[dt.date, itertools.count] = {}
    for row in rows:
        day = timezone.localtime(row["submitted_at"]).date()
        seq = next(counters.setdefault(day, itertools.count(1)))
        row["code"] = f"{agency.code}-{day:%y%m%d}-{seq:04d}"
    return rows


def build_dossiers(world: World, *, main: int, per_other: int, rng: random.Random, batch: int = 20000) -> None:
    from tinhso.dossiers.models import Dossier

    now = timezone.now()
    # Bulk dossiers end the day before: today's codes come from the intake sequence.
    now = now - dt.timedelta(days=1)
    plan = [(world.commune, main, world.commune_procedures, world.specialists, world.leader)]
    plan += [(a, per_other, world.other_procedures, [], None) for a in world.others]
    for agency, n, procedures, specialists, leader in plan:
        rows = dossier_rows(agency=agency, n=n, procedures=procedures, rng=rng, now=now,
                            specialists=specialists, leader=leader)
        for start in range(0, len(rows), batch):
            copy_rows(Dossier, rows[start:start + batch])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


# --- A 200 KB PDF -----------------------------------------------------------------------------

MARKER = b"000000000000"  # 12 digits, replaced per request so that every file is distinct


def pdf_padded(size: int = 200 * 1024, seed: int = 7) -> tuple[bytearray, int]:
    """A well-formed one-page PDF of exactly `size` bytes: a text line carrying a 12-digit marker,
    padded with comment lines in the content stream (a scan's worth of bytes). Returns the bytes
    and the offset of the marker, which the caller overwrites to make each file unique."""
    rng = random.Random(seed)

    def build(padding: int) -> bytes:
        alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
        lines, left = [], padding
        while left > 0:
            n = min(76, left - 2) if left > 2 else 0
            line = b"%" + bytes(rng.choice(alphabet) for _ in range(max(n, 0))) + b"\n"
            line = line[:left]
            lines.append(line)
            left -= len(line)
        stream = b"BT /F1 12 Tf 20 100 Td (tinhso ho so " + MARKER + b") Tj ET\n" + b"".join(lines)
        objects = [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
             b"/Resources << /Font << /F1 5 0 R >> >> >>"),
            b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
        out, offsets = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", []
        for i, body in enumerate(objects, 1):
            offsets.append(len(out))
            out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
        xref = len(out)
        out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
        out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
        out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
        return out

    first = build(size // 2)
    # The /Length digits may change width with the padding; adjust until exact.
    padding = size // 2 + (size - len(first))
    for _ in range(5):
        data = build(padding)
        if len(data) == size:
            break
        padding += size - len(data)
    else:  # pragma: no cover
        raise RuntimeError("could not size the PDF")
    data = bytearray(data)
    return data, data.index(MARKER)
