"""Public verification of signed e-results, and the downloads of a dossier's forms and result.

- ``/xac-thuc/``: anyone (no login) uploads a PDF and is told whether it is valid, altered, signed
  by an unknown signer, or not signed. Works without JavaScript.
- ``/xac-thuc/<code>/``: the page the QR on a result opens (result code or dossier code): verifies
  the stored original. Shows only the signer, the signing time, the document's name, the codes
  and the hash — never the dossier's form data.
- ``/ho-so/<code>/bieu-mau/<kind>.pdf`` and ``/ho-so/<code>/ket-qua.pdf``: signed-in people who
  may see the dossier (dossiers.selectors.dossier_get_for); 404 for anyone else. Officials'
  downloads are audited (personal data).
- ``/bieu-mau/so-theo-doi.pdf?co-quan=…&tu=…&den=…``: the register (Mẫu 07 / 06) for officials of
  the agency.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from urllib.parse import quote

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from tinhso.core.audit import audit_record
from tinhso.core.models import Agency
from tinhso.documents import selectors
from tinhso.documents.forms import VerifyUploadForm, max_bytes, too_large_message
from tinhso.documents.kinds import FormKind, form_spec
from tinhso.documents.services import form_render
from tinhso.documents.verification import NotAPdf, Verdict, Verification, pdf_verify
from tinhso.dossiers.attachments import attachment_open, size_label
from tinhso.dossiers.errors import NotFound

# --- Verification --------------------------------------------------------------------------------

#: What a result or dossier code may contain (QCVN 102 agency code, date, number; "KQ-" prefix).
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9.\-_]{0,79}")

#: Heading, explanation and tag colour of each verdict.
def _verdict_texts() -> dict[str, dict[str, str]]:
    return {
        Verdict.VALID: {
            "title": _("Văn bản hợp lệ"), "tag": "govuk-tag--green",
            "text": _("Chữ ký số hợp lệ, văn bản không bị thay đổi kể từ khi ký, và người ký được xác thực bởi "
                      "tổ chức cung cấp dịch vụ chứng thực chữ ký số được tin cậy.")},
        Verdict.ALTERED: {
            "title": _("Văn bản đã bị thay đổi"), "tag": "govuk-tag--red",
            "text": _("Nội dung tệp không còn khớp với nội dung đã được ký, hoặc đã được thêm nội dung sau khi ký. "
                      "Không sử dụng tệp này; đề nghị cơ quan giải quyết cung cấp lại bản điện tử.")},
        Verdict.UNKNOWN_SIGNER: {
            "title": _("Không xác định được người ký"), "tag": "govuk-tag--yellow",
            "text": _("Chữ ký số còn nguyên vẹn nhưng chứng thư số của người ký không do tổ chức được tin cậy cấp. "
                      "Không thể khẳng định văn bản do cơ quan nhà nước ký.")},
        Verdict.NOT_SIGNED: {
            "title": _("Văn bản không có chữ ký số"), "tag": "govuk-tag--grey",
            "text": _("Tệp PDF này không có chữ ký số nên không thể xác thực nguồn gốc và tính toàn vẹn.")},
    }


def _problem_texts() -> dict[str, str]:
    return {
        "digest_mismatch": _("Mã băm của nội dung không khớp với chữ ký (nội dung đã bị sửa)."),
        "modified_after_signing": _("Tệp đã được bổ sung nội dung sau khi ký."),
        "not_covered": _("Chữ ký không bao trùm toàn bộ văn bản."),
        "damaged": _("Tệp có chữ ký nhưng đã bị hỏng, không đọc được."),
        "unreadable_signature": _("Không đọc được dữ liệu chữ ký."),
        "stored_mismatch": _("Bản lưu trên hệ thống không khớp với mã băm đã ghi khi ký."),
    }


def _when(value) -> str:
    return timezone.localtime(value).strftime("%H:%M, %d/%m/%Y") if value else ""


def _verification_view(found: Verification, result=None) -> dict:
    texts = _verdict_texts()[found.verdict]
    problems = _problem_texts()
    shown = {
        "verdict": found.verdict, "title": texts["title"], "text": texts["text"], "tag": texts["tag"],
        "signer_name": found.signer_name, "signer_organisation": found.signer_organisation,
        "signed_at": _when(found.signed_at), "sha256": found.sha256,
        "problems": [problems.get(p, p) for p in dict.fromkeys(found.problems)],
    }
    # The document's name and codes only for a document this deployment issued and that is
    # intact: never anything from the dossier's form.
    if result is not None and found.verdict in (Verdict.VALID, Verdict.UNKNOWN_SIGNER):
        shown.update({"document_name": result.name, "dossier_code": result.dossier.code,
                      "result_code": result.code})
    return shown


def _page(request, *, form=None, upload_error="", verification=None, status=200, code_error="", code_value="",
          not_found=""):
    if form is not None and form.is_bound and not upload_error:
        upload_error = (form.errors.get("tep") or [""])[0]
    errors = []
    if upload_error:
        errors.append({"href": "#id_tep", "message": upload_error})
    if code_error:
        errors.append({"href": "#id_ma", "message": code_error})
    return render(request, "documents/verify.html", {
        "errors": errors, "verification": verification, "max_size": size_label(max_bytes()),
        "tep_error": upload_error, "code_error": code_error, "code_value": code_value, "not_found": not_found,
    }, status=status)


# Exempt from CSRF so that an oversized body is refused before anything reads it (the CSRF check
# parses the form): the verification changes nothing and shows its answer only to the sender, so a
# forged request gains nothing (docs/decisions.md).
@csrf_exempt
@require_http_methods(["GET", "POST"])
def verify(request):
    """Upload a PDF, or type a result or dossier code, to check it."""
    if request.method == "GET":
        code = request.GET.get("ma", "").strip()
        if "ma" in request.GET:
            if not code:
                return _page(request, code_error=_("Nhập mã kết quả hoặc mã hồ sơ in dưới mã QR."), status=400)
            if not _CODE.fullmatch(code):
                return _page(request, code_value=code[:80], status=400, code_error=_(
                    "Mã chỉ gồm chữ cái không dấu, chữ số, dấu chấm và dấu gạch ngang, "
                    "ví dụ KQ-000.00.01.H61-260115-0001."))
            return redirect("documents:verify_code", code=code)
        return _page(request)
    # Refuse an oversized body before Django reads it into a temporary file.
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if declared.isdigit() and int(declared) > max_bytes() + 64 * 1024:
        return _page(request, upload_error=too_large_message(), status=413)
    form = VerifyUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, form=form, status=400)
    data = form.cleaned_data["tep"]
    try:
        found = pdf_verify(data)
    except NotAPdf:
        return _page(request, upload_error=_("Không đọc được tệp PDF này (tệp hỏng hoặc không đúng định dạng PDF)."),
                     status=400)
    result = selectors.result_by_sha256(found.sha256)
    return _page(request, verification=_verification_view(found, result))


@require_GET
def verify_code(request, code: str):
    """The page behind the QR printed on a result: verify the stored original."""
    result = selectors.result_by_code(code)
    if result is None:
        return _page(request, status=404, code_value=code[:80], not_found=_(
            "Không tìm thấy kết quả điện tử có mã “%(code)s”. Kiểm tra lại mã in dưới mã QR.") % {"code": code[:80]})
    with attachment_open(result.attachment.storage_path) as handle:
        data = handle.read()
    if hashlib.sha256(data).hexdigest() != result.sha256:
        found = Verification(Verdict.ALTERED, hashlib.sha256(data).hexdigest(), problems=["stored_mismatch"])
    else:
        try:
            found = pdf_verify(data)
        except NotAPdf:
            found = Verification(Verdict.ALTERED, result.sha256, problems=["damaged"])
    return _page(request, verification=_verification_view(found, result), code_value=result.code)


# --- Downloads -----------------------------------------------------------------------------------

def _pdf_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(filename)}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


@never_cache
@require_GET
def form_download(request, code: str, kind: str):
    """One official form of a dossier, for the applicant and the officials who can see it."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    spec = form_spec(kind) if kind in FormKind.values else None
    if spec is None or not spec.per_dossier:
        raise Http404
    dossier = selectors.dossier_visible(request.user, code=code)
    if dossier is None:
        raise Http404
    try:
        data = form_render(kind=kind, dossier_id=dossier.pk, actor=request.user)
    except NotFound as exc:
        raise Http404(exc.message) from None
    if request.user.is_official:
        audit_record(action="dossier.form_downloaded", actor=request.user, object_type="dossier",
                     object_id=dossier.code, data={"form": kind}, ip=_client_ip(request))
    return _pdf_response(data, f"Mau-{spec.number}-{dossier.code}.pdf")


