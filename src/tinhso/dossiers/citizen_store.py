"""The citizen data store (kho quản lý dữ liệu điện tử của tổ chức, cá nhân) and the portal's drafts.

Decree 45/2020/NĐ-CP Art. 16(3) lists what the store holds per account: the applicant's data, the
dossiers received and settled, their history and files, the e-results, certified e-copies and
other documents; Circular 01/2023/TT-VPCP Art. 24 makes it one view per account. Here:

- **facts** (`CitizenFact`): name, date of birth, sex, personal id, phone, e-mail, address…, each
  with its source (typed by the citizen, VNeID, an earlier dossier, the account) and time;
- **earlier dossiers** and their **e-results**: read from the dossiers themselves (`applicant`),
  never copied;
- **documents** the citizen keeps (`CitizenDocument`), uploaded once and attached to later dossiers.

Forms are pre-filled from the facts (`prefill`): a form property annotated `"x-fact": "<key>"`
(see web/schema_forms.py), or named as a contact detail everyone uses (`WELL_KNOWN`). After a
submission the facts typed are saved back when the citizen agreed (`Draft.save_facts`).

A **draft** (`Draft`, `DraftFile`) is a dossier being prepared on the portal; `draft_submit` turns
it into a dossier through `services.dossier_intake` (source online, channel online) with an
idempotency key bound to the draft: a double submit gives one dossier. Files are flagged for the
national sync and the Decision 766 indicators (regulations.md §3): a document of the store is
reused (DuocTaiSuDung 1) and taken from the store (DuocLayTuKhoDMQG 1); an earlier e-result is
reused with the replaced result's code (DuocTaiSuDung 2, MaKetQuaThayThe) and is a digitised
component (it is an electronic original); a fresh upload carries none of these flags.

Files uploaded to drafts and documents are stored in the `citizen_files` storage, content-addressed
like dossier files (dossiers/attachments.py), and inspected by the same rules (size, type from the
content). A blob is deleted when the last row that names it goes (`_blob_release`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, Any

from django.core.files.base import ContentFile, File
from django.core.files.storage import Storage, storages
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tinhso.accounts.models import User, UserKind
from tinhso.catalog.models import ProcedureVersion
from tinhso.core.audit import audit_record
from tinhso.core.models import Agency
from tinhso.dossiers import services
from tinhso.dossiers.attachments import (
    STORAGE_ALIAS as DOSSIER_STORAGE,
)
from tinhso.dossiers.attachments import (
    AttachmentRejected,
    InspectedFile,
    attachment_inspect,
    storage_path_for,
)
from tinhso.dossiers.errors import InvalidInput, NotFound
from tinhso.dossiers.models import (
    Attachment,
    CitizenDocument,
    CitizenFact,
    Dossier,
    Draft,
    DraftFile,
    FactSource,
    Source,
    Status,
)

CITIZEN_STORAGE = "citizen_files"
FACT_KEYWORD = "x-fact"


# --- Facts ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FactSpec:
    label: Any
    kind: str = "text"          # text | date | sex | id_number | unit
    max_length: int = 300


#: The facts the store keeps about a person, in display order. A form property names one with
#: `"x-fact"`; the applicant page of the portal asks the first ones.
FACTS: dict[str, FactSpec] = {
    "full_name": FactSpec(gettext_lazy("Họ, chữ đệm và tên"), max_length=150),
    "id_number": FactSpec(gettext_lazy("Số định danh cá nhân"), kind="id_number", max_length=12),
    "birth_date": FactSpec(gettext_lazy("Ngày sinh"), kind="date", max_length=10),
    "sex": FactSpec(gettext_lazy("Giới tính"), kind="sex", max_length=3),
    "ethnicity": FactSpec(gettext_lazy("Dân tộc"), max_length=50),
    "nationality": FactSpec(gettext_lazy("Quốc tịch"), max_length=50),
    "hometown": FactSpec(gettext_lazy("Quê quán"), max_length=300),
    "phone": FactSpec(gettext_lazy("Số điện thoại"), max_length=20),
    "email": FactSpec(gettext_lazy("Thư điện tử"), max_length=254),
    "address": FactSpec(gettext_lazy("Địa chỉ nơi cư trú"), max_length=300),
    "residence_unit": FactSpec(gettext_lazy("Xã, phường nơi cư trú (mã)"), kind="unit", max_length=5),
}
SEX_VALUES = ("Nam", "Nữ")

#: Property names that mean the same thing in every form: the filer's contact details. Anything
#: else ("ho_ten", "ngay_sinh"…) may be about someone else (the child, the deceased), so it is
#: pre-filled only when the form says so with `x-fact`.
WELL_KNOWN = {"so_dien_thoai": "phone", "dien_thoai": "phone", "email": "email", "thu_dien_tu": "email"}

#: The applicant page's fields and their facts (services.Applicant's names).
APPLICANT_FACTS = {"name": "full_name", "id_number": "id_number", "phone": "phone", "email": "email",
                   "address": "address"}


@dataclass(frozen=True)
class FactView:
    key: str
    label: str
    value: str
    source: str
    source_label: str
    updated_at: dt.datetime | None
    dossier_code: str = ""


def _account_facts(owner: User) -> dict[str, str]:
    """What the account itself says (registered at the counter or through VNeID)."""
    found = {"full_name": owner.full_name, "id_number": owner.personal_id or "", "phone": owner.phone,
             "email": owner.email}
    return {k: v for k, v in found.items() if v}


def citizen_facts(owner: User) -> dict[str, FactView]:
    """Every fact known about `owner`, in FACTS order: the stored ones, else the account's."""
    stored = {f.key: f for f in CitizenFact.objects.filter(owner=owner).select_related("source_dossier")}
    account = _account_facts(owner)
    out: dict[str, FactView] = {}
    for key, spec in FACTS.items():
        fact = stored.get(key)
        if fact is not None:
            out[key] = FactView(key=key, label=str(spec.label), value=fact.value, source=fact.source,
                                source_label=str(FactSource(fact.source).label), updated_at=fact.updated_at,
                                dossier_code=fact.source_dossier.code if fact.source_dossier_id else "")
        elif key in account:
            out[key] = FactView(key=key, label=str(spec.label), value=account[key], source=FactSource.ACCOUNT,
                                source_label=str(FactSource.ACCOUNT.label), updated_at=None)
    return out


