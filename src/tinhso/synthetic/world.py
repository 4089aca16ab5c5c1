"""What the generator reads before it writes: the province's agencies and their calendars, the
procedures in force with their competent agencies, and each pinned workflow compiled into the
routes a dossier can take (the ordinary path to the result, and where a supplement, a financial
obligation, an extension, a refusal, a stop or a withdrawal can branch off)."""

from __future__ import annotations

import datetime as dt
import json
import math
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _

from tinhso.accounts.models import Role
from tinhso.catalog.models import Procedure, ProcedureAssignment, VersionStatus
from tinhso.catalog.workflow import APPLICANT, SYSTEM, ActionSpec, CompiledWorkflow, Effect, Holder, compiled
from tinhso.core.calendar import calendar_for
from tinhso.core.models import AdministrativeUnit, Agency, AgencyKind, UnitLevel, UnitLineage
from tinhso.synthetic import people
from tinhso.synthetic.bulk import esc
from tinhso.synthetic.clock import WorkClock
from tinhso.synthetic.mix import DEFAULT_WEIGHT, Mix


class WorldInvalid(Exception):
    """The database does not hold what the generator needs (Vietnamese message)."""


#: Weight of a state in the split of the processing time when its workflow gives none.
DEFAULT_SHARE = 0.2
WORK_EFFECTS = frozenset({Effect.NONE, Effect.RESULT_ISSUED, Effect.RESULT_RETURNED})
OFFICIAL_ROLES = {value for value, _label in Role.choices}


@dataclass
class StateInfo:
    code: str
    code_t: str
    status: int
    status_t: str
    holder: str                       # "receiving" | "competent"
    terminal: bool
    gated: bool                       # documents_required
    allowance: tuple | None           # ("fixed", amount, unit) | ("share", float)
    weight: float                     # share of the processing time spent here


@dataclass
class Flow:
    """A compiled workflow as routes."""

    pk: int
    pk_t: str
    wf: CompiledWorkflow
    states: dict[str, StateInfo]
    start: str
    accept: ActionSpec
    start_refuse: ActionSpec | None
    start_withdraw: ActionSpec | None
    post_accept: str
    work_next: dict[str, ActionSpec]          # the next step on the ordinary path to the result
    effects: dict[str, dict[str, ActionSpec]]  # state -> effect -> action
    path_weight: dict[str, float]             # weights of the states left on the ordinary path
    extend_later: dict[str, bool]             # a later state on the path can also extend
    receiving_works: bool                     # a working state is held by the receiving agency
    has_financial: bool


def _allowance(state) -> tuple | None:
    allowance = state.allowance
    if allowance is None or state.terminal:
        return None
    if allowance.share is not None:
        return ("share", float(allowance.share))
    return ("fixed", Decimal(str(allowance.amount)), allowance.unit)


def flow_build(definition) -> Flow:
    wf = compiled(definition)
    states = {}
    for code, spec in wf.states.items():
        allowance = _allowance(spec)
        weight = allowance[1] if allowance and allowance[0] == "share" else DEFAULT_SHARE
        states[code] = StateInfo(code=code, code_t=esc(code), status=spec.status, status_t=str(spec.status),
                                 holder=str(spec.holder), terminal=spec.terminal, gated=spec.documents_required,
                                 allowance=allowance, weight=weight)
    effects: dict[str, dict[str, ActionSpec]] = {code: {} for code in wf.states}
    for (state, _code), action in wf.actions.items():
        effects[state].setdefault(str(action.effect), action)
    start = wf.start
    accept = effects[start].get(Effect.ACCEPT)
    if accept is None:
        raise WorldInvalid(_("Quy trình %(code)s không có bước tiếp nhận.") % {"code": definition.code})
    returned = [c for c, s in wf.states.items() if s.terminal and s.status == 10]
    if not returned:
        raise WorldInvalid(_("Quy trình %(code)s không có trạng thái đã trả kết quả.") % {"code": definition.code})
    # Shortest ordinary path to "returned": distances backwards over the work actions.
    dist = {returned[0]: 0}
    frontier = [returned[0]]
    while frontier:
        nxt = []
        for (state, _c), action in wf.actions.items():
            if action.effect in WORK_EFFECTS and action.to in frontier and state not in dist:
                dist[state] = dist[action.to] + 1
                nxt.append(state)
        frontier = nxt
    work_next = {}
    for state in wf.states:
        if state in dist and dist[state] > 0:
            work_next[state] = next(a for a in wf.actions_from(state)
                                    if a.effect in WORK_EFFECTS and dist.get(a.to) == dist[state] - 1)
    if accept.to not in work_next:
        raise WorldInvalid(_("Quy trình %(code)s: không có đường từ tiếp nhận tới trả kết quả.")
                           % {"code": definition.code})
    path_weight, extend_later = {}, {}
    for state in work_next:
        total, later_extend, cursor, first = 0.0, False, state, True
        while cursor in work_next:
            action = work_next[cursor]
            if action.effect == Effect.RESULT_RETURNED:
                break
            total += states[cursor].weight
            if not first and Effect.EXTEND in effects[cursor]:
                later_extend = True
            if action.effect == Effect.RESULT_ISSUED:
                break
            cursor, first = action.to, False
        path_weight[state], extend_later[state] = total, later_extend
    receiving_works = any(s.holder == Holder.RECEIVING and s.allowance and s.allowance[0] == "share"
                          for s in states.values())
    return Flow(pk=definition.pk, pk_t=str(definition.pk), wf=wf, states=states, start=start, accept=accept,
                start_refuse=effects[start].get(Effect.REFUSE), start_withdraw=effects[start].get(Effect.WITHDRAW),
                post_accept=accept.to, work_next=work_next, effects=effects, path_weight=path_weight,
                extend_later=extend_later, receiving_works=receiving_works,
                has_financial=any(Effect.FINANCIAL_REQUEST in e for e in effects.values()))