@never_cache
@require_GET
def result_download(request, code: str):
    """The signed e-result of a dossier, for the applicant and the officials who can see it."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    dossier = selectors.dossier_visible(request.user, code=code)
    result = selectors.result_for_dossier(dossier) if dossier is not None else None
    if result is None:
        raise Http404
    with attachment_open(result.attachment.storage_path) as handle:
        data = handle.read()
    if request.user.is_official:
        audit_record(action="dossier.result_downloaded", actor=request.user, object_type="dossier",
                     object_id=dossier.code, data={"result": result.code}, ip=_client_ip(request))
    return _pdf_response(data, f"{result.code}.pdf")


def _day(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except (TypeError, ValueError):
        return None


@never_cache
@require_GET
def register_download(request):
    """The register of an agency for a period, for officials of that agency."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    agency = Agency.objects.filter(code=request.GET.get("co-quan", "")).select_related("unit", "parent").first()
    start, end = _day(request.GET.get("tu", "")), _day(request.GET.get("den", ""))
    if agency is None or start is None or end is None or end < start or (end - start).days > 366:
        raise Http404
    try:
        data = form_render(kind=FormKind.REGISTER, actor=request.user, agency=agency, start=start, end=end)
    except NotFound:
        raise Http404 from None
    audit_record(action="register.downloaded", actor=request.user, object_type="agency", object_id=agency.code,
                 data={"start": start.isoformat(), "end": end.isoformat()}, ip=_client_ip(request))
    spec = form_spec(FormKind.REGISTER)
    return _pdf_response(data, f"Mau-{spec.number}-so-theo-doi-{agency.code}-{start:%Y%m%d}-{end:%Y%m%d}.pdf")


def verify_url_for(code: str) -> str:
    return reverse("documents:verify_code", args=[code])
