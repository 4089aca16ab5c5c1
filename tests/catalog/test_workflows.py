"""Workflow definitions through the services: each broken shape is refused with its problem, and
a published definition is frozen."""

from __future__ import annotations

import copy

import pytest

from tinhso.catalog import services
from tinhso.catalog.models import VersionStatus, WorkflowDefinition
from tinhso.catalog.workflow import DefinitionInvalid
from tinhso.core.models import AuditEntry

from .conftest import workflow_file

pytestmark = pytest.mark.django_db


def small() -> dict:
    """start -> doing -> done, with a refusal from start."""
    return {"states": [
        {"code": "moi_nop", "name": "Chờ tiếp nhận", "status": 1, "start": True, "holder": "receiving",
         "actions": [{"code": "tiep_nhan", "name": "Tiếp nhận", "to": "dang_xu_ly", "roles": ["receiving_officer"],
                      "effect": "accept"},
                     {"code": "tu_choi", "name": "Từ chối", "to": "tu_choi", "roles": ["receiving_officer"],
                      "effect": "refuse"}]},
        {"code": "dang_xu_ly", "name": "Đang xử lý", "status": 4,
         "actions": [{"code": "xong", "name": "Xong", "to": "da_tra", "roles": ["leader"],
                      "effect": "result_returned"}]},
        {"code": "da_tra", "name": "Đã trả kết quả", "status": 10, "terminal": True},
        {"code": "tu_choi", "name": "Từ chối", "status": 3, "terminal": True},
    ]}


def save(definition, **kwargs):
    return services.workflow_definition_save(actor=None, code="thu-nghiem", name="Quy trình thử nghiệm",
                                             definition=definition, **kwargs)


def refused(definition) -> list[dict]:
    with pytest.raises(DefinitionInvalid) as caught:
        save(definition)
    assert not WorkflowDefinition.objects.filter(code="thu-nghiem").exists()
    return caught.value.problems


def test_the_shipped_workflows_and_a_small_one_are_valid():
    for code in ("mot-cua-chuan", "lien-thong-xa-so"):
        data = workflow_file(code)
        row = services.workflow_definition_save(actor=None, code=code, name=data["name"],
                                                definition=data["definition"])
        assert row.version == 1 and row.status == VersionStatus.DRAFT
    assert save(small()).version == 1
    assert save(small()).version == 2  # without a version: the next one


def test_unreachable_state():
    definition = small()
    definition["states"].append({"code": "mo_coi", "name": "Mồ côi", "status": 4,
                                 "actions": [{"code": "xong", "name": "Xong", "to": "da_tra", "roles": ["leader"]}]})
    assert refused(definition) == [{"path": "states.4",
                                    "message": "Trạng thái “mo_coi” không thể đến được từ trạng thái bắt đầu."}]


def test_non_terminal_dead_end():
    definition = small()
    definition["states"][1]["actions"] = []
    problems = refused(definition)
    assert {"path": "states.1.actions",
            "message": "Trạng thái “dang_xu_ly” chưa kết thúc nhưng không có thao tác nào."} in problems


def test_a_loop_that_never_reaches_a_terminal_state():
    definition = small()
    definition["states"][1]["actions"] = [{"code": "lai", "name": "Lại", "to": "dang_xu_ly", "roles": ["leader"]}]
    assert refused(definition) == [
        {"path": "states.2", "message": "Trạng thái “da_tra” không thể đến được từ trạng thái bắt đầu."},
        {"path": "states.1", "message": "Từ trạng thái “dang_xu_ly” không thể đi tới trạng thái kết thúc nào."},
    ]


def test_unknown_role():
    definition = small()
    definition["states"][1]["actions"][0]["roles"] = ["chu_tich"]
    assert refused(definition) == [{"path": "states.1.actions.0.roles", "message": "Vai trò “chu_tich” không tồn tại."}]


def test_two_start_states():
    definition = small()
    definition["states"][1]["start"] = True
    assert refused(definition) == [{"path": "states",
                                    "message": "Quy trình phải có đúng một trạng thái bắt đầu (đang có 2)."}]


def test_terminal_state_with_actions():
    definition = small()
    definition["states"][2]["actions"] = [{"code": "mo_lai", "name": "Mở lại", "to": "dang_xu_ly", "roles": ["leader"]}]
    assert refused(definition) == [{"path": "states.2.actions",
                                    "message": "Trạng thái kết thúc “da_tra” không được có thao tác."}]


def test_action_to_an_unknown_state():
    definition = small()
    definition["states"][1]["actions"][0]["to"] = "khong_co"
    assert refused(definition) == [{"path": "states.1.actions.0.to", "message": "Trạng thái đích “khong_co” không tồn tại."}]


def test_a_draft_can_be_edited_a_published_one_cannot():
    row = save(small())
    changed = copy.deepcopy(small())
    changed["states"][1]["name"] = "Chuyên viên xử lý"
    assert save(changed, version=row.version).definition["states"][1]["name"] == "Chuyên viên xử lý"
    published = services.workflow_definition_publish(actor=None, definition_id=row.pk)
    assert published.status == VersionStatus.PUBLISHED and published.published_at is not None
    with pytest.raises(services.VersionFrozen):
        save(small(), version=row.version)
    row.refresh_from_db()
    assert row.definition == changed
    # Publishing again changes nothing; each write was audited.
    assert services.workflow_definition_publish(actor=None, definition_id=row.pk).published_at == published.published_at
    actions = list(AuditEntry.objects.filter(object_type="catalog.WorkflowDefinition").values_list("action", flat=True))
    assert actions == ["catalog.workflow_created", "catalog.workflow_updated", "catalog.workflow_published"]


def test_a_bad_code_or_name_is_refused():
    with pytest.raises(services.CatalogInvalid) as caught:
        services.workflow_definition_save(actor=None, code="quy trình", name=" ", definition=small())
    assert {p["field"] for p in caught.value.problems} == {"code", "name"}