@dataclass
class AgencyInfo:
    pk: int
    pk_t: str
    obj: Agency
    code: str
    name_t: str
    place_t: str          # the locality, for addresses
    is_commune: bool
    clock: WorkClock
    weight: float = 1.0
    late_factor: float = 1.0
    staff: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class ProcedureInfo:
    code: str
    pk_t: str
    version_t: str
    flow: Flow
    amount: Decimal
    unit: str
    fee: int
    channels: frozenset[int]
    competent: list[AgencyInfo]
    competent_cum: list[float]
    at_commune: bool                 # decided by communes
    summary_t: str
    form_t: str
    components: list[tuple[str, str, bool]]   # (code, file name, required)
    e_result: bool
    result_name: str
    applicant_kinds: list[str]
    weight: float
    financial: bool = False          # goes through the financial-obligation step (Mix.financial_fields)


@dataclass
class World:
    province: AdministrativeUnit
    birth_codes: tuple[str, ...]
    agencies: list[AgencyInfo]
    communes: list[AgencyInfo]
    communes_cum: list[float]
    centre: AgencyInfo | None
    committee: AgencyInfo | None
    departments: list[AgencyInfo]
    procedures: list[ProcedureInfo]
    flows: dict[int, Flow]


def _cumulative(weights: list[float]) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


def _form_template(schema: dict) -> str:
    """A filled form for the procedure's schema: sample values, the same for all its dossiers."""
    values = {}
    for name, prop in (schema.get("properties") or {}).items():
        kind = prop.get("type")
        if prop.get("enum"):
            values[name] = prop["enum"][0]
        elif kind == "string" and prop.get("format") == "date":
            values[name] = "2000-01-01"
        elif kind == "string":
            values[name] = "Dữ liệu tổng hợp"
        elif kind in ("integer", "number"):
            values[name] = prop.get("minimum", 1)
        elif kind == "boolean":
            values[name] = True
    return esc(json.dumps(values, ensure_ascii=False, separators=(",", ":")))


def _staff(rng: random.Random) -> dict[str, list[str]]:
    counts = {Role.RECEIVING_OFFICER: 2, Role.SPECIALIST: 3, Role.LEADER: 1, Role.RESULT_CLERK: 1}
    return {str(role): [esc(people.person(rng)[0]) for _i in range(n)] for role, n in counts.items()}