def citizen_fact_values(owner: User) -> dict[str, str]:
    return {key: view.value for key, view in citizen_facts(owner).items()}


def fact_problem(key: str, value: str) -> str:
    """Why `value` cannot be kept as fact `key` ("" if it can)."""
    spec = FACTS.get(key)
    if spec is None:
        return _("Thông tin không được lưu trong kho dữ liệu.")
    if len(value) > spec.max_length:
        return _("Không được dài quá %(n)d ký tự.") % {"n": spec.max_length}
    if spec.kind == "date":
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            return _("Ngày không hợp lệ.")
    if spec.kind == "sex" and value not in SEX_VALUES:
        return _("Giới tính là Nam hoặc Nữ.")
    if spec.kind == "id_number" and not re.fullmatch(r"\d{12}", value):
        return _("Số định danh cá nhân phải gồm đúng 12 chữ số.")
    if spec.kind == "unit" and not re.fullmatch(r"\d{5}", value):
        return _("Mã xã, phường gồm đúng 5 chữ số.")
    return ""


def citizen_facts_save(*, owner: User, values: dict[str, Any], source: str, dossier: Dossier | None = None,
                       ip: str = "") -> list[str]:
    """Keep the facts in `values` ({key: value}) that are new or changed; empty values and keys
    that are not facts are ignored, invalid values refused (InvalidInput, per key). Returns the keys
    written. One transaction, one audit entry naming the keys (never the values)."""
    clean: dict[str, str] = {}
    problems = []
    for key, raw in values.items():
        if key not in FACTS or raw in (None, ""):
            continue
        value = raw.isoformat() if isinstance(raw, dt.date) else str(raw).strip()
        if not value:
            continue
        problem = fact_problem(key, value)
        if problem:
            problems.append({"field": key, "message": problem})
        clean[key] = value
    if problems:
        raise InvalidInput(_("Thông tin chưa hợp lệ."), details=problems)
    now = timezone.now()
    changed: list[str] = []
    account = _account_facts(owner)
    with transaction.atomic():
        current = {f.key: f for f in CitizenFact.objects.select_for_update().filter(owner=owner, key__in=clean)}
        for key, value in clean.items():
            fact = current.get(key)
            if (fact.value if fact is not None else account.get(key)) == value:
                continue  # nothing new: the store or the account already says so
            if fact is None:
                CitizenFact.objects.create(owner=owner, key=key, value=value, source=source,
                                           source_dossier=dossier, updated_at=now)
            else:
                fact.value, fact.source, fact.source_dossier, fact.updated_at = value, source, dossier, now
                fact.save(update_fields=["value", "source", "source_dossier", "updated_at"])
            changed.append(key)
        if changed:
            audit_record(action="citizen_store.facts_saved", actor=owner, object_type="user", object_id=owner.pk,
                         data={"keys": changed, "source": source,
                               **({"dossier": dossier.code} if dossier is not None else {})}, ip=ip)
    return changed


