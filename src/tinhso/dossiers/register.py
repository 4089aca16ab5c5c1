"""The dossier register (sổ theo dõi hồ sơ): Mẫu 06 of Circular 01/2018/TT-VPCP, Mẫu 07 of
Circular 03/2025/TT-VPCP. The columns follow the 2018 form (the 2025 text could not be read in
full, regulations.md §2.1): order, dossier code, procedure, applicant and contact, competent agency,
received, appointment, sent to / received back from the competent agency, returned, signature,
notes. One dossier per row; on-time status in the notes column."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from tinhso.core.models import Agency
from tinhso.dossiers.models import Dossier, DossierEvent, Status
from tinhso.dossiers.selectors import dossier_verdicts


def register_rows(qs: QuerySet[Dossier] | Iterable[Dossier]) -> list[dict]:
    dossiers = list(qs)
    verdicts = dossier_verdicts(dossiers)
    return [{
        "code": d.code, "procedure_name": d.procedure.name, "applicant_name": d.applicant_name,
        "submitted_at": d.submitted_at, "accepted_at": d.accepted_at, "due_at": d.due_at,
        "finished_at": d.finished_at, "returned_at": d.returned_at, "status": d.status,
        "competent_agency": d.competent_agency.name, "on_time": verdicts[d.pk].on_time,
    } for d in dossiers]


def _when(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%H:%M %d/%m/%Y") if value else ""


def register_workbook(*, agency: Agency, start: dt.date, end: dt.date, dossiers: QuerySet[Dossier]) -> bytes:
    rows = list(dossiers.select_related("procedure", "competent_agency"))
    verdicts = dossier_verdicts(rows)
    handovers: dict[int, list[DossierEvent]] = {}
    for event in (DossierEvent.objects.filter(dossier__in=rows).exclude(from_agency_id=None)
                  .order_by("dossier_id", "seq").only("dossier_id", "at", "from_agency_id", "to_agency_id")):
        if event.from_agency_id != event.to_agency_id:
            handovers.setdefault(event.dossier_id, []).append(event)
    wb = Workbook()
    ws = wb.active
    ws.title = _("Sổ theo dõi hồ sơ")[:31]
    ws.append([_("SỔ THEO DÕI HỒ SƠ")])
    ws.append([f"{agency.name} — " + _("từ %(a)s đến %(b)s") % {"a": f"{start:%d/%m/%Y}", "b": f"{end:%d/%m/%Y}"}])
    ws.append([])
    headers = [_("STT"), _("Mã hồ sơ"), _("Tên thủ tục hành chính"), _("Số lượng hồ sơ (bộ)"),
               _("Tên cá nhân, tổ chức"), _("Địa chỉ, số điện thoại"), _("Cơ quan chủ trì giải quyết"),
               _("Nhận hồ sơ (giờ, ngày)"), _("Hẹn trả kết quả (giờ, ngày)"),
               _("Chuyển hồ sơ đến cơ quan giải quyết (giờ, ngày)"),
               _("Nhận kết quả từ cơ quan giải quyết (giờ, ngày)"), _("Trả kết quả (giờ, ngày)"),
               _("Ký nhận"), _("Ghi chú")]
    ws.append(headers)
    thin = Side(style="thin")
    for cell in ws[4]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
    ws["A1"].font = Font(bold=True, size=14)
    labels = {True: _("Đúng hạn"), False: _("Quá hạn"), None: ""}
    for i, d in enumerate(rows, 1):
        moves = handovers.get(d.pk, [])
        sent = next((e.at for e in moves if e.to_agency_id == d.competent_agency_id
                     and e.from_agency_id != d.competent_agency_id), None)
        back = next((e.at for e in moves if e.from_agency_id == d.competent_agency_id
                     and e.to_agency_id != d.competent_agency_id), None)
        note = labels[verdicts[d.pk].on_time]
        if d.status in (Status.REFUSED, Status.WITHDRAWN, Status.STOPPED):
            note = f"{d.get_status_display()}. {note}".strip(". ")
        ws.append([i, d.code, d.procedure.name, 1, d.applicant_name,
                   ", ".join(x for x in (d.applicant_address, d.applicant_phone) if x),
                   d.competent_agency.name, _when(d.accepted_at or d.submitted_at), _when(d.due_at),
                   _when(sent), _when(back), _when(d.returned_at), "", note])
    widths = [6, 26, 40, 10, 26, 30, 30, 18, 18, 20, 20, 18, 10, 18]
    for col, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = "A5"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