def world_load(*, seed: int, first: dt.date, last: dt.date, mix: Mix, province_code: str | None = None,
               agencies: list | None = None) -> World:
    """The province's agencies in force on `first` (all, or those named in `agencies` by code or
    object) and the active procedures whose current published version they decide."""
    province_code = province_code or settings.TINHSO_PROVINCE
    province = AdministrativeUnit.objects.filter(level=UnitLevel.PROVINCE, code=province_code,
                                                 valid_to__isnull=True).first()
    if province is None:
        raise WorldInvalid(_("Không có tỉnh mã %(code)s.") % {"code": province_code})
    qs = Agency.objects.filter(
        Q(unit=province) | Q(unit__level=UnitLevel.COMMUNE, unit__parent=province)
    ).filter(Q(valid_from__isnull=True) | Q(valid_from__lte=first)).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=last)).select_related("unit").order_by("code")
    if agencies:
        codes = {a.code if isinstance(a, Agency) else str(a) for a in agencies}
        qs = qs.filter(code__in=codes)
    rows = list(qs)
    if not rows:
        raise WorldInvalid(_("%(name)s chưa có cơ quan nào hoạt động suốt kỳ %(first)s – %(last)s "
                             "(cần nạp danh sách cơ quan, hoặc chọn kỳ sau ngày các cơ quan được thành lập).")
                           % {"name": province.name, "first": f"{first:%d/%m/%Y}", "last": f"{last:%d/%m/%Y}"})
    predecessors = UnitLineage.objects.filter(successor=province, predecessor__level=UnitLevel.PROVINCE)
    birth_codes = tuple(sorted({province.code.zfill(3)} | {
        code.zfill(3) for code in predecessors.values_list("predecessor__code", flat=True)}))

    clocks: dict[tuple, WorkClock] = {}
    infos: list[AgencyInfo] = []
    for agency in rows:
        cal = calendar_for(agency=agency)
        key = (cal.saturday_works, province.pk)
        if key not in clocks:
            clocks[key] = WorkClock(cal, first - dt.timedelta(days=3), last + dt.timedelta(days=420))
        rng = random.Random(f"{seed}:{agency.code}")
        is_commune = agency.unit.level == UnitLevel.COMMUNE
        # Population proxy: log-normal, wards (phường) larger. Lateness factor: log-normal.
        weight = math.exp(rng.gauss(0, 0.5)) * (1.5 if agency.unit.division_type.lower().startswith("phường") else 1)
        late_factor = min(4.0, max(0.2, math.exp(rng.gauss(0, mix.agency_late_spread))))
        infos.append(AgencyInfo(pk=agency.pk, pk_t=str(agency.pk), obj=agency, code=agency.code,
                                name_t=esc(agency.name), place_t=esc(agency.unit.name), is_commune=is_commune,
                                clock=clocks[key], weight=weight, late_factor=late_factor, staff=_staff(rng)))
    by_pk = {a.pk: a for a in infos}
    communes = [a for a in infos if a.is_commune and a.obj.kind == AgencyKind.COMMUNE_PEOPLES_COMMITTEE]
    centre = next((a for a in infos if a.obj.kind == AgencyKind.PROVINCE_SERVICE_CENTRE), None)
    committee = next((a for a in infos if a.obj.kind == AgencyKind.PROVINCE_PEOPLES_COMMITTEE), None)
    departments = [a for a in infos if a.obj.kind == AgencyKind.DEPARTMENT]

    assigned: dict[int, list[int]] = {}
    for procedure_id, agency_id in ProcedureAssignment.objects.filter(agency_id__in=by_pk).values_list(
            "procedure_id", "agency_id").order_by("procedure_id", "agency_id"):
        assigned.setdefault(procedure_id, []).append(agency_id)
    flows: dict[int, Flow] = {}
    procedures = []
    current = (Procedure.objects.filter(pk__in=assigned, is_active=True, current_version__isnull=False,
                                        current_version__status=VersionStatus.PUBLISHED)
               .select_related("current_version__workflow", "field").order_by("code"))
    for procedure in current:
        version = procedure.current_version
        if version.workflow_id not in flows:
            flows[version.workflow_id] = flow_build(version.workflow)
        competent = [by_pk[pk] for pk in assigned[procedure.pk]]
        results = version.results or []
        result = next((r for r in results if r.get("electronic")), results[0] if results else None)
        components = [(c["code"], esc(f"{c['name'][:180]}.pdf"), bool(c.get("required")))
                      for c in (version.components or [])]
        kinds = [k for k in (version.applicant_types or ["citizen"]) if k in ("citizen", "business", "household",
                                                                              "foreigner")] or ["citizen"]
        procedures.append(ProcedureInfo(
            code=procedure.code, pk_t=str(procedure.pk), version_t=str(version.pk), flow=flows[version.workflow_id],
            amount=version.processing_amount, unit=version.processing_unit, fee=version.fee_total,
            channels=frozenset(int(c) for c in version.channels or [1]), competent=competent,
            competent_cum=_cumulative([a.weight for a in competent]),
            at_commune=all(a.is_commune for a in competent), summary_t=esc(version.name[:500]),
            form_t=_form_template(version.form_schema or {}), components=components,
            e_result=any(r.get("electronic") for r in results),
            result_name=esc((result or {}).get("name") or "Kết quả giải quyết thủ tục hành chính")[:120],
            applicant_kinds=kinds, weight=mix.procedure_weights.get(procedure.code, DEFAULT_WEIGHT),
            financial=procedure.field.code in mix.financial_fields and flows[version.workflow_id].has_financial))
    if not procedures:
        raise WorldInvalid(_("Chưa có thủ tục nào đang áp dụng được giao cho các cơ quan của %(name)s "
                             "(cần nạp danh mục thủ tục trước).") % {"name": province.name})
    return World(province=province, birth_codes=birth_codes, agencies=infos, communes=communes,
                 communes_cum=_cumulative([a.weight for a in communes]), centre=centre, committee=committee,
                 departments=departments, procedures=procedures, flows=flows)


def role_for(action: ActionSpec, wanted: str) -> str:
    """`wanted` if the action allows it, else the first official role it names."""
    if wanted in action.roles:
        return wanted
    return next((r for r in action.roles if r in OFFICIAL_ROLES), action.roles[0])


__all__ = ["APPLICANT", "SYSTEM", "Flow", "ProcedureInfo", "World", "WorldInvalid", "flow_build", "role_for",
           "world_load"]
