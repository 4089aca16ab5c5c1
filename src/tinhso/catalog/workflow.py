"""The shape of a workflow definition, its validation, and the compiled form the engine reads.

The shape follows DIGIT's BusinessService (anchors.md §1) — states with actions, roles per action,
a time allowance per state, a document gate, start and terminal flags — plus what a Vietnamese
one-stop process needs:

- every state names the national dossier status (TrangThaiHoSo 1–10, regulations.md §2.2) the
  dossier shows while in it;
- every state names which agency holds the dossier: the receiving agency (bộ phận một cửa) or the
  competent agency (cơ quan có thẩm quyền). A hand-over between them is a liên thông step;
- an action may carry an `effect` the dossier service applies (acceptance fixes the appointment
  date, a supplement request stops the clock, …): the legal lifecycle of Decree 118/2025 is code,
  the order of internal steps is data;
- a state's time allowance is either a fixed amount (`amount` + `unit`) or a `share` of the
  procedure's time limit, so that one workflow serves procedures of different lengths.

Roles are the official roles of accounts.Role plus two actors outside any agency: `applicant` (the
person who filed, e.g. to withdraw) and `system` (the national-portal intake).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal

from django.utils.translation import gettext as _
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tinhso.accounts.models import Role

APPLICANT = "applicant"
SYSTEM = "system"


def known_roles() -> set[str]:
    return {value for value, _label in Role.choices} | {APPLICANT, SYSTEM}


class Effect(StrEnum):
    """What an action does to the dossier beyond moving its state (dossiers/services.py)."""

    NONE = "none"                       # an internal hand-over
    ACCEPT = "accept"                   # tiếp nhận: NgayTiepNhan, NgayHenTra fixed from the calendar
    REFUSE = "refuse"                   # từ chối tiếp nhận / giải quyết (Mẫu 03), reason required
    SUPPLEMENT_REQUEST = "supplement_request"    # yêu cầu bổ sung (Mẫu 02): clock stops
    SUPPLEMENT_RECEIVED = "supplement_received"  # bổ sung xong: clock restarts, time deducted
    FINANCIAL_REQUEST = "financial_request"      # yêu cầu thực hiện nghĩa vụ tài chính
    FINANCIAL_DONE = "financial_done"
    EXTEND = "extend"                   # xin lỗi và gia hạn (Mẫu 04): new appointment date
    STOP = "stop"                       # dừng giải quyết (Mẫu 05)
    WITHDRAW = "withdraw"               # công dân rút hồ sơ
    RESULT_ISSUED = "result_issued"     # đã xử lý xong: NgayKetThucXuLy
    RESULT_RETURNED = "result_returned"  # đã trả kết quả


#: Actions possible in a step that are not its work (anyone may refuse, stop, extend or see a
#: withdrawal): they neither put a dossier in someone's inbox nor make someone its holder.
EXCEPTIONAL_EFFECTS = frozenset({Effect.REFUSE, Effect.STOP, Effect.EXTEND, Effect.WITHDRAW})

#: Effects that need a text reason from the officer.
REASON_REQUIRED = {Effect.REFUSE, Effect.SUPPLEMENT_REQUEST, Effect.EXTEND, Effect.STOP}


class Holder(StrEnum):
    RECEIVING = "receiving"
    COMPETENT = "competent"


class Allowance(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    amount: Decimal | None = Field(default=None, gt=0)
    unit: Literal["hour", "working_day"] | None = None
    share: Decimal | None = Field(default=None, gt=0, le=1)

    def model_post_init(self, __context: Any) -> None:
        by_amount = self.amount is not None and self.unit is not None
        if by_amount == (self.share is not None) or (self.amount is None) != (self.unit is None):
            raise ValueError("give either amount and unit, or share")


class ActionSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^[a-z][a-z0-9_]{1,59}$")
    name: str = Field(min_length=1, max_length=120)
    to: str
    roles: tuple[str, ...] = Field(min_length=1)
    effect: Effect = Effect.NONE
    #: Ask the officer to pick who holds the dossier next (DIGIT's "assignee" on a transition).
    assign: bool = False


class StateSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^[a-z][a-z0-9_]{1,59}$")
    name: str = Field(min_length=1, max_length=120)
    status: int = Field(ge=1, le=10)
    holder: Holder = Holder.COMPETENT
    start: bool = False
    terminal: bool = False
    allowance: Allowance | None = None
    #: Document gate: the dossier must carry every required component before leaving this state.
    documents_required: bool = False
    actions: tuple[ActionSpec, ...] = ()


class DefinitionSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    states: tuple[StateSpec, ...] = Field(min_length=2)


class DefinitionInvalid(Exception):
    """Carries a list of {"path", "message"} problems, Vietnamese first."""

    def __init__(self, problems: list[dict[str, str]]):
        super().__init__("; ".join(f"{p['path']}: {p['message']}" for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class CompiledWorkflow:
    """A definition turned into lookups for the hot path."""

    states: dict[str, StateSpec]
    actions: dict[tuple[str, str], ActionSpec]  # (state code, action code) -> action
    start: str
    order: tuple[str, ...] = field(default=())

    def state(self, code: str) -> StateSpec:
        return self.states[code]

    def actions_from(self, state: str) -> tuple[ActionSpec, ...]:
        return self.states[state].actions

    def action(self, state: str, code: str) -> ActionSpec | None:
        return self.actions.get((state, code))

    def state_with_effect_target(self, effect: Effect) -> list[str]:
        return [a.to for (s, _c), a in self.actions.items() if a.effect == effect]


def definition_parse(data: Any) -> CompiledWorkflow:
    """Validate a definition document and compile it. Raises DefinitionInvalid with every problem.

    Checks (DIGIT validates "the flow is complete" on create; we also check roles and statuses):
    exactly one start state; codes unique; every action goes to a known state; every role exists;
    every state reachable from the start; every non-terminal state has an exit and can still reach
    a terminal state; terminal states have no actions.
    """
    try:
        spec = DefinitionSpec.model_validate(data)
    except ValidationError as exc:
        raise DefinitionInvalid([
            {"path": ".".join(str(p) for p in err["loc"]), "message": err["msg"]} for err in exc.errors()
        ]) from None
    problems: list[dict[str, str]] = []

    def problem(path: str, message: str) -> None:
        problems.append({"path": path, "message": message})

    states: dict[str, StateSpec] = {}
    for i, state in enumerate(spec.states):
        if state.code in states:
            problem(f"states.{i}.code", _("Mã trạng thái “%(code)s” bị trùng.") % {"code": state.code})
        states[state.code] = state
    starts = [s.code for s in spec.states if s.start]
    if len(starts) != 1:
        problem("states", _("Quy trình phải có đúng một trạng thái bắt đầu (đang có %(n)d).") % {"n": len(starts)})
    roles = known_roles()
    actions: dict[tuple[str, str], ActionSpec] = {}
    for i, state in enumerate(spec.states):
        if state.terminal and state.actions:
            problem(f"states.{i}.actions", _("Trạng thái kết thúc “%(code)s” không được có thao tác.")
                    % {"code": state.code})
        if not state.terminal and not state.actions:
            problem(f"states.{i}.actions", _("Trạng thái “%(code)s” chưa kết thúc nhưng không có thao tác nào.")
                    % {"code": state.code})
        for j, action in enumerate(state.actions):
            path = f"states.{i}.actions.{j}"
            if (state.code, action.code) in actions:
                problem(f"{path}.code", _("Thao tác “%(code)s” bị trùng trong trạng thái “%(state)s”.")
                        % {"code": action.code, "state": state.code})
            actions[(state.code, action.code)] = action
            if action.to not in states:
                problem(f"{path}.to", _("Trạng thái đích “%(to)s” không tồn tại.") % {"to": action.to})
            for role in action.roles:
                if role not in roles:
                    problem(f"{path}.roles", _("Vai trò “%(role)s” không tồn tại.") % {"role": role})
    if problems:
        raise DefinitionInvalid(problems)

    start = starts[0]
    # Reachability from the start, and co-reachability of a terminal state.
    forward: dict[str, set[str]] = {code: set() for code in states}
    backward: dict[str, set[str]] = {code: set() for code in states}
    for (src, _code), action in actions.items():
        forward[src].add(action.to)
        backward[action.to].add(src)
    reached = _closure(start, forward)
    for i, state in enumerate(spec.states):
        if state.code not in reached:
            problem(f"states.{i}", _("Trạng thái “%(code)s” không thể đến được từ trạng thái bắt đầu.")
                    % {"code": state.code})
    terminals = [s.code for s in spec.states if s.terminal]
    if not terminals:
        problem("states", _("Quy trình phải có ít nhất một trạng thái kết thúc."))
    finishing: set[str] = set()
    for code in terminals:
        finishing |= _closure(code, backward)
    for i, state in enumerate(spec.states):
        if state.code in reached and state.code not in finishing:
            problem(f"states.{i}", _("Từ trạng thái “%(code)s” không thể đi tới trạng thái kết thúc nào.")
                    % {"code": state.code})
    if problems:
        raise DefinitionInvalid(problems)
    return CompiledWorkflow(states=states, actions=actions, start=start, order=tuple(states))


def _closure(origin: str, edges: dict[str, set[str]]) -> set[str]:
    seen, queue = {origin}, deque([origin])
    while queue:
        for nxt in edges[queue.popleft()]:
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


_compiled: dict[tuple, CompiledWorkflow] = {}


def compiled(definition) -> CompiledWorkflow:
    """The compiled workflow of a WorkflowDefinition row. Published rows never change, so the
    result is cached per id for the life of the process; drafts are compiled every time."""
    if definition.status != "published":
        return definition_parse(definition.definition)
    # Keyed by the publication moment too: ids can be reused (a restored or rolled-back database).
    key = (definition.pk, definition.published_at)
    hit = _compiled.get(key)
    if hit is None:
        hit = _compiled[key] = definition_parse(definition.definition)
    return hit