def property_facts(schema: dict) -> dict[str, str]:
    """{form property: fact key} of a form: its `x-fact` annotations, and the well-known contact
    names."""
    out = {}
    for name, prop in ((schema or {}).get("properties") or {}).items():
        key = str(prop.get(FACT_KEYWORD) or "") if isinstance(prop, dict) else ""
        key = key or WELL_KNOWN.get(name, "")
        if key in FACTS:
            out[name] = key
    return out


def prefill(version: ProcedureVersion, facts: dict[str, str]) -> dict[str, Any]:
    """Answers of `version`'s form taken from the facts ({property: value}); a value the property
    would refuse (an enum it does not list) is left out."""
    properties = (version.form_schema or {}).get("properties") or {}
    out = {}
    for name, key in property_facts(version.form_schema).items():
        value = facts.get(key)
        allowed = properties[name].get("enum") if isinstance(properties[name], dict) else None
        if value and (not allowed or value in allowed):
            out[name] = value
    return out


def facts_from_answers(version: ProcedureVersion, answers: dict[str, Any],
                       applicant: dict[str, Any]) -> dict[str, str]:
    """The facts a submission states: the applicant's, and the annotated form answers."""
    found = {fact: str(applicant.get(name) or "") for name, fact in APPLICANT_FACTS.items()}
    for name, key in property_facts(version.form_schema).items():
        if answers.get(name) not in (None, ""):
            found[key] = str(answers[name])
    return {k: v for k, v in found.items() if v and not fact_problem(k, v)}


# --- File blobs of the store --------------------------------------------------------------------

def _storage(alias: str = CITIZEN_STORAGE) -> Storage:
    return storages[alias]


def _blob_store(inspected: InspectedFile, data: bytes | IO[bytes]) -> str:
    """Write the inspected content to the store; its content-addressed path (written once)."""
    path = storage_path_for(inspected.sha256)
    if not isinstance(data, (bytes, bytearray)):
        data.seek(0)
        data = data.read(inspected.size + 1)
    if len(data) != inspected.size or hashlib.sha256(data).hexdigest() != inspected.sha256:
        raise ValueError("the content differs from the inspected file")
    storage = _storage()
    if storage.exists(path) and storage.size(path) == inspected.size:
        return path
    if storage.exists(path):
        storage.delete(path)
    saved = storage.save(path, ContentFile(bytes(data)))
    if saved != path:  # stored meanwhile by another request: keep theirs
        storage.delete(saved)
    return path


def _blob_release(path: str) -> None:
    """Delete a stored blob no document or staged file names any more."""
    if CitizenDocument.objects.filter(storage_path=path).exists():
        return
    if DraftFile.objects.filter(storage=CITIZEN_STORAGE, storage_path=path).exists():
        return
    storage = _storage()
    if re.fullmatch(r"[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{64}", path) and storage.exists(path):
        storage.delete(path)


def blob_open(storage_alias: str, path: str) -> File:
    """A stored file (a draft's, a document's or an e-result's), opened for binary reading."""
    if storage_alias not in (CITIZEN_STORAGE, DOSSIER_STORAGE):
        raise ValueError("unknown storage")
    if not re.fullmatch(r"[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{64}", path or "") or path != storage_path_for(path[-64:]):
        raise ValueError("not a content-addressed path")
    return _storage(storage_alias).open(path, "rb")


# --- Documents ------------------------------------------------------------------------------------

def citizen_documents(owner: User) -> QuerySet[CitizenDocument]:
    return CitizenDocument.objects.filter(owner=owner).order_by("-added_at", "-pk")


