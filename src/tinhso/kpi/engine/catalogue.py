"""What the 766 formulas read from the procedure catalogue (one read per run; the catalogue is small).

- items 3.1, 3.2: procedures offering an online service (Decree 42/2022: partial or full process);
- items 3.5, 3.5b, 3.6: procedures with fee information ≠ 0 ("Phí, lệ phí khác 0, null");
- items 3.3, 4.1, 4.2: versions whose result is a paper document ("TTHC yêu cầu trả kết quả bằng
  văn bản giấy tờ"): `results[].paper`;
- item 4.5: procedures whose applicants include people ("Công dân Việt Nam", "Người Việt Nam định cư
  ở nước ngoài", "Người nước ngoài");
- item 1.3: procedures whose published version has every constituent part of Art. 8(2) of Decree
  63/2010 the formula lists (name, steps, method, components and their counts, time limit,
  applicants, agency);
- the procedures each agency is competent for (`ProcedureAssignment`): a unit's procedures.

The current published version of each active procedure is read; a version pinned by a dossier is
read only for its paper-result flag (the dossier is judged against what it was received under).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from tinhso.catalog.models import (
    ApplicantType,
    Procedure,
    ProcedureAssignment,
    ProcedureVersion,
    ServiceLevel,
    VersionStatus,
)
from tinhso.kpi.engine.facts import Catalogue

PEOPLE = {ApplicantType.CITIZEN, ApplicantType.FOREIGNER}


@dataclass(frozen=True)
class CatalogueSets:
    facts: Catalogue
    active: frozenset[int]
    online: frozenset[int]
    fee: frozenset[int]
    people: frozenset[int]
    complete: frozenset[int]
    units: dict[int, str]                 # procedure → unit of its time limit (item 2.2)
    assigned: dict[int, frozenset[int]]   # agency → procedures

    def applied(self, agency_ids) -> set[int]:
        found: set[int] = set()
        for agency_id in agency_ids:
            found |= self.assigned.get(agency_id, frozenset())
        return found & self.active


def _complete(version: ProcedureVersion, assigned: bool) -> bool:
    components = version.components or []
    counted = all(isinstance(c.get("originals"), int) and isinstance(c.get("copies"), int)
                  and c["originals"] + c["copies"] > 0 for c in components)
    return bool(version.name.strip() and version.workflow_id and version.channels and components and counted
                and version.processing_amount and version.processing_unit and version.applicant_types
                and (assigned or version.agency_levels))


def catalogue_read() -> CatalogueSets:
    assigned: dict[int, set[int]] = defaultdict(set)
    for agency_id, procedure_id in ProcedureAssignment.objects.values_list("agency_id", "procedure_id"):
        assigned[agency_id].add(procedure_id)
    with_agency = {p for procedures in assigned.values() for p in procedures}
    paper = {pk for pk, results in ProcedureVersion.objects.values_list("pk", "results")
             if any(r.get("paper") for r in results or [])}
    active, online, fee, people, complete, units = set(), set(), set(), set(), set(), {}
    procedures = (Procedure.objects.filter(is_active=True, current_version__status=VersionStatus.PUBLISHED)
                  .select_related("current_version"))
    for procedure in procedures:
        version = procedure.current_version
        active.add(procedure.pk)
        units[procedure.pk] = version.processing_unit
        if version.service_level in (ServiceLevel.PARTIAL, ServiceLevel.FULL):
            online.add(procedure.pk)
        if version.fee_total > 0:
            fee.add(procedure.pk)
        if PEOPLE.intersection(version.applicant_types or []):
            people.add(procedure.pk)
        if _complete(version, procedure.pk in with_agency):
            complete.add(procedure.pk)
    return CatalogueSets(
        facts=Catalogue(paper_versions=frozenset(paper), fee_procedures=frozenset(fee)),
        active=frozenset(active), online=frozenset(online), fee=frozenset(fee), people=frozenset(people),
        complete=frozenset(complete), units=units,
        assigned={agency: frozenset(procs) for agency, procs in assigned.items()},
    )