def citizen_document_add(*, owner: User, title: str, name: str, data: bytes | IO[bytes],
                         declared_type: str | None = None) -> CitizenDocument:
    """Keep a document in the store. Raises AttachmentRejected (too large, forbidden type…) with
    the reason, before anything is written."""
    inspected = attachment_inspect(name=name, data=data, declared_type=declared_type)
    title = (title or "").strip()[:200] or inspected.safe_name
    with transaction.atomic():
        path = _blob_store(inspected, data)
        document = CitizenDocument.objects.create(
            owner=owner, title=title, name=inspected.safe_name, storage_path=path, size=inspected.size,
            content_type=inspected.content_type, sha256=inspected.sha256, added_at=timezone.now())
        audit_record(action="citizen_store.document_added", actor=owner, object_type="citizen_document",
                     object_id=document.pk)
    return document


def citizen_document_delete(*, owner: User, document_id: int) -> None:
    """Remove a document from the store (dossiers it was attached to keep their copy)."""
    with transaction.atomic():
        document = CitizenDocument.objects.select_for_update().filter(owner=owner, pk=document_id).first()
        if document is None:
            raise NotFound(_("Không tìm thấy giấy tờ."))
        path = document.storage_path
        document.delete()
        audit_record(action="citizen_store.document_deleted", actor=owner, object_type="citizen_document",
                     object_id=document_id)
        transaction.on_commit(lambda: _blob_release(path))


# --- Earlier dossiers and e-results ---------------------------------------------------------------

#: Status groups of "Hồ sơ của tôi": (URL value, statuses, label).
DOSSIER_GROUPS = (
    ("dang-xu-ly", (Status.SUBMITTED, Status.ACCEPTED, Status.IN_PROGRESS, Status.FINANCIAL_REQUESTED),
     gettext_lazy("Đang xử lý")),
    ("can-bo-sung", (Status.SUPPLEMENT_REQUESTED,), gettext_lazy("Cần bổ sung")),
    ("co-ket-qua", (Status.PROCESSED, Status.RETURNED), gettext_lazy("Đã có kết quả")),
    ("da-dong", (Status.REFUSED, Status.WITHDRAWN, Status.STOPPED), gettext_lazy("Đã dừng, rút, từ chối")),
)


def citizen_dossiers(owner: User, *, group: str = "") -> QuerySet[Dossier]:
    """The dossiers `owner` filed (or was registered as applicant of), newest first; optionally one
    status group of DOSSIER_GROUPS."""
    qs = Dossier.objects.filter(applicant=owner)
    statuses = next((s for value, s, _label in DOSSIER_GROUPS if value == group), None)
    if statuses is not None:
        qs = qs.filter(status__in=statuses)
    return qs.select_related("procedure", "competent_agency").order_by("-submitted_at", "-pk")


@dataclass(frozen=True)
class EResult:
    attachment: Attachment
    dossier_code: str
    procedure_name: str
    code: str
    issued_at: dt.datetime


def e_result_code(attachment: Attachment, dossier_code: str) -> str:
    """The code a reusing dossier gives as MaKetQuaThayThe: the code of the dossier whose result
    it is (one result per dossier in the catalogue; the code is printed on the result and unique
    in the province)."""
    return dossier_code[:60]


def citizen_e_results(owner: User) -> list[EResult]:
    """The e-results of `owner`'s dossiers, newest first."""
    rows = (Attachment.objects.filter(dossier__applicant=owner, is_result=True)
            .select_related("dossier__procedure_version").order_by("-uploaded_at", "-pk"))
    return [EResult(attachment=a, dossier_code=a.dossier.code, procedure_name=a.dossier.procedure_version.name,
                    code=e_result_code(a, a.dossier.code), issued_at=a.uploaded_at) for a in rows]


# --- Drafts ------------------------------------------------------------------------------------------

def drafts_open(owner: User) -> QuerySet[Draft]:
    return (Draft.objects.filter(owner=owner, dossier__isnull=True)
            .select_related("procedure_version__procedure").order_by("-updated_at"))


def draft_get(owner: User, public_id) -> Draft | None:
    """`owner`'s draft by its public id (anyone else's: None)."""
    return (Draft.objects.filter(owner=owner, public_id=public_id)
            .select_related("procedure_version__procedure", "procedure_version__workflow", "agency", "dossier")
            .first())


def draft_create(*, owner: User, version: ProcedureVersion, agency: Agency | None = None) -> Draft:
    """A new draft of `version`, the applicant pre-filled from the store."""
    facts = citizen_fact_values(owner)
    applicant = {name: facts[fact] for name, fact in APPLICANT_FACTS.items() if facts.get(fact)}
    return Draft.objects.create(owner=owner, procedure_version=version, agency=agency, applicant=applicant,
                                answers=prefill(version, facts))


def draft_update(*, draft: Draft, applicant: dict[str, Any] | None = None, answers: dict[str, Any] | None = None,
                 replace: Iterable[str] = (), agency: Agency | None = None, done: str | None = None,
                 undone: str | None = None, save_facts: bool | None = None) -> Draft:
    """Record a page of the draft: applicant fields, answers (the properties in `replace` are
    dropped first, so that an answer emptied on the page goes), the agency, a section finished."""
    with transaction.atomic():
        row = Draft.objects.select_for_update().get(pk=draft.pk)
        if row.dossier_id is not None:
            raise InvalidInput(_("Hồ sơ này đã được nộp."), code="draft_submitted")
        if applicant is not None:
            row.applicant = {**row.applicant, **applicant}
        if answers is not None or replace:
            kept = {k: v for k, v in row.answers.items() if k not in set(replace)}
            row.answers = {**kept, **(answers or {})}
        if agency is not None:
            row.agency = agency
        if done and done not in row.done:
            row.done = [*row.done, done]
        if undone and undone in row.done:
            row.done = [d for d in row.done if d != undone]
        if save_facts is not None:
            row.save_facts = save_facts
        row.save()
    for name in ("applicant", "answers", "agency_id", "done", "save_facts", "updated_at"):
        setattr(draft, name, getattr(row, name))
    return draft


def draft_outdated(draft: Draft) -> bool:
    """The procedure has a newer version in force than the one the draft was begun on."""
    procedure = draft.procedure_version.procedure
    return procedure.current_version_id is not None and procedure.current_version_id != draft.procedure_version_id


def draft_rebase(*, draft: Draft) -> Draft:
    """Move a draft to the version now in force (a dossier is always received under it): the
    answers to questions that still exist are kept, files of components that no longer exist are
    dropped, and every section is to be looked at again (its questions may have changed)."""
    with transaction.atomic():
        row = _open_draft(draft)
        procedure = row.procedure_version.procedure
        version = ProcedureVersion.objects.filter(pk=procedure.current_version_id, status="published").first()
        if version is None or version.pk == row.procedure_version_id:
            return draft
        properties = (version.form_schema or {}).get("properties") or {}
        codes = {c.get("code") for c in version.components or []}
        gone = list(row.files.exclude(component_code__in=codes))
        for staged in gone:
            staged.delete()
            if staged.storage == CITIZEN_STORAGE:
                path = staged.storage_path
                transaction.on_commit(lambda path=path: _blob_release(path))
        row.procedure_version = version
        row.answers = {k: v for k, v in row.answers.items() if k in properties}
        row.done = [d for d in row.done if d in ("applicant", "agency")]
        row.save()
    return draft_get(draft.owner, draft.public_id)


def draft_delete(*, owner: User, draft: Draft) -> None:
    with transaction.atomic():
        row = Draft.objects.select_for_update().filter(pk=draft.pk, owner=owner, dossier__isnull=True).first()
        if row is None:
            raise NotFound(_("Không tìm thấy hồ sơ đang soạn."))
        paths = list(row.files.filter(storage=CITIZEN_STORAGE).values_list("storage_path", flat=True))
        row.delete()
        transaction.on_commit(lambda: [_blob_release(p) for p in paths])


def _component(draft: Draft, code: str) -> dict[str, Any]:
    component = next((c for c in draft.procedure_version.components or [] if c.get("code") == code), None)
    if component is None:
        raise InvalidInput(_("Thủ tục không có thành phần hồ sơ này."),
                           details=[{"field": "component", "message": _("Thành phần hồ sơ không hợp lệ.")}])
    return component


def _open_draft(draft: Draft) -> Draft:
    row = Draft.objects.select_for_update().get(pk=draft.pk)
    if row.dossier_id is not None:
        raise InvalidInput(_("Hồ sơ này đã được nộp."), code="draft_submitted")
    return row


def draft_file_upload(*, draft: Draft, component_code: str, name: str, data: bytes | IO[bytes],
                      declared_type: str | None = None, keep_title: str = "") -> DraftFile:
    """Stage an uploaded file for a component. Raises AttachmentRejected with the reason (nothing
    else of the draft changes). `keep_title`: also keep it in the citizen's documents."""
    _component(draft, component_code)
    inspected = attachment_inspect(name=name, data=data, declared_type=declared_type)
    with transaction.atomic():
        row = _open_draft(draft)
        path = _blob_store(inspected, data)
        document = None
        if keep_title:
            document = CitizenDocument.objects.create(
                owner=row.owner, title=keep_title.strip()[:200], name=inspected.safe_name, storage_path=path,
                size=inspected.size, content_type=inspected.content_type, sha256=inspected.sha256,
                added_at=timezone.now())
        staged = DraftFile.objects.create(
            draft=row, component_code=component_code, name=inspected.safe_name, storage=CITIZEN_STORAGE,
            storage_path=path, size=inspected.size, content_type=inspected.content_type, sha256=inspected.sha256,
            added_at=timezone.now())
        if document is not None:
            # Kept for later dossiers; this dossier's file is the upload itself (not "from the store").
            audit_record(action="citizen_store.document_added", actor=row.owner,
                         object_type="citizen_document", object_id=document.pk)
        row.save(update_fields=["updated_at"])
    return staged


def draft_file_from_document(*, draft: Draft, component_code: str, document_id: int) -> DraftFile:
    """Attach a document of the citizen's store to a component (reused, from the store)."""
    _component(draft, component_code)
    with transaction.atomic():
        row = _open_draft(draft)
        document = CitizenDocument.objects.filter(owner=row.owner, pk=document_id).first()
        if document is None:
            raise NotFound(_("Không tìm thấy giấy tờ."))
        staged = DraftFile.objects.create(
            draft=row, component_code=component_code, name=document.name, storage=CITIZEN_STORAGE,
            storage_path=document.storage_path, size=document.size, content_type=document.content_type,
            sha256=document.sha256, source_document=document, added_at=timezone.now())
        row.save(update_fields=["updated_at"])
    return staged


def draft_file_reuse_result(*, draft: Draft, component_code: str, attachment_id: int) -> DraftFile:
    """Attach an earlier e-result of the citizen instead of a copy, for a component whose
    `reusable_result` allows it; flagged reused with the replaced result's code."""
    component = _component(draft, component_code)
    if not component.get("reusable_result"):
        raise InvalidInput(_("Thành phần này không dùng lại được kết quả điện tử."),
                           details=[{"field": "component", "message": _(
                               "Thành phần “%(name)s” phải nộp tệp giấy tờ.") % {"name": component["name"]}}])
    with transaction.atomic():
        row = _open_draft(draft)
        result = (Attachment.objects.filter(pk=attachment_id, is_result=True, dossier__applicant=row.owner)
                  .select_related("dossier").first())
        if result is None:
            raise NotFound(_("Không tìm thấy kết quả điện tử."))
        if row.files.filter(component_code=component_code, source_attachment=result).exists():
            return row.files.get(component_code=component_code, source_attachment=result)
        staged = DraftFile.objects.create(
            draft=row, component_code=component_code, name=result.name, storage=DOSSIER_STORAGE,
            storage_path=result.storage_path, size=result.size, content_type=result.content_type,
            sha256=result.sha256, source_attachment=result,
            replaced_result_code=e_result_code(result, result.dossier.code), added_at=timezone.now())
        row.save(update_fields=["updated_at"])
    return staged


def draft_file_remove(*, draft: Draft, file_id: int) -> None:
    with transaction.atomic():
        row = _open_draft(draft)
        staged = row.files.filter(pk=file_id).first()
        if staged is None:
            raise NotFound(_("Không tìm thấy tệp."))
        storage, path = staged.storage, staged.storage_path
        staged.delete()
        row.save(update_fields=["updated_at"])
        if storage == CITIZEN_STORAGE:
            transaction.on_commit(lambda: _blob_release(path))


def draft_missing_components(draft: Draft) -> list[dict[str, Any]]:
    """Required components of the draft's procedure without a staged file."""
    present = set(draft.files.values_list("component_code", flat=True))
    components = draft.procedure_version.components or []
    return [c for c in components if c.get("required") and c["code"] not in present]


def _incoming(staged: DraftFile, data: File) -> services.IncomingFile:
    inspected = InspectedFile(safe_name=staged.name, size=staged.size, content_type=staged.content_type,
                              sha256=staged.sha256, extension="." + staged.name.rsplit(".", 1)[-1].lower())
    from_store = staged.source_document_id is not None or staged.source_attachment_id is not None
    return services.IncomingFile(
        name=staged.name, data=data, component_code=staged.component_code,
        # An earlier e-result is an electronic original: a digitised component (HoSoCoThanhPhanSoHoa).
        digitised=staged.source_attachment_id is not None, reused=from_store, from_citizen_store=from_store,
        replaced_result_code=staged.replaced_result_code, inspected=inspected)


def applicant_of(draft: Draft) -> services.Applicant:
    kind = "business" if draft.owner.kind == UserKind.BUSINESS else "citizen"
    values = draft.applicant
    def text(name: str) -> str:
        return str(values.get(name) or "")

    return services.Applicant(name=text("name"), id_number=text("id_number"), kind=kind, phone=text("phone"),
                              email=text("email"), address=text("address"))


def draft_submit(*, draft: Draft, actor: User, vneid_authenticated: bool = False, ip: str = ""
                 ) -> tuple[Dossier, bool]:
    """Submit the draft as an online dossier. Returns (dossier, created): a second submit of the
    same draft (a double click, a repeated request) returns the first dossier.

    One transaction under the draft's row lock: the intake (services.dossier_intake, source and
    channel online, idempotency key `draft:<public id>`), the link from the draft to its dossier,
    and — when the citizen agreed — the facts saved back to the store. The service's refusals
    (InvalidInput, per field) are raised unchanged."""
    if actor.pk != draft.owner_id:
        raise NotFound(_("Không tìm thấy hồ sơ đang soạn."))
    with transaction.atomic():
        row = Draft.objects.select_for_update(of=("self",)).select_related(
            "procedure_version__procedure", "agency", "owner").get(pk=draft.pk)
        if row.dossier_id is not None:
            return row.dossier, False
        if draft_outdated(row):
            raise InvalidInput(_("Thủ tục vừa được cập nhật. Hãy kiểm tra lại hồ sơ trước khi gửi."),
                               code="draft_outdated")
        if row.agency is None:
            raise InvalidInput(_("Chưa chọn nơi giải quyết hồ sơ."), details=[
                {"field": "agency", "message": _("Chọn cơ quan giải quyết hồ sơ.")}])
        staged = list(row.files.all())
        opened = [blob_open(f.storage, f.storage_path) for f in staged]
        try:
            dossier, created = services.dossier_intake(
                actor=actor, procedure_code=row.procedure_version.procedure.code, receiving_agency=row.agency,
                competent_agency=row.agency, applicant=applicant_of(row), source=Source.ONLINE,
                form_data=dict(row.answers),
                files=[_incoming(f, data) for f, data in zip(staged, opened, strict=True)],
                idempotency_key=f"draft:{row.public_id}", applicant_user=actor,
                vneid_authenticated=vneid_authenticated)
        finally:
            for data in opened:
                data.close()
        row.dossier, row.submitted_at = dossier, timezone.now()
        row.save(update_fields=["dossier", "submitted_at", "updated_at"])
        if row.save_facts:
            citizen_facts_save(owner=actor, values=facts_from_answers(row.procedure_version, row.answers,
                                                                      row.applicant),
                               source=FactSource.DOSSIER, dossier=dossier, ip=ip)
    return dossier, created


__all__ = [
    "APPLICANT_FACTS",
    "CITIZEN_STORAGE",
    "DOSSIER_GROUPS",
    "FACTS",
    "AttachmentRejected",
    "EResult",
    "FactView",
    "applicant_of",
    "blob_open",
    "citizen_document_add",
    "citizen_document_delete",
    "citizen_documents",
    "citizen_dossiers",
    "citizen_e_results",
    "citizen_fact_values",
    "citizen_facts",
    "citizen_facts_save",
    "draft_create",
    "draft_delete",
    "draft_file_from_document",
    "draft_file_remove",
    "draft_file_reuse_result",
    "draft_file_upload",
    "draft_get",
    "draft_missing_components",
    "draft_outdated",
    "draft_rebase",
    "draft_submit",
    "draft_update",
    "drafts_open",
    "e_result_code",
    "fact_problem",
    "facts_from_answers",
    "prefill",
    "property_facts",
]
